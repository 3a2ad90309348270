// TensorFlow.js (pinned in bench/package.json) training the same model on
// the same token ids, or scaled pixels, as gradlab (ids.json from
// `gradlab bench --export`).
//   node bench/tfjs_train.mjs wasm|cpu|wasm-polyfill IDS.json PRESET EPOCHS MASK(true|false) [MAX_SECONDS [HARD_SECONDS]]
// A run past MAX_SECONDS stops early (the cpu backend trains a CNN at a few
// samples/s) once it has timed 4 batches of the epochs the other systems time
// (those after the first), or past HARD_SECONDS (4 × MAX_SECONDS) regardless, and reports
// which batches it timed (`stopped`, `timed_batches`); its accuracy is then
// left out, as it saw fewer epochs.
//   node bench/tfjs_train.mjs wasm --matmul 64,128,...
// Prints one JSON line. Fair play: TF.js 4.22's wasm backend has no
// UnsortedSegmentSum kernel (an Embedding's gradient), and the cpu backend's
// loops over every vocabulary row per segment; both get the linear scatter-add
// registered below, and the output says so.
// TF.js 4.22's wasm backend also lacks Conv2DBackpropFilter (a Conv1D's or
// Conv2D's weight gradient), so it cannot train a CNN. `wasm-polyfill` is the
// wasm backend with that one kernel supplied in JavaScript (a direct loop,
// bench/conv_filter_grad.mjs, checked against the cpu backend's kernel by
// bench/test/conv_filter_grad.test.mjs): what a user would have to add to
// train a CNN on TF.js wasm.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { registerConv2dBackpropFilterWasm } from './conv_filter_grad.mjs';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs');
const wasm = require('@tensorflow/tfjs-backend-wasm');

const [systemName, ...rest] = process.argv.slice(2);
const backendName = systemName === 'wasm-polyfill' ? 'wasm' : systemName;

// One pass over the rows: out[segmentIds[i]] += x[i].
function scatterAdd(xVals, ids, rowLen, out) {
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0) continue;
    const o = s * rowLen, r = i * rowLen;
    for (let j = 0; j < rowLen; j++) out[o + j] += xVals[r + j];
  }
}
let scatterCalls = 0;
function registerScatterAdd(name) {
  const kernelFunc = ({ inputs, backend, attrs }) => {
    scatterCalls++;
    const { x, segmentIds } = inputs;
    const numSegments = attrs.numSegments;
    const rowLen = x.shape.slice(1).reduce((a, b) => a * b, 1);
    const shape = [numSegments, ...x.shape.slice(1)];
    const xVals = backend.readSync(x.dataId);
    const ids = backend.readSync(segmentIds.dataId);
    if (name === 'wasm') {
      const out = backend.makeOutput(shape, x.dtype);
      const view = backend.typedArrayFromHeap(out);
      view.fill(0);
      scatterAdd(xVals, ids, rowLen, view);
      return out;
    }
    const vals = new Float32Array(numSegments * rowLen);
    scatterAdd(xVals, ids, rowLen, vals);
    return backend.makeTensorInfo(shape, x.dtype, vals);
  };
  try { tf.unregisterKernel('UnsortedSegmentSum', name); } catch { /* none registered */ }
  tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: name, kernelFunc });
}

let filterCalls = 0;

async function setup() {
  if (backendName === 'wasm') {
    wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
  }
  registerScatterAdd(backendName);
  if (systemName === 'wasm-polyfill') registerConv2dBackpropFilterWasm(tf, () => { filterCalls++; });
  await tf.setBackend(backendName);
  await tf.ready();
  const simd = backendName === 'wasm' ? await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') : null;
  const threads = backendName === 'wasm' ? await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') : null;
  return { simd, threads };
}

// The image-cnn preset with Keras's defaults (TF.js's own default kernel
// initializer is Glorot normal; Keras's is Glorot uniform).
function buildImage(shape, classes) {
  const init = { kernelInitializer: 'glorotUniform', biasInitializer: 'zeros' };
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: shape, filters: 16, kernelSize: 3, activation: 'relu', padding: 'valid', ...init }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', padding: 'same', ...init }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 64, activation: 'relu', ...init }));
  m.add(tf.layers.dense({ units: classes, activation: 'softmax', ...init }));
  m.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

