// What comes from outside the page is text, never markup: a shared link's
// settings, stored settings, pasted data, dropped file names, an uploaded
// model.json (layer names, labels, tokenizer words). Each payload below
// would set window.__pwned (or open a dialog) if the page ever made it
// markup; the page must show it as literal text where it shows it at all,
// name the field of a setting it refuses, and log no Content-Security-Policy
// violation (the escaping, not the policy, must stop them).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { downloadModel, shots, startBrowser } from './serve.mjs';

let server, browser, base;

before(async () => {
  ({ server, base, browser } = await startBrowser());
});

after(async () => {
  await browser?.close();
  server?.close();
});

afterEach(async () => {
  for (const ctx of browser?.contexts() ?? []) await ctx.close().catch(() => {});
});

// Payloads: an element with a handler, an attribute break-out, a script
// tag, a javascript: address, and handler forms that need no spaces.
const IMG = '<img src=x onerror="window.__pwned=1">';
const BREAKOUT = '"><svg onload=window.__pwned=2>';
const SCRIPT = '<script>window.__pwned=3</script>';
const JS_URL = 'javascript:window.__pwned=4';
const ALERT = "<img src=x onerror=alert('xss')>";
const SVG_NOSPACE = '<svg/onload=window.__pwned=5>';
// File names: no '/' (a folder) and no '_' (a label_ prefix ends there).
const FILE_IMG = '<img src=x onerror="top.pwned=6">';
const FILE_SVG = '<svg onload=top.pwned=7>';

