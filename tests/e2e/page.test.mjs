// End-to-end tests of the lab page in Debian's Chromium, driven by
// playwright-core (no browser download). Run by `./lab test` after
// `trunk build`; serves dist/ itself on a free localhost port.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
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

async function open(context, query = '') {
  const ctx = context || await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base + query);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  return { page, ctx, errors };
}

async function canvasInk(page, id) {
  // Share of pixels that are not white: a blank canvas has none.
  return page.evaluate((id) => {
    const c = document.getElementById(id);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240) ink++;
    return ink / (d.length / 4);
  }, id);
}

async function loadSpamSample(page) {
  await page.selectOption('#sample-select', 'spam');
  await page.waitForFunction(() => /800\s*rows accepted/.test(document.getElementById('parse-report').textContent), null, { timeout: 20000 });
}

// Train the bow preset for `epochs` at rate `lr` and wait until it is done.
async function trainBow(page, epochs, lr) {
  await page.selectOption('#model-preset', 'bow');
  await page.waitForFunction(() => /global_average_pooling1d/.test(document.getElementById('model-summary').textContent));
  await page.fill('#epochs', String(epochs));
  await page.dispatchEvent('#epochs', 'change');
  if (lr) {
    await page.fill('#learning-rate', String(lr));
    await page.dispatchEvent('#learning-rate', 'change');
  }
  await page.waitForTimeout(300);
  await page.click('#train-btn');
  await page.waitForFunction((n) => document.getElementById('epoch-count').textContent === String(n), epochs, { timeout: 60000 });
}

async function paste(page, text) {
  await page.evaluate((t) => {
    const ta = document.getElementById('dataset-input');
    ta.value = t;
    ta.dispatchEvent(new Event('input', { bubbles: true }));
  }, text);
}

test('sample data → train → curves, metrics, confusion matrix, prediction', async () => {
  const { page, ctx, errors } = await open();
  await loadSpamSample(page);
  const report = await page.textContent('#parse-report');
  assert.match(report, /distinct words/);
  assert.match(report, /As the tokenizer sees it/);
  await trainBow(page, 4, 0.01);
  assert.match(await page.textContent('#model-summary'), /Total/);
  await page.waitForFunction(() => /^0\.\d+$/.test(document.getElementById('val-accuracy').textContent));
  const acc = Number(await page.textContent('#val-accuracy'));
  assert.ok(acc > 0.8, `validation accuracy ${acc}`);
  assert.match(await page.textContent('#train-loss'), /^\d+\.\d+$/);
  await page.waitForTimeout(400);
  assert.ok(await canvasInk(page, 'loss-chart') > 0.01, 'loss chart is blank');
  assert.ok(await canvasInk(page, 'accuracy-chart') > 0.01, 'accuracy chart is blank');
  assert.ok(await canvasInk(page, 'confusion-matrix') > 0.05, 'confusion matrix is blank');
  assert.match(await page.textContent('#metrics'), /precision/);
  await page.fill('#predict-input', 'Congratulations! You have won a free prize, click here to claim your cash now');
  await page.waitForFunction(() => /Prediction/.test(document.getElementById('predict-output').textContent));
  assert.match(await page.textContent('#predict-output'), /%/);
  assert.equal(await page.textContent('#backend'), 'cpu');
  await page.screenshot({ path: path.join(shots, 'trained.png'), fullPage: true });

  // Train again once the run is done: the page says why nothing moves and
  // what to do; with Epochs raised, Train goes on from where it stopped.
  await page.waitForFunction(() => document.getElementById('train-status').textContent === 'finished');
  await page.click('#train-btn');
  await page.waitForFunction(() => /all 4 epochs/.test(document.getElementById('train-status').textContent));
  assert.match(await page.textContent('#train-status'), /raise Epochs/);
  assert.equal(await page.textContent('#epoch-count'), '4');
  await page.fill('#epochs', '5');
  await page.dispatchEvent('#epochs', 'change');
  await page.waitForTimeout(300);
  await page.click('#train-btn');
  await page.waitForFunction(() => document.getElementById('epoch-count').textContent === '5', null, { timeout: 60000 });
  await page.fill('#epochs', '4');
  await page.dispatchEvent('#epochs', 'change');
  await page.waitForTimeout(300);
  assert.deepEqual(errors, []);

  // Reload: the data and settings are still there.
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  await page.waitForFunction(() => /800\s*rows accepted/.test(document.getElementById('parse-report').textContent), null, { timeout: 20000 });
  assert.equal(await page.inputValue('#model-preset'), 'bow');
  assert.equal(await page.inputValue('#epochs'), '4');
  assert.match(page.url(), /model=bow/);
  await ctx.close();
});

