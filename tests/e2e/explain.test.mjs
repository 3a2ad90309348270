// Why the model answered (issue 18 on the page), acting as a person: the
// attributions of a typed text and of a drawing, their completeness check,
// integrated gradients against occlusion, the embedding projector and its
// search, in English and Chinese, at laptop and phone size.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBrowser } from './serve.mjs';

let server, browser, base;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlab-explain-'));

before(async () => { ({ server, base, browser } = await startBrowser()); });
after(async () => { await browser?.close(); server?.close(); console.log(`explain screenshots: ${dir}`); });
afterEach(async () => { for (const ctx of browser?.contexts() ?? []) await ctx.close().catch(() => {}); });

async function open(viewport = { width: 1366, height: 768 }, locale = 'en-US') {
  const ctx = await browser.newContext({ viewport, locale });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  return { page, ctx, errors };
}

const text = (page, id) => page.evaluate((id) => document.getElementById(id).textContent, id);

async function canvasHash(page, id) {
  return page.evaluate((id) => {
    const c = document.getElementById(id);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let h = 2166136261, ink = 0;
    for (let i = 0; i < d.length; i += 4) {
      h = Math.imul(h ^ (d[i] + 7 * d[i + 1] + 13 * d[i + 2]), 16777619);
      if (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240) ink++;
    }
    return { hash: h >>> 0, ink: ink / (d.length / 4) };
  }, id);
}

async function setField(page, id, value) {
  await page.fill('#' + id, String(value));
  await page.dispatchEvent('#' + id, 'change');
}

// `epochs` epochs of the bow preset, one at a time, of `total`.
async function trainSpamByEpoch(page, epochs, total) {
  await page.selectOption('#sample-select', 'spam');
  await page.waitForFunction(() => /800\s*rows accepted/.test(document.getElementById('parse-report').textContent), null, { timeout: 20000 });
  await page.selectOption('#model-preset', 'bow');
  await page.waitForFunction(() => /global_average_pooling1d/.test(document.getElementById('model-summary').textContent));
  await setField(page, 'epochs', total);
  await setField(page, 'learning-rate', 0.01);
  await page.waitForTimeout(300);
  for (let k = 1; k <= epochs; k++) await oneEpoch(page, k);
}
async function oneEpoch(page, k) {
  await page.click('#epoch-btn');
  // The first epoch of a run may wait for the engine's first compile on a
  // busy machine; a failure says what the page showed.
  await page.waitForFunction((n) => document.getElementById('epoch-count').textContent === String(n) && document.getElementById('pause-btn').disabled, k, { timeout: 120000 }).catch(async (e) => {
    const seen = await page.evaluate(() => ({
      epoch: document.getElementById('epoch-count').textContent,
      pauseDisabled: document.getElementById('pause-btn').disabled,
      epochDisabled: document.getElementById('epoch-btn').disabled,
      messages: [...document.querySelectorAll('[role=alert], [role=status], .error')].map((m) => m.textContent.trim()).filter(Boolean).slice(0, 5),
    }));
    throw new Error(`epoch ${k} did not finish: ${JSON.stringify(seen)} (${e.message})`);
  });
}

// The attributions shown: each token's signed number (its data-a) and text.
const marks = (page) => page.$$eval('#explain-output .xtoks .xtok', (els) => els.map((e) => ({ word: e.querySelector('.w').textContent, a: Number(e.dataset.a), title: e.title, side: e.classList.contains('pos') ? 1 : e.classList.contains('neg') ? -1 : 0 })));

// The completeness line's numbers: sum, change, error, error as % of the change.
async function completeness(page) {
  const bs = await page.$$eval('#explain-completeness b', (els) => els.map((e) => e.textContent));
  const [sum, change, error] = bs.slice(0, 3).map(Number);
  return { sum, change, error, pct: bs[3], text: await text(page, 'explain-completeness') };
}

