// Runs, compared, as a person uses it: train two short runs on the spam
// sample at two learning rates, see both in the runs table with their final
// figures, tick both and watch the overlay chart draw them, the differing
// setting marked (and an identical one not), reload and find them again,
// download them as CSV and JSON and check what the files hold against the
// table, delete one, clear the rest. Bad input: a damaged record in the
// store, no IndexedDB at all, a full disk. A language model's run too.
// Screenshots (laptop and phone) go to target/screenshots/runs-*.png.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { shots, startBrowser } from './serve.mjs';

let server, browser, base;
before(async () => { ({ server, base, browser } = await startBrowser()); });
after(async () => { await browser?.close(); server?.close(); });
afterEach(async () => { for (const ctx of browser?.contexts() ?? []) await ctx.close().catch(() => {}); });

const LAPTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };

async function open(ctx) {
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  return { page, errors };
}
const newContext = (extra = {}) => browser.newContext({ viewport: LAPTOP, locale: 'en-US', acceptDownloads: true, ...extra });

async function setField(page, id, value) {
  await page.fill(id, String(value));
  await page.dispatchEvent(id, 'change');
}

async function loadSpam(page) {
  await page.selectOption('#sample-select', 'spam');
  await page.waitForFunction(() => /800\s*rows accepted/.test(document.getElementById('parse-report').textContent), null, { timeout: 20000 });
  await page.selectOption('#model-preset', 'bow');
  await page.waitForFunction(() => /global_average_pooling1d/.test(document.getElementById('model-summary').textContent));
}

// One run: reset (so the engine starts afresh), the settings, train, and
// wait until the runs table says it finished.
async function trainRun(page, { epochs, lr, rows }) {
  await page.click('#reset-btn');
  await setField(page, '#epochs', epochs);
  await setField(page, '#learning-rate', lr);
  await page.waitForTimeout(300);
  await page.click('#train-btn');
  await page.waitForFunction((n) => document.getElementById('epoch-count').textContent === String(n), epochs, { timeout: 90000 });
  await page.waitForFunction((n) => {
    const trs = document.querySelectorAll('#runs-table tr[data-run-id]');
    return trs.length === n && trs[n - 1].querySelector('[data-status]').dataset.status === 'finished';
  }, rows, { timeout: 30000 });
}

// What the table shows for each run: {id, name, status, loss, val_loss, val_accuracy}.
const tableRuns = (page) => page.evaluate(() => [...document.querySelectorAll('#runs-table tr[data-run-id]')].map((tr) => ({
  id: tr.dataset.runId,
  name: tr.querySelector('.run-name label').textContent.trim(),
  status: tr.querySelector('[data-status]').dataset.status,
  epochs: tr.querySelector('[data-metric="epochs"]').firstChild.textContent.trim(),
  loss: tr.querySelector('[data-metric="loss"]').textContent.trim(),
  val_loss: tr.querySelector('[data-metric="val_loss"]').textContent.trim(),
  val_accuracy: tr.querySelector('[data-metric="val_accuracy"]')?.textContent.trim(),
  val_perplexity: tr.querySelector('[data-metric="val_perplexity"]')?.textContent.trim(),
})));

// A hash of the chart's pixels, and the share of pixels that are not white.
const chartPixels = (page) => page.evaluate(() => {
  const c = document.getElementById('runs-compare-chart');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let h = 2166136261, ink = 0;
  for (let i = 0; i < d.length; i += 4) {
    h ^= d[i] + 3 * d[i + 1] + 7 * d[i + 2]; h = Math.imul(h, 16777619) >>> 0;
    if (d[i] < 235 || d[i + 1] < 235 || d[i + 2] < 235) ink++;
  }
  return { hash: h, ink: ink / (d.length / 4) };
});

async function download(page, id) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(id)]);
  return { name: dl.suggestedFilename(), text: fs.readFileSync(await dl.path(), 'utf8') };
}

// RFC 4180: quoted fields may hold commas, quotes ("") and line breaks.
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\r') { /* part of \r\n */ } else if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; } else field += c;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

// Nothing on the page wider than the window, outside a box that scrolls.
const overflow = (page) => page.evaluate(() => {
  const scrolls = (el) => { for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) if (getComputedStyle(a).overflowX !== 'visible') return true; return false; };
  const wide = [...document.querySelectorAll('#runs *')].filter((el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.right > document.documentElement.clientWidth + 1 && !scrolls(el); });
  return { wide: wide.map((el) => `${el.tagName}#${el.id}.${el.className}`).slice(0, 5), scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth };
});