test('step, epoch, pause and reset; the page stays responsive while training', async () => {
  const { page, ctx } = await open();
  await loadSpamSample(page);
  await page.selectOption('#model-preset', 'lstm');
  await page.waitForFunction(() => /lstm_1/.test(document.getElementById('model-summary').textContent));
  await page.click('#step-btn');
  await page.waitForFunction(() => document.getElementById('batch-count').textContent.startsWith('1/'));
  await page.evaluate(() => {
    window.longest = 0;
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.longest = Math.max(window.longest, e.duration); }).observe({ type: 'longtask', buffered: false });
  });
  await page.click('#train-btn');
  await page.waitForTimeout(2500);
  // Typing works while training.
  await page.fill('#predict-input', 'still typing');
  assert.equal(await page.inputValue('#predict-input'), 'still typing');
  await page.click('#pause-btn');
  await page.waitForFunction(() => document.getElementById('train-status').textContent === 'paused', null, { timeout: 10000 });
  const batch = await page.textContent('#batch-count');
  await page.waitForTimeout(700);
  assert.equal(await page.textContent('#batch-count'), batch, 'training went on after pause');
  const longest = await page.evaluate(() => window.longest);
  console.log(`longest main-thread task while training the lstm preset: ${longest} ms; training speed shown: ${await page.textContent('#samples-per-second')} samples/s`);
  // No task over 50 ms (a PerformanceObserver reports only those): the
  // longest measured, 36 ms, redraws the gates' heat map.
  assert.ok(longest < 50, `main thread blocked for ${longest} ms`);
  await page.screenshot({ path: path.join(shots, 'paused.png') });
  await page.click('#reset-btn');
  await page.waitForFunction(() => document.getElementById('epoch-count').textContent === '0');
  assert.equal(await page.textContent('#train-loss'), '–');
  await ctx.close();
});

