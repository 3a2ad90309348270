// Shared links: a link the page wrote before loads into the form, and the
// address the page writes back has the same keys, values and order (links
// made earlier, and outside tools, depend on them); stored settings load too.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startBrowser } from './serve.mjs';

let server, browser, base;
before(async () => { ({ server, base, browser } = await startBrowser()); });
after(async () => { await browser?.close(); server?.close(); });
afterEach(async () => { for (const ctx of browser?.contexts() ?? []) await ctx.close().catch(() => {}); });

async function open(ctx, hash) {
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base + hash);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  return { page, errors };
}
const address = (pairs) => '#' + new URLSearchParams(pairs).toString();
const withValue = (pairs, key, value) => pairs.map(([k, v]) => [k, k === key ? value : v]);

// Change the epochs in the form: the page writes the address again, from
// its settings; it must read as the link did, with only that value changed.
async function rewritten(page, pairs) {
  await page.fill('#epochs', '4');
  await page.dispatchEvent('#epochs', 'change');
  const want = address(withValue(pairs, 'epochs', '4'));
  await page.waitForFunction((want) => location.hash === want, want, { timeout: 10000 }).catch(() => {});
  assert.equal(await page.evaluate(() => location.hash), want);
}

// The keys in the order the page has always written them.
const TEXT = [
  ['model', 'bow'], ['lr', '0.01'], ['bs', '16'], ['epochs', '3'], ['val', '0.25'], ['words', '5000'], ['len', '50'],
  ['pad', 'pre'], ['trunc', 'pre'], ['seed', '7'], ['loss', 'sparse_categorical_crossentropy'], ['opt', 'sgd'], ['mask', 'false'],
  ['sched', 'step'], ['backend', 'cpu'],
];

test('a text link loads into the form, and the page writes the same address back', async () => {
  const ctx = await browser.newContext({ locale: 'en-US' });
  const { page, errors } = await open(ctx, address(TEXT));
  assert.ok(await page.isHidden('#settings-problems'), await page.textContent('#settings-problems'));
  for (const [id, value] of [['model-preset', 'bow'], ['learning-rate', '0.01'], ['batch-size', '16'], ['epochs', '3'], ['val-split', '0.25'],
    ['num-words', '5000'], ['max-len', '50'], ['padding', 'pre'], ['truncating', 'pre'], ['seed', '7'],
    ['loss', 'sparse_categorical_crossentropy'], ['optimizer', 'sgd'], ['schedule', 'step'], ['backend-select', 'cpu']]) {
    assert.equal(await page.inputValue('#' + id), value, id);
  }
  assert.equal(await page.isChecked('#mask'), false);
  await rewritten(page, TEXT);
  // The same settings from storage, without a link.
  const second = await open(ctx, '');
  assert.ok(await second.page.isHidden('#settings-problems'), await second.page.textContent('#settings-problems'));
  assert.equal(await second.page.inputValue('#learning-rate'), '0.01');
  assert.equal(await second.page.inputValue('#epochs'), '4');
  assert.equal(await second.page.inputValue('#schedule'), 'step');
  assert.deepEqual([...errors, ...second.errors], []);
  await ctx.close();
});

const LAYERS = JSON.stringify([
  { type: 'Conv2D', filters: 4, kernel_size: 3, activation: 'relu' },
  { type: 'Flatten' },
  { type: 'Dense', units: 2, activation: 'softmax' },
]);
const IMAGES = [
  ['model', 'custom'], ['lr', '0.002'], ['bs', '8'], ['epochs', '2'], ['val', '0.1'], ['words', '10000'], ['len', '100'],
  ['pad', 'post'], ['trunc', 'post'], ['seed', '42'], ['loss', 'categorical_crossentropy'], ['opt', 'adam'], ['mask', 'true'],
  ['scale', 'standardize'], ['aug', '0.1,15,0.2,1'], ['shape', '8x8x3'], ['size', '16'], ['gray', 'false'],
  ['sched', 'cosine'], ['backend', 'auto'], ['layers', LAYERS],
];

test('an image link (augmentation, shape, colour, a layer list) loads, and the page writes the same address back', async () => {
  const ctx = await browser.newContext({ locale: 'en-US' });
  await ctx.addInitScript(() => { if (!sessionStorage.getItem('kind-set')) { localStorage.setItem('gradlab.kind', 'images'); sessionStorage.setItem('kind-set', '1'); } });
  const { page, errors } = await open(ctx, address(IMAGES));
  assert.ok(await page.isHidden('#settings-problems'), await page.textContent('#settings-problems'));
  for (const [id, value] of [['model-preset', 'custom'], ['scaling', 'standardize'], ['aug-shift', '0.1'], ['aug-rotation', '15'], ['aug-zoom', '0.2'],
    ['image-shape', '8x8x3'], ['image-size', '16'], ['image-colour', 'rgb'], ['schedule', 'cosine']]) {
    assert.equal(await page.inputValue('#' + id), value, id);
  }
  assert.equal(await page.isChecked('#aug-flip'), true);
  assert.match(await page.textContent('#layer-editor'), /1\. Conv2D[\s\S]*2\. Flatten[\s\S]*3\. Dense/);
  await rewritten(page, IMAGES);
  assert.deepEqual(errors, []);
  await ctx.close();
});