test('typed text: one mark a token, completeness within 1 %, occlusion agrees in sign; the projector draws and searches', async () => {
  const { page, errors } = await open();
  await trainSpamByEpoch(page, 3, 5);
  await page.waitForTimeout(500);
  await page.evaluate(() => {
    window.longest = 0;
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.longest = Math.max(window.longest, e.duration); }).observe({ type: 'longtask', buffered: false });
  });
  await page.fill('#predict-input', 'win a free prize now click here to claim your cash money');
  await page.waitForFunction(() => document.querySelector('#explain-output .xtoks .xtok') && document.getElementById('explain-completeness'), null, { timeout: 20000 });
  const tokens = await page.$$eval('#predict-output .tok', (els) => els.map((e) => e.textContent));
  const ig = await marks(page);
  assert.ok(tokens.length >= 5, `tokens: ${tokens}`);
  assert.deepEqual(ig.map((m) => m.word), tokens, 'one mark a token, in order');
  assert.ok(ig.every((m) => Number.isFinite(m.a) && /^[+−]/.test(m.title)), 'each mark carries its signed number');
  assert.ok(ig.every((m) => m.side === Math.sign(m.a)), 'the mark (▲/▼ class) follows the sign');
  const c = await completeness(page);
  assert.ok(Math.abs(c.change) > 0.1, `the log-odds change: ${c.text}`);
  assert.ok(c.error / Math.abs(c.change) < 0.01, `completeness error over 1 %: ${c.text}`);
  assert.ok(Math.abs(c.sum - c.change) <= c.error + 0.01 * Math.abs(c.change), c.text);
  assert.match(c.text, /steps/);
  console.log(`completeness: ${c.text}`);

  // Occlusion: other numbers, the strongest token's sign kept.
  await page.selectOption('#explain-method', 'occlusion');
  await page.waitForFunction(() => /removed/.test(document.getElementById('explain-output').textContent));
  const occ = await marks(page);
  assert.equal(occ.length, ig.length);
  assert.notDeepEqual(occ.map((m) => m.a), ig.map((m) => m.a), 'occlusion changed no number');
  const strongest = ig.reduce((b, m, i) => (Math.abs(m.a) > Math.abs(ig[b].a) ? i : b), 0);
  assert.equal(Math.sign(occ[strongest].a), Math.sign(ig[strongest].a), `the strongest token “${ig[strongest].word}” changed sign`);
  // The table lists both.
  assert.equal(await page.locator('#explain-output .xtable tr').count(), tokens.length + 1);
  const longest = await page.evaluate(() => window.longest);
  assert.ok(longest < 50, `the main thread was blocked for ${longest} ms while explaining`);
  await page.locator('#predict').screenshot({ path: path.join(dir, 'explain-text.png') });
  await page.selectOption('#explain-method', 'ig');

  // The projector, reached from the steps' nav: drawn, a legend of the
  // classes, search and neighbours.
  assert.equal(await page.textContent('nav a[data-step="projector"]'), 'Projector');
  await page.click('nav a[data-step="projector"]');
  await page.waitForFunction(() => { const r = document.getElementById('projector').getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0; }, null, { timeout: 5000 });
  await page.waitForFunction(() => document.querySelectorAll('#projector-legend li').length >= 2, null, { timeout: 20000 });
  const legend = await page.$$eval('#projector-legend li', (els) => els.map((e) => e.textContent.trim()));
  const labels = await page.$$eval('#predict-output .bar span:first-child', (els) => els.map((e) => e.textContent));
  assert.deepEqual(legend.map((l) => l.replace(/^\S+\s+/, '')), labels, 'the legend lists the classes');
  const first = await canvasHash(page, 'projector-canvas');
  assert.ok(first.ink > 0.01, `the projector is blank (${first.ink})`);
  assert.match(await page.getAttribute('#projector-canvas', 'aria-label'), /300 words placed by PCA/);
  assert.match(await text(page, 'projector-summary'), /Leaning most to/);
  await page.fill('#projector-search', 'free');
  await page.waitForFunction(() => document.querySelectorAll('#projector-neighbours li').length > 0, null, { timeout: 10000 });
  const near = await page.$$eval('#projector-neighbours li', (els) => els.map((e) => e.textContent));
  assert.ok(near.every((n) => /^\S+\s+-?[01]\.\d{3}$/.test(n.trim())), `neighbours: ${near}`);
  assert.ok(!near.some((n) => n.trim().startsWith('free ')), 'the word is not its own neighbour');
  await page.fill('#projector-search', 'zqxwvj');
  await page.waitForFunction(() => /zqxwvj/.test(document.querySelector('#projector-neighbours .err')?.textContent || ''), null, { timeout: 10000 });
  console.log(`an unknown word: ${await text(page, 'projector-neighbours')}`);
  await page.fill('#projector-search', 'free');
  await page.waitForFunction(() => document.querySelectorAll('#projector-neighbours li').length > 0);
  // Fewer words: another picture.
  await page.selectOption('#projector-words', '100');
  await page.waitForFunction(() => /100 words placed/.test(document.getElementById('projector-canvas').getAttribute('aria-label')), null, { timeout: 10000 });
  const fewer = await canvasHash(page, 'projector-canvas');
  assert.notEqual(fewer.hash, first.hash, 'changing the number of words drew the same picture');
  await page.selectOption('#projector-words', '300');
  await page.waitForFunction(() => /300 words placed/.test(document.getElementById('projector-canvas').getAttribute('aria-label')), null, { timeout: 10000 });
  const before300 = await canvasHash(page, 'projector-canvas');
  // More training moves the words (drawn again once the panel is back in view).
  await oneEpoch(page, 4);
  await page.locator('#projector').scrollIntoViewIfNeeded();
  await page.waitForFunction((h) => {
    const c = document.getElementById('projector-canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let x = 2166136261;
    for (let i = 0; i < d.length; i += 4) x = Math.imul(x ^ (d[i] + 7 * d[i + 1] + 13 * d[i + 2]), 16777619);
    return (x >>> 0) !== h;
  }, before300.hash, { timeout: 10000 });
  // Hovering a point names it.
  const box = await page.locator('#projector-canvas').boundingBox();
  for (let k = 0; k < 40 && !/leans to/.test(await text(page, 'projector-hover')); k++) {
    await page.mouse.move(box.x + box.width * (0.1 + 0.8 * ((k * 7) % 40) / 40), box.y + box.height * (0.1 + 0.8 * ((k * 13) % 40) / 40));
  }
  assert.match(await text(page, 'projector-hover'), /leans to/);
  // The keyboard reaches every word: the arrows step from the most frequent.
  await page.focus('#projector-canvas');
  await page.keyboard.press('Home');
  const top = await text(page, 'projector-hover');
  await page.keyboard.press('ArrowDown');
  const next = await text(page, 'projector-hover');
  assert.match(top, /^\S+ leans to \S+ \(\d+\.\d %\)$/, top);
  assert.notEqual(next, top, 'the arrow moved to the next word');
  await page.keyboard.press('ArrowUp');
  assert.equal(await text(page, 'projector-hover'), top);
  await page.keyboard.press('Escape');
  assert.match(await text(page, 'projector-hover'), /arrow keys/);
  await page.locator('#projector').screenshot({ path: path.join(dir, 'projector-laptop.png') });
  // In 3-D: three components, turned by a drag and by Shift and the arrows.
  const flat = await canvasHash(page, 'projector-canvas');
  await page.selectOption('#projector-dims', '3');
  await page.waitForFunction(() => /300 words placed by PCA in 3-D; the three components shown explain \d+\.\d %/.test(document.getElementById('projector-canvas').getAttribute('aria-label')), null, { timeout: 10000 });
  const solid = await canvasHash(page, 'projector-canvas');
  assert.notEqual(solid.hash, flat.hash);
  const cbox = await page.locator('#projector-canvas').boundingBox();
  await page.mouse.move(cbox.x + cbox.width / 2, cbox.y + cbox.height / 2);
  await page.mouse.down();
  await page.mouse.move(cbox.x + cbox.width / 2 + 120, cbox.y + cbox.height / 2 + 30, { steps: 6 });
  await page.mouse.up();
  const dragged = await canvasHash(page, 'projector-canvas');
  assert.notEqual(dragged.hash, solid.hash, 'a drag turned the picture');
  await page.focus('#projector-canvas');
  await page.keyboard.press('Shift+ArrowLeft');
  assert.notEqual((await canvasHash(page, 'projector-canvas')).hash, dragged.hash, 'Shift and an arrow turned it');
  await page.locator('#projector').screenshot({ path: path.join(dir, 'projector-3d-laptop.png') });
  await page.selectOption('#projector-dims', '2');
  await page.waitForFunction(() => /300 words placed by PCA;/.test(document.getElementById('projector-canvas').getAttribute('aria-label')), null, { timeout: 10000 });
  await page.screenshot({ path: path.join(dir, 'laptop.png'), fullPage: false });
  assert.deepEqual(errors, []);
});

