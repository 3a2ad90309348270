// The generation task in Chromium, as a person uses it: paste a text (a
// slice of the Shakespeare sample), pick small sizes, train a few hundred
// steps, and check that the validation loss falls below the unigram entropy
// the report shows, that generated text uses the corpus's characters, that
// the next token's bars reshape with the temperature, that the attention
// map draws, changes with the block and the head and leaves the causal
// triangle empty, and that bad input is refused clearly with nothing lost.
// Screenshots (laptop and phone) go to target/screenshots/generate-*.png.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { downloadModel, shots, startBrowser } from './serve.mjs';

const SHAKESPEARE = fs.readFileSync(path.resolve(import.meta.dirname, '../../samples/shakespeare.txt'), 'utf8');
// Hamlet's first scenes: enough for a character model to learn spelling.
const CORPUS = SHAKESPEARE.slice(SHAKESPEARE.indexOf('HAMLET'), SHAKESPEARE.indexOf('HAMLET') + 40000);

let server, browser, base;
before(async () => { ({ server, base, browser } = await startBrowser()); });
after(async () => { await browser?.close(); server?.close(); });
afterEach(async () => { for (const ctx of browser?.contexts() ?? []) await ctx.close().catch(() => {}); });

async function open(viewport = { width: 1280, height: 800 }, extra = {}) {
  const ctx = await browser.newContext({ viewport, locale: 'en-US', ...extra });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  return { ctx, page, errors };
}

async function paste(page, text) {
  await page.evaluate((t) => {
    const ta = document.getElementById('dataset-input');
    ta.value = t;
    ta.dispatchEvent(new Event('input', { bubbles: true }));
  }, text);
}

async function setField(page, id, value) {
  await page.fill(id, String(value));
  await page.dispatchEvent(id, 'change');
}

const reportText = (page) => page.textContent('#text-report');
const waitReport = (page, re, timeout = 30000) => page.waitForFunction((src) => new RegExp(src).test(document.getElementById('text-report').textContent), re.source, { timeout });

// Small sizes, so that a few hundred steps take seconds.
async function smallModel(page, { epochs = 4 } = {}) {
  await setField(page, '#context-length', 32);
  await setField(page, '#gpt-layers', 2);
  await setField(page, '#gpt-heads', 2);
  await setField(page, '#gpt-d-model', 32);
  await setField(page, '#gpt-ffn', 64);
  await setField(page, '#batch-size', 16);
  await setField(page, '#learning-rate', 0.003);
  await setField(page, '#epochs', epochs);
  await page.waitForTimeout(200);
}

// The attention map's pixels: a hash of the whole canvas, and whether the
// cells above the diagonal (a key after its query) are all white.
async function attentionPixels(page) {
  return page.evaluate(() => {
    const c = document.getElementById('attention-map');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let h = 2166136261;
    for (let i = 0; i < d.length; i += 7) { h ^= d[i]; h = Math.imul(h, 16777619) >>> 0; }
    const n = Number((document.getElementById('attention-message').textContent.match(/(\d+) tokens/) || [])[1]);
    const margin = 64;
    const cell = (Math.min(c.width, c.height) - margin - 6) / n;
    const at = (q, k) => { const x = Math.floor(margin + (k + 0.5) * cell); const y = Math.floor(margin + (q + 0.5) * cell); const i = 4 * (y * c.width + x); return [d[i], d[i + 1], d[i + 2]]; };
    let upperInk = 0, lowerInk = 0, upper = 0, lower = 0;
    for (let q = 0; q < n; q++) for (let k = 0; k < n; k++) {
      const [r, g, b] = at(q, k);
      const ink = r < 252 || g < 252 || b < 252;
      if (k > q) { upper++; if (ink) upperInk++; } else { lower++; if (ink) lowerInk++; }
    }
    return { hash: h, n, upper, upperInk, lower, lowerInk };
  });
}

