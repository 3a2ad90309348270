// Pictures of pixels: small canvases of images, the colour maps of weights
// and activations, and tiles of filters and feature maps.
import { html } from '../html.js';

// Display values in [0, 1], row-major [h, w, c]; single-channel values may
// go through a colour map instead of grey.
export function pxCanvas(k, shape, css, label) {
  const [h, w] = shape;
  const s = css / Math.max(h, w);
  return html`<canvas class="px" data-px="${k}" width="${w}" height="${h}" data-style="width: ${Math.round(w * s)}px; height: ${Math.round(h * s)}px"${label ? html` role="img" aria-label="${label}"` : ''}></canvas>`;
}
function putPixels(canvas, values, [h, w, c], map) {
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    let r, g, b;
    if (map) [r, g, b] = map(values[i * c]);
    else if (c === 3) [r, g, b] = [values[3 * i] * 255, values[3 * i + 1] * 255, values[3 * i + 2] * 255];
    else r = g = b = values[i * c] * 255;
    img.data[4 * i] = r; img.data[4 * i + 1] = g; img.data[4 * i + 2] = b; img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}
// Fill the canvases pxCanvas(k, …) wrote into `root` from list[k].
export function paintPixels(root, list) {
  for (const cv of root.querySelectorAll('canvas[data-px]')) {
    const item = list[Number(cv.dataset.px)];
    if (item) putPixels(cv, item.values, item.shape, item.map);
  }
}

// Weights: blue negative, white zero, red positive.
export function diverging(v) {
  const a = Math.min(1, Math.abs(v));
  const [r, g, b] = v < 0 ? [33, 102, 172] : [178, 24, 43];
  return [255 + (r - 255) * a, 255 + (g - 255) * a, 255 + (b - 255) * a];
}
// Activations: black → purple → orange → pale yellow; negative ones blue.
const HEAT = [[0, 0, 4], [87, 16, 110], [188, 55, 84], [249, 142, 9], [252, 255, 164]];
export function heat(v) {
  if (v < 0) { const a = Math.min(1, -v); return [20 * a, 90 * a, 230 * a]; }
  const x = Math.min(1, v) * (HEAT.length - 1);
  const i = Math.min(HEAT.length - 2, Math.floor(x));
  const f = x - i;
  return HEAT[i].map((c, k) => c + (HEAT[i + 1][k] - c) * f);
}

// Tiles of equal size in a grid on one canvas, each value a scale×scale block.
export function drawTiles(canvas, tiles, { cols, scale, gap = 4, map, border }) {
  const th = Math.max(...tiles.map((t) => t.h)) * scale;
  const tw = Math.max(...tiles.map((t) => t.w)) * scale;
  const rows = Math.ceil(tiles.length / cols);
  const pad = border ? 1 : 0;
  canvas.width = Math.max(1, Math.min(cols, tiles.length) * (tw + gap) - gap + 2 * pad);
  canvas.height = Math.max(1, rows * (th + gap) - gap + 2 * pad);
  const ctx = canvas.getContext('2d');
  const W = canvas.width;
  const img = ctx.createImageData(W, canvas.height);
  const d = img.data;
  d.fill(255);
  const put = (x, y, rgb) => {
    const o = 4 * (y * W + x);
    d[o] = rgb[0]; d[o + 1] = rgb[1]; d[o + 2] = rgb[2];
  };
  tiles.forEach((tile, k) => {
    const ox = pad + (k % cols) * (tw + gap);
    const oy = pad + Math.floor(k / cols) * (th + gap);
    if (border) {
      // A grey line around the tile, so pale tiles stand out from the page.
      for (let x = ox - 1; x <= ox + tile.w * scale; x++) { put(x, oy - 1, border); put(x, oy + tile.h * scale, border); }
      for (let y = oy; y < oy + tile.h * scale; y++) { put(ox - 1, y, border); put(ox + tile.w * scale, y, border); }
    }
    // Each row of values written once, scale pixels a value, then copied
    // down its block (a pixel at a time, this was 25 ms of a training
    // epoch's task for the digits' feature maps).
    const rowBytes = 4 * tile.w * scale;
    for (let y = 0; y < tile.h; y++) {
      const first = 4 * ((oy + y * scale) * W + ox);
      let o = first;
      for (let x = 0; x < tile.w; x++) {
        const i = y * tile.w + x;
        const rgb = tile.c === 3 ? [tile.values[3 * i] * 255, tile.values[3 * i + 1] * 255, tile.values[3 * i + 2] * 255] : map(tile.values[i]);
        for (let dx = 0; dx < scale; dx++, o += 4) { d[o] = rgb[0]; d[o + 1] = rgb[1]; d[o + 2] = rgb[2]; }
      }
      for (let dy = 1; dy < scale; dy++) d.copyWithin(first + 4 * dy * W, first, first + rowBytes);
    }
  });
  ctx.putImageData(img, 0, 0);
}

// [h, w, c] as text: 28×28×1.
export const shapeText = ([h, w, c]) => `${h}×${w}×${c}`;

// Probability bars, the top class highlighted (typed text's prediction and
// the drawing pad's).
export function probabilityBars(probabilities) {
  const top = Math.max(...probabilities.map((x) => x[1]));
  return probabilities.map(([label, v]) => html`<div class="bar${v === top ? ' top' : ''}"><span>${label}</span><div class="fill" data-style="width: ${(100 * v).toFixed(1)}%"></div><span>${(100 * v).toFixed(1)}%</span></div>`);
}
