// The model as a graph (issue 17 §2), acting as a person: the transformer
// preset drawn block by block from the engine's layer list with two
// residual paths each, beside their sublayers and into their adds; a custom
// model gaining an encoder block from the menu (refused where it cannot
// go, with the layer named), still training; a refused head count; the
// generation task's + block / − block and its parameter count; a bow model
// without residual paths; English and Chinese, laptop and phone.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startBrowser, shots } from './serve.mjs';

let server, browser, base;
const SHAKESPEARE = fs.readFileSync(path.resolve(import.meta.dirname, '../../samples/shakespeare.txt'), 'utf8').slice(0, 20000);

before(async () => { ({ server, base, browser } = await startBrowser()); fs.mkdirSync(shots, { recursive: true }); });
after(async () => { await browser?.close(); server?.close(); });
afterEach(async () => { for (const ctx of browser?.contexts() ?? []) await ctx.close().catch(() => {}); });

const LAPTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

async function open(viewport = LAPTOP, locale = 'en-US') {
  const ctx = await browser.newContext({ viewport, locale });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  return { page, ctx, errors };
}

async function setField(page, selector, value) {
  await page.fill(selector, String(value));
  await page.dispatchEvent(selector, 'change');
}

async function spamWith(page, preset, summaryWord) {
  await page.selectOption('#sample-select', 'spam');
  await page.waitForFunction(() => /800\s*rows accepted|接受 800 行/.test(document.getElementById('parse-report').textContent), null, { timeout: 20000 });
  await page.selectOption('#model-preset', preset);
  await page.waitForFunction((w) => document.getElementById('model-summary').textContent.includes(w), summaryWord, { timeout: 20000 });
}

// The summary table as the page shows it: [class, shape] per layer row.
const summaryRows = (page, id = 'model-summary') => page.$$eval(`#${id} tr`, (trs) => trs.slice(1)
  .map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim()))
  .filter((c) => /\(.+\)$/.test(c[0]) && c[1])
  .map(([name, shape]) => [name.match(/\((\w+)\)$/)[1], shape]));

// The drawing as a person sees it: its top-level boxes in order (class and
// shape), and per block its sublayers, adds and residual paths with their
// places on screen.
function drawing(page, id) {
  return page.evaluate((id) => {
    const root = document.querySelector(`#${id} .mg`);
    if (!root) return null;
    const box = (el) => { const r = el.getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, mid: (r.top + r.bottom) / 2 }; };
    const items = [...root.children].filter((el) => el.matches('.mg-row, .mg-block')).map((el) => {
      if (el.matches('.mg-row')) { const n = el.querySelector('.mg-layer'); return { cls: n.querySelector('b').textContent, shape: n.querySelector('.mg-shape').textContent, block: null }; }
      const groups = [...el.querySelectorAll('.mg-res')].map((g) => {
        const res = [...g.querySelectorAll(':scope > .residual')];
        const style = res[0] && getComputedStyle(res[0]);
        return {
          subs: [...g.querySelectorAll('.mg-sub')].map((s) => ({ text: s.textContent, ...box(s) })),
          add: { text: g.querySelector('.mg-add').textContent, ...box(g.querySelector('.mg-add')) },
          residuals: res.map(box),
          style: style && { left: style.borderLeftStyle, color: style.borderLeftColor, width: style.borderLeftWidth },
        };
      });
      return { cls: el.querySelector('.mg-head b').textContent, shape: el.querySelector('.mg-head .mg-shape').textContent, block: groups };
    });
    const edge = root.querySelector('.mg-edge');
    return {
      items,
      residuals: root.querySelectorAll('.residual').length,
      flowColor: edge ? getComputedStyle(edge, '::before').borderLeftColor : null,
      label: root.getAttribute('aria-label'),
      described: document.getElementById(root.getAttribute('aria-describedby'))?.textContent ?? '',
      sentences: document.getElementById(root.getAttribute('aria-describedby'))?.querySelectorAll('li').length ?? 0,
      fits: root.scrollWidth <= root.clientWidth + 1 && document.documentElement.scrollWidth <= window.innerWidth,
    };
  }, id);
}

// Each block's residual paths: one per sublayer group, drawn beside its
// sublayers (left of them, spanning them) and ending at its add's middle,
// dashed and not in the flow's colour.
function checkResiduals(g, what) {
  for (const [k, group] of g.items.filter((i) => i.block).map((i) => i.block).entries()) {
    assert.equal(group.length, 2, `${what}: block ${k + 1} has ${group.length} sublayer groups`);
    for (const grp of group) {
      assert.equal(grp.residuals.length, 1, `${what}: block ${k + 1}: ${grp.residuals.length} residual paths around ${grp.subs.map((s) => s.text)}`);
      const [r] = grp.residuals;
      for (const s of grp.subs) {
        assert.ok(r.left < s.left - 4, `${what}: the residual path is not beside "${s.text}" (${r.left} vs ${s.left})`);
        assert.ok(r.top < s.top && r.bottom > s.bottom, `${what}: the residual path does not span "${s.text}"`);
      }
      assert.ok(Math.abs(r.bottom - grp.add.mid) <= 3, `${what}: the residual path ends at ${r.bottom}, the add's middle is ${grp.add.mid}`);
      assert.equal(grp.style.left, 'dashed');
      assert.notEqual(grp.style.color, g.flowColor, 'the residual path is drawn like the flow');
    }
  }
}