test('the projector by t-SNE: drawn as it settles, from the engine, with its perplexity checked', async () => {
  const { page, errors } = await open();
  await trainSpamByEpoch(page, 2, 6);
  await page.click('nav a[data-step="projector"]');
  await page.waitForFunction(() => document.querySelectorAll('#projector-legend li').length >= 2, null, { timeout: 20000 });
  assert.ok(await page.isHidden('#projector-perplexity'), 'the perplexity is asked only for t-SNE');
  // Every status the run shows, as it shows it.
  await page.evaluate(() => {
    window.tsneStatuses = [];
    const el = document.getElementById('projector-tsne-status');
    new MutationObserver(() => window.tsneStatuses.push(el.textContent)).observe(el, { childList: true, characterData: true, subtree: true });
  });
  const started = Date.now();
  await page.selectOption('#projector-method', 'tsne');
  assert.ok(await page.isVisible('#projector-perplexity'));
  assert.match(await text(page, 'projector-tsne-hint'), /early exaggeration/);
  // Pictures along the way: the layout moves while the status counts.
  const seen = new Set();
  for (let k = 0; k < 400 && !/done after/.test(await text(page, 'projector-tsne-status')); k++) {
    seen.add((await canvasHash(page, 'projector-canvas')).hash);
    await page.waitForTimeout(25);
  }
  console.log(`t-SNE of 300 words in the page: ${Date.now() - started} ms to its end`);
  const statuses = new Set(await page.evaluate(() => window.tsneStatuses));
  const status = await text(page, 'projector-tsne-status');
  console.log(`t-SNE: ${seen.size} pictures on the way; ${status}`);
  const m = status.match(/perplexity 30: done after (\d+) iterations; KL divergence (\d+\.\d+)/);
  assert.ok(m, `the run ends and says so: ${status}`);
  assert.ok(Number(m[1]) > 250 && Number(m[1]) <= 1000, `iterations ${m[1]}`);
  assert.ok(Number(m[2]) > 0 && Number(m[2]) < 5, `KL divergence ${m[2]}`);
  assert.ok(seen.size >= 3, `the picture was drawn as it settled (${seen.size} different pictures)`);
  assert.ok([...statuses].some((s) => /iteration \d+ of 1000; KL divergence .*early exaggeration/.test(s)), `the first phase is named: ${[...statuses].join(' | ')}`);
  assert.match(await page.getAttribute('#projector-canvas', 'aria-label'), /300 words placed by t-SNE \(perplexity 30\)/);
  assert.match(await text(page, 'projector-summary'), /Leaning most to/);
  const settled = await canvasHash(page, 'projector-canvas');
  assert.ok(settled.ink > 0.01, 'the t-SNE picture is drawn');
  // The search still lists neighbours (in the table, not the picture).
  await page.fill('#projector-search', 'free');
  await page.waitForFunction(() => document.querySelectorAll('#projector-neighbours li').length > 0, null, { timeout: 10000 });
  await page.locator('#projector').screenshot({ path: path.join(dir, 'projector-tsne-laptop.png') });
  // Training on, with the picture on screen (the epoch button pressed
  // without scrolling, as on a screen tall enough for both): t-SNE moves on
  // from its picture, past the exaggerated phase, rather than starting again.
  await page.evaluate(() => { window.tsneStatuses = []; document.getElementById('epoch-btn').click(); });
  await page.waitForFunction(() => document.getElementById('epoch-count').textContent === '3' && document.getElementById('pause-btn').disabled, null, { timeout: 120000 });
  await page.waitForFunction(() => window.tsneStatuses.some((s) => /iteration (25\d|2[6-9]\d|[3-9]\d\d) of 1000/.test(s)), null, { timeout: 20000 });
  const resumed = await page.evaluate(() => window.tsneStatuses);
  assert.ok(!resumed.some((s) => /early exaggeration/.test(s)), `a resumed run skips the exaggerated phase: ${resumed.join(' | ')}`);
  await page.waitForFunction(() => /done after/.test(document.getElementById('projector-tsne-status').textContent), null, { timeout: 30000 });
  assert.notEqual((await canvasHash(page, 'projector-canvas')).hash, settled.hash, 'the picture moved with the training');
  // Perplexity: not a number, then too many neighbours for the words, each named.
  await setField(page, 'projector-perplexity', 'abc');
  await page.waitForFunction(() => /perplexity must be at least 1/.test(document.getElementById('projector-message').textContent), null, { timeout: 10000 });
  await setField(page, 'projector-perplexity', 400);
  await page.waitForFunction(() => /below the number of words placed \(300\), not 400/.test(document.getElementById('projector-message').textContent), null, { timeout: 10000 });
  // More words than t-SNE takes: the first 1000, said.
  await setField(page, 'projector-perplexity', 5);
  await page.waitForFunction(() => /perplexity 5: done/.test(document.getElementById('projector-tsne-status').textContent), null, { timeout: 30000 });
  const thousand = Date.now();
  await page.selectOption('#projector-words', '3000');
  await page.waitForFunction(() => /1000 most frequent/.test(document.getElementById('projector-tsne-status').textContent) && /iteration|done/.test(document.getElementById('projector-tsne-status').textContent), null, { timeout: 20000 });
  assert.equal(await text(page, 'projector-message'), '', 'the error is gone once the settings are good');
  await page.waitForFunction(() => /words placed by t-SNE \(perplexity 5\)/.test(document.getElementById('projector-canvas').getAttribute('aria-label')), null, { timeout: 10000 });
  assert.match(await page.getAttribute('#projector-canvas', 'aria-label'), /1000 words placed/);
  await page.waitForFunction(() => /done after/.test(document.getElementById('projector-tsne-status').textContent), null, { timeout: 90000 });
  console.log(`t-SNE of 1000 words in the page: ${Date.now() - thousand} ms to its end (${await text(page, 'projector-tsne-status')})`);
  // t-SNE in 3-D.
  await page.selectOption('#projector-dims', '3');
  await page.waitForFunction(() => /words placed by t-SNE in 3-D \(perplexity 5\)/.test(document.getElementById('projector-canvas').getAttribute('aria-label')), null, { timeout: 20000 });
  await page.waitForFunction(() => /done after/.test(document.getElementById('projector-tsne-status').textContent), null, { timeout: 90000 });
  await page.selectOption('#projector-dims', '2');
  // Back to PCA: its axes and its figure.
  await page.selectOption('#projector-method', 'pca');
  await page.waitForFunction(() => /placed by PCA/.test(document.getElementById('projector-canvas').getAttribute('aria-label')), null, { timeout: 10000 });
  assert.ok(await page.isHidden('#projector-tsne-status'));
  assert.deepEqual(errors, []);
});