test('bad input gets a clear message and nothing is lost', async () => {
  const { page, ctx, errors } = await open();
  const report = () => page.textContent('#parse-report');
  await paste(page, '   ');
  await page.waitForFunction(() => /No data yet/.test(document.getElementById('parse-report').textContent));
  await paste(page, 'just text without labels\nmore text without labels\n');
  await page.waitForFunction(() => /none of its 2 lines/.test(document.getElementById('parse-report').textContent));
  await paste(page, 'spam\tbuy now\nspam\tcheap pills\n');
  await page.waitForFunction(() => /Only one class/.test(document.getElementById('parse-report').textContent));
  // The status line follows the report once the model is re-checked.
  await page.waitForFunction(() => /two classes/.test(document.getElementById('missing').textContent));
  assert.equal(await page.isDisabled('#train-btn'), true);
  await paste(page, 'a\tfine <b>text</b>\nb\tother text\nno label here\na\t\u0001\u0002\u0003\u0004junk\n');
  await page.waitForFunction(() => /rejected/.test(document.getElementById('parse-report').textContent));
  const r = await report();
  assert.match(r, /line 3: no tab/);
  assert.match(r, /line 4: binary/);
  // Pasted text is shown as text, never as HTML.
  assert.equal(await page.locator('#parse-report b:text("text")').count(), 0);
  // A NUL anywhere: the whole paste is binary (a file that is not text).
  await paste(page, 'a\tfine text\nb\tother text\na\tsome\u0000thing\n');
  await page.waitForFunction(() => /data is binary, not text \(a NUL or control byte on line 3\)/.test(document.getElementById('parse-report').textContent));
  // Absurd settings are refused next to the field, and the typed value stays.
  for (const [id, value] of [['#learning-rate', '1e9'], ['#batch-size', '0'], ['#max-len', '0'], ['#learning-rate', 'NaN']]) {
    await page.fill(id, value);
    await page.dispatchEvent(id, 'change');
    await page.waitForFunction((id) => document.querySelector(id).classList.contains('invalid'), id);
    assert.equal(await page.inputValue(id), value);
    assert.notEqual(await page.textContent('#setup-errors'), '');
    await page.fill(id, id === '#learning-rate' ? '0.001' : id === '#batch-size' ? '32' : '100');
    await page.dispatchEvent(id, 'change');
  }
  // A 50 MB paste: a message, not a frozen page.
  await page.evaluate(() => {
    const line = 'a\t' + 'x'.repeat(998) + '\n';
    const ta = document.getElementById('dataset-input');
    ta.value = line.repeat(50_000);
    ta.dispatchEvent(new Event('input', { bubbles: true }));
  });
  // Generous: a 50 MB string crosses to the worker and back on a busy 2-core machine.
  await page.waitForFunction(() => /at most 32 MB/.test(document.getElementById('parse-report').textContent), null, { timeout: 90000 });
  // The refused paste is not silently replaced by the previous data.
  await page.waitForFunction(() => /data: paste/.test(document.getElementById('missing').textContent), null, { timeout: 60000 });
  assert.equal(await page.isDisabled('#train-btn'), true);
  assert.ok((await page.inputValue('#dataset-input')).length > 49_000_000, 'the paste itself is kept');
  await page.screenshot({ path: path.join(shots, 'bad-input.png') });
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('model editing: lint with one-click fix, custom layers, invalid stacks explained', async () => {
  const { page, ctx } = await open();
  await loadSpamSample(page);
  await page.selectOption('#model-preset', 'lstm');
  await page.uncheck('#mask');
  await page.waitForFunction(() => /without a mask/.test(document.getElementById('model-lints').textContent));
  await page.click('#model-lints button');
  await page.waitForFunction(() => document.getElementById('model-lints').textContent.trim() === '');
  assert.equal(await page.isChecked('#mask'), true);

  await page.selectOption('#model-preset', 'custom');
  await page.waitForSelector('#add-layer');
  await page.selectOption('#add-layer-type', 'Dropout');
  await page.click('#add-layer');
  await page.waitForFunction(() => /dropout/.test(document.getElementById('model-summary').textContent));
  // Remove both LSTMs: Dense now reads a sequence, which is explained.
  await page.click('button[aria-label="remove layer 2"]');
  await page.waitForFunction(() => /lstm_1|lstm \(/.test(document.getElementById('model-summary').textContent));
  await page.click('button[aria-label="remove layer 2"]');
  await page.waitForFunction(() => /GlobalAveragePooling1D/.test(document.getElementById('model-summary').textContent));
  await page.waitForFunction(() => /model:/.test(document.getElementById('missing').textContent));
  assert.equal(await page.isDisabled('#train-btn'), true);
  await page.screenshot({ path: path.join(shots, 'invalid-model.png') });
  // Put a pooling layer back: valid again, and trainable.
  await page.selectOption('#add-layer-type', 'GlobalAveragePooling1D');
  await page.click('#add-layer');
  await page.click('button[aria-label="move layer 4 up"]');
  await page.click('button[aria-label="move layer 3 up"]');
  await page.waitForFunction(() => /Total/.test(document.getElementById('model-summary').textContent));
  await page.waitForFunction(() => !document.getElementById('train-btn').disabled, null, { timeout: 10000 });
  await ctx.close();
});

test('a trained model downloads and uploads in the TensorFlow.js format', async () => {
  const { page, ctx } = await open();
  await loadSpamSample(page);
  await trainBow(page, 2);
  const files = await downloadModel(page, 'gradlab-model-');
  const json = JSON.parse(fs.readFileSync(files.find((f) => f.endsWith('.json')), 'utf8'));
  assert.equal(json.format, 'layers-model');
  assert.ok(json.userDefinedMetadata.gradlab.tokenizer);
  await page.fill('#predict-input', 'cheap meds online buy now');
  await page.waitForFunction(() => /Prediction/.test(document.getElementById('predict-output').textContent));
  const before = await page.textContent('#predict-output');

  // A fresh browser with no data predicts the same from the uploaded files.
  const fresh = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const { page: p2 } = await open(fresh);
  await p2.setInputFiles('#upload-input', files);
  await p2.waitForFunction(() => /loaded/.test(document.getElementById('train-status').textContent), null, { timeout: 20000 });
  await p2.fill('#predict-input', 'cheap meds online buy now');
  await p2.waitForFunction(() => /Prediction/.test(document.getElementById('predict-output').textContent));
  assert.equal(await p2.textContent('#predict-output'), before);
  // With no data it cannot train, and the page says what to load instead of
  // training on a placeholder.
  await p2.waitForFunction(() => /no rows to train on; load rows labelled with its classes \('0', '1'\)/.test(document.getElementById('missing').textContent), null, { timeout: 20000 });
  await p2.click('#train-btn', { force: true }).catch(() => {});
  await p2.waitForTimeout(500);
  assert.equal((await p2.textContent('#epoch-count')).trim(), '0', 'nothing may have trained');
  await fresh.close();
  await ctx.close();
});

test('a model TensorFlow.js cannot load (a GRU) says so beside the download button, before any download', async () => {
  const layers = JSON.stringify([{ type: 'Embedding', input_dim: 10000, output_dim: 8, mask_zero: true }, { type: 'GRU', units: 8 }, { type: 'Dense', units: 2, activation: 'softmax' }]);
  const { page, ctx, errors } = await open(undefined, '#' + new URLSearchParams({ model: 'custom', layers }).toString());
  await loadSpamSample(page);
  await page.waitForFunction(() => /This model will not load in TensorFlow\.js/.test(document.getElementById('tfjs-warnings').textContent), null, { timeout: 20000 });
  assert.match(await page.textContent('#tfjs-warnings'), /layer 2, GRU\(8\): TensorFlow\.js cannot load this model\. .*Use LSTM/);
  // The lstm preset loads in TF.js: no warning.
  await page.selectOption('#model-preset', 'lstm');
  await page.waitForFunction(() => document.getElementById('tfjs-warnings').textContent.trim() === '', null, { timeout: 20000 });
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('the engine runs its relaxed-SIMD build where the browser has it, and the plain build trains too', async () => {
  const { page, ctx, errors } = await open();
  await page.waitForFunction(() => document.getElementById('engine-build').dataset.build);
  assert.equal(await page.getAttribute('#engine-build', 'data-build'), 'relaxed-simd');
  assert.match(await page.textContent('#engine-build'), /fused multiply-add \(relaxed SIMD\)/);
  await ctx.close();

  // ?wasm=simd128: the build a browser without relaxed SIMD gets, trained
  // on the sample like any other.
  const plain = await open(undefined, '?wasm=simd128');
  const fetched = new Set();
  plain.page.on('response', (r) => { if (/\.wasm$/.test(r.url())) fetched.add(new URL(r.url()).pathname); });
  await plain.page.waitForFunction(() => document.getElementById('engine-build').dataset.build);
  assert.equal(await plain.page.getAttribute('#engine-build', 'data-build'), 'simd128');
  assert.match(await plain.page.textContent('#engine-build'), /turned off by \?wasm=simd128/);
  await loadSpamSample(plain.page);
  await trainBow(plain.page, 3, 0.01);
  await plain.page.waitForFunction(() => /^0\.\d+$/.test(document.getElementById('val-accuracy').textContent));
  const acc = Number(await plain.page.textContent('#val-accuracy'));
  assert.ok(acc > 0.8, `validation accuracy ${acc} on the plain-SIMD build`);
  assert.ok(!fetched.has('/gradlab_relaxed_bg.wasm'), `fetched ${[...fetched].join(', ')}`);
  assert.deepEqual(errors, []);
  assert.deepEqual(plain.errors, []);
  await plain.ctx.close();
});

test('first load is quick and small', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const fetched = new Set();
  page.on('response', (r) => { if (/\.(wasm|js)$/.test(r.url())) fetched.add(new URL(r.url()).pathname); });
  const t0 = Date.now();
  await page.goto(base);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  const ms = Date.now() - t0;
  // What a gzip-serving host would transfer for the wasm and JS the page fetched.
  let gz = 0;
  for (const f of fetched) gz += zlib.gzipSync(fs.readFileSync(path.join(root, f))).length;
  console.log(`first load to interactive: ${ms} ms; wasm + JS fetched: ${[...fetched].join(', ')}; ${(gz / 1e6).toFixed(2)} MB gzipped`);
  // One build of the engine serves the page and the worker: Chromium has
  // relaxed SIMD, so it is that one, and the plain build is never fetched.
  assert.ok(fetched.has('/gradlab_relaxed_bg.wasm'), `fetched ${[...fetched].join(', ')}`);
  assert.ok(!fetched.has('/gradlab_bg.wasm'), 'the plain-SIMD build was fetched too');
  assert.ok(gz <= 1_000_000, `wasm + JS are ${gz} bytes gzipped`);
  assert.ok(ms < 5000, `first load took ${ms} ms`);
  await ctx.close();
});

test('a dropped file loads, and cleaning switches report what they changed', async () => {
  const { page, ctx, errors } = await open();
  await page.evaluate(() => {
    const text = 'label,text\npos,"<p>Loved it, <b>truly</b></p> http://example.com/x"\nneg,"Ｂｏｒｉｎｇ  and   slow"\nneg,"Ｂｏｒｉｎｇ  and   slow"\npos,great fun\n';
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'reviews.csv', { type: 'text/csv' }));
    document.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await page.waitForFunction(() => /4\s*rows accepted/.test(document.getElementById('parse-report').textContent));
  assert.match(await page.textContent('#parse-report'), /comma-separated, label in the first column, header: label \| text/);
  for (const id of ['#clean-html', '#clean-urls', '#clean-unicode', '#clean-whitespace', '#clean-duplicates']) await page.check(id);
  await page.waitForFunction(() => /duplicates dropped: 1/.test(document.getElementById('parse-report').textContent));
  const r = await page.textContent('#parse-report');
  assert.match(r, /HTML: 1/);
  assert.match(r, /URLs: 1/);
  assert.match(r, /Unicode: 2, whitespace: 3/); // both full-width rows, before duplicates go
  assert.match(r, /3\s*rows accepted/);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('visualisers draw without data and change with their controls', async () => {
  const { page, ctx, errors } = await open();
  const hash = (id) => page.evaluate((id) => document.getElementById(id).toDataURL(), id);
  assert.ok(await canvasInk(page, 'activation-chart') > 0.01);
  assert.ok(await canvasInk(page, 'loss-visualiser') > 0.01);
  const a0 = await hash('activation-chart');
  await page.check('#activation-picks input[value="tanh"]');
  await page.waitForFunction((a0) => document.getElementById('activation-chart').toDataURL() !== a0, a0);
  // Hovering reads the engine's own values.
  const box = await page.locator('#activation-chart').boundingBox();
  await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2);
  await page.waitForFunction(() => /tanh: f = /.test(document.getElementById('activation-readout').textContent));
  const readout = await page.textContent('#activation-readout');
  const x = Number(readout.match(/x = (-?[\d.]+)/)[1]);
  assert.ok(x > 1.5 && x < 3.5, readout);
  // ReLU at a positive x is x itself, with slope 1.
  const [, f, d] = readout.match(/relu: f = (-?[\d.]+), f′ = (-?[\d.]+)/);
  assert.ok(Math.abs(Number(f) - x) < 0.006 && Number(d) === 1, readout);
  // Leaky ReLU's slope is adjustable: the curve and its formula follow.
  await page.check('#activation-picks input[value="leaky_relu"]');
  await page.waitForTimeout(100);
  const k0 = await hash('activation-chart');
  await page.fill('#leaky-slope', '0.5');
  await page.waitForFunction((k0) => document.getElementById('activation-chart').toDataURL() !== k0, k0);
  assert.equal(await page.textContent('#leaky-slope-mn'), '0.5');
  await page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2);
  await page.waitForFunction(() => /leaky_relu: f = -[\d.]+, f′ = 0\.500/.test(document.getElementById('activation-readout').textContent));
  const l0 = await hash('loss-visualiser');
  await page.selectOption('#loss-mode', 'regression');
  await page.waitForFunction((l0) => document.getElementById('loss-visualiser').toDataURL() !== l0, l0);
  const l1 = await hash('loss-visualiser');
  await page.fill('#loss-delta', '0.3');
  await page.waitForFunction((l1) => document.getElementById('loss-visualiser').toDataURL() !== l1, l1);
  // The race runs: its step counter advances and the picture changes.
  const r0 = await hash('optimizer-visualiser');
  await page.click('#race-play');
  await page.waitForFunction(() => Number(document.getElementById('race-steps').textContent) >= 40);
  await page.click('#race-play');
  assert.notEqual(await hash('optimizer-visualiser'), r0);
  const n = Number(await page.textContent('#race-steps'));
  await page.click('#race-step');
  assert.equal(Number(await page.textContent('#race-steps')), n + 1);
  assert.match(await page.getAttribute('#optimizer-visualiser', 'aria-label'), /Adam \d/);
  await page.locator('#visualisers').screenshot({ path: path.join(shots, 'visualisers.png') });
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('the sentiment sample trains to a useful accuracy', async () => {
  const { page, ctx } = await open();
  await page.selectOption('#sample-select', 'sentiment');
  await page.waitForFunction(() => /1800\s*rows accepted/.test(document.getElementById('parse-report').textContent), null, { timeout: 20000 });
  assert.match(await page.textContent('#sample-source'), /Kotzias/);
  await trainBow(page, 8, 0.005);
  await page.waitForFunction(() => /^0\.\d+$/.test(document.getElementById('val-accuracy').textContent));
  const acc = Number(await page.textContent('#val-accuracy'));
  console.log(`sentiment sample, bow, 8 epochs: validation accuracy ${acc}`);
  assert.ok(acc > 0.7, `validation accuracy ${acc}`);
  await page.fill('#predict-input', 'the food was wonderful and the staff were lovely');
  await page.waitForFunction(() => /Prediction: positive/.test(document.getElementById('predict-output').textContent), null, { timeout: 10000 });
  await ctx.close();
});

test('every control is reachable from the keyboard', async () => {
  const { page, ctx } = await open();
  const controls = await page.evaluate(() => [...document.querySelectorAll('main button, main select, main input, main textarea, main label.button')]
    .filter((e) => !e.disabled && e.offsetParent !== null && e.tagName !== 'LABEL')
    .map((e) => e.id || e.getAttribute('aria-label') || e.value || e.textContent.trim()));
  const reached = new Set();
  for (let i = 0; i < 400 && controls.some((c) => !reached.has(c)); i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => { const e = document.activeElement; return e && (e.id || e.getAttribute('aria-label') || e.value || e.textContent.trim()); });
    if (id) reached.add(id);
  }
  const missing = controls.filter((c) => !reached.has(c));
  assert.deepEqual(missing, [], `not reachable with Tab: ${missing.join(', ')}`);
  await ctx.close();
});

async function canvasHash(page, id) {
  return page.evaluate((id) => {
    const c = document.getElementById(id);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let h = 2166136261;
    for (let i = 0; i < d.length; i += 7) h = Math.imul(h ^ d[i], 16777619);
    return h >>> 0;
  }, id);
}

// A fresh run started by new settings (here another preset), not by Reset:
// its loss curve starts afresh. The chart after its first batch is exactly
// the chart after Reset and the same first batch (same seed, same loss).
test('a new model starts its curves afresh, as Reset does', async () => {
  const { page, ctx, errors } = await open();
  await loadSpamSample(page);
  await trainBow(page, 2, 0.01);
  await page.selectOption('#model-preset', 'cnn');
  await page.waitForFunction(() => /conv1d/.test(document.getElementById('model-summary').textContent));
  const firstBatch = async () => {
    await page.click('#step-btn');
    await page.waitForFunction(() => document.getElementById('batch-count').textContent.startsWith('1/') && document.getElementById('pause-btn').disabled, null, { timeout: 30000 });
    await page.waitForTimeout(500);
    return { chart: await canvasHash(page, 'loss-chart'), epoch: await page.textContent('#epoch-count'), loss: await page.textContent('#train-loss') };
  };
  const fresh = await firstBatch();
  await page.click('#reset-btn');
  await page.waitForFunction(() => document.getElementById('batch-count').textContent === '0');
  const afterReset = await firstBatch();
  assert.equal(fresh.loss, afterReset.loss, 'the same seed gives the same first loss');
  assert.equal(fresh.epoch, '0');
  assert.equal(fresh.chart, afterReset.chart, 'the new model\'s loss chart still shows the old run');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('inside the model: histograms and LSTM gates follow training', async () => {
  const { page, ctx, errors } = await open();
  await loadSpamSample(page);
  await page.selectOption('#model-preset', 'lstm');
  await page.fill('#max-len', '40');
  await page.dispatchEvent('#max-len', 'change');
  await page.waitForFunction(() => /lstm_1/.test(document.getElementById('model-summary').textContent));
  // The pictures are drawn when they are on screen: look at them.
  const look = () => page.locator('#insides-chart').scrollIntoViewIfNeeded();
  await look();
  // Before training: the initial weights, no gradients yet.
  await page.waitForFunction(() => /step 0/.test(document.getElementById('insides-chart').getAttribute('aria-label') || ''), null, { timeout: 20000 });
  assert.ok(await canvasInk(page, 'insides-chart') > 0.02, 'histogram grid is blank');
  const before = await canvasHash(page, 'insides-chart');
  assert.deepEqual(await page.$$eval('#gate-layer option', (o) => o.map((x) => x.textContent)), ['lstm', 'lstm_1']);
  await page.waitForFunction(() => /gate heat map of lstm over \d+ words/.test(document.getElementById('gate-heatmap').getAttribute('aria-label') || ''));
  assert.ok(await canvasInk(page, 'gate-heatmap') > 0.1, 'gate heat map is blank');
  assert.match(await page.textContent('#gate-example-info'), /#1 of 160 \(line \d+, label [01]\)/);
  const gates1 = await canvasHash(page, 'gate-heatmap');

  // One step: the histograms now carry that step's gradients.
  await page.click('#step-btn');
  await look();
  await page.waitForFunction(() => /step 1:/.test(document.getElementById('insides-chart').getAttribute('aria-label') || ''), null, { timeout: 20000 });
  await page.waitForTimeout(200);
  assert.notEqual(await canvasHash(page, 'insides-chart'), before, 'the histograms did not change after a step');

  // Another example and the second LSTM change the heat map.
  await page.fill('#gate-example', '7');
  await page.dispatchEvent('#gate-example', 'change');
  await page.waitForFunction(() => /#7 of 160/.test(document.getElementById('gate-example-info').textContent));
  assert.notEqual(await canvasHash(page, 'gate-heatmap'), gates1);
  await page.selectOption('#gate-layer', { label: 'lstm_1' });
  await page.waitForFunction(() => /heat map of lstm_1/.test(document.getElementById('gate-heatmap').getAttribute('aria-label') || ''));
  await page.locator('#insides-chart').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(shots, 'insides.png'), fullPage: false });
  await page.locator('#gate-heatmap').screenshot({ path: path.join(shots, 'gates.png') });

  // A model without an LSTM says why there is no gate map.
  await page.selectOption('#model-preset', 'bow');
  await look();
  await page.waitForFunction(() => /LSTM/.test(document.getElementById('gate-example-info').textContent), null, { timeout: 20000 });
  assert.ok(await page.$eval('#gate-heatmap', (c) => c.hidden));
  assert.deepEqual(errors, []);
  await ctx.close();
});

// Visible words that are not in the page's language: the text of elements a
// person sees, minus user data (translate="no"), formulas and names that
// stay as they are in Chinese texts too.
const NAMES = /gradlab|WebAssembly|relaxed SIMD|SIMD|simd128|ReLU|Leaky|ELU|GELU|Sigmoid|tanh|Softplus|Swish|AdamW|Adam|SGD|RMSprop|Adagrad|Nesterov|Embedding|LSTM|GRU|Dense|Conv1D|softmax|lstm|cnn|bow|mask_zero|num_words|Huber|MSE|MAE|HTML|Unicode|NFKC|TAB|CSV|JSON|tsv|csv|txt|TensorFlow\.js|model\.json|bin|WebGPU|GPU|CPU|Keras|SpamAssassin|UCI|Amazon|IMDb|Yelp|npm|@stdlib\/datasets-spam-assassin|sentiment|Kotzias|KDD|BY|Rosenbrock|Glorot|LSTM|logit|None|English|max|ETA|cpu|sigmoid|momentum|embedding|dense|t-SNE/g;
async function foreignWords(page) {
  return page.evaluate((names) => {
    const re = new RegExp(names, 'g');
    const out = [];
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest('[translate="no"], script, style, math, textarea, [hidden]')) continue;
      if (!el.checkVisibility()) continue;
      const rest = n.textContent.replace(re, ' ');
      if (/[A-Za-z]{3,}/.test(rest)) out.push(n.textContent.trim().slice(0, 80));
    }
    for (const el of document.querySelectorAll('[aria-label], [placeholder]')) {
      for (const a of ['aria-label', 'placeholder']) {
        const v = el.getAttribute(a);
        if (v && !el.closest('[translate="no"], [hidden]') && /[A-Za-z]{3,}/.test(v.replace(re, ' ').replace(/\b\w+_\d+\b|\b[a-z]+(_[a-z0-9]+)+\b/g, ' '))) out.push(`${a}: ${v.slice(0, 80)}`);
      }
    }
    return out;
  }, NAMES.source);
}

test('English and Chinese: every visible word switches, training state stays', async () => {
  const { page, ctx, errors } = await open();
  assert.equal(await page.inputValue('#lang-select'), 'en');
  await loadSpamSample(page);
  await trainBow(page, 2, 0.01);
  await page.waitForFunction(() => /^0\.\d+$/.test(document.getElementById('val-accuracy').textContent));
  await page.fill('#predict-input', 'win a free prize now');
  await page.waitForFunction(() => /Prediction/.test(document.getElementById('predict-output').textContent));
  const state = async () => page.evaluate(() => ['epoch-count', 'batch-count', 'train-loss', 'val-accuracy', 'dataset-input'].map((id) => {
    const el = document.getElementById(id);
    return id === 'dataset-input' ? el.value.length : el.textContent;
  }));
  const before = await state();
  const lossChart = await canvasHash(page, 'loss-chart');

  await page.selectOption('#lang-select', 'zh');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  assert.equal(await page.textContent('nav a[data-step="data"]'), '1 数据');
  assert.equal(await page.textContent('#train-btn'), '开始训练');
  await page.waitForFunction(() => /预测结果/.test(document.getElementById('predict-output').textContent));
  assert.match(await page.textContent('#parse-report'), /接受 800 行/);
  assert.match(await page.textContent('#metrics'), /精确率/);
  assert.deepEqual(await state(), before, 'switching language lost training state');
  await page.waitForTimeout(300);
  assert.notEqual(await canvasHash(page, 'loss-chart'), lossChart, 'the chart titles did not change language');
  assert.match(await page.getAttribute('#loss-chart', 'aria-label'), /损失曲线/);
  const foreign = await foreignWords(page);
  assert.deepEqual(foreign, [], 'English left on the Chinese page');
  await page.screenshot({ path: path.join(shots, 'chinese.png'), fullPage: true });
  for (const id of ['data', 'training', 'evaluation', 'visualisers']) await page.locator('#' + id).screenshot({ path: path.join(shots, `chinese-${id}.png`) });

  // An engine message in Chinese: a bad field, then a line the parser rejects.
  await page.fill('#val-split', '0.9');
  await page.dispatchEvent('#val-split', 'change');
  await page.waitForFunction(() => /验证集比例/.test(document.getElementById('setup-errors').textContent));
  await page.fill('#val-split', '0.2');
  await page.dispatchEvent('#val-split', 'change');

  // The choice survives a reload, and switching back restores English.
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.inputValue('#lang-select'), 'zh');
  assert.equal(await page.textContent('#step-btn'), '训练一个批次');
  // (English is fetched when first asked for: a page opened in Chinese
  // carries only Chinese.)
  await page.selectOption('#lang-select', 'en');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.equal(await page.textContent('nav a[data-step="data"]'), '1 Data');
  assert.deepEqual(errors, []);
  await ctx.close();

  // A browser set to Chinese opens in Chinese.
  const zhCtx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const { page: zhPage } = await open(zhCtx);
  assert.equal(await zhPage.inputValue('#lang-select'), 'zh');
  assert.equal(await zhPage.textContent('#train-btn'), '开始训练');
  await zhCtx.close();
});

test('a worker that panics is replaced, and the fresh one gets the settings and the data back', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  // The worker, with one way in to a panic: predicting the text
  // "__panic__" answers as a Rust panic does (fatal), and nothing else.
  const real = fs.readFileSync(path.join(root, 'worker.js'), 'utf8');
  const panicking = `self.addEventListener('message', (e) => {
    if (e.data.cmd === 'predict' && e.data.args[0] === '__panic__') { e.stopImmediatePropagation(); self.postMessage({ id: e.data.id, ok: false, error: 'unreachable', fatal: true }); }
  });\n` + real;
  await ctx.route(/\/worker\.js(\?.*)?$/, (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body: panicking }));
  const { page, errors } = await open(ctx);
  await loadSpamSample(page);
  await page.selectOption('#model-preset', 'bow');
  await page.waitForFunction(() => /global_average_pooling1d/.test(document.getElementById('model-summary').textContent));
  await page.fill('#batch-size', '16');
  await page.dispatchEvent('#batch-size', 'change');
  // The report as it stands is marked: the fresh worker's report replaces it.
  await page.evaluate(() => { for (const el of document.getElementById('parse-report').children) el.dataset.before = 'panic'; });
  await page.fill('#predict-input', '__panic__');
  await page.waitForFunction(() => /internal error \(unreachable\)/.test(document.getElementById('banner').textContent), null, { timeout: 20000 });
  // The fresh worker read the data again and took the form's settings:
  // 640 training rows in batches of 16 (not the default 32).
  await page.waitForFunction(() => /800\s*rows accepted/.test(document.getElementById('parse-report').textContent) && !document.querySelector('#parse-report [data-before]'), null, { timeout: 20000 });
  await page.waitForFunction(() => !document.getElementById('step-btn').disabled, null, { timeout: 20000 });
  await page.click('#step-btn');
  await page.waitForFunction(() => document.getElementById('batch-count').textContent.startsWith('1/'), null, { timeout: 20000 });
  assert.equal(await page.textContent('#batch-count'), '1/40');
  assert.deepEqual(errors, []);
  await ctx.close();
});
