// A functional graph (residual attention: Embedding → MultiHeadAttention →
// Add of the two → masked average → Dense) made by `gradlab train` from a
// hand-written Keras functional config, uploaded to the page: the summary
// says what each layer reads (Keras's "Connected to"), the drawing names
// each layer's inputs, it predicts, and it trains on in the page's worker
// with its wiring (a chain of the same layers would not even build: the
// attention takes two inputs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { shots, startBrowser } from './serve.mjs';

const repo = path.resolve(import.meta.dirname, '../..');
let server, browser, base;

before(async () => {
  ({ server, base, browser } = await startBrowser());
});

after(async () => {
  await browser?.close();
  server?.close();
});

function graphModel() {
  const bin = path.join(repo, 'target/release/gradlab');
  assert.ok(fs.existsSync(bin), `${bin} is missing: cargo build --release (./lab test builds it before the page tests)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-graph-'));
  const node = (name) => [name, 0, 0, {}];
  const layer = (class_name, name, config, inputs) => ({ class_name, name, config: { name, ...config }, inbound_nodes: inputs.length ? [inputs.map(node)] : [] });
  const topology = {
    format: 'layers-model',
    modelTopology: { class_name: 'Model', config: { name: 'graph', layers: [
      layer('InputLayer', 'input', { batch_input_shape: [null, 40], dtype: 'float32' }, []),
      layer('Embedding', 'embedding', { input_dim: 1000, output_dim: 16, mask_zero: true }, ['input']),
      layer('MultiHeadAttention', 'multi_head_attention', { num_heads: 2, key_dim: 8 }, ['embedding', 'embedding']),
      layer('Add', 'add', {}, ['embedding', 'multi_head_attention']),
      layer('GlobalAveragePooling1D', 'global_average_pooling1d', {}, ['add']),
      layer('Dense', 'dense', { units: 2, activation: 'softmax' }, ['global_average_pooling1d']),
    ], input_layers: [['input', 0, 0]], output_layers: [['dense', 0, 0]] } },
  };
  fs.writeFileSync(path.join(dir, 'graph.json'), JSON.stringify(topology));
  const saved = path.join(dir, 'trained');
  execFileSync(bin, ['train', '--data', path.join(repo, 'samples/spam.tsv'), '--model', path.join(dir, 'graph.json'), '--epochs', '1', '--num-words', '1000', '--max-len', '40', '--save', saved], { stdio: 'pipe' });
  return fs.readdirSync(saved).map((f) => path.join(saved, f));
}

test('an uploaded graph model shows its wiring, predicts and trains on in the page', async () => {
  const files = graphModel();
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  await page.selectOption('#sample-select', 'spam');
  await page.waitForFunction(() => /800\s*rows accepted/.test(document.getElementById('parse-report').textContent), null, { timeout: 20000 });
  await page.setInputFiles('#upload-input', files);
  await page.waitForFunction(() => /loaded/.test(document.getElementById('train-status').textContent), null, { timeout: 20000 });
  await page.waitForFunction(() => /Connected to/.test(document.getElementById('model-summary').textContent), null, { timeout: 20000 });
  const rows = await page.$$eval('#model-summary tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent.trim())));
  const add = rows.find((r) => r[0] === 'add (Add)');
  assert.deepEqual(add.slice(1), ['(None, 40, 16)', '0', 'embedding, multi_head_attention']);
  assert.equal(rows.find((r) => r[0].startsWith('multi_head_attention'))[3], 'embedding, embedding');
  // The drawing says what each layer reads, and so does its text alternative.
  assert.match(await page.textContent('#model-graph .mg'), /Add\s*add.*reads embedding \+ multi_head_attention/s);
  assert.match(await page.textContent('#model-graph-text'), /Add add, output \(None, 40, 16\), reads embedding, multi_head_attention\./);
  await page.fill('#predict-input', 'cheap meds online buy now');
  await page.waitForFunction(() => /Prediction/.test(document.getElementById('predict-output').textContent), null, { timeout: 20000 });
  // One more epoch in the page, on the graph.
  await page.click('#epoch-btn');
  await page.waitForFunction(() => document.getElementById('epoch-count').textContent.trim() === '1', null, { timeout: 60000 });
  assert.match(await page.textContent('#train-loss'), /^\d+\.\d+/);
  fs.mkdirSync(shots, { recursive: true });
  // The summary and the drawing, as a person scrolls to them.
  const top = await page.$eval('#model-summary', (e) => e.getBoundingClientRect().top + window.scrollY);
  const bottom = await page.$eval('#model-graph', (e) => e.getBoundingClientRect().bottom + window.scrollY);
  await page.screenshot({ path: path.join(shots, 'graph-model.png'), fullPage: true, clip: { x: 0, y: top - 10, width: 1280, height: bottom - top + 20 } });
  // The editor keeps the graph's layers in their places (the wiring names
  // them by place) and says so; their settings stay editable.
  assert.match(await page.textContent('#graph-edit-hint'), /graph/);
  assert.equal(await page.$$eval('#layer-editor button[data-act]', (b) => b.length), 0);
  assert.equal(await page.$('#add-layer'), null);
  // The attention's heads are a field: 4 heads of 8 instead of 2 give its
  // query, key and value kernels 16×32 (+32) each and its output 32×16 (+16).
  const heads = '#layer-editor input[data-i="1"][data-k="num_heads"]';
  assert.equal(await page.inputValue(heads), '2');
  assert.equal(await page.inputValue('#layer-editor input[data-i="1"][data-k="key_dim"]'), '8');
  await page.fill(heads, '4');
  await page.press(heads, 'Tab');
  await page.waitForFunction(() => /multi_head_attention \(MultiHeadAttention\)\(None, 40, 16\)2,160/.test(document.getElementById('model-summary').textContent), null, { timeout: 20000 });
  // The wiring is a setting: in the address, and kept by a reload (it was
  // lost before, and the attention then refused to build as a chain).
  assert.match(decodeURIComponent(await page.evaluate(() => location.hash)), /wires=\[\[0\],\[1,1\],\[1,2\],\[3\],\[4\]\]/);
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  await page.waitForFunction(() => /Connected to/.test(document.getElementById('model-summary').textContent), null, { timeout: 20000 });
  const again = await page.$$eval('#model-summary tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent.trim())));
  assert.deepEqual(again.map((r) => [r[0], r[3]]), rows.map((r) => [r[0], r[3]]));
  assert.equal(await page.$('#model-summary .err'), null);
  await page.click('#epoch-btn');
  await page.waitForFunction(() => document.getElementById('epoch-count').textContent.trim() === '1', null, { timeout: 60000 });
  // A preset starts a chain again: no wiring in the address.
  await page.selectOption('#model-preset', 'bow');
  await page.waitForFunction(() => !/Connected to/.test(document.getElementById('model-summary').textContent) && /bow|Dense/.test(document.getElementById('model-summary').textContent), null, { timeout: 20000 });
  assert.doesNotMatch(await page.evaluate(() => location.hash), /wires=/);
  assert.deepEqual(errors, []);
  await ctx.close();
});
