// End-to-end tests of the page's image side in Debian's Chromium: the
// digits sample trained to ≥ 95 % validation accuracy, the misclassified
// gallery, the drawing pad, filters and feature maps, the augmentation
// preview, dropped PNG files and bad input. Run after `trunk build`:
//   cd tests/e2e && node --test --test-concurrency=1 images.test.mjs
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { downloadModel, root, shots, startBrowser } from './serve.mjs';


let server, browser, base;

before(async () => {
  ({ server, base, browser } = await startBrowser());
});

after(async () => {
  await browser?.close();
  server?.close();
});

// A failed test leaves its pages open (its own close is never reached);
// closed here, they do not load the machine under the tests after it.
afterEach(async () => {
  for (const ctx of browser?.contexts() ?? []) await ctx.close().catch(() => {});
});

async function open(locale = 'en-US') {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale, hasTouch: true });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  return { page, ctx, errors };
}

const text = (page, id) => page.evaluate((id) => document.getElementById(id).textContent, id);
const waitText = (page, id, re, timeout = 20000) => page.waitForFunction(([id, src]) => new RegExp(src).test(document.getElementById(id).textContent), [id, re.source], { timeout });

// Per canvas matched: the variance of its pixels' brightness (0 when blank
// or one flat colour) and a hash of its pixels.
async function canvases(page, selector) {
  return page.evaluate((sel) => [...document.querySelectorAll(sel)].map((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let sum = 0, sq = 0, hash = 0;
    const n = d.length / 4;
    for (let i = 0; i < d.length; i += 4) {
      const v = (d[i] + d[i + 1] + d[i + 2]) / 3;
      sum += v; sq += v * v;
      hash = (hash * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) >>> 0;
    }
    return { variance: sq / n - (sum / n) ** 2, hash, width: c.width, height: c.height };
  }), selector);
}
const hashes = async (page, selector) => (await canvases(page, selector)).map((c) => c.hash).join(',');

async function setField(page, id, value) {
  await page.fill('#' + id, String(value));
  await page.dispatchEvent('#' + id, 'change');
}

async function paste(page, value) {
  await page.evaluate((t) => {
    const ta = document.getElementById('dataset-input');
    ta.value = t;
    ta.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
}

async function loadDigits(page) {
  await page.selectOption('#sample-select', 'digits');
  await waitText(page, 'parse-report', /1797\s*images accepted/);
  await waitText(page, 'model-summary', /max_pooling2d_1/);
}

// The pad's prediction once it is of the whole drawing: while a stroke goes
// on the page shows predictions of part of it, marked aria-busy.
async function settledPrediction(page) {
  await page.waitForFunction(() => {
    const out = document.getElementById('predict-output');
    return out.getAttribute('aria-busy') === 'false' && /Prediction: \d/.test(out.textContent);
  }, null, { timeout: 20000 });
  return (await text(page, 'predict-output')).match(/Prediction: (\d)/)[1];
}

// Draw with the mouse on the pad: `points` in [0, 1] of its width and height.
async function draw(page, points) {
  await page.locator('#pad').scrollIntoViewIfNeeded();
  const box = await page.locator('#pad').boundingBox();
  const at = ([x, y]) => [box.x + x * box.width, box.y + y * box.height];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 3 });
  await page.mouse.up();
}

// PNG files made by the browser itself (no encoder, no download).
async function makePngs(page, specs) {
  const encoded = await page.evaluate(async (specs) => {
    const out = [];
    for (const { size, rect, colour } of specs) {
      const c = new OffscreenCanvas(size, size);
      const x = c.getContext('2d');
      x.fillStyle = '#000';
      x.fillRect(0, 0, size, size);
      x.fillStyle = colour || '#fff';
      x.fillRect(...rect);
      const bytes = new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer());
      let s = '';
      for (const b of bytes) s += String.fromCharCode(b);
      out.push(btoa(s));
    }
    return out;
  }, specs);
  return encoded.map((b) => Buffer.from(b, 'base64'));
}

