// A Transformer classifier's attention beside the attributions (issues 17
// §5 and 18), as a person meets it: the spam sample, the transformer preset
// trained an epoch, a typed text. The map draws, changes with the head and
// the block, its rows are the model's tokens (the attributions' tokens),
// pointing at a row (or the arrow keys) lists that token's weights, which
// sum to 1 and whose largest is the darkest cell drawn; a bag-of-words
// model shows no attention. English and Chinese, laptop and phone;
// screenshots go to target/screenshots/explain-attention-*.png.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startBrowser, shots } from './serve.mjs';

let server, browser, base;
before(async () => { ({ server, base, browser } = await startBrowser()); fs.mkdirSync(shots, { recursive: true }); });
after(async () => { await browser?.close(); server?.close(); });
afterEach(async () => { for (const ctx of browser?.contexts() ?? []) await ctx.close().catch(() => {}); });

const LAPTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const TEXT = 'win a free prize now, click here to claim your cash money';

async function open(viewport, locale = 'en-US') {
  const ctx = await browser.newContext({ viewport, locale });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  return { page, errors };
}

async function setField(page, id, value) {
  await page.fill('#' + id, String(value));
  await page.dispatchEvent('#' + id, 'change');
}

// The spam sample and a preset, short rows so an epoch is quick; the
// learning rate at which three epochs of the transformer learn (at
// Keras's 0.001 the first block's maps stay uniform to three decimals).
async function setUp(page, preset) {
  await page.selectOption('#sample-select', 'spam');
  await page.waitForFunction(() => /800/.test(document.getElementById('parse-report').textContent), null, { timeout: 20000 });
  await page.selectOption('#model-preset', preset);
  await setField(page, 'max-len', 32);
  await setField(page, 'num-words', 2000);
  await setField(page, 'epochs', 5);
  await setField(page, 'learning-rate', 0.003);
  await page.waitForTimeout(300);
}

async function oneEpoch(page, k) {
  await page.click('#epoch-btn');
  await page.waitForFunction((n) => document.getElementById('epoch-count').textContent === String(n) && document.getElementById('pause-btn').disabled, k, { timeout: 120000 }).catch(async (e) => {
    const seen = await page.evaluate(() => ({ epoch: document.getElementById('epoch-count').textContent, alerts: [...document.querySelectorAll('[role=alert]')].map((m) => m.textContent.trim()).filter(Boolean) }));
    throw new Error(`epoch ${k} did not finish: ${JSON.stringify(seen)} (${e.message})`);
  });
}

// Typed text until the attention view answers.
async function typeText(page, text) {
  await page.fill('#predict-input', text);
  await page.waitForFunction(() => document.getElementById('explain-completeness'), null, { timeout: 30000 });
  await page.waitForFunction(() => !document.getElementById('explain-attention').hidden && document.getElementById('explain-attention-map').dataset.layer !== undefined, null, { timeout: 30000 });
}

// The map's pixels: a hash, the share of non-white pixels, and the colour
// at each cell's centre of row `q` (the darkness: 765 − r − g − b).
async function pixels(page, q = -1) {
  return page.evaluate((q) => {
    const c = document.getElementById('explain-attention-map');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let h = 2166136261, ink = 0;
    for (let i = 0; i < d.length; i += 4) {
      h = Math.imul(h ^ (d[i] + 7 * d[i + 1] + 13 * d[i + 2]), 16777619);
      if (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240) ink++;
    }
    const n = Number(document.getElementById('explain-attention-message').textContent.match(/\d+/)[0]);
    const margin = 64, cell = (Math.min(c.width, c.height) - margin - 6) / n;
    const row = [];
    if (q >= 0) for (let k = 0; k < n; k++) {
      const x = Math.floor(margin + (k + 0.5) * cell), y = Math.floor(margin + (q + 0.5) * cell);
      const i = 4 * (y * c.width + x);
      row.push(765 - d[i] - d[i + 1] - d[i + 2]);
    }
    return { hash: h >>> 0, ink: ink / (d.length / 4), n, row };
  }, q);
}