test('Chinese page, phone size: the new strings show in Chinese', async () => {
  const { page, errors } = await open({ width: 390, height: 844 }, 'zh-CN');
  assert.equal(await page.inputValue('#lang-select'), 'zh');
  await page.selectOption('#sample-select', 'spam');
  await page.waitForFunction(() => /800/.test(document.getElementById('parse-report').textContent), null, { timeout: 20000 });
  await page.selectOption('#model-preset', 'transformer');
  await setField(page, 'epochs', 1);
  await page.waitForTimeout(300);
  await page.click('#train-btn');
  await page.waitForFunction(() => document.getElementById('epoch-count').textContent === '1' && document.getElementById('pause-btn').disabled, null, { timeout: 120000 });
  await page.fill('#predict-input', 'win a free prize now');
  await page.waitForFunction(() => document.getElementById('explain-completeness'), null, { timeout: 20000 });
  assert.equal(await text(page, 'explain-method').then(() => page.$eval('#explain-method option[value="ig"]', (o) => o.textContent)), '积分梯度');
  assert.match(await text(page, 'explain-completeness'), /核对：积分梯度之和为/);
  // The note on attention stands beside the transformer's attention map.
  await page.waitForFunction(() => !document.getElementById('explain-attention').hidden, null, { timeout: 20000 });
  assert.match(await text(page, 'explain-attention'), /注意力权重只说明/, 'the transformer note');
  assert.match(await text(page, 'projector-title'), /词向量投影/);
  await page.locator('#projector').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => /主成分分析/.test(document.getElementById('projector-canvas').getAttribute('aria-label')), null, { timeout: 20000 });
  // No English left in what is shown (words of the data are translate="no").
  const english = await page.evaluate(() => {
    const out = [];
    for (const id of ['explain', 'projector']) {
      const walk = document.createTreeWalker(document.getElementById(id), NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        const el = n.parentElement;
        if (el.closest('[translate="no"], [hidden], summary ~ *:not([open])') || !el.checkVisibility()) continue;
        // t-SNE is the method's name in Chinese too.
        if (/[A-Za-z]{3,}/.test(n.textContent.replaceAll('t-SNE', ''))) out.push(n.textContent.trim());
      }
    }
    return out;
  });
  assert.deepEqual(english, []);
  await page.locator('#predict').screenshot({ path: path.join(dir, 'explain-phone-zh.png') });
  await page.locator('#projector').screenshot({ path: path.join(dir, 'projector-phone-zh.png') });
  // t-SNE, in Chinese (its name stays t-SNE).
  await page.selectOption('#projector-method', 'tsne');
  assert.match(await text(page, 'projector-tsne-hint'), /早期夸大/);
  await page.waitForFunction(() => /困惑度 30：(第 \d+ 次迭代|\d+ 次迭代后完成)/.test(document.getElementById('projector-tsne-status').textContent), null, { timeout: 20000 });
  await page.waitForFunction(() => /完成/.test(document.getElementById('projector-tsne-status').textContent), null, { timeout: 60000 });
  assert.match(await page.getAttribute('#projector-canvas', 'aria-label'), /按 t-SNE 摆放的 300 个词/);
  await page.locator('#projector').screenshot({ path: path.join(dir, 'projector-tsne-phone-zh.png') });
  // Nothing wider than the phone.
  const wide = await page.evaluate(() => [...document.querySelectorAll('#explain *, #projector *')].filter((e) => !e.closest('.visually-hidden')).filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1).map((e) => e.id || e.className || e.tagName));
  assert.deepEqual(wide, [], 'wider than the phone');
  assert.deepEqual(errors, []);
});