test('digits: the sample trains to ≥ 95 %, with gallery, drawing pad, filters, feature maps and augmentation preview', async () => {
  const { page, ctx, errors } = await open();
  await loadDigits(page);
  assert.match(await text(page, 'sample-source'), /Optical Recognition of Handwritten Digits.*scikit-learn 1\.9\.1/);
  assert.equal(await page.inputValue('#model-preset'), 'image-cnn');
  assert.equal(await page.getAttribute('#kind-images', 'aria-pressed'), 'true', 'the digits switch the page to images');
  assert.ok(await page.isHidden('fieldset.cleaning'), 'text cleaning is hidden for images');
  assert.ok(await page.isHidden('#num-words'), 'the vocabulary field is hidden for images');
  const report = await text(page, 'parse-report');
  assert.match(report, /8×8×1 \(grayscale\)/);
  assert.match(report, /pixel ÷ 16/);
  assert.equal(await page.locator('#parse-report table tr').count(), 11, 'ten classes and a header');
  const preview = await canvases(page, '#image-preview canvas');
  assert.equal(preview.length, 20, 'two images of each class');
  assert.ok(preview.every((c) => c.variance > 100), 'a preview image is blank');
  const summary = await text(page, 'model-summary');
  assert.match(summary, /conv2d \(Conv2D\)\(None, 6, 6, 16\)160/);
  assert.match(summary, /flatten \(Flatten\)\(None, 32\)/);
  await page.locator('#data').screenshot({ path: path.join(shots, 'images-data.png') });

  // The augmentation preview: what the network sees, redrawn when rotation changes.
  await page.waitForFunction(() => document.querySelectorAll('#augment-preview canvas').length === 36);
  assert.match(await text(page, 'augment-preview'), /No augmentation/);
  const still = await hashes(page, '#augment-preview canvas');
  await setField(page, 'aug-rotation', 25);
  await page.waitForFunction((h) => {
    const cs = [...document.querySelectorAll('#augment-preview canvas')];
    return cs.length === 36 && !document.getElementById('augment-preview').textContent.includes('No augmentation');
  }, still);
  const rotated = await canvases(page, '#augment-preview canvas');
  assert.notEqual(rotated.map((c) => c.hash).join(','), still, 'rotation did not change the preview');
  // Each row: the stored image, then five different draws.
  const row = rotated.slice(0, 6).map((c) => c.hash);
  assert.ok(new Set(row.slice(1)).size >= 4, 'the five draws are not different');
  await page.locator('#image-prep').screenshot({ path: path.join(shots, 'images-augment.png') });
  await setField(page, 'aug-rotation', 0);
  await page.waitForFunction(() => /No augmentation/.test(document.getElementById('augment-preview').textContent));
  await page.waitForFunction((h) => {
    const out = [...document.querySelectorAll('#augment-preview canvas')].map((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let hash = 0;
      for (let i = 0; i < d.length; i += 4) hash = (hash * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) >>> 0;
      return hash;
    });
    return out.join(',') === h;
  }, still);

  // Standardising instead of scaling to [0, 1]: fitted on the training images.
  await page.selectOption('#scaling', 'standardize');
  await waitText(page, 'parse-report', /standardised with the training images’ mean \d+\.\d+ and standard deviation \d+\.\d+/);
  await page.selectOption('#scaling', 'unit');
  await waitText(page, 'parse-report', /pixel ÷ 16/);

  // Train: 12 epochs at 0.003 reach 0.9526 here (and ≥ 0.95 natively); 15
  // reach 0.9638, a margin for small changes in the engine's arithmetic.
  await setField(page, 'epochs', 15);
  await setField(page, 'learning-rate', 0.003);
  await page.waitForTimeout(300);
  await page.evaluate(() => {
    window.longest = 0;
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.longest = Math.max(window.longest, e.duration); }).observe({ type: 'longtask', buffered: false });
  });
  const started = Date.now();
  await page.click('#train-btn');
  await page.waitForFunction(() => document.getElementById('epoch-count').textContent === '15' && document.getElementById('train-status').textContent === 'finished', null, { timeout: 120000 });
  console.log(`image-cnn on the digits: 15 epochs in ${((Date.now() - started) / 1000).toFixed(1)} s, ${await text(page, 'samples-per-second')} samples/s`);
  const longest = await page.evaluate(() => window.longest);
  // No task over 50 ms (a PerformanceObserver reports only those). Epochs
  // come dozens a second here: drawn each, the runs panel and the
  // evaluation made tasks of up to 90 ms.
  assert.ok(longest < 50, `the page was blocked for ${longest} ms while training`);
  await page.waitForFunction(() => /^0\.\d+$|^1\.0+$/.test(document.getElementById('val-accuracy').textContent));
  const acc = Number(await text(page, 'val-accuracy'));
  console.log(`validation accuracy ${acc}; longest main-thread task while training ${longest} ms`);
  assert.ok(acc >= 0.95, `validation accuracy ${acc}`);
  assert.match(await text(page, 'metrics'), new RegExp(`accuracy ${acc.toFixed(4)}`));
  assert.equal(await page.locator('#metrics table tr').count(), 11, 'per-class metrics for ten classes');
  const cm = await canvases(page, '#confusion-matrix');
  assert.ok(cm[0].variance > 100, 'confusion matrix is blank');
  assert.match(await page.getAttribute('#confusion-matrix', 'aria-label'), /^confusion matrix, rows true class.*9: /);

  // The misclassified gallery: small pictures with "true → predicted (p)",
  // drawn in a task after the table.
  await page.waitForFunction(() => document.querySelectorAll('#worst-gallery figure').length > 0);
  const figures = page.locator('#worst-gallery figure');
  const wrong = await figures.count();
  assert.ok(wrong >= 1 && wrong <= 32, `${wrong} misclassified images shown`);
  assert.ok(await page.isHidden('#worst'), 'the text list is hidden for images');
  const captions = await page.locator('#worst-gallery figcaption').allTextContents();
  for (const c of captions) assert.match(c, /^\d → \d\(0\.\d\d\)$/);
  const pics = await canvases(page, '#worst-gallery canvas');
  assert.ok(pics.every((c) => c.width === 8 && c.height === 8 && c.variance > 100), 'a gallery picture is blank');
  // "Why?" under the worst one: its pixels' shares of the wrong answer, by
  // integrated gradients and by occlusion, with the completeness check.
  const why = page.locator('#worst-gallery .why-btn').first();
  const [truth, predicted] = (await page.locator('#worst-gallery figcaption').first().textContent()).match(/^(\d) → (\d)/).slice(1);
  await why.click();
  await page.waitForFunction(() => document.querySelectorAll('#worst-why canvas[data-method]').length === 2, null, { timeout: 30000 });
  assert.match(await text(page, 'worst-why'), new RegExp(`^Line \\d+: why the model said ${predicted} \\(it is ${truth}\\)`));
  const whyMaps = await canvases(page, '#worst-why canvas');
  assert.ok(whyMaps.every((c) => c.width >= 64 && c.variance > 100), 'an attribution map is blank');
  assert.notEqual(whyMaps[0].hash, whyMaps[1].hash, 'integrated gradients and occlusion drew the same map');
  const pct = Number((await text(page, 'worst-why-completeness')).match(/([\d.]+) % of the change/)[1]);
  assert.ok(pct < 1, `integrated gradients miss the change in log-odds by ${pct} %`);
  assert.match(await page.getAttribute('#worst-why canvas[data-method="integrated_gradients"]', 'aria-label'), new RegExp(`^.*${predicted}`));
  await page.locator('#evaluation').screenshot({ path: path.join(shots, 'images-evaluation.png') });
  await page.locator('#training').screenshot({ path: path.join(shots, 'images-training.png') });

  // The drawing pad: a "1" stroke, then a "0" ellipse.
  await page.locator('#predict').scrollIntoViewIfNeeded();
  assert.ok(await page.isHidden('#predict-input'), 'the text box is hidden for an image model');
  assert.match(await text(page, 'predict-output'), /Draw on the pad/);
  await draw(page, [[0.52, 0.12], [0.5, 0.35], [0.49, 0.6], [0.48, 0.88]]);
  const one = await settledPrediction(page);
  assert.equal(await page.locator('#predict-output .bar').count(), 10);
  const seen = await canvases(page, '#predict-output canvas');
  assert.equal(seen.length, 1);
  assert.ok(seen[0].width === 8 && seen[0].variance > 100, 'the 8×8 input the network saw is blank');
  await page.locator('#predict').screenshot({ path: path.join(shots, 'images-predict-1.png') });
  await page.click('#pad-clear');
  await waitText(page, 'predict-output', /Draw on the pad/);
  const ellipse = [];
  for (let k = 0; k <= 24; k++) ellipse.push([0.5 + 0.24 * Math.sin((2 * Math.PI * k) / 24), 0.5 - 0.36 * Math.cos((2 * Math.PI * k) / 24)]);
  await draw(page, ellipse);
  const zero = await settledPrediction(page);
  assert.match(await text(page, 'predict-output'), /centred and scaled like the training images’ ink, then shrunk to 8×8/);
  await page.locator('#predict').screenshot({ path: path.join(shots, 'images-predict-0.png') });
  // Drawn small, low in the right-hand corner: centred and scaled, still a 0.
  await page.click('#pad-clear');
  await waitText(page, 'predict-output', /Draw on the pad/);
  await draw(page, ellipse.map(([x, y]) => [0.5 + 0.45 * x, 0.48 + 0.45 * y]));
  const small = await settledPrediction(page);
  await page.locator('#predict').screenshot({ path: path.join(shots, 'images-predict-small-0.png') });
  console.log(`the pad: a stroke reads as ${one}, an ellipse as ${zero}, a small ellipse in a corner as ${small}`);
  assert.equal(zero, '0', 'an ellipse is not read as 0');
  assert.equal(one, '1', 'a vertical stroke is not read as 1');
  assert.equal(small, '0', 'a small ellipse in a corner is not read as 0');

  // Filters and feature maps of the trained model.
  await page.locator('#image-insides').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => !document.getElementById('filters-canvas').hidden && document.querySelectorAll('#feature-maps canvas[data-layer]').length === 4);
  const filters = await canvases(page, '#filters-canvas');
  assert.ok(filters[0].variance > 100, 'the filters are blank');
  assert.match(await text(page, 'filters-message'), /conv2d: 16 filters of 3×3×1/);
  const maps = await canvases(page, '#feature-maps canvas');
  assert.ok(maps.every((c) => c.variance > 10), 'a feature map picture is blank');
  assert.match(await text(page, 'feature-maps'), /conv2d \(Conv2D, 6×6×16\).*max_pooling2d \(MaxPooling2D, 3×3×16\).*conv2d_1 \(Conv2D, 3×3×32\).*max_pooling2d_1 \(MaxPooling2D, 1×1×32\)/s);
  assert.match(await text(page, 'maps-info'), /^#1 of \d+ \(line \d+\): true \d, predicted \d$/);
  const before = await hashes(page, '#feature-maps canvas');
  await page.click('#maps-next');
  await waitText(page, 'maps-info', /^#2 of \d+/);
  await page.waitForFunction((h) => [...document.querySelectorAll('#feature-maps canvas')].length === 5, before);
  assert.notEqual(await hashes(page, '#feature-maps canvas'), before, 'the next image shows the same maps');
  await page.locator('#image-insides').screenshot({ path: path.join(shots, 'images-filters.png') });
  assert.deepEqual(errors, []);

  // A reload keeps the pasted images and the kind of data.
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  await waitText(page, 'parse-report', /1797\s*images accepted/);
  assert.equal(await page.getAttribute('#kind-images', 'aria-pressed'), 'true');
  assert.equal(await page.inputValue('#model-preset'), 'image-cnn');
  await ctx.close();
});