// The readout of the row pointed at: its token and every (token, weight).
const readout = (page) => page.evaluate(() => {
  const el = document.getElementById('explain-attention-hover');
  return {
    row: Number(el.dataset.row),
    token: el.querySelector('b')?.textContent,
    weights: [...el.querySelectorAll('.xatt-w')].map((s) => ({ word: s.querySelector('[translate=no]').textContent, w: Number(s.textContent.trim().split(/\s+/).pop()) })),
  };
});

// Point at the middle of row q of the map, drawn at the size it is shown:
// 64 px of labels, the cells in the rest.
async function pointAt(page, q, n) {
  await page.locator('#explain-attention-map').scrollIntoViewIfNeeded();
  const box = await page.locator('#explain-attention-map').boundingBox();
  const cell = (box.width - 64 - 6) / n;
  await page.mouse.move(box.x + 64 + 0.5 * cell * n, box.y + 64 + (q + 0.5) * cell);
}

test('transformer: the attention map beside the attributions, its rows the model\'s tokens, a row pointed at sums to 1', async () => {
  const { page, errors } = await open(LAPTOP);
  await setUp(page, 'transformer');
  for (let k = 1; k <= 3; k++) await oneEpoch(page, k);
  await page.evaluate(() => {
    window.longest = 0;
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.longest = Math.max(window.longest, e.duration); }).observe({ type: 'longtask', buffered: false });
  });
  await typeText(page, TEXT);
  const words = await page.$$eval('#explain-output .xtoks .xtok .w', (els) => els.map((e) => e.textContent));
  const first = await pixels(page);
  assert.equal(first.n, words.length, `${first.n} tokens in the map, ${words.length} marked`);
  assert.ok(first.n >= 8, `${first.n} tokens`);
  assert.ok(first.ink > 0.2, `the map is nearly blank (${first.ink})`);
  // Two blocks of four heads (the preset), named without the layer's English name.
  assert.deepEqual(await page.$$eval('#explain-attention-layer option', (o) => o.map((x) => x.textContent)), ['block 1', 'block 2']);
  assert.equal(await page.locator('#explain-attention-head option').count(), 4);
  assert.match(await page.textContent('#explain-attention'), /no explanation by themselves/, 'the note on attention');

  // Another head, another block: another picture.
  await page.selectOption('#explain-attention-head', '1');
  const head = await pixels(page);
  assert.notEqual(head.hash, first.hash, 'another head draws the same picture');
  await page.selectOption('#explain-attention-layer', '1');
  const layer = await pixels(page);
  assert.notEqual(layer.hash, head.hash, 'another block draws the same picture');
  assert.equal(await page.inputValue('#explain-attention-head'), '1', 'the head is kept across blocks');

  // Pointing at a row: its token, the model's tokens in order, weights summing to 1,
  // the largest where the row is darkest; the picture brings the row out.
  const q = 2;
  await pointAt(page, q, first.n);
  await page.waitForFunction((q) => document.getElementById('explain-attention-hover').dataset.row === String(q), q);
  const r = await readout(page);
  assert.equal(r.token, words[q]);
  assert.deepEqual(r.weights.map((x) => x.word), words, 'the row lists the model\'s tokens');
  const sum = r.weights.reduce((a, x) => a + x.w, 0);
  assert.ok(Math.abs(sum - 1) <= 0.005 * words.length + 1e-9, `the row sums to ${sum}`);
  const focused = await pixels(page, q);
  assert.notEqual(focused.hash, layer.hash, 'pointing at a row changes nothing drawn');
  const darkest = focused.row.indexOf(Math.max(...focused.row));
  const most = Math.max(...r.weights.map((x) => x.w));
  assert.ok(r.weights[darkest].w >= most - 0.01, `the darkest cell (${words[darkest]}, ${r.weights[darkest].w}) is not the largest weight (${most})`);
  // Before any screenshot: taking one blocks the page's main thread.
  const longest = await page.evaluate(() => window.longest);
  console.log(`longest main-thread task while explaining, switching heads and pointing: ${longest} ms`);
  assert.ok(longest < 50, `the main thread was blocked for ${longest} ms`);
  // What a person sees: the viewport, the row still pointed at.
  await page.screenshot({ path: path.join(shots, 'explain-attention-laptop-en.png') });
  await page.mouse.move(2, 2);
  await page.waitForFunction(() => document.getElementById('explain-attention-hover').dataset.row === '-1');

  // The keyboard: the map takes the focus, the arrows step through the rows.
  await page.focus('#explain-attention-map');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  assert.equal((await readout(page)).row, 1);
  assert.equal((await readout(page)).token, words[1]);
  // The text alternative: role img, described by a list of each token's strongest keys.
  assert.equal(await page.getAttribute('#explain-attention-map', 'role'), 'img');
  assert.match(await page.getAttribute('#explain-attention-map', 'aria-label'), /block 2, head 2, over the \d+ tokens/);
  assert.equal(await page.locator('#explain-attention-summary li').count(), words.length);

  // The phone: the map under the marks, as wide as the screen.
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(200);
  const box = await page.locator('#explain-attention-map').boundingBox();
  assert.ok(box.width <= PHONE.width && box.width > 250, `the map is ${box.width} px wide on a phone`);
  await page.focus('#explain-attention-map');
  await page.keyboard.press('ArrowDown');
  await page.evaluate(() => document.getElementById('explain-attention-map').scrollIntoView({ block: 'center' }));
  await page.screenshot({ path: path.join(shots, 'explain-attention-phone-en.png') });

  assert.deepEqual(errors, []);
});

