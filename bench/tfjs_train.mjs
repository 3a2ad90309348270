// TensorFlow.js (pinned in bench/package.json) training the same model on
// the same token ids, or scaled pixels, as gradlab (ids.json from
// `gradlab bench --export`).
//   node bench/tfjs_train.mjs wasm|cpu|wasm-polyfill IDS.json PRESET EPOCHS MASK(true|false) [MAX_SECONDS]
// A run past MAX_SECONDS stops early (the cpu backend trains a CNN at a few
// samples/s) and reports the speed of its batches after the first;
// its accuracy is then left out, as it saw fewer epochs.
//   node bench/tfjs_train.mjs wasm --matmul 64,128,...
// Prints one JSON line. Fair play: TF.js 4.22's wasm backend has no
// UnsortedSegmentSum kernel (an Embedding's gradient), and the cpu backend's
// loops over every vocabulary row per segment; both get the linear scatter-add
// registered below, and the output says so.
// TF.js 4.22's wasm backend also lacks Conv2DBackpropFilter (a Conv1D's or
// Conv2D's weight gradient), so it cannot train a CNN. `wasm-polyfill` is the
// wasm backend with that one kernel supplied in JavaScript (a direct loop,
// below): what a user would have to add to train a CNN on TF.js wasm.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

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

// dW[r, c, i, o] = Σ over batch and output positions of x[b, y·s + r − pad, …, i] · dy[b, y, …, o],
// for NHWC inputs and dilation 1 (what Keras-style Conv1D/Conv2D layers use).
let filterCalls = 0;
function registerConvFilterGradient() {
  const kernelFunc = ({ inputs, backend, attrs }) => {
    filterCalls++;
    const { x, dy } = inputs;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
    const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false, tf.backend_util.convertConv2DDataFormat(dataFormat));
    if (info.dataFormat !== 'channelsLast') throw new Error('the JavaScript Conv2DBackpropFilter takes NHWC only');
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
    const top = info.padInfo.top, left = info.padInfo.left;
    const xv = backend.readSync(x.dataId), dyv = backend.readSync(dy.dataId);
    const out = backend.makeOutput(info.filterShape, 'float32');
    const dw = backend.typedArrayFromHeap(out);
    dw.fill(0);
    for (let b = 0; b < batchSize; b++) {
      for (let yr = 0; yr < outHeight; yr++) {
        for (let yc = 0; yc < outWidth; yc++) {
          const g = ((b * outHeight + yr) * outWidth + yc) * outChannels;
          for (let wr = 0; wr < filterHeight; wr++) {
            const xr = yr * strideHeight + wr - top;
            if (xr < 0 || xr >= inHeight) continue;
            for (let wc = 0; wc < filterWidth; wc++) {
              const xc = yc * strideWidth + wc - left;
              if (xc < 0 || xc >= inWidth) continue;
              const xo = ((b * inHeight + xr) * inWidth + xc) * inChannels;
              const wo = (wr * filterWidth + wc) * inChannels * outChannels;
              for (let i = 0; i < inChannels; i++) {
                const v = xv[xo + i];
                if (v === 0) continue;
                const o = wo + i * outChannels;
                for (let k = 0; k < outChannels; k++) dw[o + k] += v * dyv[g + k];
              }
            }
          }
        }
      }
    }
    return out;
  };
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc });
}

async function setup() {
  if (backendName === 'wasm') {
    wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
  }
  registerScatterAdd(backendName);
  if (systemName === 'wasm-polyfill') registerConvFilterGradient();
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

async function train(idsFile, preset, epochs, mask, maxSeconds) {
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
  const epochSeconds = [];
  const batchEnds = [];
  let t0 = 0;
  const start = performance.now();
  let stopped = false;
  await model.fit(x, y, {
    batchSize: 32, epochs, shuffle: true, verbose: 0,
    callbacks: {
      onEpochBegin: async () => { t0 = performance.now(); },
      onEpochEnd: async () => { epochSeconds.push((performance.now() - t0) / 1000); },
      onBatchEnd: async () => {
        batchEnds.push(performance.now());
        if ((performance.now() - start) / 1000 > maxSeconds && batchEnds.length >= 4) { model.stopTraining = true; stopped = true; }
      },
    },
  });
  // A stopped run's accuracy is not reported: time inference on 256 rows only.
  const inferX = stopped ? vx.slice(0, Math.min(256, d.val.ids.length)) : vx;
  // Inference is timed on a second pass, as gradlab's (after its epochs) and Keras's are.
  tf.tidy(() => { model.predict(inferX, { batchSize: 256 }).dataSync(); });
  const i0 = performance.now();
  const probs = model.predict(inferX, { batchSize: 256 });
  const predicted = await probs.argMax(-1).data();
  const inferSecs = (performance.now() - i0) / 1000;
  const correct = predicted.reduce((n, p, i) => n + (p === d.val.classes[i] ? 1 : 0), 0);
  const steady = epochSeconds.length > 1 ? epochSeconds.slice(1) : epochSeconds;
  const n = d.train.ids.length;
  const speed = stopped
    ? 32 * (batchEnds.length - 1) / ((batchEnds[batchEnds.length - 1] - batchEnds[0]) / 1000)
    : n * steady.length / steady.reduce((a, b) => a + b, 0);
  console.log(JSON.stringify({
    system: `tfjs-${systemName}`, version: tf.version.tfjs, preset, mask, rows: n, val_rows: d.val.ids.length, epochs,
    epoch_seconds: epochSeconds, train_samples_per_s: speed, stopped_after_seconds: stopped ? maxSeconds : null, batches: batchEnds.length,
    infer_samples_per_s: inferX.shape[0] / inferSecs, val_accuracy: stopped ? null : correct / d.val.ids.length,
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
    const reps = Math.min(1000, Math.max(1, Math.floor(3e8 / flops)));
    let best = Infinity;
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) { const c = tf.matMul(a, b); c.dataSync(); c.dispose(); }
      best = Math.min(best, (performance.now() - t0) / 1000 / reps);
    }
    out[n] = flops / best / 1e9;
  }
  console.log(JSON.stringify({ system: `tfjs-${systemName}`, version: tf.version.tfjs, matmul_gflops: out, ...env }));
}

if (rest[0] === '--matmul') await matmul(rest[1].split(',').map(Number));
else await train(rest[0], rest[1], Number(rest[2] || 1), rest[3] !== 'false', Number(rest[4] || Infinity));