async function open(ctxOptions = {}, hash = '') {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', ...ctxOptions });
  await ctx.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`));
  });
  const page = await ctx.newPage();
  const dialogs = [];
  const errors = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base + hash);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  return { ctx, page, dialogs, errors };
}

// Nothing ran, nothing was blocked, and no markup from outside is in the page.
async function assertInert(page, dialogs, what) {
  await page.waitForTimeout(300); // an image's onerror fires after a failed load
  const state = await page.evaluate(() => {
    const handlers = [];
    for (const el of document.querySelectorAll('*')) {
      for (const a of el.attributes) if (/^on/i.test(a.name)) handlers.push(`${el.tagName} ${a.name}`);
    }
    return {
      pwned: window.__pwned ?? window.pwned ?? null,
      violations: window.__violations,
      injected: [...document.querySelectorAll('img, svg, iframe, object, embed, script:not([src])')].map((e) => e.outerHTML.slice(0, 80)),
      handlers,
      hrefs: [...document.querySelectorAll('[href^="javascript:" i], [src^="javascript:" i]')].length,
    };
  });
  assert.equal(state.pwned, null, `${what}: a payload ran (window.__pwned = ${state.pwned})`);
  assert.deepEqual(dialogs, [], `${what}: a payload opened a dialog`);
  assert.deepEqual(state.injected, [], `${what}: markup from outside reached the page`);
  assert.deepEqual(state.handlers, [], `${what}: an inline event handler is in the page`);
  assert.equal(state.hrefs, 0, `${what}: a javascript: address is in the page`);
  assert.deepEqual(state.violations, [], `${what}: Content-Security-Policy violations`);
}

const linkTo = (params) => '#' + new URLSearchParams(params).toString();

test('a link whose layer type is markup runs nothing and is refused, naming the layer and its type (English and Chinese)', async () => {
  const layers = JSON.stringify([{ type: IMG }, { type: 'Dense', units: 2, activation: 'softmax' }]);
  for (const [locale, words] of [['en-US', /The link: layer list \(layers=.*\) was not used: layer 1 has the unknown type “<img src=x onerror="window.__pwned=1">”/], ['zh-CN', /链接中的层列表（layers=.*）未被采用：第 1 层的类型“<img src=x onerror="window.__pwned=1">”未知/]]) {
    const { ctx, page, dialogs, errors } = await open({ locale }, linkTo({ model: 'custom', layers }));
    await assertInert(page, dialogs, `layer type (${locale})`);
    await page.waitForFunction(() => !document.getElementById('settings-problems').hidden);
    const shown = await page.textContent('#settings-problems');
    assert.match(shown, words);
    // The page went on with a layer list of its own.
    await page.waitForFunction(() => document.querySelectorAll('#layer-editor .layer').length >= 2);
    const editor = await page.textContent('#layer-editor');
    assert.ok(!editor.includes('<img'), editor);
    assert.equal(await page.inputValue('#model-preset'), 'custom');
    assert.deepEqual(errors, []);
    if (locale === 'en-US') {
      await page.screenshot({ path: path.join(shots, 'security-link.png') });
      // The message follows a language switch.
      await page.selectOption('#lang-select', 'zh');
      await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
      assert.match(await page.textContent('#settings-problems'), /链接中的层列表（layers=.*）未被采用：第 1 层的类型“<img src=x onerror="window.__pwned=1">”未知/);
    }
    await ctx.close();
  }
});

test('a link with markup in layer fields, field names, the preset and other settings: each refused with its field named', async () => {
  const layers = JSON.stringify([
    { type: 'Embedding', input_dim: 10000, output_dim: 16 },
    { type: 'GlobalAveragePooling1D' },
    { type: 'Dense', units: 8, activation: BREAKOUT },
    { type: 'Dense', units: 2, activation: 'softmax' },
  ]);
  const { ctx, page, dialogs, errors } = await open({}, linkTo({
    model: 'custom', layers, lr: BREAKOUT, opt: SCRIPT, loss: ALERT, backend: JS_URL, sched: SVG_NOSPACE,
    pad: IMG, mask: BREAKOUT, aug: SCRIPT, shape: ALERT, [IMG]: '1',
  }));
  await assertInert(page, dialogs, 'link settings');
  await page.waitForFunction(() => !document.getElementById('settings-problems').hidden);
  const shown = await page.textContent('#settings-problems');
  for (const [field, name, value] of [
    ['layer list', 'layers', 'layer 3 (Dense), field activation = "><svg onload=window.__pwned=2>: it must be one of linear, relu'],
    ['Learning rate', 'lr', BREAKOUT],
    ['Optimizer', 'opt', SCRIPT],
    ['Loss', 'loss', ALERT],
    ['Compute', 'backend', JS_URL],
    ['Schedule', 'sched', SVG_NOSPACE],
    ['Padding', 'pad', IMG],
    ['mask padding', 'mask', BREAKOUT],
    ['Preprocessing', 'aug', SCRIPT],
    ['Image shape', 'shape', ALERT],
  ]) {
    assert.ok(shown.includes(`${name}=`), `no message for ${name}: ${shown}`);
    assert.ok(shown.toLowerCase().includes(field.toLowerCase().split(' ')[0]), `the message for ${name} does not name “${field}”: ${shown}`);
    assert.ok(shown.includes(value), `the message for ${name} does not show “${value}” as text: ${shown}`);
  }
  assert.match(shown, /The link has a setting “<img src=x onerror="window.__pwned=1">” the page does not know; it was ignored\./);
  // None of them was used: the form holds the page's own values.
  assert.equal(await page.inputValue('#learning-rate'), '0.001');
  assert.equal(await page.inputValue('#optimizer'), 'adam');
  assert.equal(await page.inputValue('#backend-select'), 'auto');
  assert.equal(await page.inputValue('#padding'), 'post');
  await assertInert(page, dialogs, 'link settings');
  // A preset that is markup.
  const second = await open({}, linkTo({ model: IMG }));
  await assertInert(second.page, second.dialogs, 'link preset');
  await second.page.waitForFunction(() => !document.getElementById('settings-problems').hidden);
  assert.match(await second.page.textContent('#settings-problems'), /The link: Preset \(model=<img src=x onerror="window\.__pwned=1">\) was not used: it must be one of lstm, cnn, bow, transformer, image-cnn, custom\./);
  assert.equal(await second.page.inputValue('#model-preset'), 'lstm');
  await assertInert(second.page, second.dialogs, 'link preset');
  // The messages go away when dismissed.
  await second.page.click('#settings-problems-close');
  assert.ok(await second.page.isHidden('#settings-problems'));
  assert.deepEqual([...errors, ...second.errors], []);
  await ctx.close();
  await second.ctx.close();
});

test('stored settings with markup in them are refused with the field named', async () => {
  const { ctx, page } = await open();
  await page.evaluate(({ IMG, BREAKOUT }) => {
    const s = JSON.parse(localStorage.getItem('gradlab.settings')) || {};
    s.preset = 'custom';
    s.layers = [{ type: 'Embedding', input_dim: 100, output_dim: 8 }, { type: 'Flatten', [BREAKOUT]: 1 }, { type: 'Dense', units: 2, activation: 'softmax' }];
    s.optimizer = IMG;
    localStorage.setItem('gradlab.settings', JSON.stringify(s));
  }, { IMG, BREAKOUT });
  // The address would win over storage: open the bare page.
  const { page: p2, dialogs, errors } = await open({ storageState: await ctx.storageState() });
  await assertInert(p2, dialogs, 'stored settings');
  await p2.waitForFunction(() => !document.getElementById('settings-problems').hidden);
  const shown = await p2.textContent('#settings-problems');
  assert.match(shown, /The saved settings: layer list \(layers=.*\) was not used: layer 2 \(Flatten\) has the unknown field “"><svg onload=window.__pwned=2>”\./);
  assert.match(shown, /The saved settings: Optimizer \(opt=<img src=x onerror="window.__pwned=1">\) was not used: it must be one of adam, adamw, sgd, rmsprop, adagrad\./);
  assert.equal(await p2.inputValue('#optimizer'), 'adam');
  await assertInert(p2, dialogs, 'stored settings');
  assert.deepEqual(errors, []);
  await ctx.close();
});

// Two classes whose labels are markup, texts full of markup.
function markupData() {
  const lines = [];
  for (let i = 0; i < 30; i++) {
    lines.push(`${IMG}\twonderful lovely great ${SVG_NOSPACE} film number ${i} ${BREAKOUT}`);
    lines.push(`${BREAKOUT}\tawful boring dull ${SCRIPT} film number ${i} ${ALERT}`);
  }
  return lines.join('\n');
}

test('pasted data whose labels and texts are markup is shown as text: report, training, evaluation, prediction', async () => {
  const { ctx, page, dialogs, errors } = await open();
  await page.evaluate((text) => {
    const ta = document.getElementById('dataset-input');
    ta.value = text;
    ta.dispatchEvent(new Event('input', { bubbles: true }));
  }, markupData());
  await page.waitForFunction(() => /60\s*rows accepted/.test(document.getElementById('parse-report').textContent), null, { timeout: 20000 });
  const classes = await page.$$eval('#parse-report table td[translate="no"]', (tds) => tds.map((td) => td.textContent));
  assert.deepEqual(classes.sort(), [BREAKOUT, IMG].sort());
  assert.ok((await page.textContent('#parse-report ul.preview')).includes(IMG), 'the preview shows the label as text');
  await assertInert(page, dialogs, 'pasted data');
  await page.selectOption('#model-preset', 'bow');
  await page.fill('#epochs', '3');
  await page.dispatchEvent('#epochs', 'change');
  await page.waitForFunction(() => /global_average_pooling1d/.test(document.getElementById('model-summary').textContent));
  await page.click('#train-btn');
  await page.waitForFunction(() => document.getElementById('epoch-count').textContent === '3', null, { timeout: 60000 });
  await page.waitForFunction(() => /precision/.test(document.getElementById('metrics').textContent));
  const metrics = await page.$$eval('#metrics td[translate="no"]', (tds) => tds.map((td) => td.textContent));
  assert.deepEqual(metrics.sort(), [BREAKOUT, IMG].sort());
  await page.fill('#predict-input', `wonderful lovely ${IMG} great`);
  await page.waitForFunction(() => /Prediction/.test(document.getElementById('predict-output').textContent));
  const predicted = await page.textContent('#predict-output');
  assert.ok(predicted.includes(`Prediction: ${IMG}`) || predicted.includes(`Prediction: ${BREAKOUT}`), predicted);
  await assertInert(page, dialogs, 'training on markup data');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('dropped files whose names are markup: labels and skipped names are text; a binary file is refused as binary', async () => {
  const { ctx, page, dialogs, errors } = await open();
  await page.evaluate(async ({ labels, skipped }) => {
    const dt = new DataTransfer();
    for (const [k, label] of labels.entries()) {
      for (let i = 0; i < 2; i++) {
        const c = new OffscreenCanvas(8, 8);
        const x = c.getContext('2d');
        x.fillStyle = '#000';
        x.fillRect(0, 0, 8, 8);
        x.fillStyle = '#fff';
        x.fillRect(k * 4, i * 2, 4, 4);
        dt.items.add(new File([await c.convertToBlob({ type: 'image/png' })], `${label}_${i}.png`, { type: 'image/png' }));
      }
    }
    dt.items.add(new File(['not an image'], skipped, { type: 'text/plain' }));
    document.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, { labels: [FILE_IMG, FILE_SVG], skipped: `${BREAKOUT}.txt` });
  await page.waitForFunction(() => /4\s*images accepted/.test(document.getElementById('parse-report').textContent), null, { timeout: 20000 });
  const report = await page.textContent('#parse-report');
  assert.ok(report.includes(`${BREAKOUT}.txt`), `the skipped file's name is not shown as text: ${report}`);
  const classes = await page.$$eval('#parse-report table td[translate="no"]', (tds) => tds.map((td) => td.textContent));
  assert.deepEqual(classes.sort(), [FILE_IMG, FILE_SVG].sort());
  await assertInert(page, dialogs, 'dropped image files');

  // One dropped file that is binary (an archive's bytes, NULs and all).
  await page.evaluate((name) => {
    const bytes = new Uint8Array(600);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 37) % 256;
    const dt = new DataTransfer();
    dt.items.add(new File([new TextEncoder().encode('PK\u0003\u0004'), bytes], name, { type: 'application/octet-stream' }));
    document.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, `${IMG}.tsv`);
  await page.waitForFunction(() => /binary/.test(document.getElementById('parse-report').textContent), null, { timeout: 20000 });
  assert.match(await page.textContent('#parse-report'), /data is binary, not text \(a NUL or control byte on line \d+\); give a text file with one labelled example per line/);
  await page.selectOption('#lang-select', 'zh');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  assert.match(await page.textContent('#parse-report'), /数据是二进制的，不是文本（第 \d+ 行有 NUL 或控制字节）/);
  await assertInert(page, dialogs, 'a dropped binary file');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('an uploaded model.json whose layer names, labels and tokenizer words are markup shows them as text', async () => {
  const { ctx, page, errors } = await open();
  await page.evaluate((text) => {
    const ta = document.getElementById('dataset-input');
    ta.value = text;
    ta.dispatchEvent(new Event('input', { bubbles: true }));
  }, Array.from({ length: 30 }, (_, i) => `pos\tgood lovely great ${i}\nneg\tbad awful dull ${i}`).join('\n'));
  await page.waitForFunction(() => /60\s*rows accepted/.test(document.getElementById('parse-report').textContent), null, { timeout: 20000 });
  await page.selectOption('#model-preset', 'bow');
  await page.fill('#epochs', '1');
  await page.dispatchEvent('#epochs', 'change');
  await page.waitForFunction(() => /global_average_pooling1d/.test(document.getElementById('model-summary').textContent));
  await page.click('#train-btn');
  await page.waitForFunction(() => document.getElementById('epoch-count').textContent === '1', null, { timeout: 60000 });
  const saved = await downloadModel(page, 'gradlab-crafted-');

  // The crafted model: layer names, labels and a tokenizer word are markup.
  const jsonPath = saved.find((f) => f.endsWith('.json'));
  const model = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  const names = [IMG, BREAKOUT, SCRIPT, ALERT];
  model.modelTopology.config.layers.forEach((l, i) => { l.config.name = names[i % names.length] + i; });
  const meta = model.userDefinedMetadata.gradlab;
  const labelOf = { neg: ALERT, pos: BREAKOUT };
  meta.labels = meta.labels.map((l) => labelOf[l]);
  const tok = meta.tokenizer.config;
  tok.filters = '';
  tok.lower = false;
  const index = JSON.parse(tok.word_index);
  const crafted = {};
  for (const [w, id] of Object.entries(index)) crafted[w === 'good' ? SVG_NOSPACE : w] = id;
  tok.word_index = JSON.stringify(crafted);
  fs.writeFileSync(jsonPath, JSON.stringify(model));

  const fresh = await open();
  await fresh.page.setInputFiles('#upload-input', saved);
  await fresh.page.waitForFunction(() => /loaded/.test(document.getElementById('train-status').textContent), null, { timeout: 20000 });
  // The engine names the layers itself (embedding, dense, …): the file's names are not shown.
  await fresh.page.waitForFunction(() => /Total/.test(document.getElementById('model-summary').textContent));
  await fresh.page.fill('#predict-input', `${SVG_NOSPACE} lovely great`);
  await fresh.page.waitForFunction(() => /Prediction/.test(document.getElementById('predict-output').textContent));
  const out = await fresh.page.textContent('#predict-output');
  assert.ok(out.includes(ALERT) && out.includes(BREAKOUT), `labels not shown as text: ${out}`);
  const tokens = await fresh.page.$$eval('#predict-output .tok', (s) => s.map((x) => [x.textContent, x.classList.contains('oov')]));
  assert.deepEqual(tokens[0], [SVG_NOSPACE, false], 'the tokenizer word is a known token shown as text');
  await assertInert(fresh.page, fresh.dialogs, 'uploaded model');
  assert.deepEqual([...errors, ...fresh.errors], []);
  await fresh.ctx.close();
  await ctx.close();
});
