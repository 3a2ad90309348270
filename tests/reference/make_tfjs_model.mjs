// Generates the TensorFlow.js "layers-model" fixtures under tests/fixtures/tfjs/.
//
// Written by TensorFlow.js itself: @tensorflow/tfjs 4.22.0 (pure-JS package,
// cpu backend; NOT @tensorflow/tfjs-node), run with Node v20.
//
// How to run (from the repository root), with tfjs installed outside the repo:
//
//   mkdir -p /tmp/tfjsfix && cd /tmp/tfjsfix && npm init -y \
//     && npm install @tensorflow/tfjs@4.22.0
//   cd /work/main
//   NODE_PATH=/tmp/tfjsfix/node_modules \
//     node tests/reference/make_tfjs_model.mjs tests/fixtures/tfjs
//
// ESM `import` ignores NODE_PATH, so the package is loaded through
// module.createRequire(), whose CommonJS resolver does honour NODE_PATH.
// (TFJS_NODE_MODULES=/path/to/node_modules works too, instead of NODE_PATH.)
//
// For each model <name> in {lstm_masked, cnn, image_cnn} it writes:
//   OUTDIR/<name>/model.json    layers-model JSON, same layout as tfjs's own
//                               save handlers (file:// in tfjs-node,
//                               downloads:// in the browser) produce
//   OUTDIR/<name>/weights.bin   artifacts.weightData, raw little-endian float32
//   OUTDIR/<name>/expected.json {"ids": [[...]], "output": [[...]]} = the
//                               model.predict() result of tfjs on `ids`
//                               (image_cnn: {"x": [[flat image]], "shape":
//                               [h, w, c], "output": …} for 3 images)
//
// Weights are set deterministically after building: weight k (in
// model.getWeights() order), flat element i = float32(0.5*sin(1.3*i + 0.7*k)).
//
// Layer / weight names come from tfjs's process-global name counters, so they
// depend on the order in which models are built below: keep the order.

import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const tf = process.env.TFJS_NODE_MODULES
  ? require(path.join(process.env.TFJS_NODE_MODULES, '@tensorflow/tfjs'))
  : require('@tensorflow/tfjs');

const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: node make_tfjs_model.mjs OUTDIR');
  process.exit(2);
}

const IDS = [
  [3, 1, 4, 1, 5, 0, 0, 0],
  [2, 7, 1, 8, 2, 8, 1, 8],
  [6, 6, 0, 0, 0, 0, 0, 0],
  [11, 0, 0, 0, 0, 0, 0, 0],
];

function setPatternWeights(model) {
  const ws = model.getWeights();
  const next = ws.map((w, k) => {
    const data = new Float32Array(w.size);
    for (let i = 0; i < w.size; i++) data[i] = 0.5 * Math.sin(1.3 * i + 0.7 * k);
    return tf.tensor(data, w.shape, 'float32');
  });
  model.setWeights(next);
  next.forEach((t) => t.dispose());
}

function buildLstmMasked() {
  const model = tf.sequential();
  model.add(tf.layers.embedding({ inputDim: 12, outputDim: 4, maskZero: true, inputLength: 8 }));
  model.add(tf.layers.lstm({ units: 5, returnSequences: true }));
  model.add(tf.layers.lstm({ units: 3 }));
  model.add(tf.layers.dense({ units: 6, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 2, activation: 'softmax' }));
  return model;
}

function buildCnn() {
  const model = tf.sequential();
  model.add(tf.layers.embedding({ inputDim: 12, outputDim: 4, inputLength: 8 }));
  model.add(tf.layers.conv1d({ filters: 3, kernelSize: 3, activation: 'relu' }));
  model.add(tf.layers.globalMaxPooling1d());
  model.add(tf.layers.dense({ units: 2, activation: 'softmax' }));
  return model;
}

// Every image layer gradlab reads, in inference mode (BatchNormalization
// with its moving statistics).
function buildImageCnn() {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [7, 6, 2], filters: 4, kernelSize: 3, padding: 'same', strides: [2, 1], activation: 'relu' }));
  model.add(tf.layers.batchNormalization());
  model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'valid' }));
  model.add(tf.layers.conv2d({ filters: 3, kernelSize: [2, 3], activation: 'tanh' }));
  model.add(tf.layers.averagePooling2d({ poolSize: 2, padding: 'same' }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
  return model;
}

// A variance must be positive: BatchNormalization's moving variance becomes
// 1 + |pattern|. (getWeights() lists trainable weights first, so it is found
// by name.)
function fixVariance(model) {
  const ws = model.getWeights();
  const names = model.weights.map((w) => w.originalName || w.name);
  const next = ws.map((w, k) => (names[k].includes('moving_variance') ? tf.add(tf.abs(w), 1) : w.clone()));
  model.setWeights(next);
  next.forEach((t) => t.dispose());
}

const IMAGES = [0, 1, 2].map((n) => Array.from({ length: 7 * 6 * 2 }, (_, i) => Math.fround(0.5 + 0.5 * Math.sin(0.37 * i + 1.1 * n))));

// Mirrors tfjs-core io_utils.getModelJSONForModelArtifacts (not exported from
// the public tf.io namespace), which browser_files.ts (downloads://) uses; the
// tfjs-node file:// handler writes the same fields with paths ['weights.bin'].
function modelJSONFor(artifacts, weightsManifest) {
  const result = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest,
  };
  for (const key of ['signature', 'userDefinedMetadata', 'modelInitializer',
    'initializerSignature', 'trainingConfig']) {
    if (artifacts[key] != null) result[key] = artifacts[key];
  }
  return result;
}

async function saveModel(model, dir) {
  mkdirSync(dir, { recursive: true });
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const weightsManifest = [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }];
    const modelJSON = modelJSONFor(artifacts, weightsManifest);
    // weightData may be an ArrayBuffer or an array of them; join either way.
    const weightBuffer = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify(modelJSON));
    writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(weightBuffer));
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  }));
}

async function main() {
  await tf.setBackend('cpu');
  await tf.ready();
  console.log(`tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}`);

  const models = [['lstm_masked', buildLstmMasked], ['cnn', buildCnn], ['image_cnn', buildImageCnn]];
  for (const [name, build] of models) {
    const model = build();
    setPatternWeights(model);
    const dir = path.join(outDir, name);
    if (name === 'image_cnn') {
      fixVariance(model);
      await saveModel(model, dir);
      const x = tf.tensor4d(IMAGES.flat(), [3, 7, 6, 2]);
      const out = model.predict(x);
      const output = await out.array();
      x.dispose();
      out.dispose();
      const rows = (m) => m.map((r) => '  ' + JSON.stringify(r)).join(',\n');
      writeFileSync(path.join(dir, 'expected.json'), `{\n "shape": [7, 6, 2],\n "x": [\n${rows(IMAGES)}\n ],\n "output": [\n${rows(output)}\n ]\n}\n`);
      console.log(`${name}: wrote ${dir}`, output);
      continue;
    }
    await saveModel(model, dir);

    const ids = tf.tensor2d(IDS, [4, 8], 'int32');
    const out = model.predict(ids);
    const output = await out.array();
    ids.dispose();
    out.dispose();
    // Valid JSON, one row per line.
    const rows = (m) => m.map((r) => '  ' + JSON.stringify(r)).join(',\n');
    const text = `{\n "ids": [\n${rows(IDS)}\n ],\n "output": [\n${rows(output)}\n ]\n}\n`;
    writeFileSync(path.join(dir, 'expected.json'), text);
    console.log(`${name}: wrote ${dir}`, output);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
