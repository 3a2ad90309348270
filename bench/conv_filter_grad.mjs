// TF.js 4.22's wasm backend has no Conv2DBackpropFilter (a Conv1D's or
// Conv2D's weight gradient), so it cannot train a convolution. This is that
// one kernel in JavaScript (a direct loop over NHWC, dilation 1, which is
// what Keras-style Conv1D/Conv2D layers use): what a user would have to add
// to train a CNN on TF.js wasm. bench/tfjs_train.mjs registers it for the
// `tfjs-wasm-polyfill` system; bench/test/conv_filter_grad.test.mjs checks it
// against the cpu backend's own kernel.
//
// dW[r, c, i, o] = Σ over batch and output positions of
//                  x[b, y·s + r − pad_top, x·s + c − pad_left, i] · dy[b, y, x, o]

/** The kernel function for `tf.registerKernel` (wasm backend). `onCall` runs once per call. */
export function conv2dBackpropFilterWasm(tf, onCall = () => {}) {
  return ({ inputs, backend, attrs }) => {
    onCall();
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
}

/** Registers the kernel for the wasm backend (replacing any earlier registration). */
export function registerConv2dBackpropFilterWasm(tf, onCall) {
  try { tf.unregisterKernel('Conv2DBackpropFilter', 'wasm'); } catch { /* none registered */ }
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2dBackpropFilterWasm(tf, onCall) });
}
