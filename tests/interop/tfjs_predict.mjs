// Loads models that gradlab saved into stock TensorFlow.js 4.22 (the
// version pinned in bench/package.json) with tf.loadLayersModel, and
// writes TensorFlow.js's own predictions.
//
//   node tests/interop/tfjs_predict.mjs CASES.json OUT.json
//
// CASES.json: [{"name", "dir" (holding model.json), "inputs": [[…], …]}],
// each input a flat row (token ids, or an image's scaled pixels, reshaped
// here to the model's input shape). OUT.json: {name: {"output": [[…]]}} or
// {name: {"error": "TensorFlow.js's message"}} when it cannot load or run
// the model. The model files are read from disk and handed to
// tf.loadLayersModel through an IOHandler, as tf.io.browserFiles does with
// an upload (file:// needs tfjs-node, which is not installed).

import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'bench/package.json'));
let tf;
try {
  tf = require('@tensorflow/tfjs');
} catch (e) {
  console.error(`TensorFlow.js is not installed in bench/node_modules (run: cd bench && npm ci): ${e.message}`);
  process.exit(2);
}
if (tf.version.tfjs !== '4.22.0') {
  console.error(`expected TensorFlow.js 4.22.0, found ${tf.version.tfjs}`);
  process.exit(2);
}
await tf.setBackend('cpu');

function handler(dir) {
  return {
    async load() {
      const model = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      const weightSpecs = [];
      const buffers = [];
      for (const group of model.weightsManifest) {
        weightSpecs.push(...group.weights);
        for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
      }
      const all = Buffer.concat(buffers);
      const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
      return { modelTopology: model.modelTopology, weightSpecs, weightData, format: model.format, generatedBy: model.generatedBy, userDefinedMetadata: model.userDefinedMetadata };
    },
  };
}

const [casesPath, outPath] = process.argv.slice(2);
if (!casesPath || !outPath) {
  console.error('usage: node tests/interop/tfjs_predict.mjs CASES.json OUT.json');
  process.exit(2);
}
const cases = JSON.parse(fs.readFileSync(casesPath, 'utf8'));
const out = {};
for (const c of cases) {
  try {
    const model = await tf.loadLayersModel(handler(c.dir));
    const shape = model.inputs[0].shape.slice(1);
    const x = tf.tensor(c.inputs.flat(), [c.inputs.length, ...shape], 'float32');
    const y = model.predict(x);
    out[c.name] = { output: await y.array() };
    tf.dispose([x, y]);
    model.dispose();
  } catch (e) {
    out[c.name] = { error: String(e && e.message ? e.message : e) };
  }
}
fs.writeFileSync(outPath, JSON.stringify(out));