// The drawing's boxes against the summary table: one per layer, same
// class, same output shape, in order.
function sameAsSummary(g, rows, what) {
  assert.deepEqual(g.items.map((i) => [i.cls, i.shape]), rows, `${what}: the drawing's boxes and shapes differ from the summary's`);
  assert.equal(g.sentences, rows.length, `${what}: the text alternative lists ${g.sentences} layers`);
}

test('classifier: the transformer preset drawn from its layers; a custom encoder block added, refused where it cannot go, trained', async () => {
  const { page, ctx, errors } = await open();
  await spamWith(page, 'transformer', 'transformer_encoder');
  let rows = await summaryRows(page);
  const blocks = rows.filter(([c]) => c === 'TransformerEncoder').length;
  assert.ok(blocks >= 1, `the preset's summary lists ${blocks} encoder blocks`);
  await page.waitForSelector('#model-graph .mg');
  let g = await drawing(page, 'model-graph');
  sameAsSummary(g, rows, 'transformer preset');
  assert.equal(g.items.filter((i) => i.block).length, blocks);
  assert.equal(g.residuals, 2 * blocks);
  checkResiduals(g, 'transformer preset');
  // Post-LN, as BERT: attention then add & norm, feed-forward then add & norm.
  const first = g.items.find((i) => i.block).block;
  assert.deepEqual(first.map((grp) => [grp.subs.map((s) => s.text.split(/\d/)[0].trim()), grp.add.text]), [[['Multi-head self-attention'], '⊕ Add & norm'], [['Feed-forward'], '⊕ Add & norm']]);
  assert.match(first[0].subs[0].text, /4 heads × 16 dims/);
  assert.match(first[1].subs[0].text, /64 → 128 → 64/);
  assert.match(g.label, new RegExp(`${rows.length} layers, ${blocks} encoder or decoder blocks, ${2 * blocks} residual paths`));
  assert.match(g.described, /around “Multi-head self-attention” into “Add & norm”/);
  await page.locator('#model').screenshot({ path: path.join(shots, 'model-graph-transformer.png') });

  // Custom: the menu offers the token-and-position embedding and the
  // encoder after Embedding and before Dense.
  await page.selectOption('#model-preset', 'custom');
  await page.waitForSelector('#add-layer');
  const menu = await page.locator('#add-layer-type option').allTextContents();
  const at = (c) => menu.indexOf(c);
  assert.ok(at('Embedding') >= 0 && at('Embedding') < at('TokenAndPositionEmbedding') && at('TokenAndPositionEmbedding') < at('TransformerEncoder') && at('TransformerEncoder') < at('Dense'), `menu: ${menu}`);
  // One choice adds a whole block, with its sizes in the editor. It lands
  // before the last layer, after the pooled vector: the engine refuses it
  // there and names it.
  const before = await page.locator('#layer-editor .layer').count();
  await page.selectOption('#add-layer-type', 'TransformerEncoder');
  await page.click('#add-layer');
  await page.waitForFunction((n) => document.querySelectorAll('#layer-editor .layer').length === n + 1, before);
  const added = before - 1;
  for (const k of ['num_heads', 'intermediate_dim', 'dropout']) assert.equal(await page.locator(`#layer-editor input[data-i="${added}"][data-k="${k}"]`).count(), 1, `no ${k} field`);
  assert.equal(await page.inputValue(`#layer-editor input[data-i="${added}"][data-k="num_heads"]`), '4');
  await page.waitForFunction(() => /TransformerEncoder needs a sequence/.test(document.querySelector('#model-summary .err')?.textContent ?? ''));
  assert.match(await page.textContent('#model-summary .err'), new RegExp(`layer ${added + 1} \\(TransformerEncoder`));
  assert.match(await page.textContent('#model-graph'), /once the model is valid/);
  // Moved up above the pooling, it is the model's third block.
  const pooling = rows.findIndex(([c]) => c === 'GlobalAveragePooling1D');
  for (let i = added; i > pooling; i--) await page.click(`#layer-editor button[data-act="up"][data-i="${i}"]`);
  await page.waitForFunction((n) => document.querySelectorAll('#model-graph .mg-block').length === n, blocks + 1);
  rows = await summaryRows(page);
  g = await drawing(page, 'model-graph');
  sameAsSummary(g, rows, 'custom with an added block');
  assert.equal(g.residuals, 2 * (blocks + 1));
  checkResiduals(g, 'custom');

  // Heads wider than the width: refused, the layer and the heads named.
  await setField(page, `#layer-editor input[data-i="${pooling}"][data-k="num_heads"]`, 100);
  await page.waitForFunction(() => /splits 64 features over 100 heads/.test(document.querySelector('#model-summary .err')?.textContent ?? ''));
  assert.match(await page.textContent('#model-summary .err'), new RegExp(`layer ${pooling + 1} \\(TransformerEncoder.*fewer heads`));
  // 3 heads do not divide 64: keras_hub's key_dim is 64 // 3 = 21, which the engine builds.
  await setField(page, `#layer-editor input[data-i="${pooling}"][data-k="num_heads"]`, 3);
  await page.waitForFunction(() => /3 heads × 21 dims/.test(document.getElementById('model-graph').textContent));
  await setField(page, `#layer-editor input[data-i="${pooling}"][data-k="num_heads"]`, 4);
  await page.waitForFunction(() => !/3 heads/.test(document.getElementById('model-graph').textContent) && document.querySelectorAll('#model-graph .mg-block').length > 0);

  // The model with the added block trains a batch.
  await page.waitForFunction(() => !document.getElementById('step-btn').disabled, null, { timeout: 20000 });
  await page.click('#step-btn');
  await page.waitForFunction(() => document.getElementById('batch-count').textContent.startsWith('1/'), null, { timeout: 60000 });
  assert.match(await page.textContent('#train-loss'), /^\d+\.\d+$/);
  await page.locator('#model-graph').screenshot({ path: path.join(shots, 'model-graph-custom.png') });
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('classifier: a bow model has no residual paths; its drawing follows its summary; the transformer\'s fits a phone', async () => {
  const { page, ctx, errors } = await open();
  await spamWith(page, 'bow', 'global_average_pooling1d');
  await page.waitForFunction(() => document.querySelector('#model-graph .mg-layer'));
  const rows = await summaryRows(page);
  const g = await drawing(page, 'model-graph');
  sameAsSummary(g, rows, 'bow');
  assert.equal(g.residuals, 0);
  assert.equal(g.items.filter((i) => i.block).length, 0);
  assert.match(g.label, /0 residual paths/);
  // The transformer preset on an English phone: within the screen.
  await page.setViewportSize(PHONE);
  await page.selectOption('#model-preset', 'transformer');
  await page.waitForSelector('#model-graph .mg-block');
  const phone = await drawing(page, 'model-graph');
  assert.ok(phone.fits, 'the drawing is wider than the phone');
  checkResiduals(phone, 'English phone');
  await page.locator('#model-graph').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(shots, 'model-graph-en-phone.png') });
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('classifier in Chinese, on a phone: the drawing in Chinese and within the screen', async () => {
  for (const [viewport, name] of [[PHONE, 'phone'], [LAPTOP, 'laptop']]) {
    const { page, ctx, errors } = await open(viewport, 'zh-CN');
    await spamWith(page, 'transformer', 'transformer_encoder');
    await page.waitForSelector('#model-graph .mg-block');
    const g = await drawing(page, 'model-graph');
    sameAsSummary(g, await summaryRows(page), `Chinese ${name}`);
    checkResiduals(g, `Chinese ${name}`);
    assert.ok(g.fits, `the drawing is wider than the ${name} screen`);
    const text = await page.textContent('#model-graph');
    for (const w of ['多头自注意力', '相加并归一化', '前馈网络', '第 1 块', '残差']) assert.ok(text.includes(w), `no ${w}`);
    assert.match(g.label, /条残差连接/);
    // Visible words outside names kept in Latin letters (translate="no").
    const foreign = await page.evaluate(() => {
      const out = [];
      const walk = document.createTreeWalker(document.getElementById('model-graph'), NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        if (n.parentElement.closest('[translate="no"]') || !n.parentElement.checkVisibility()) continue;
        if (/[A-Za-z]{3,}/.test(n.textContent.replace(/None/g, ''))) out.push(n.textContent.trim());
      }
      return out;
    });
    assert.deepEqual(foreign, [], 'English in the Chinese drawing');
    await page.locator('#model-graph').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, `model-graph-zh-${name}.png`) });
    assert.deepEqual(errors, []);
    await ctx.close();
  }
});