test('bad image input: line numbers, one class, non-image files, NaN fields; dropped PNGs counted per class', async () => {
  const { page, ctx, errors } = await open();
  await page.click('#kind-images');
  await page.waitForFunction(() => !document.getElementById('drop-zone').hidden);

  // A pixel CSV with bad lines: each named with its number and why.
  await paste(page, 'label,p0,p1,p2,p3\na,0,1,1,0\nb,1,x,0,1\nb,1,0,0\n,1,1,1,1\na,1,0,1,0\nb,0,1,0,1\n');
  await waitText(page, 'parse-report', /3\s*images accepted/);
  const report = await text(page, 'parse-report');
  assert.match(report, /3 rejected/);
  assert.match(report, /line 3: pixel 1 \('x'\) is not a finite number/);
  assert.match(report, /line 4: 3 pixel values, but a 2x2x1 image has 4/);
  assert.match(report, /line 5: the label \(first field\) is empty/);
  // The image shape field: a wrong shape for the data, then a malformed one.
  await setField(page, 'image-shape', '3x3');
  await waitText(page, 'parse-report', /line 2: 4 pixel values, but a 3x3x1 image has 9/);
  await setField(page, 'image-shape', '2 by 2');
  await waitText(page, 'image-errors', /Image shape: “2 by 2” is not HEIGHTxWIDTH/);
  await setField(page, 'image-shape', '');
  await waitText(page, 'parse-report', /3\s*images accepted/);
  // Too small for the preset's 3×3 window: the model says why.
  await waitText(page, 'model-summary', /a 3×3 window does not fit a 2×2 image with valid padding/);
  // Nothing usable at all.
  await paste(page, '5,1,2,3\n');
  await waitText(page, 'parse-report', /no usable rows in the image data: line 1 has 3 pixel values, which is not a square|invalid value for image shape: line 1 has 3 pixel values/);
  // One class.
  await paste(page, 'a,0,1,1,0\na,1,0,0,1\n');
  await waitText(page, 'parse-report', /Only one class \('a'\)/);
  await waitText(page, 'missing', /two classes/);

  // NaN and out-of-range augmentation: named beside the fields.
  await setField(page, 'aug-shift', 'NaN');
  await waitText(page, 'image-errors', /Shift \(fraction\): “NaN” is not a number/);
  assert.match(await text(page, 'setup-errors'), /Shift \(fraction\)/);
  await setField(page, 'aug-shift', '0');
  await setField(page, 'aug-rotation', '400');
  await waitText(page, 'image-errors', /Rotation \(°\): must be between 0 and 180/);
  await setField(page, 'aug-rotation', '0');
  await page.waitForFunction(() => document.getElementById('image-errors').textContent === '');

  // Files: two generated PNGs labelled by prefix, and a text file skipped.
  const [square, bar] = await makePngs(page, [{ size: 16, rect: [4, 4, 8, 8] }, { size: 20, rect: [8, 2, 4, 16] }]);
  await page.setInputFiles('#image-files', [
    { name: 'square_1.png', mimeType: 'image/png', buffer: square },
    { name: 'bar_1.png', mimeType: 'image/png', buffer: bar },
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') },
  ]);
  await waitText(page, 'parse-report', /2\s*images accepted[\s\S]*Skipped/);
  const files = await text(page, 'parse-report');
  assert.match(files, /each 28×28×1 \(grayscale\)/);
  assert.match(files, /bar1square1/, 'one image per class');
  assert.match(files, /Skipped, not images \(1\): notes\.txt/);
  assert.equal(await page.inputValue('#dataset-input'), '');
  await page.locator('#data').screenshot({ path: path.join(shots, 'images-files.png') });

  // RGB and another size: the files are decoded again.
  await page.selectOption('#image-colour', 'rgb');
  await setField(page, 'image-size', 12);
  await waitText(page, 'parse-report', /each 12×12×3 \(RGB\)/);
  await setField(page, 'image-size', 200);
  await waitText(page, 'image-errors', /Resize to \(pixels a side\): must be between 4 and 128/);
  await setField(page, 'image-size', 28);
  await page.selectOption('#image-colour', 'gray');

  // Files only, none an image, dropped while the two settings above still
  // re-read the PNGs: the newest load wins, and an older one that finishes
  // after it does not bring its images back.
  await page.setInputFiles('#image-files', [{ name: 'a.txt', mimeType: 'text/plain', buffer: Buffer.from('x') }, { name: 'b.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF') }]);
  await waitText(page, 'parse-report', /None of the 2 dropped files is a PNG or JPEG image/);
  await page.waitForTimeout(1000);
  assert.match(await text(page, 'parse-report'), /None of the 2 dropped files/);
  await waitText(page, 'missing', /data: paste a pixel CSV/);

  // A PNG that is not one, and one without a label: rejected with their numbers.
  await page.setInputFiles('#image-files', [
    { name: 'square_1.png', mimeType: 'image/png', buffer: square },
    { name: 'bar_2.png', mimeType: 'image/png', buffer: bar },
    { name: 'broken_3.png', mimeType: 'image/png', buffer: Buffer.from('no png here') },
    { name: 'nolabel.png', mimeType: 'image/png', buffer: square },
  ]);
  await waitText(page, 'parse-report', /2\s*images accepted, 2 rejected/);
  const rejected = await text(page, 'parse-report');
  assert.match(rejected, /file 3: broken_3\.png: could not be decoded \(0x0, 0 bytes\)/);
  assert.match(rejected, /file 4: nolabel\.png: no label; put files in one folder per class/);

  // Folders: the folder names are the labels.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-images-'));
  for (const [label, png] of [['circle', square], ['circle', bar], ['line', bar]]) {
    fs.mkdirSync(path.join(dir, 'shapes', label), { recursive: true });
    fs.writeFileSync(path.join(dir, 'shapes', label, `${fs.readdirSync(path.join(dir, 'shapes', label)).length}.png`), png);
  }
  await page.setInputFiles('#image-folder', path.join(dir, 'shapes'));
  await waitText(page, 'parse-report', /3\s*images accepted/);
  assert.match(await text(page, 'parse-report'), /circle2line1/);
  fs.rmSync(dir, { recursive: true, force: true });

  // A drop of two image files on the page (a DataTransfer, as a browser makes one).
  await page.evaluate(async ([a, b]) => {
    const file = (b64, name) => new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name, { type: 'image/png' });
    const dt = new DataTransfer();
    dt.items.add(file(a, 'cat_1.png'));
    dt.items.add(file(b, 'dog_1.png'));
    document.getElementById('parse-report').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, [square.toString('base64'), bar.toString('base64')]);
  await waitText(page, 'parse-report', /2\s*images accepted[\s\S]*cat1dog1/);

  // A huge paste is refused with a reason, not a frozen page.
  await page.click('#kind-images');
  await page.evaluate(() => {
    const ta = document.getElementById('dataset-input');
    ta.value = '1,' + '0,'.repeat(16_600_000) + '0';
    ta.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await waitText(page, 'parse-report', /at most 32 MB/, 90000);
  await paste(page, '');
  await page.locator('#data').screenshot({ path: path.join(shots, 'images-bad-input.png') });
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('a custom image model: layers edited freely, a broken stack explained', async () => {
  const { page, ctx, errors } = await open();
  await loadDigits(page);
  await page.selectOption('#model-preset', 'custom');
  await page.waitForFunction(() => document.querySelectorAll('#layer-editor .layer').length === 7);
  // The image layers are offered, the text ones are not.
  const types = await page.locator('#add-layer-type option').allTextContents();
  assert.ok(types.includes('BatchNormalization') && types.includes('GlobalAveragePooling2D') && !types.includes('LSTM'), types.join());
  await page.selectOption('#add-layer-type', 'BatchNormalization');
  await page.click('#add-layer');
  await waitText(page, 'model-summary', /batch_normalization \(BatchNormalization\)\(None, 64\)256/);
  // A 5×5 kernel after the first pooling does not fit 3×3 maps with valid padding.
  await page.locator('#layer-editor select[data-i="2"][data-k="padding"]').selectOption('valid');
  await page.fill('#layer-editor input[data-i="2"][data-k="kernel_size"]', '5');
  await page.dispatchEvent('#layer-editor input[data-i="2"][data-k="kernel_size"]', 'change');
  await waitText(page, 'model-summary', /a 5×5 window does not fit a 3×3 image with valid padding/);
  await waitText(page, 'missing', /model:/);
  await page.locator('#model').screenshot({ path: path.join(shots, 'images-custom-invalid.png') });
  // A 3×1 kernel with 'same' padding keeps the 3×3 maps.
  await page.locator('#layer-editor select[data-i="2"][data-k="padding"]').selectOption('same');
  await page.fill('#layer-editor input[data-i="2"][data-k="kernel_size"]', '3x1');
  await page.dispatchEvent('#layer-editor input[data-i="2"][data-k="kernel_size"]', 'change');
  await waitText(page, 'model-summary', /conv2d_1 \(Conv2D\)\(None, 3, 3, 32\)1,568/);
  assert.equal(await page.inputValue('#layer-editor input[data-i="2"][data-k="kernel_size"]'), '3×1');
  // A kernel that is not a size is refused beside the field.
  await page.fill('#layer-editor input[data-i="2"][data-k="kernel_size"]', '3x');
  await page.dispatchEvent('#layer-editor input[data-i="2"][data-k="kernel_size"]', 'change');
  assert.equal(await page.getAttribute('#layer-editor input[data-i="2"][data-k="kernel_size"]', 'title'), 'a whole number ≥ 1, or two like 3x5');
  // Global pooling instead of Flatten.
  await page.click('#layer-editor button[data-act="del"][data-i="4"]');
  await page.selectOption('#add-layer-type', 'GlobalAveragePooling2D');
  await page.click('#add-layer');
  await waitText(page, 'model-summary', /global_average_pooling2d \(GlobalAveragePooling2D\)\(None, 64\)/);
  await waitText(page, 'missing', /Ready to train/);
  await page.click('#step-btn');
  await waitText(page, 'batch-count', /^1\//);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('an image model downloads, uploads into a fresh page and reads the same drawing the same way', async () => {
  const { page, ctx, errors } = await open();
  await loadDigits(page);
  await setField(page, 'epochs', 3);
  await setField(page, 'learning-rate', 0.003);
  await page.waitForTimeout(300);
  await page.click('#train-btn');
  await page.waitForFunction(() => document.getElementById('epoch-count').textContent === '3' && !document.getElementById('train-btn').disabled, null, { timeout: 60000 });
  const ellipse = [];
  for (let k = 0; k <= 24; k++) ellipse.push([0.5 + 0.22 * Math.sin((2 * Math.PI * k) / 24), 0.5 - 0.34 * Math.cos((2 * Math.PI * k) / 24)]);
  await draw(page, ellipse);
  await settledPrediction(page);
  const before = await text(page, 'predict-output');
  const files = await downloadModel(page, 'gradlab-image-model-');
  const json = JSON.parse(fs.readFileSync(files.find((f) => f.endsWith('.json')), 'utf8'));
  assert.equal(json.userDefinedMetadata.gradlab.scaling.kind, 'unit');
  assert.ok(json.userDefinedMetadata.gradlab.framing.spread > 1, 'the framing of drawings travels with the model');
  await ctx.close();

  // A fresh page with no data: the pad appears for the uploaded image model.
  const fresh = await open();
  await fresh.page.setInputFiles('#upload-input', files);
  await waitText(fresh.page, 'train-status', /loaded/);
  await fresh.page.waitForFunction(() => !document.getElementById('pad-area').hidden);
  assert.ok(await fresh.page.isHidden('#predict-input'));
  await draw(fresh.page, ellipse);
  await settledPrediction(fresh.page);
  assert.equal(await text(fresh.page, 'predict-output'), before);
  // A finger draws as the mouse does (touch events through the DevTools protocol).
  await fresh.page.click('#pad-clear');
  await waitText(fresh.page, 'predict-output', /Draw on the pad/);
  const box = await fresh.page.locator('#pad').boundingBox();
  const cdp = await fresh.ctx.newCDPSession(fresh.page);
  const touch = async (type, [x, y]) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x: box.x + x * box.width, y: box.y + y * box.height }] });
  await touch('touchStart', ellipse[0]);
  for (const p of ellipse.slice(1)) await touch('touchMove', p);
  await touch('touchEnd', ellipse[ellipse.length - 1]);
  await settledPrediction(fresh.page);
  assert.equal((await text(fresh.page, 'predict-output')).match(/Prediction: \d/)[0], before.match(/Prediction: \d/)[0]);
  const ink = await canvases(fresh.page, '#pad');
  assert.ok(ink[0].variance > 1000, 'the finger left no ink');
  // Its filters show; feature maps need images.
  await fresh.page.waitForFunction(() => !document.getElementById('filters-canvas').hidden);
  await waitText(fresh.page, 'feature-maps', /load images first/);
  fs.rmSync(path.dirname(files[0]), { recursive: true, force: true });
  assert.deepEqual([...errors, ...fresh.errors], []);
  await fresh.ctx.close();
});