test('bag of words: the marks without an attention view', async () => {
  const { page, errors } = await open(LAPTOP);
  await setUp(page, 'bow');
  await oneEpoch(page, 1);
  const before = await page.getAttribute('#explain-attention', 'data-answers');
  await page.fill('#predict-input', TEXT);
  await page.waitForFunction(() => document.getElementById('explain-completeness'), null, { timeout: 30000 });
  // The engine has answered (no attention layer), and the view stays hidden.
  await page.waitForFunction((b) => document.getElementById('explain-attention').dataset.answers !== b, before, { timeout: 30000 });
  assert.ok(await page.locator('#explain-output .xtok').count() > 5);
  assert.equal(await page.isHidden('#explain-attention'), true, 'a bag of words shows an attention view');
  assert.doesNotMatch(await page.textContent('#explain-output'), /attention/, 'the note on attention shows for a bag of words');
  assert.deepEqual(errors, []);
});

test('Chinese, phone and laptop: the attention view in Chinese', async () => {
  const { page, errors } = await open(PHONE, 'zh-CN');
  await setUp(page, 'transformer');
  for (let k = 1; k <= 3; k++) await oneEpoch(page, k);
  await typeText(page, TEXT);
  assert.equal(await page.textContent('#explain-attention h4'), '注意力');
  assert.match(await page.textContent('#explain-attention'), /注意力权重只说明/);
  assert.deepEqual(await page.$$eval('#explain-attention-layer option', (o) => o.map((x) => x.textContent)), ['第 1 块', '第 2 块']);
  assert.match(await page.getAttribute('#explain-attention-map', 'aria-label'), /第 1 块第 1 个注意力头/);
  const { n } = await pixels(page);
  await pointAt(page, 0, n);
  await page.waitForFunction(() => document.getElementById('explain-attention-hover').dataset.row === '0');
  assert.match(await page.textContent('#explain-attention-hover'), /关注：/);
  // No English left in what the view shows (the data's words are translate="no").
  const english = await page.evaluate(() => {
    const out = [];
    const walk = document.createTreeWalker(document.getElementById('explain-attention'), NodeFilter.SHOW_TEXT);
    for (let t = walk.nextNode(); t; t = walk.nextNode()) {
      const el = t.parentElement;
      if (el.closest('[translate="no"], [hidden]') || !el.checkVisibility()) continue;
      if (/[A-Za-z]{3,}/.test(t.textContent)) out.push(t.textContent.trim());
    }
    return out;
  });
  assert.deepEqual(english, []);
  await page.evaluate(() => document.getElementById('explain-attention-map').scrollIntoView({ block: 'center' }));
  await page.screenshot({ path: path.join(shots, 'explain-attention-phone-zh.png') });
  await page.setViewportSize(LAPTOP);
  await page.waitForTimeout(200);
  await pointAt(page, 3, n);
  await page.waitForFunction(() => document.getElementById('explain-attention-hover').dataset.row === '3');
  await page.screenshot({ path: path.join(shots, 'explain-attention-laptop-zh.png') });
  assert.deepEqual(errors, []);
});
