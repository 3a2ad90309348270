// The JavaScript Conv2DBackpropFilter that bench/tfjs_train.mjs registers for
// TF.js's wasm backend (bench/conv_filter_grad.mjs) against TF.js's own cpu
// backend kernel: random inputs at several shapes (strides, same/valid/explicit
// padding, odd sizes, channels, the height-1 shapes a Conv1D becomes), called
// directly and through tf.grad of tf.conv2d / tf.conv1d, as training calls it.
//   node --test bench/test/   (run by ./lab test)
import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { createRequire } from 'node:module';
import { registerConv2dBackpropFilterWasm } from '../conv_filter_grad.mjs';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs');
const wasm = require('@tensorflow/tfjs-backend-wasm');

// Deterministic uniform values in [-1, 1) (mulberry32), some exact zeros
// (the kernel skips zero inputs: ReLU outputs and padding ids are zero).
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 * 2 - 1;
  };
}
const values = (n, rnd) => Float32Array.from({ length: n }, () => { const v = rnd(); return Math.abs(v) < 0.1 ? 0 : v; });
const size = (shape) => shape.reduce((a, b) => a * b, 1);

// [batch, height, width, inChannels], [filterHeight, filterWidth], outChannels, strides, pad
const cases = [
  { x: [2, 7, 9, 3], f: [3, 3], out: 4, strides: [1, 1], pad: 'valid' },
  { x: [2, 7, 9, 3], f: [3, 3], out: 4, strides: [1, 1], pad: 'same' },
  { x: [3, 9, 8, 2], f: [3, 2], out: 5, strides: [2, 2], pad: 'same' },
  { x: [3, 9, 8, 2], f: [3, 2], out: 5, strides: [2, 3], pad: 'valid' },
  { x: [1, 11, 11, 1], f: [5, 5], out: 3, strides: [3, 2], pad: 'same' },
  { x: [2, 8, 8, 16], f: [3, 3], out: 32, strides: [1, 1], pad: 'same' }, // image-cnn's second layer
  { x: [4, 8, 8, 1], f: [3, 3], out: 16, strides: [1, 1], pad: 'valid' }, // image-cnn's first layer
  { x: [2, 6, 5, 3], f: [2, 4], out: 2, strides: [1, 2], pad: 1 }, // explicit padding
  { x: [3, 1, 23, 8], f: [1, 5], out: 6, strides: [1, 1], pad: 'valid' }, // a Conv1D, as TF.js reshapes it
  { x: [2, 1, 17, 4], f: [1, 4], out: 3, strides: [1, 3], pad: 'same' },
];

// The largest difference allowed: f32 sums of `terms` products of values in
// [-1, 1], in a different order than the cpu kernel's, are within about
// terms · 2⁻²⁴ of each other relative to the sum of their magnitudes.
const tolerance = (terms) => 4 * terms * 2 ** -24 + 1e-6;

let wasmReady;
let polyfillCalls = 0;
async function useBackend(name) {
  if (name === 'wasm' && !wasmReady) {
    wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
    registerConv2dBackpropFilterWasm(tf, () => { polyfillCalls++; });
    wasmReady = true;
  }
  assert.ok(await tf.setBackend(name), `the ${name} backend`);
  await tf.ready();
  assert.equal(tf.getBackend(), name);
}

// The filter gradient on the current backend, three ways: the kernel itself,
// tf.grad of tf.conv2d with respect to the filter, and (height-1 shapes) of tf.conv1d.
function filterGradients(c, xv, dyv, filterv, dyShape) {
  const filterShape = [...c.f, c.x[3], c.out];
  return tf.tidy(() => {
    const x = tf.tensor4d(xv, c.x), dy = tf.tensor4d(dyv, dyShape), filter = tf.tensor4d(filterv, filterShape);
    const direct = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape });
    const viaConv2d = tf.grad((w) => tf.conv2d(x, w, c.strides, c.pad).mul(dy).sum())(filter);
    const out = { direct: direct.dataSync().slice(), conv2d: viaConv2d.dataSync().slice() };
    if (c.x[1] === 1 && c.strides[0] === 1 && typeof c.pad === 'string') {
      const x3 = x.reshape([c.x[0], c.x[2], c.x[3]]), dy3 = dy.reshape([dyShape[0], dyShape[2], dyShape[3]]);
      const w3 = filter.reshape([c.f[1], c.x[3], c.out]);
      out.conv1d = tf.grad((w) => tf.conv1d(x3, w, c.strides[1], c.pad).mul(dy3).sum())(w3).dataSync().slice();
    }
    return out;
  });
}

test('TF.js 4.22\'s wasm backend has no Conv2DBackpropFilter of its own (why the bench supplies one)', () => {
  // Asked before this file registers its own: if a later TF.js brings one,
  // the polyfill would replace it, and the bench's tfjs-wasm-polyfill row would mean something else.
  const registered = tf.getKernelsForBackend('wasm').map((k) => k.kernelName);
  assert.ok(registered.includes('Conv2D') && registered.includes('Conv2DBackpropInput'), 'the wasm backend\'s kernels are listed');
  assert.ok(!registered.includes('Conv2DBackpropFilter'), 'the wasm backend now has its own Conv2DBackpropFilter');
});

test('the JavaScript Conv2DBackpropFilter (wasm) matches TF.js cpu backend\'s kernel', async () => {
  let compared = 0;
  for (const [n, c] of cases.entries()) {
    const rnd = random(1000 + n);
    const filterShape = [...c.f, c.x[3], c.out];
    // The output shape from TF.js's own arithmetic.
    const info = tf.backend_util.computeConv2DInfo(c.x, filterShape, c.strides, 1, c.pad);
    const dyShape = [c.x[0], info.outHeight, info.outWidth, c.out];
    const xv = values(size(c.x), rnd), dyv = values(size(dyShape), rnd), filterv = values(size(filterShape), rnd);

    await useBackend('cpu');
    const want = filterGradients(c, xv, dyv, filterv, dyShape);
    await useBackend('wasm');
    const before = polyfillCalls;
    const got = filterGradients(c, xv, dyv, filterv, dyShape);
    // On wasm every way went through the JavaScript kernel (the cpu backend has its own).
    assert.equal(polyfillCalls - before, Object.keys(got).length, 'calls of the JavaScript kernel');

    const terms = c.x[0] * info.outHeight * info.outWidth;
    const label = `x ${c.x.join('×')}, filter ${filterShape.join('×')}, strides ${c.strides}, pad ${c.pad}`;
    // The cpu backend's reference is not all zeros (a vacuous comparison).
    assert.ok(want.direct.some((v) => Math.abs(v) > 0.1), `${label}: a reference gradient with nonzero values`);
    for (const [way, ref] of Object.entries(want)) {
      assert.equal(got[way].length, ref.length, `${label}, ${way}: length`);
      let worst = 0, at = -1;
      for (let i = 0; i < ref.length; i++) {
        const d = Math.abs(got[way][i] - ref[i]);
        if (d > worst) { worst = d; at = i; }
      }
      const tol = tolerance(terms);
      assert.ok(worst <= tol, `${label}, ${way}: dW[${at}] is ${got[way][at]} on wasm, ${ref[at]} on cpu (difference ${worst} > ${tol})`);
      compared++;
    }
  }
  // Every case compared directly and through conv2d's gradient, the Conv1D ones also through conv1d's.
  assert.equal(compared, 2 * cases.length + cases.filter((c) => c.x[1] === 1 && c.strides[0] === 1 && typeof c.pad === 'string').length);
});