test('every image control is reachable from the keyboard', async () => {
  const { page, ctx } = await open();
  await loadDigits(page);
  const controls = await page.evaluate(() => [...document.querySelectorAll('main button, main select, main input, main textarea')]
    .filter((e) => !e.disabled && e.offsetParent !== null)
    .map((e) => e.id || e.getAttribute('aria-label') || e.value || e.textContent.trim()));
  const reached = new Set();
  for (let i = 0; i < 500 && controls.some((c) => !reached.has(c)); i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => { const e = document.activeElement; return e && (e.id || e.getAttribute('aria-label') || e.value || e.textContent.trim()); });
    if (id) reached.add(id);
  }
  const missing = controls.filter((c) => !reached.has(c));
  assert.deepEqual(missing, [], `not reachable with Tab: ${missing.join(', ')}`);
  await ctx.close();
});

// Visible words in English on the Chinese page, minus user data and the
// names that stay as they are (as the page test counts them).
const NAMES = /gradlab|WebAssembly|relaxed SIMD|SIMD|simd128|ReLU|Leaky|ELU|GELU|Sigmoid|tanh|Softplus|Swish|AdamW|Adam|SGD|RMSprop|Adagrad|Nesterov|Embedding|LSTM|GRU|Dense|Conv1D|softmax|lstm|cnn|bow|mask_zero|num_words|Huber|MSE|MAE|HTML|Unicode|NFKC|TAB|CSV|JSON|tsv|csv|txt|TensorFlow\.js|model\.json|bin|WebGPU|GPU|CPU|Keras|SpamAssassin|UCI|Amazon|IMDb|Yelp|npm|@stdlib\/datasets-spam-assassin|sentiment|Kotzias|KDD|BY|Rosenbrock|Glorot|logit|None|English|max|ETA|cpu|sigmoid|momentum|embedding|dense|Conv2D|MaxPooling2D|AveragePooling2D|GlobalAveragePooling2D|GlobalMaxPooling2D|BatchNormalization|Flatten|Dropout|Dense|image-cnn|cnn|conv2d|pooling2d|max_pooling2d|flatten|dense|relu|softmax|PNG|JPEG|RGB|CSV|UCI|scikit-learn|Alpaydin|Kaynak|BSD-3-Clause|CC|BY|ReLU|Leaky|ELU|GELU|tanh|AdamW|Adam|SGD|RMSprop|Adagrad|Nesterov|Huber|MSE|MAE|TensorFlow\.js|WebGPU|GPU|CPU|Keras|Rosenbrock|Glorot|logit|English|ETA|cpu|sigmoid|softplus|swish|linear|Embedding|LSTM|GRU|Conv1D|None|max|valid|same|png|cat_001|t-SNE/g;
async function foreignWords(page) {
  return page.evaluate((names) => {
    const re = new RegExp(names, 'g');
    const out = [];
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest('[translate="no"], script, style, math, textarea, [hidden]')) continue;
      if (!el.checkVisibility()) continue;
      if (/[A-Za-z]{3,}/.test(n.textContent.replace(re, ' '))) out.push(n.textContent.trim().slice(0, 80));
    }
    for (const el of document.querySelectorAll('[aria-label], [placeholder], [title]')) {
      for (const a of ['aria-label', 'placeholder', 'title']) {
        const v = el.getAttribute(a);
        if (v && !el.closest('[translate="no"], [hidden]') && /[A-Za-z]{3,}/.test(v.replace(re, ' ').replace(/\b\w+_\d+\b|\b[a-z]+(_[a-z0-9]+)+\b/g, ' '))) out.push(`${a}: ${v.slice(0, 80)}`);
      }
    }
    return out;
  }, NAMES.source);
}