test('the drawing pad: an attribution overlay with its completeness line; the projector says it is for text', async () => {
  const { page, errors } = await open();
  await page.selectOption('#sample-select', 'digits');
  await page.waitForFunction(() => /1797\s*images accepted/.test(document.getElementById('parse-report').textContent), null, { timeout: 20000 });
  await page.waitForFunction(() => /max_pooling2d_1/.test(document.getElementById('model-summary').textContent));
  await setField(page, 'epochs', 2);
  await setField(page, 'learning-rate', 0.003);
  await page.waitForTimeout(300);
  await page.click('#train-btn');
  await page.waitForFunction(() => document.getElementById('epoch-count').textContent === '2' && document.getElementById('pause-btn').disabled, null, { timeout: 120000 });
  await page.locator('#pad').scrollIntoViewIfNeeded();
  await page.evaluate(() => {
    window.longest = 0;
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.longest = Math.max(window.longest, e.duration); }).observe({ type: 'longtask', buffered: false });
  });
  const box = await page.locator('#pad').boundingBox();
  const at = ([x, y]) => [box.x + x * box.width, box.y + y * box.height];
  await page.mouse.move(...at([0.5, 0.15]));
  await page.mouse.down();
  for (const p of [[0.5, 0.4], [0.5, 0.65], [0.5, 0.85]]) await page.mouse.move(...at(p), { steps: 3 });
  await page.mouse.up();
  await page.waitForFunction(() => document.getElementById('explain-image') && document.getElementById('explain-completeness'), null, { timeout: 20000 });
  const ig = await canvasHash(page, 'explain-image');
  assert.ok(ig.ink > 0.2, `the overlay is blank (${ig.ink})`);
  const c = await completeness(page);
  assert.ok(Number.isFinite(c.sum) && Number.isFinite(c.change) && Number.isFinite(c.error), c.text);
  console.log(`image completeness: ${c.text}`);
  assert.match(await page.getAttribute('#explain-image', 'aria-label'), /Why the model says \d: the 8×8 input/);
  await page.selectOption('#explain-method', 'occlusion');
  await page.waitForFunction((h) => {
    const cv = document.getElementById('explain-image');
    const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
    let x = 2166136261;
    for (let i = 0; i < d.length; i += 4) x = Math.imul(x ^ (d[i] + 7 * d[i + 1] + 13 * d[i + 2]), 16777619);
    return (x >>> 0) !== h;
  }, ig.hash, { timeout: 5000 });
  await page.selectOption('#explain-method', 'ig');
  const longest = await page.evaluate(() => window.longest);
  assert.ok(longest < 50, `the main thread was blocked for ${longest} ms while explaining a drawing`);
  await page.locator('#predict').screenshot({ path: path.join(dir, 'explain-image.png') });
  assert.match(await text(page, 'projector-message'), /does not apply to image models/);
  assert.ok(await page.isHidden('#projector-canvas'));
  assert.deepEqual(errors, []);
});
