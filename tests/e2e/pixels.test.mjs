// The page's pure picture helpers (www/app/pixels.js), in Node: the colour
// maps at their ends and in between, and the tiles' layout on a canvas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diverging, heat, drawTiles, shapeText } from '../../www/app/pixels.js';

const close = (a, b) => a.every((v, i) => Math.abs(v - b[i]) < 1e-9);

test('the diverging map is white at zero, blue below, red above, and saturates', () => {
  assert.deepEqual(diverging(0), [255, 255, 255]);
  assert.deepEqual(diverging(1), [178, 24, 43]);
  assert.deepEqual(diverging(-1), [33, 102, 172]);
  assert.deepEqual(diverging(7), diverging(1));
  assert.ok(close(diverging(0.5), [(255 + 178) / 2, (255 + 24) / 2, (255 + 43) / 2]));
});

test('the heat map runs black to pale yellow, brighter as values grow, blue below zero', () => {
  assert.deepEqual(heat(0), [0, 0, 4]);
  assert.deepEqual(heat(1), [252, 255, 164]);
  assert.deepEqual(heat(2), heat(1));
  assert.deepEqual(heat(-1), [20, 90, 230]);
  const brightness = (v) => heat(v).reduce((a, b) => a + b, 0);
  for (let v = 0; v < 1; v += 0.05) assert.ok(brightness(v + 0.05) > brightness(v), `heat(${v + 0.05}) is not brighter than heat(${v})`);
});

test('tiles land in their grid cells, each value a scale×scale block', () => {
  let written = null;
  const canvas = {
    width: 0, height: 0,
    getContext: () => ({
      createImageData: (w, h) => ({ width: w, height: h, data: new Uint8ClampedArray(4 * w * h) }),
      putImageData: (img) => { written = img; },
    }),
  };
  const grey = (v) => [v * 255, v * 255, v * 255];
  // Three 1×2 tiles, two a row, scale 2, gap 1: a 2-row grid of 4×2 tiles.
  const tiles = [0, 0.5, 1].map((v) => ({ h: 1, w: 2, c: 1, values: [v, 1 - v] }));
  drawTiles(canvas, tiles, { cols: 2, scale: 2, gap: 1, map: grey });
  assert.equal(canvas.width, 2 * 4 + 1);
  assert.equal(canvas.height, 2 * 2 + 1);
  const at = (x, y) => written.data[4 * (y * canvas.width + x)];
  assert.equal(at(0, 0), 0);       // tile 0, first value
  assert.equal(at(1, 1), 0);       // … its whole 2×2 block
  assert.equal(at(2, 0), 255);     // tile 0, second value
  assert.equal(at(4, 0), 255);     // the gap stays white
  assert.equal(at(5, 0), 128);     // tile 1 starts after the gap (0.5 → 127.5, rounded by the clamped array)
  assert.equal(at(0, 3), 255);     // tile 2, second row
  assert.equal(at(2, 4), 0);
});

test('an image shape reads as h×w×c', () => {
  assert.equal(shapeText([28, 28, 1]), '28×28×1');
});