test('two runs: the table, the overlay chart, the differing setting, a reload, CSV and JSON, delete and clear', async () => {
  const ctx = await newContext();
  const { page, errors } = await open(ctx);
  assert.match(await page.textContent('#runs-table'), /No runs yet/);
  assert.equal(await page.isDisabled('#runs-export-csv'), true);
  await loadSpam(page);
  await trainRun(page, { epochs: 2, lr: 0.01, rows: 1 });
  await trainRun(page, { epochs: 2, lr: 0.003, rows: 2 });
  const shown = await tableRuns(page);
  console.log('runs table:', JSON.stringify(shown));
  assert.deepEqual(shown.map((r) => r.name), ['Run 1', 'Run 2']);
  for (const r of shown) {
    assert.equal(r.status, 'finished');
    assert.equal(r.epochs, '2/2');
    for (const k of ['loss', 'val_loss', 'val_accuracy']) assert.match(r[k], /^\d+\.\d{4}$/, `${r.name} ${k}: ${r[k]}`);
  }
  assert.notEqual(shown[0].val_loss, shown[1].val_loss, 'two learning rates, the same validation loss');
  // The table's figures are the training panel's: the last run's accuracy.
  assert.equal(shown[1].val_accuracy, await page.textContent('#val-accuracy'));

  // Nothing ticked: the chart says what to do. One run, then both.
  const blank = await chartPixels(page);
  const pick = (i) => page.locator('#runs-table tr[data-run-id]').nth(i).locator('input.run-pick');
  const [first, second] = [pick(0), pick(1)];
  await first.check();
  await page.waitForFunction(() => document.querySelectorAll('#runs-legend li').length === 1);
  const one = await chartPixels(page);
  await second.check();
  await page.waitForFunction(() => document.querySelectorAll('#runs-legend li').length === 2);
  const two = await chartPixels(page);
  console.log(`chart ink: none ticked ${blank.ink.toFixed(3)}, one ${one.ink.toFixed(3)}, two ${two.ink.toFixed(3)}`);
  assert.notEqual(one.hash, blank.hash);
  assert.notEqual(two.hash, one.hash, 'ticking a second run did not change the chart');
  assert.ok(two.ink > one.ink, 'the second run drew nothing');
  const alt = await page.getAttribute('#runs-compare-chart', 'aria-label');
  assert.match(alt, /validation loss/);
  assert.match(alt, /Run 1, Run 2/);
  const summary = await page.textContent('#runs-chart-summary');
  assert.match(summary, /Run 1 \(blue, solid line, circle markers\): epoch 1 \d\.\d{4}; epoch 2 \d\.\d{4}/);
  assert.match(summary, /Run 2 \(vermilion, dashed line, square markers\)/);
  assert.ok(summary.includes(shown[1].val_loss), `the summary lacks run 2's final validation loss ${shown[1].val_loss}`);
  // Another metric redraws.
  await page.selectOption('#runs-metric', 'val_accuracy');
  assert.notEqual((await chartPixels(page)).hash, two.hash);
  assert.match(await page.getAttribute('#runs-compare-chart', 'aria-label'), /validation accuracy/);
  await page.selectOption('#runs-metric', 'val_loss');

  // The learning rate differs, marked ≠ in both ticked rows; the epochs do not.
  const marks = await page.evaluate(() => [...document.querySelectorAll('#runs-table tr[data-run-id]')].map((tr) => ({
    lr: tr.querySelector('[data-setting="learning_rate"]'), epochs: tr.querySelector('[data-setting="epochs"]'), data: tr.querySelector('[data-setting="dataset"]'),
  })).map(({ lr, epochs, data }) => ({
    lr: lr.classList.contains('differs'), lrText: lr.textContent, lrMark: !!lr.querySelector('.mark'),
    epochs: epochs.classList.contains('differs'), epochsText: epochs.textContent, data: data.classList.contains('differs'),
  })));
  console.log('marks:', JSON.stringify(marks));
  for (const m of marks) {
    assert.ok(m.lr && m.lrMark, 'the learning rate is not marked as differing');
    assert.match(m.lrText, /^≠ Learning rate/);
    assert.ok(!m.epochs && !/≠/.test(m.epochsText), 'the epochs are the same but marked');
    assert.ok(!m.data, 'the same data is marked as differing');
  }
  assert.match(marks[0].lrText, /0\.01/);
  assert.match(marks[1].lrText, /0\.003/);
  assert.match(await page.textContent('#runs-differ'), /differs between the ticked runs: Learning rate\./);
  // Unticking one: nothing is compared, nothing marked.
  await second.uncheck();
  assert.equal(await page.locator('#runs-table .differs').count(), 0);
  // The keyboard ticks it again.
  await page.focus('#runs-table tr[data-run-id]:nth-child(2) input.run-pick');
  await page.keyboard.press('Space');
  await page.waitForFunction(() => document.querySelectorAll('#runs-table .setting.differs').length === 2);
  assert.equal(await page.evaluate(() => document.activeElement.classList.contains('run-pick')), true, 'the focus left the checkbox');

  await page.locator('#runs').screenshot({ path: path.join(shots, 'runs-1366.png') });
  const wide = await overflow(page);
  assert.deepEqual(wide.wide, []);

  // A reload: the same runs, the same figures, still ticked.
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  const again = await tableRuns(page);
  assert.deepEqual(again, shown.map((r) => ({ ...r })));
  assert.equal(await page.locator('#runs-table input.run-pick:checked').count(), 2);
  assert.equal(await page.locator('#runs-legend li').count(), 2);

  // CSV: one line an epoch of each run, the settings, the figures the table showed.
  const csv = await download(page, '#runs-export-csv');
  assert.equal(csv.name, 'gradlab-runs.csv');
  const rows = parseCsv(csv.text.replace(/^\ufeff/, ''));
  assert.equal(rows.length, 4, `CSV rows: ${rows.length}`);
  assert.deepEqual([...new Set(rows.map((r) => r.run_number))], ['1', '2']);
  for (const [i, lr] of [[0, 0.01], [1, 0.003]]) {
    const mine = rows.filter((r) => r.run_id === shown[i].id);
    assert.deepEqual(mine.map((r) => r.epoch), ['1', '2']);
    assert.ok(Math.abs(Number(mine[0]['setting.learning_rate']) - lr) < 1e-9, `run ${i + 1} lr ${mine[0]['setting.learning_rate']}`);
    assert.equal(mine[0]['setting.epochs'], '2');
    assert.equal(mine[0]['setting.preset'], 'bow');
    assert.equal(mine[0].dataset, 'spam');
    assert.equal(mine[0].dataset_rows, '800');
    assert.equal(mine[0].status, 'finished');
    for (const r of mine) for (const k of ['loss', 'val_loss', 'accuracy', 'val_accuracy']) assert.ok(Number.isFinite(Number(r[k])) && r[k] !== '', `${k} ${r[k]}`);
    assert.equal(Number(mine[1].loss).toFixed(4), shown[i].loss);
    assert.equal(Number(mine[1].val_loss).toFixed(4), shown[i].val_loss);
    assert.equal(Number(mine[1].val_accuracy).toFixed(4), shown[i].val_accuracy);
  }
  // JSON: the same runs, per-epoch losses equal to the CSV's.
  const json = await download(page, '#runs-export-json');
  assert.equal(json.name, 'gradlab-runs.json');
  const doc = JSON.parse(json.text);
  assert.equal(doc.format, 'gradlab-runs');
  assert.equal(doc.runs.length, 2);
  for (const [i, run] of doc.runs.entries()) {
    assert.equal(run.id, shown[i].id);
    assert.equal(run.name, shown[i].name);
    assert.equal(run.task, 'classify');
    assert.equal(run.settings.preset, 'bow');
    assert.equal(run.epochs.length, 2);
    // The wall clock of the run covers its epochs' own timings.
    const epochSeconds = run.epochs.reduce((a, e) => a + e.seconds, 0);
    assert.ok(run.duration >= 0.9 * epochSeconds && run.duration > 0, `duration ${run.duration} s, epochs ${epochSeconds} s`);
    assert.match(run.backend, /^cpu/);
    const fromCsv = rows.filter((r) => r.run_id === run.id);
    assert.deepEqual(run.epochs.map((e) => e.loss), fromCsv.map((r) => Number(r.loss)));
    assert.deepEqual(run.epochs.map((e) => e.val_loss), fromCsv.map((r) => Number(r.val_loss)));
    assert.equal(run.epochs[1].val_loss.toFixed(4), shown[i].val_loss);
  }
  assert.ok(Math.abs(doc.runs[0].settings.learning_rate - 0.01) < 1e-9 && Math.abs(doc.runs[1].settings.learning_rate - 0.003) < 1e-9);

  // The phone: the table scrolls inside its box, the page does not.
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(300);
  const narrow = await overflow(page);
  assert.deepEqual(narrow.wide, []);
  assert.ok(narrow.scroll <= narrow.client, `the page scrolls sideways: ${narrow.scroll} > ${narrow.client}`);
  await page.locator('#runs').screenshot({ path: path.join(shots, 'runs-phone.png') });
  await page.setViewportSize(LAPTOP);

  // Chinese: the table and the chart's words follow the language.
  await page.selectOption('#lang-select', 'zh');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  assert.match(await page.textContent('#runs-table thead'), /验证损失/);
  assert.match(await page.getAttribute('#runs-compare-chart', 'aria-label'), /运行 1/);
  await page.locator('#runs').screenshot({ path: path.join(shots, 'runs-zh.png') });
  await page.selectOption('#lang-select', 'en');
  await page.waitForFunction(() => document.documentElement.lang === 'en');

  // Delete the first run: one row left, also after a reload.
  await page.click(`#runs-table tr[data-run-id="${shown[0].id}"] button.run-delete`);
  await page.waitForFunction(() => document.querySelectorAll('#runs-table tr[data-run-id]').length === 1);
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Delete Run 2', 'the keyboard is not on the next run');
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  assert.deepEqual((await tableRuns(page)).map((r) => r.name), ['Run 2']);

  // Clear all asks first; Cancel keeps the run, Delete all removes it.
  await page.click('#runs-clear');
  assert.equal(await page.isVisible('#runs-clear-confirm'), true);
  assert.match(await page.textContent('#runs-clear-question'), /Delete all runs kept in this browser \(1\)\?/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'runs-clear-no');
  await page.keyboard.press('Enter');
  assert.equal(await page.isVisible('#runs-clear-confirm'), false);
  assert.equal(await page.locator('#runs-table tr[data-run-id]').count(), 1);
  await page.click('#runs-clear');
  await page.click('#runs-clear-yes');
  await page.waitForFunction(() => document.querySelectorAll('#runs-table tr[data-run-id]').length === 0);
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  assert.equal(await page.locator('#runs-table tr[data-run-id]').count(), 0);
  assert.match(await page.textContent('#runs-table'), /No runs yet/);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('a damaged record in the store: the page loads, says so, shows it as nothing, and the other runs remain', async () => {
  const ctx = await newContext();
  const { page, errors } = await open(ctx);
  await loadSpam(page);
  await trainRun(page, { epochs: 1, lr: 0.01, rows: 1 });
  const before = await tableRuns(page);
  // Garbage of every kind, one with markup where the task goes.
  await page.evaluate(() => new Promise((resolve, reject) => {
    const req = indexedDB.open('gradlab');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const tx = req.result.transaction('runs', 'readwrite');
      const s = tx.objectStore('runs');
      s.put({ id: 'garbage-1', number: 'NaN', task: '<img src=x onerror="window.__pwned=1">', settings: 'nope' });
      s.put({ id: 'garbage-2', number: 3, task: 'classify', status: 'finished', started: Date.now(), duration: 1, settings: {}, initial: {}, backend: 'cpu',
        dataset: { name: '<b>x</b>', kind: 'text', fingerprint: 'x' }, progress: { epoch: 1, epochs: 1, step: 1 }, epochs: 'lots', curve: { loss: [], val: [] } });
      s.put({ id: 42, number: 1e9 });
      s.put({ id: 'garbage-4', number: 4, task: 'classify', status: 'finished', started: Date.now(), duration: 1, settings: { learning_rate: Infinity }, initial: {}, backend: 'cpu',
        dataset: { name: 'spam', kind: 'text', fingerprint: 'x' }, progress: { epoch: 1, epochs: 1, step: 1 }, epochs: [{ epoch: 1, loss: '0.1' }], curve: { loss: [], val: [] } });
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    };
  }));
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  assert.equal(await page.isVisible('#runs-message'), true);
  const message = await page.textContent('#runs-message');
  assert.match(message, /could not be read .*: 4\./);
  assert.deepEqual(await tableRuns(page), before);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.locator('#runs img, #runs b').count(), 0);
  await page.locator('#runs').screenshot({ path: path.join(shots, 'runs-damaged.png') });
  // Remove them: the message goes, the good run stays, also after a reload.
  await page.click('#runs-drop-bad');
  assert.equal(await page.isVisible('#runs-message'), false);
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  assert.equal(await page.isVisible('#runs-message'), false);
  assert.deepEqual(await tableRuns(page), before);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('without IndexedDB, or with the disk full, runs are kept in the page and the page says so', async () => {
  // No IndexedDB at all (storage turned off).
  const ctx = await newContext();
  await ctx.addInitScript(() => { Object.defineProperty(window, 'indexedDB', { get() { throw new DOMException('storage is off', 'SecurityError'); } }); });
  const { page, errors } = await open(ctx);
  assert.match(await page.textContent('#runs-message'), /does not let the page keep runs \(.+\)/);
  await loadSpam(page);
  await trainRun(page, { epochs: 1, lr: 0.01, rows: 1 });
  assert.match((await tableRuns(page))[0].val_loss, /^\d\.\d{4}$/);
  assert.deepEqual(errors, []);
  await ctx.close();

  // A full disk: every write refused as over quota.
  const full = await newContext();
  await full.addInitScript(() => {
    IDBObjectStore.prototype.put = function () { throw new DOMException('over quota', 'QuotaExceededError'); };
  });
  const { page: p2, errors: e2 } = await open(full);
  assert.equal(await p2.isVisible('#runs-message'), false);
  await loadSpam(p2);
  await trainRun(p2, { epochs: 1, lr: 0.01, rows: 1 });
  await p2.waitForFunction(() => /storage is full: Run 1 is kept only until/.test(document.getElementById('runs-message').textContent));
  assert.equal(await p2.locator('#runs-table tr[data-run-id]').count(), 1);
  await p2.locator('#runs').screenshot({ path: path.join(shots, 'runs-full.png') });
  assert.deepEqual(e2, []);
  await full.close();
});

test("a language model's run: loss, validation loss and perplexity, one run across two stretches", async () => {
  const ctx = await newContext();
  const { page, errors } = await open(ctx);
  const shakespeare = fs.readFileSync(path.resolve(import.meta.dirname, '../../samples/shakespeare.txt'), 'utf8');
  const text = shakespeare.slice(shakespeare.indexOf('HAMLET'), shakespeare.indexOf('HAMLET') + 6000);
  await page.selectOption('#task-select', 'generate');
  await page.evaluate((t) => {
    const ta = document.getElementById('dataset-input');
    ta.value = t;
    ta.dispatchEvent(new Event('input', { bubbles: true }));
  }, text);
  await page.waitForFunction(() => /characters/.test(document.getElementById('text-report').textContent), null, { timeout: 30000 });
  for (const [id, v] of [['#context-length', 16], ['#gpt-layers', 1], ['#gpt-heads', 2], ['#gpt-d-model', 16], ['#gpt-ffn', 32], ['#batch-size', 16], ['#learning-rate', 0.01], ['#epochs', 2]]) await setField(page, id, v);
  await page.waitForTimeout(300);
  // One epoch, a stop, then the next: still one run.
  const statusIs = (s) => page.waitForFunction((want) => document.querySelector('#runs-table tr[data-run-id] [data-status]')?.dataset.status === want, s, { timeout: 60000 });
  await page.click('#epoch-btn');
  await statusIs('paused');
  assert.equal((await tableRuns(page))[0].epochs, '1/2');
  // A learning rate changed between the stretches steers the same run, which says so.
  await setField(page, '#learning-rate', 0.005);
  await page.waitForTimeout(300);
  await page.click('#epoch-btn');
  await statusIs('finished');
  const rows = await tableRuns(page);
  console.log('language model run:', JSON.stringify(rows));
  assert.equal(rows.length, 1);
  assert.equal(rows[0].epochs, '2/2');
  assert.match(await page.textContent('#runs-table tr[data-run-id] [data-metric="epochs"] .hint'), /^\d[\d,]* steps$/);
  for (const k of ['loss', 'val_loss']) assert.match(rows[0][k], /^\d+\.\d{4}$/);
  assert.match(rows[0].val_perplexity, /^\d+\.\d{2}$/);
  assert.equal(Number(rows[0].val_perplexity).toFixed(1), Math.exp(Number(rows[0].val_loss)).toFixed(1));
  assert.equal(await page.getAttribute('#runs-table tr[data-run-id]', 'data-task'), 'generate');
  assert.match(await page.textContent('#runs-table tr[data-run-id] [data-setting="context"]'), /16/);
  assert.match(await page.textContent('#runs-table tr[data-run-id] [data-setting="learning_rate"]'), /^Learning rate 0\.01 → 0\.005 \(changed during the run\)$/);
  await page.check('#runs-table input.run-pick');
  await page.selectOption('#runs-metric', 'loss');
  assert.ok((await chartPixels(page)).ink > 0.03, 'the step curve did not draw');
  const doc = JSON.parse((await download(page, '#runs-export-json')).text);
  assert.equal(doc.runs[0].epochs.length, 2);
  assert.ok(doc.runs[0].curve.loss.length > 10);
  assert.equal(doc.runs[0].settings.learning_rate, 0.005);
  assert.deepEqual(doc.runs[0].initial, { learning_rate: 0.01 });
  assert.equal(doc.runs[0].epochs[1].val_loss.toFixed(4), rows[0].val_loss);
  await page.locator('#runs').screenshot({ path: path.join(shots, 'runs-generate.png') });
  assert.deepEqual(errors, []);
  await ctx.close();
});