function build(preset, numWords, maxLen, classes, mask) {
  if (preset === 'image-cnn') throw new Error('image-cnn needs image data (ids.json with kind "image")');
  // Nothing to assemble it from short of writing attention by hand.
  if (preset === 'transformer') throw new Error('TensorFlow.js 4.22 has no MultiHeadAttention, LayerNormalization-based Transformer block or position embedding layer: it cannot build the transformer preset');
  const m = tf.sequential();
  const emb = (maskZero) => tf.layers.embedding({ inputDim: numWords, outputDim: 64, inputLength: maxLen, maskZero });
  if (preset === 'lstm') {
    m.add(emb(mask));
    // Keras's LSTM gates are sigmoid; TF.js defaults to hard_sigmoid.
    m.add(tf.layers.lstm({ units: 64, returnSequences: true, recurrentActivation: 'sigmoid' }));
    m.add(tf.layers.lstm({ units: 32, recurrentActivation: 'sigmoid' }));
  } else if (preset === 'cnn') {
    m.add(emb(false));
    m.add(tf.layers.conv1d({ filters: 128, kernelSize: 5, activation: 'relu' }));
    m.add(tf.layers.globalMaxPooling1d());
  } else if (preset === 'bow') {
    m.add(emb(mask));
    m.add(tf.layers.globalAveragePooling1d());
  } else throw new Error('unknown preset ' + preset);
  m.add(tf.layers.dense({ units: 24, activation: 'relu' }));
  m.add(tf.layers.dense({ units: classes, activation: 'softmax' }));
  m.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

async function train(idsFile, preset, epochs, mask, maxSeconds, hardSeconds = 4 * maxSeconds) {
  const env = await setup();
  const d = JSON.parse(fs.readFileSync(idsFile, 'utf8'));
  const k = d.labels.length;
  const images = d.kind === 'image';
  // Images: each row holds one image's pixels in height × width × channels order (NHWC).
  const input = (rows) => (images ? tf.tensor4d(rows.flat(), [rows.length, ...d.image_shape], 'float32') : tf.tensor2d(rows, undefined, 'float32'));
  const x = input(d.train.ids);
  const y = tf.oneHot(tf.tensor1d(d.train.classes, 'int32'), k).toFloat();
  const vx = input(d.val.ids);
  const model = images ? buildImage(d.image_shape, k) : build(preset, d.num_words, d.max_len, k, mask);
  // The epochs every system times: those after the first (the first
  // compiles and warms up), or the only one. A run past its budget stops,
  // but only once it has timed at least 4 batches of those epochs (or at 4×
  // the budget regardless), so its speed is of the same kind of batches.
  const firstTimed = epochs > 1 ? 2 : 1;
  const batchesPerEpoch = Math.ceil(d.train.ids.length / 32);
  const epochSeconds = [];
  let epoch = 0, epochStart = 0, batchInEpoch = 0;
  let timedStart = null, timedBatches = 0, timedSamples = 0, lastEnd = 0;
  // The first epoch's batches after its first: what a run stopped in the first epoch can tell.
  let firstEpoch = { start: null, batches: 0, samples: 0, end: 0 };
  const start = performance.now();
  let stopped = null;
  await model.fit(x, y, {
    batchSize: 32, epochs, shuffle: true, verbose: 0,
    callbacks: {
      onEpochBegin: async (e) => {
        epoch = e + 1; batchInEpoch = 0;
        epochStart = performance.now();
        if (epoch === firstTimed) timedStart = epochStart;
      },
      // A stopped epoch (TF.js still ends it) is not a whole epoch's time.
      onEpochEnd: async () => { if (!stopped) epochSeconds.push((performance.now() - epochStart) / 1000); },
      onBatchEnd: async (_batch, logs) => {
        const now = performance.now();
        const size = logs?.size ?? 32;
        batchInEpoch++;
        if (epoch >= firstTimed) { timedBatches++; timedSamples += size; lastEnd = now; }
        if (epoch === 1) {
          if (firstEpoch.start === null) firstEpoch.start = now;
          else { firstEpoch.batches++; firstEpoch.samples += size; firstEpoch.end = now; }
        }
        const elapsed = (now - start) / 1000;
        // Past the hard limit it stops regardless, once it has any figure at all.
        const last = epoch === epochs && batchInEpoch === batchesPerEpoch;
        if (!last && ((elapsed > maxSeconds && timedBatches >= 4) || (elapsed > hardSeconds && (timedBatches >= 1 || firstEpoch.batches >= 4)))) {
          model.stopTraining = true;
          stopped = { after_seconds: elapsed, in_epoch: epoch, batches_done_in_epoch: batchInEpoch, batches_per_epoch: batchesPerEpoch };
        }
      },
    },
  });
  const n = d.train.ids.length;
  // A stopped run's speed: the batches it timed, from the start of the first
  // timed epoch to its last batch; if it never reached that epoch, the first
  // epoch's batches after its first, which the other systems do not time.
  let timed = null;
  if (stopped) {
    timed = timedBatches > 0
      ? { from_epoch: firstTimed, to_epoch: stopped.in_epoch, batches: timedBatches, samples: timedSamples, seconds: (lastEnd - timedStart) / 1000, comparable: true }
      : { from_epoch: 1, to_epoch: 1, from_batch: 2, batches: firstEpoch.batches, samples: firstEpoch.samples, seconds: (firstEpoch.end - firstEpoch.start) / 1000, comparable: false };
  }
  // A stopped run's accuracy is not reported: time inference on 256 rows only.
  const inferX = stopped ? vx.slice(0, Math.min(256, d.val.ids.length)) : vx;
  // Inference: a warm pass (TF.js compiles its kernels on the first), then
  // 3 timed passes, as gradlab's and Keras's.
  tf.tidy(() => { model.predict(inferX, { batchSize: 256 }).dataSync(); });
  const inferSeconds = [];
  let predicted;
  for (let r = 0; r < 3; r++) {
    const i0 = performance.now();
    const probs = model.predict(inferX, { batchSize: 256 });
    predicted = await probs.argMax(-1).data();
    inferSeconds.push((performance.now() - i0) / 1000);
    probs.dispose();
  }
  const correct = predicted.reduce((c, p, i) => c + (p === d.val.classes[i] ? 1 : 0), 0);
  const steady = epochSeconds.slice(firstTimed - 1);
  console.log(JSON.stringify({
    system: `tfjs-${systemName}`, version: tf.version.tfjs, preset, mask, rows: n, val_rows: d.val.ids.length, epochs,
    epoch_seconds: epochSeconds,
    train_samples_per_s: stopped ? timed.samples / timed.seconds : n * steady.length / steady.reduce((a, b) => a + b, 0),
    budget_seconds: Number.isFinite(maxSeconds) ? maxSeconds : null, stopped, timed_batches: timed,
    infer_rows: inferX.shape[0], infer_seconds: inferSeconds, val_accuracy: stopped ? null : correct / d.val.ids.length,
    peak_mb: process.resourceUsage().maxRSS / 1024, ...env,
    ...(images ? {} : { note: 'UnsortedSegmentSum registered as a linear scatter-add (the Embedding gradient)', scatter_add_calls: scatterCalls }),
    ...(systemName === 'wasm-polyfill' ? { polyfill: 'Conv2DBackpropFilter registered in JavaScript', conv_filter_calls: filterCalls } : {}),
  }));
}

async function matmul(sizes) {
  const env = await setup();
  const out = {};
  for (const n of sizes) {
    const a = tf.randomUniform([n, n]);
    const b = tf.randomUniform([n, n]);
    const flops = 2 * n ** 3;
    // As gradlab's (src/backend/timing.rs): a warm call, calls batched until
    // a batch takes at least 0.1 s, the best of three such batches.
    const batch = (reps) => {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) { const c = tf.matMul(a, b); c.dataSync(); c.dispose(); }
      return (performance.now() - t0) / 1000;
    };
    batch(1);
    let reps = 1;
    while (reps < 100000 && batch(reps) < 0.1) reps *= 2;
    let best = Infinity;
    for (let r = 0; r < 3; r++) best = Math.min(best, batch(reps) / reps);
    out[n] = flops / best / 1e9;
  }
  console.log(JSON.stringify({ system: `tfjs-${systemName}`, version: tf.version.tfjs, matmul_gflops: out, ...env }));
}

if (rest[0] === '--matmul') await matmul(rest[1].split(',').map(Number));
else await train(rest[0], rest[1], Number(rest[2] || 1), rest[3] !== 'false', Number(rest[4] ?? Infinity), ...(rest[5] !== undefined ? [Number(rest[5])] : []));