test('the image page in Chinese: every visible word, engine messages included', async () => {
  const { page, ctx, errors } = await open('zh-CN');
  assert.equal(await page.inputValue('#lang-select'), 'zh');
  await page.selectOption('#sample-select', 'digits');
  await waitText(page, 'parse-report', /接受 1797 张图像/);
  await waitText(page, 'model-summary', /max_pooling2d_1/);
  await setField(page, 'epochs', 1);
  await page.click('#train-btn');
  await page.waitForFunction(() => document.getElementById('epoch-count').textContent === '1' && !document.getElementById('train-btn').disabled, null, { timeout: 60000 });
  await draw(page, [[0.5, 0.15], [0.5, 0.85]]);
  await waitText(page, 'predict-output', /预测结果/);
  await page.waitForFunction(() => document.querySelectorAll('#feature-maps canvas[data-layer]').length === 4);
  await setField(page, 'aug-zoom', '1..2');
  await waitText(page, 'image-errors', /缩放幅度（比例）/);
  assert.deepEqual(await foreignWords(page), [], 'English left on the Chinese page');
  await page.screenshot({ path: path.join(shots, 'images-chinese.png'), fullPage: true });
  for (const id of ['data', 'predict', 'image-insides']) await page.locator('#' + id).screenshot({ path: path.join(shots, `images-chinese-${id}.png`) });
  await setField(page, 'aug-zoom', '0');
  // An engine message about a bad line, in Chinese.
  await paste(page, '1,0,1,1,0\n2,0,x,1,0\n');
  await waitText(page, 'parse-report', /第 2 行：第 1 个像素（'x'）不是有限数/);
  assert.deepEqual(errors, []);
  await ctx.close();
});