test('generate: paste a text, train, beat the unigram entropy, generate, reshape the bars, look at attention', async () => {
  const { ctx, page, errors } = await open();
  await page.selectOption('#task-select', 'generate');
  assert.equal(await page.isVisible('#tokenizer-select'), true);
  assert.equal(await page.isVisible('#evaluation'), false, 'the classifier\'s evaluation shows in the generation task');
  assert.equal(await page.inputValue('#model-preset'), 'gpt');
  await smallModel(page);
  await paste(page, CORPUS);
  await waitReport(page, /characters/);
  const report = await reportText(page);
  assert.match(report, /40,000\s*characters/);
  assert.match(report, /tokens in the vocabulary/);
  const h = Number(report.match(/unigram entropy ([\d.]+) nats/)[1]);
  assert.ok(h > 2 && h < 5, `unigram entropy ${h}`);
  assert.equal(await page.locator('#text-report .chips .tok').count(), 48);
  assert.match(await page.getAttribute('#text-report .chips .tok >> nth=0', 'title'), /^token id \d+$/);
  assert.match(await page.textContent('#gpt-summary'), /parameters/);
  assert.match(await page.textContent('#gpt-summary'), /FLOP per token/);

  // Train four epochs (a few hundred steps); the page stays responsive.
  await page.evaluate(() => {
    window.longest = 0;
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.longest = Math.max(window.longest, e.duration); }).observe({ type: 'longtask', buffered: false });
  });
  assert.equal(await page.isDisabled('#train-btn'), false);
  await page.click('#train-btn');
  await page.waitForFunction(() => document.getElementById('train-status').textContent === 'finished', null, { timeout: 240000 });
  const stepsDone = Number(await page.textContent('#batch-count'));
  assert.ok(stepsDone >= 200, `only ${stepsDone} steps`);
  await page.waitForTimeout(400);
  const val = Number(await page.textContent('#val-loss'));
  const ppl = Number(await page.textContent('#val-perplexity'));
  console.log(`${stepsDone} steps: validation loss ${val} (perplexity ${ppl}) against unigram entropy ${h}; ${await page.textContent('#tokens-per-second')} tokens/s; longest main-thread task ${await page.evaluate(() => window.longest)} ms`);
  assert.ok(val < h, `validation loss ${val} is not below the unigram entropy ${h}`);
  assert.ok(Math.abs(ppl - Math.exp(val)) < 0.05 * ppl, `perplexity ${ppl} is not exp(${val})`);
  assert.match(await page.textContent('#tokens-per-second'), /^[\d,]+$/);
  const samples = await page.locator('#samples-over-time li').count();
  assert.ok(samples >= 3, `${samples} samples over time`);
  assert.match(await page.textContent('#samples-over-time li >> nth=-1'), /step 0/);
  assert.match(await page.getAttribute('#loss-chart', 'aria-label'), /unigram entropy/);

  // Generate: a prompt continued in the corpus's own characters, streamed.
  // (Top-k 20: the character tokenizer's unknown token, id 0, read as U+FFFD,
  // keeps a little probability in a briefly trained model.)
  const alphabet = new Set(CORPUS);
  await setField(page, '#top-k', 20);
  await page.fill('#prompt-input', 'HAMLET.');
  await page.click('#generate-btn');
  await page.waitForFunction(() => /tokens generated/.test(document.getElementById('generate-status').textContent), null, { timeout: 60000 });
  const out = await page.textContent('#generate-output .generated');
  assert.ok(out.length >= 300, `only ${out.length} characters generated`);
  const foreign = [...out].filter((c) => !alphabet.has(c));
  assert.deepEqual(foreign, [], 'characters the corpus does not have');
  assert.match(await page.textContent('#generate-output .prompt'), /^HAMLET\.$/);
  // Stop ends the stream.
  await page.click('#generate-btn');
  await page.click('#stop-btn');
  await page.waitForFunction(() => /Stopped after \d+ tokens/.test(document.getElementById('generate-status').textContent), null, { timeout: 20000 });

  // The ten candidates reshape with the temperature: sharper when cold.
  const bars = () => page.$$eval('#next-token-chart .bar span:last-child', (s) => s.map((x) => Number(x.textContent.replace('%', ''))));
  const slide = (v) => page.$eval('#temperature', (el, v) => { el.value = v; el.dispatchEvent(new Event('input', { bubbles: true })); }, String(v));
  await slide(0.3);
  await page.waitForFunction(() => document.getElementById('temperature-value').textContent === '0.30');
  await page.waitForTimeout(400);
  const cold = await bars();
  await slide(2);
  await page.waitForTimeout(400);
  const hot = await bars();
  assert.equal(cold.length, 10);
  assert.equal(hot.length, 10);
  assert.ok(cold[0] > hot[0], `top candidate ${cold[0]}% at 0.3, ${hot[0]}% at 2`);
  await slide(0.8);
  await setField(page, '#top-k', '');

  // Attention: drawn, empty above the diagonal, different for another block and head.
  await page.waitForFunction(() => document.getElementById('attention-layer').options.length === 2);
  await page.waitForTimeout(300);
  const first = await attentionPixels(page);
  assert.ok(first.n >= 8, `${first.n} tokens`);
  assert.equal(first.upperInk, 0, 'the causal triangle is not empty');
  assert.ok(first.lowerInk > 0.9 * first.lower, `only ${first.lowerInk} of ${first.lower} allowed cells drawn`);
  await page.selectOption('#attention-head', '1');
  const head = await attentionPixels(page);
  assert.notEqual(head.hash, first.hash, 'another head draws the same picture');
  await page.selectOption('#attention-layer', '1');
  const layer = await attentionPixels(page);
  assert.notEqual(layer.hash, head.hash, 'another block draws the same picture');
  assert.equal(layer.upperInk, 0);

  // No main-thread task over 50 ms while training, generating, sliding and drawing.
  const longest = await page.evaluate(() => window.longest);
  console.log(`longest main-thread task from training to attention: ${longest} ms`);
  assert.ok(longest < 50, `the main thread was blocked for ${longest} ms`);
  await page.screenshot({ path: path.join(shots, 'generate-1280.png'), fullPage: true });
  // The Chinese page keeps everything.
  await page.selectOption('#lang-select', 'zh');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  assert.match(await reportText(page), /个字符/);
  assert.match(await page.textContent('#samples-over-time'), /第 0 步/);
  await page.selectOption('#lang-select', 'en');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('generate: bad input gets a clear message and nothing is lost', async () => {
  const { ctx, page, errors } = await open();
  await page.selectOption('#task-select', 'generate');
  await setField(page, '#context-length', 32);
  await paste(page, '');
  await waitReport(page, /text is empty/);
  assert.equal(await page.isDisabled('#train-btn'), true);
  assert.match(await page.textContent('#missing'), /a text to learn from/);

  // A text of markup is text: in the chips, the samples, the output and the prompt.
  const markup = '<img src=x onerror="window.__pwned=1"><b>bold</b> '.repeat(12);
  await paste(page, markup);
  await waitReport(page, /characters/);
  await page.fill('#prompt-input', '<img src=y onerror="window.__pwned=2">');
  await page.click('#step-btn');
  await page.waitForFunction(() => document.getElementById('batch-count').textContent === '1');
  await page.click('#generate-btn');
  await page.waitForFunction(() => /tokens generated/.test(document.getElementById('generate-status').textContent), null, { timeout: 60000 });
  assert.equal(await page.locator('#text-report img, #text-report b:text("bold"), #samples-over-time img, #generate-output img, #next-token-chart img').count(), 0);
  assert.match(await page.textContent('#generate-output .prompt'), /^<img src=y/);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);

  // A dropped .txt file is read.
  const text = CORPUS.slice(0, 800);
  await page.evaluate((t) => {
    const dt = new DataTransfer();
    dt.items.add(new File([t], 'hamlet.txt', { type: 'text/plain' }));
    document.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, text);
  await waitReport(page, /800\s*characters/);
  assert.equal(await page.inputValue('#dataset-input'), text);
  await page.click('#step-btn');
  await page.waitForFunction(() => document.getElementById('batch-count').textContent === '1');

  // A context longer than the text: refused beside the field; the text, its
  // report and the model stay.
  await setField(page, '#context-length', 5000);
  await page.waitForFunction(() => document.getElementById('context-length').classList.contains('invalid'));
  assert.match(await page.textContent('#text-errors'), /fewer than one window|between/);
  await setField(page, '#context-length', 900);
  await page.waitForFunction(() => /fewer than one window/.test(document.getElementById('text-errors').textContent));
  assert.equal(await page.inputValue('#context-length'), '900');
  assert.match(await reportText(page), /800\s*characters/);
  assert.equal(await page.textContent('#batch-count'), '1');
  await setField(page, '#context-length', 32);
  await page.waitForFunction(() => !document.getElementById('context-length').classList.contains('invalid'));

  // A text shorter than the context: refused, the earlier model kept.
  await paste(page, 'To be, or not');
  await waitReport(page, /fewer than one window/);
  assert.match(await reportText(page), /is kept/);
  assert.equal(await page.isDisabled('#train-btn'), false);
  assert.equal(await page.textContent('#batch-count'), '1');
  // One epoch more of the kept model (22 windows: one step an epoch).
  assert.match(await reportText(page), /steps an epoch: 1 /);
  await page.click('#epoch-btn');
  await page.waitForFunction(() => document.getElementById('epoch-count').textContent === '2');
  assert.equal(await page.textContent('#batch-count'), '2');

  // A 50 MB paste: refused with its size and the limit; the model and its
  // counters stay, and the page still answers.
  await page.evaluate(() => {
    const ta = document.getElementById('dataset-input');
    ta.value = 'To be, or not to be. '.repeat(2_500_000);
    ta.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await waitReport(page, /52\.5 MB; the lab takes at most 32 MB/);
  assert.equal(await page.textContent('#batch-count'), '2');
  await paste(page, 'To be, or not');
  await waitReport(page, /fewer than one window/);
  assert.equal(await page.isDisabled('#train-btn'), false);

  // Bad sampling fields are marked, not sent.
  await setField(page, '#top-p', '7');
  await page.$eval('#top-p', (el) => el.dispatchEvent(new Event('change')));
  await page.waitForFunction(() => document.getElementById('top-p').classList.contains('invalid'));
  await setField(page, '#top-p', '');

  // The other task keeps its own data; coming back, the text is still there.
  await page.selectOption('#task-select', 'classify');
  assert.equal(await page.isVisible('#evaluation'), true);
  await paste(page, 'spam\tbuy now\nham\thello there\n');
  await page.waitForFunction(() => /rows accepted/.test(document.getElementById('parse-report').textContent));
  await page.selectOption('#task-select', 'generate');
  assert.equal(await page.inputValue('#dataset-input'), 'To be, or not');
  assert.equal(await page.inputValue('#context-length'), '32');
  await page.selectOption('#task-select', 'classify');
  assert.equal(await page.inputValue('#dataset-input'), 'spam\tbuy now\nham\thello there\n');
  assert.notEqual(await page.inputValue('#epochs'), '');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('generate: switching the task mid-run pauses it; each task keeps its own counters', async () => {
  const { ctx, page, errors } = await open();
  await page.selectOption('#task-select', 'generate');
  await smallModel(page, { epochs: 50 });
  await paste(page, CORPUS.slice(0, 20000));
  await waitReport(page, /20,000\s*characters/);
  await page.click('#train-btn');
  await page.waitForFunction(() => Number(document.getElementById('batch-count').textContent) >= 5, null, { timeout: 60000 });
  await page.selectOption('#task-select', 'classify');
  await page.waitForFunction(() => document.body.dataset.task === 'classify');
  assert.equal(await page.textContent('#batch-count'), '0');
  assert.equal(await page.isDisabled('#pause-btn'), true);
  await page.waitForTimeout(500);
  assert.equal(await page.textContent('#batch-count'), '0', 'the generation run wrote into the classifier\'s counters');
  await page.selectOption('#task-select', 'generate');
  await page.waitForFunction(() => document.body.dataset.task === 'generate');
  const steps = Number(await page.textContent('#batch-count'));
  assert.ok(steps >= 5, `${steps} steps shown back in the generation task`);
  assert.equal(await page.textContent('#train-status'), 'paused');
  await page.waitForTimeout(500);
  assert.equal(Number(await page.textContent('#batch-count')), steps, 'training went on after the switch');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('generate: the settings live in the address; a link reproduces them, a bad value is named', async () => {
  const { ctx, page, errors } = await open();
  await page.selectOption('#task-select', 'generate');
  await setField(page, '#context-length', 48);
  await setField(page, '#seed', 7);
  await page.waitForFunction(() => /ctx=48/.test(location.hash) && /seed=7/.test(location.hash));
  assert.match(page.url(), /#task=generate&tok=char&/);
  const link = page.url();
  const other = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  const second = await other.newPage();
  await second.goto(link.replace('ctx=48', 'ctx=48&heads=<b>x</b>'));
  await second.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  assert.equal(await second.inputValue('#task-select'), 'generate');
  assert.equal(await second.inputValue('#context-length'), '48');
  assert.equal(await second.inputValue('#seed'), '7');
  assert.equal(await second.inputValue('#gpt-heads'), '4');
  assert.match(await second.textContent('#settings-problems'), /The link: Heads \(heads=<b>x<\/b>\) was not used/);
  assert.equal(await second.locator('#settings-problems b').count(), 0);
  await other.close();
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('generate: a sample, a reload, and the phone layout', async () => {
  const { ctx, page, errors } = await open({ width: 390, height: 844 }, { isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  await page.selectOption('#task-select', 'generate');
  await page.selectOption('#tokenizer-select', 'bpe');
  await page.dispatchEvent('#tokenizer-select', 'change');
  await setField(page, '#vocab-size', 300);
  await page.selectOption('#sample-select', 'tang');
  assert.match(await page.textContent('#sample-source'), /chinese-poetry/);
  await waitReport(page, /merges/, 120000);
  assert.match(await reportText(page), /The first 20 of \d+ merges/);
  assert.equal(await page.locator('#text-report .merges li').count(), 20);
  // Back after a reload: the task, the tokenizer and the text.
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.inputValue('#task-select'), 'generate');
  assert.equal(await page.inputValue('#tokenizer-select'), 'bpe');
  await waitReport(page, /merges/, 120000);
  const m = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  assert.ok(m.scroll <= m.client, `the page scrolls sideways: ${m.scroll} > ${m.client}`);
  await page.screenshot({ path: path.join(shots, 'generate-phone.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('generate: the projector places the GPT’s characters, coloured by kind, by PCA and t-SNE', async () => {
  const { ctx, page, errors } = await open();
  await page.selectOption('#task-select', 'generate');
  await page.selectOption('#sample-select', 'tang');
  await waitReport(page, /tokens/, 60000);
  await smallModel(page);
  await page.click('#step-btn');
  await page.waitForFunction(() => document.getElementById('batch-count').textContent === '1', null, { timeout: 60000 });
  assert.ok(await page.isVisible('nav a[data-step="projector"]'), 'the projector is a step of the generation task too');
  await page.click('nav a[data-step="projector"]');
  assert.match(await page.textContent('#projector .hint.generate-only'), /no classes: each point’s colour and shape is the kind of token/);
  await page.waitForFunction(() => /words placed by PCA/.test(document.getElementById('projector-canvas').getAttribute('aria-label') || ''), null, { timeout: 30000 });
  const legend = await page.$$eval('#projector-legend li', (els) => els.map((e) => e.textContent.trim()));
  assert.ok(legend.some((l) => / Han character$/.test(l)) && legend.some((l) => / punctuation$/.test(l)), `legend: ${legend}`);
  assert.match(await page.textContent('#projector-summary'), /Han character: .+\./);
  // The search finds a character's neighbours.
  await page.fill('#projector-search', '月');
  await page.waitForFunction(() => document.querySelectorAll('#projector-neighbours li').length === 10, null, { timeout: 10000 });
  const near = await page.$$eval('#projector-neighbours li', (els) => els.map((e) => e.textContent.trim()));
  assert.ok(near.every((n) => /^\S+\s+-?[01]\.\d{3}$/.test(n) && !n.startsWith('月 ')), `neighbours: ${near}`);
  await page.focus('#projector-canvas');
  await page.keyboard.press('Home');
  assert.match(await page.textContent('#projector-hover'), /^\S+: (Han character|punctuation|space|letter|digit|other)$/);
  // t-SNE over them.
  await page.selectOption('#projector-method', 'tsne');
  await page.waitForFunction(() => /done after \d+ iterations/.test(document.getElementById('projector-tsne-status').textContent), null, { timeout: 60000 });
  assert.match(await page.getAttribute('#projector-canvas', 'aria-label'), /words placed by t-SNE \(perplexity 30\)/);
  await page.locator('#projector').screenshot({ path: path.join(shots, 'generate-projector.png') });
  // Back to classify: the classifier's words again (none yet: nothing to show).
  await page.selectOption('#task-select', 'classify');
  await page.waitForFunction(() => document.getElementById('projector-message').textContent !== '' || document.querySelectorAll('#projector-legend li').length === 0, null, { timeout: 10000 });
  assert.deepEqual(errors, []);
  await ctx.close();
});

// A trained model leaves as files and comes back in a fresh page, before
// any text: the form takes its sizes, it writes what it wrote before from
// the same prompt and seed, and shows its attention; training waits for a
// text, and new sizes are refused with the model kept. Then the text is
// read with the model's own tokenizer and it trains on from its weights.
test('generate: a downloaded model comes back in a fresh page, writes the same and trains on', async () => {
  const { ctx, page, errors } = await open();
  await page.selectOption('#task-select', 'generate');
  await smallModel(page, { epochs: 2 });
  await setField(page, '#gpt-d-model', 24);
  const text = CORPUS.slice(0, 12000);
  await paste(page, text);
  await waitReport(page, /12,000\s*characters/);
  await page.click('#train-btn');
  await page.waitForFunction(() => document.getElementById('train-status').textContent === 'finished', null, { timeout: 120000 });
  const trainedLoss = Number(await page.textContent('#train-loss'));
  const files = await downloadModel(page, 'gradlab-gpt-');
  const generateOnce = async (p) => {
    await p.fill('#prompt-input', 'HAMLET');
    await p.click('#generate-btn');
    await p.waitForFunction(() => /tokens generated/.test(document.getElementById('generate-status').textContent), null, { timeout: 60000 });
    return p.textContent('#generate-output');
  };
  const before = await generateOnce(page);
  // Generate pressed as soon as the prompt is typed: the stream is one
  // continuation of it, not restarted by the prompt's pending preview.
  assert.ok(before.startsWith('HAMLET') && before.indexOf(before.slice(6, 30), 7) === -1, `the output repeats itself: ${JSON.stringify(before.slice(0, 120))}`);

  const { ctx: ctx2, page: p2, errors: errors2 } = await open();
  await p2.selectOption('#task-select', 'generate');
  await p2.setInputFiles('#upload-input', files);
  await p2.waitForFunction(() => /loaded model\.json/.test(document.getElementById('train-status').textContent), null, { timeout: 20000 });
  assert.match(await p2.textContent('#model-only'), /A model is loaded, without a text.*generates now/);
  assert.equal(await p2.inputValue('#gpt-d-model'), '24', 'the form takes the model\'s width');
  assert.equal(await p2.inputValue('#context-length'), '32');
  assert.equal(await p2.isHidden('#banner'), true);
  assert.equal(await p2.isDisabled('#step-btn'), true, 'no text, no training');
  assert.match(await p2.textContent('#missing'), /a text to learn from/);
  assert.equal(await generateOnce(p2), before, 'the same model, prompt and seed write the same, before any text');
  await p2.waitForFunction(() => !document.getElementById('attention-map').hidden, null, { timeout: 20000 });
  assert.match(await p2.textContent('#attention-message'), /\d+ tokens/);
  // The map reads the prompt and what the model wrote (no text to start from).
  assert.ok(Number((await p2.textContent('#attention-message')).match(/\d+/)[0]) > 'HAMLET'.length, 'the continuation is in the map');
  await p2.screenshot({ path: path.join(shots, 'generate-model-only.png'), fullPage: true });
  // A bundle of a model without text holds no text.
  const [dl] = await Promise.all([p2.waitForEvent('download'), p2.click('#bundle-download')]);
  const bundleText = fs.readFileSync(await dl.path(), 'utf8');
  const bundle = JSON.parse(bundleText);
  assert.equal(bundle.data, '');
  assert.ok(bundle.model && bundle.model.weights.length > 0);
  assert.match(await p2.textContent('#bundle-message'), /the settings and the model, without a text/);
  // Another width would be another model: refused on its field, model kept.
  await setField(p2, '#gpt-d-model', 32);
  await p2.waitForFunction(() => /the loaded model has 24 here/.test(document.body.textContent), null, { timeout: 20000 });
  assert.match(await p2.textContent('#model-only'), /without a text/, 'the model is kept');
  await setField(p2, '#gpt-d-model', 24);
  await paste(p2, text);
  await waitReport(p2, /12,000\s*characters/);
  assert.equal(await p2.inputValue('#gpt-d-model'), '24', 'the text is cut for the model loaded');
  assert.equal(await generateOnce(p2), before, 'still the uploaded model');
  await p2.click('#step-btn');
  await p2.waitForFunction(() => document.getElementById('batch-count').textContent === '1', null, { timeout: 30000 });
  const resumed = Number(await p2.textContent('#train-loss'));
  assert.ok(Math.abs(resumed - trainedLoss) < 0.4, `the first step of the uploaded model: loss ${resumed}, where the run ended at ${trainedLoss}`);

  // That bundle opened where another text is loaded: the model comes alone,
  // in place of the text, and writes as before.
  const { ctx: ctx3, page: p3, errors: errors3 } = await open();
  await p3.selectOption('#task-select', 'generate');
  await paste(p3, CORPUS.slice(20000, 30000));
  await waitReport(p3, /10,000\s*characters/);
  await p3.evaluate((t) => {
    const dt = new DataTransfer();
    dt.items.add(new File([t], 'gradlab-bundle.json', { type: 'application/json' }));
    document.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, bundleText);
  await p3.waitForFunction(() => /Restored from/.test(document.getElementById('bundle-message').textContent), null, { timeout: 30000 });
  assert.match(await p3.textContent('#bundle-message'), /without a text \(it was saved without one\)/);
  assert.equal(await p3.inputValue('#dataset-input'), '');
  await p3.waitForSelector('#model-only');
  assert.equal(await p3.isDisabled('#step-btn'), true, 'the text held before went with the bundle');
  assert.equal(await generateOnce(p3), before);
  assert.deepEqual(errors, []);
  assert.deepEqual(errors2, []);
  assert.deepEqual(errors3, []);
  await ctx3.close();
  await ctx2.close();
  await ctx.close();
});