test('generation: the gpt drawing has one pre-LN decoder block per block, + block / − block change it and the parameter count', async () => {
  const { page, ctx, errors } = await open();
  await page.selectOption('#task-select', 'generate');
  const [d, ffn] = [32, 64];
  await setField(page, '#context-length', 32);
  await setField(page, '#gpt-heads', 2);
  await setField(page, '#gpt-d-model', d);
  await setField(page, '#gpt-ffn', ffn);
  await setField(page, '#gpt-layers', 2);
  await page.evaluate((t) => { const ta = document.getElementById('dataset-input'); ta.value = t; ta.dispatchEvent(new Event('input', { bubbles: true })); }, SHAKESPEARE);
  await page.waitForFunction(() => /characters/.test(document.getElementById('text-report').textContent), null, { timeout: 30000 });
  const params = async () => Number((await page.textContent('#gpt-summary')).match(/([\d,]+) parameters/)[1].replace(/,/g, ''));
  const blocks = () => page.locator('#gpt-graph .mg-block').count();
  await page.waitForSelector('#gpt-graph .mg-block');
  assert.equal(await blocks(), 2);
  let g = await drawing(page, 'gpt-graph');
  assert.equal(g.residuals, 4);
  checkResiduals(g, 'gpt');
  // Pre-LN, as GPT-2: norm → causal attention → add, norm → feed-forward → add.
  assert.deepEqual(g.items.find((i) => i.block).block.map((grp) => [grp.subs.map((s) => s.text.split(/\d/)[0].trim()), grp.add.text]),
    [[['Layer norm', 'Causal multi-head self-attention'], '⊕ Add'], [['Layer norm', 'Feed-forward'], '⊕ Add']]);
  assert.deepEqual(g.items.map((i) => i.cls), ['TokenAndPositionEmbedding', 'TransformerDecoder', 'TransformerDecoder', 'LayerNormalization', 'Dense']);
  assert.deepEqual(g.items[0].shape, `(None, 32, ${d})`);
  // The output: a logit for each of the vocabulary's tokens, as the summary says.
  const vocab = Number((await page.textContent('#gpt-summary')).match(/each of the (\d+) tokens/)[1]);
  assert.equal(g.items.at(-1).shape, `(None, 32, ${vocab})`);

  // A change that keeps the model's shape leaves the drawing as it is.
  await page.evaluate(() => { document.querySelector('#gpt-graph .mg').dataset.mark = 'kept'; });
  await setField(page, '#learning-rate', 0.002);
  await page.waitForTimeout(300);
  assert.equal(await page.getAttribute('#gpt-graph .mg', 'data-mark'), 'kept', 'the drawing was redrawn for a learning rate');

  // + block: three blocks, and one block's parameters more — attention's
  // four d×d kernels and biases, two norms, the feed-forward's two layers.
  const p2 = await params();
  await page.click('#gpt-add-block');
  await page.waitForFunction(() => document.querySelectorAll('#gpt-graph .mg-block').length === 3);
  assert.equal(await page.inputValue('#gpt-layers'), '3');
  await page.waitForFunction((p) => /([\d,]+) parameters/.test(document.getElementById('gpt-summary').textContent) && Number(document.getElementById('gpt-summary').textContent.match(/([\d,]+) parameters/)[1].replace(/,/g, '')) !== p, p2);
  const perBlock = 4 * (d * d + d) + 2 * 2 * d + (d * ffn + ffn) + (ffn * d + d);
  assert.equal(await params() - p2, perBlock);
  assert.equal((await drawing(page, 'gpt-graph')).residuals, 6);
  await page.locator('#model').screenshot({ path: path.join(shots, 'model-graph-gpt.png') });
  // − block twice: one block, and no fewer.
  await page.click('#gpt-remove-block');
  await page.waitForFunction(() => document.querySelectorAll('#gpt-graph .mg-block').length === 2);
  assert.equal(await params(), p2);
  await page.click('#gpt-remove-block');
  await page.waitForFunction(() => document.querySelectorAll('#gpt-graph .mg-block').length === 1);
  assert.equal(await page.isDisabled('#gpt-remove-block'), true);
  assert.equal(await page.isDisabled('#gpt-add-block'), false);
  // A typed count is drawn too.
  await setField(page, '#gpt-layers', 4);
  await page.waitForFunction(() => document.querySelectorAll('#gpt-graph .mg-block').length === 4);
  assert.equal((await drawing(page, 'gpt-graph')).residuals, 8);

  // On a phone, in Chinese.
  await page.setViewportSize(PHONE);
  await page.selectOption('#lang-select', 'zh');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  await page.waitForFunction(() => /因果多头自注意力/.test(document.getElementById('gpt-graph').textContent));
  g = await drawing(page, 'gpt-graph');
  assert.ok(g.fits, 'the gpt drawing is wider than the phone');
  checkResiduals(g, 'gpt, Chinese phone');
  assert.equal(await page.textContent('#gpt-add-block'), '+ 块');
  await page.locator('#gpt-graph').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(shots, 'model-graph-gpt-zh-phone.png') });
  assert.deepEqual(errors, []);
  await ctx.close();
});
