// Sharing (issue 18, part 4) as a person uses it. A run on a built-in
// sample travels as a link: the address names the sample, the copied link
// adds run=1, and the page it opens loads the sample and the settings and
// offers #run-it-btn, which trains to the same first-epoch loss, exactly
// (the runs panel's JSON has the engine's number; a seed one higher gives
// another). Pasted data travels as gradlab-bundle.json: data, settings and
// model come back in a fresh page with the same predictions and the same
// weights; damaged bundles each say what is wrong and change nothing. The
// Chinese page at phone size. Screenshots: target/screenshots/share-*.png.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { shots, startBrowser } from './serve.mjs';

let server, browser, base;
before(async () => { ({ server, base, browser } = await startBrowser()); });
after(async () => { await browser?.close(); server?.close(); });
afterEach(async () => { for (const ctx of browser?.contexts() ?? []) await ctx.close().catch(() => {}); });

const LAPTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const SPAM = fs.readFileSync(path.resolve(import.meta.dirname, '../../samples/spam.tsv'), 'utf8');
const TANG = fs.readFileSync(path.resolve(import.meta.dirname, '../../samples/tang_poems.txt'), 'utf8');

const newContext = (extra = {}) => browser.newContext({ viewport: LAPTOP, locale: 'en-US', acceptDownloads: true, ...extra });
async function open(ctx, address = '') {
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base + address);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  return { page, errors };
}
async function setField(page, id, value) {
  await page.fill(id, String(value));
  await page.dispatchEvent(id, 'change');
}
async function download(page, id) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(id)]);
  return { name: dl.suggestedFilename(), path: await dl.path(), text: fs.readFileSync(await dl.path(), 'utf8') };
}

// Wait until the runs table has `n` runs, the last finished, and give the
// loss it shows and the engine's exact first-epoch loss (the runs JSON).
async function finishedRun(page, n) {
  await page.waitForFunction((n) => {
    const trs = document.querySelectorAll('#runs-table tr[data-run-id]');
    return trs.length === n && trs[n - 1].querySelector('[data-status]').dataset.status === 'finished';
  }, n, { timeout: 120000 });
  const shown = await page.evaluate((n) => document.querySelectorAll('#runs-table tr[data-run-id]')[n - 1].querySelector('[data-metric="loss"]').textContent.trim(), n);
  const doc = JSON.parse((await download(page, '#runs-export-json')).text);
  const run = doc.runs[doc.runs.length - 1];
  assert.equal(run.epochs[0].epoch, 1);
  assert.equal(typeof run.epochs[0].loss, 'number');
  return { shown, exact: run.epochs[0].loss, run };
}

// Opened from a link to run: the form, the sample, the button; nothing trained.
async function checkOpenedLink(page, { seed }) {
  await page.waitForSelector('#run-it-btn', { state: 'visible', timeout: 30000 });
  assert.ok(await page.isHidden('#settings-problems'), await page.textContent('#settings-problems'));
  assert.equal(await page.inputValue('#sample-select'), 'spam');
  assert.equal(await page.inputValue('#dataset-input'), SPAM, 'the box holds the spam sample as shipped');
  await page.waitForFunction(() => /800\s*rows accepted/.test(document.getElementById('parse-report').textContent), null, { timeout: 20000 });
  for (const [id, v] of [['model-preset', 'bow'], ['seed', String(seed)], ['epochs', '1'], ['learning-rate', '0.01'], ['batch-size', '16'], ['backend-select', 'cpu']]) {
    assert.equal(await page.inputValue('#' + id), v, id);
  }
  assert.equal((await page.textContent('#epoch-count')).trim(), '0', 'nothing trains before the button is pressed');
  assert.match(await page.textContent('#run-it-what'), new RegExp(`Spam or ham.*; seed ${seed}, epochs 1, on CPU`));
}

// Press Run it from the keyboard.
async function runIt(page) {
  await page.waitForFunction(() => !document.getElementById('train-btn').disabled, null, { timeout: 30000 });
  await page.focus('#run-it-btn');
  await page.keyboard.press('Enter');
  assert.match(await page.textContent('#run-it-status'), /Training as the shared run did/);
}

let linkSeen = null;

test('a link to a run on a built-in sample loads the sample and settings, and Run it gives the same first-epoch loss exactly', async () => {
  const ctx = await newContext();
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const { page, errors } = await open(ctx);
  // The run, as a person makes it: the spam sample, bow, a few settings.
  await page.selectOption('#sample-select', 'spam');
  await page.waitForFunction(() => /800\s*rows accepted/.test(document.getElementById('parse-report').textContent), null, { timeout: 20000 });
  await page.selectOption('#model-preset', 'bow');
  await page.selectOption('#backend-select', 'cpu');
  for (const [id, v] of [['#seed', 7], ['#epochs', 1], ['#learning-rate', 0.01], ['#batch-size', 16]]) await setField(page, id, v);
  await page.waitForFunction(() => /[#&]sample=spam(&|$)/.test(location.hash) && /seed=7/.test(location.hash), null, { timeout: 10000 });
  await page.click('#train-btn');
  const original = await finishedRun(page, 1);
  assert.ok(original.exact > 0 && Number.isFinite(original.exact));

  // The copied link: in the clipboard and the address, with run=1.
  await page.click('#link-btn');
  assert.equal((await page.textContent('#link-btn')).trim(), 'Link copied');
  const link = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(link, await page.evaluate(() => location.href));
  const p = new URLSearchParams(new URL(link).hash.slice(1));
  assert.deepEqual([p.get('sample'), p.get('run'), p.get('seed'), p.get('epochs'), p.get('backend'), p.get('model')], ['spam', '1', '7', '1', 'cpu', 'bow']);
  linkSeen = link;

  // Edited data is no sample any more: the address stops naming it.
  await page.fill('#dataset-input', SPAM + 'ham\tone more line\n');
  await page.waitForFunction(() => !/sample=/.test(location.hash), null, { timeout: 10000 });
  assert.equal(await page.inputValue('#sample-select'), '');

  // A fresh browser opens the link.
  const ctx2 = await newContext();
  const second = await open(ctx2, new URL(link).hash);
  await checkOpenedLink(second.page, { seed: 7 });
  await second.page.screenshot({ path: path.join(shots, 'share-run-it-laptop.png') });
  await runIt(second.page);
  const reproduced = await finishedRun(second.page, 1);
  assert.equal(reproduced.exact, original.exact, 'the same first-epoch loss, to the last digit');
  assert.equal(reproduced.shown, original.shown);
  assert.equal(reproduced.run.settings.seed, 7);
  await second.page.screenshot({ path: path.join(shots, 'share-reproduced-laptop.png') });

  // The same link with another seed: another loss (so the check can fail).
  const ctx3 = await newContext();
  const other = await open(ctx3, new URL(link).hash.replace('seed=7', 'seed=8'));
  await checkOpenedLink(other.page, { seed: 8 });
  await runIt(other.page);
  const differs = await finishedRun(other.page, 1);
  assert.notEqual(differs.exact, original.exact, 'seed 8 must give another first-epoch loss');
  console.log(`first-epoch loss: original ${original.exact}, reproduced ${reproduced.exact}, seed 8 ${differs.exact}`);
  assert.deepEqual([...errors, ...second.errors, ...other.errors], []);
});

test('a link naming an unknown sample says so and loads nothing; a link without run=1 offers no button', async () => {
  const ctx = await newContext();
  const { page, errors } = await open(ctx, '#model=bow&seed=3&sample=nope&run=1');
  await page.waitForSelector('#settings-problems', { state: 'visible' });
  assert.match(await page.textContent('#settings-problems'), /The link: Sample \(sample=nope\) was not used: it must be one of spam, sentiment, digits/);
  assert.equal(await page.inputValue('#dataset-input'), '');
  assert.ok(await page.isHidden('#run-it'));
  assert.equal(await page.inputValue('#seed'), '3');
  const plain = await open(ctx, '#model=bow&seed=3&sample=sentiment');
  await plain.page.waitForFunction(() => /1,?800\s*rows accepted/.test(document.getElementById('parse-report').textContent), null, { timeout: 20000 });
  assert.equal(await plain.page.inputValue('#sample-select'), 'sentiment');
  assert.ok(await plain.page.isHidden('#run-it'));
  // The generation task's link names its corpus the same way.
  const gen = await open(ctx, '#task=generate&seed=9&sample=tang&run=1');
  await gen.page.waitForSelector('#run-it-btn', { state: 'visible', timeout: 30000 });
  assert.equal(await gen.page.inputValue('#task-select'), 'generate');
  assert.equal(await gen.page.inputValue('#sample-select'), 'tang');
  assert.equal(await gen.page.inputValue('#seed'), '9');
  assert.equal(await gen.page.inputValue('#dataset-input'), TANG);
  assert.match(await gen.page.textContent('#run-it-what'), /Tang poems.*; seed 9/);
  assert.deepEqual([...errors, ...plain.errors, ...gen.errors], []);
});

// Pasted data: two classes of made-up words, not a sample.
function pasted(n = 240) {
  const good = ['meeting', 'lunch', 'report', 'family', 'project', 'weekend', 'thanks', 'agenda'];
  const bad = ['winner', 'prize', 'cheap', 'pills', 'casino', 'offer', 'click', 'bonus'];
  const lines = ['label\ttext'];
  for (let i = 0; i < n; i++) {
    const words = i % 2 ? bad : good;
    lines.push(`${i % 2 ? 'spam' : 'ham'}\t${[0, 3, 5, 7].map((k) => words[(i + k * (i % 5 + 1)) % words.length]).join(' ')} note ${i % 13}`);
  }
  return lines.join('\n') + '\n';
}
const TYPED = 'cheap prize for the family meeting';

async function pasteAndTrain(page, text, { seed, epochs }) {
  await page.fill('#dataset-input', text);
  await page.waitForFunction(() => /240\s*rows accepted/.test(document.getElementById('parse-report').textContent), null, { timeout: 20000 });
  await page.selectOption('#model-preset', 'bow');
  await page.selectOption('#backend-select', 'cpu');
  for (const [id, v] of [['#seed', seed], ['#epochs', epochs], ['#learning-rate', 0.02]]) await setField(page, id, v);
  await page.click('#train-btn');
  await finishedRun(page, 1);
  assert.ok(!/sample=/.test(await page.evaluate(() => location.hash)), 'pasted data names no sample');
}
async function prediction(page) {
  await page.fill('#predict-input', TYPED);
  await page.waitForFunction(() => /Prediction/.test(document.getElementById('predict-output').textContent), null, { timeout: 20000 });
  return page.evaluate(() => [...document.querySelectorAll('#predict-output .bar')].map((b) => b.textContent.trim()));
}

test('a bundle of pasted data brings back the data, the settings and the model in a fresh page, by file input and by a drop', async () => {
  const text = pasted();
  const ctx = await newContext();
  const { page, errors } = await open(ctx);
  await pasteAndTrain(page, text, { seed: 11, epochs: 2 });
  const before = await prediction(page);
  assert.equal(before.length, 2);
  const dl = await download(page, '#bundle-download');
  assert.equal(dl.name, 'gradlab-bundle.json');
  const bundle = JSON.parse(dl.text);
  assert.deepEqual([bundle.format, bundle.version, bundle.task, bundle.kind], ['gradlab-bundle', 1, 'classify', 'text']);
  assert.equal(bundle.data, text);
  assert.equal(bundle.settings.seed, 11);
  assert.equal(bundle.settings.epochs, 2);
  const weights = Buffer.from(bundle.model.weights, 'base64');
  const manifest = JSON.parse(bundle.model.json).weightsManifest.flatMap((g) => g.weights);
  assert.equal(weights.length, 4 * manifest.reduce((n, w) => n + w.shape.reduce((a, d) => a * d, 1), 0));
  assert.match(await page.textContent('#bundle-message'), /Bundle downloaded: the data, the settings and the trained model/);
  await page.locator('#keep').screenshot({ path: path.join(shots, 'share-bundle-laptop.png') });

  // A fresh page, the bundle chosen in the file input.
  const ctx2 = await newContext();
  const fresh = await open(ctx2);
  await fresh.page.setInputFiles('#bundle-input', { name: 'gradlab-bundle.json', mimeType: 'application/json', buffer: Buffer.from(dl.text) });
  await fresh.page.waitForFunction(() => /Restored from/.test(document.getElementById('bundle-message').textContent), null, { timeout: 30000 });
  assert.match(await fresh.page.textContent('#bundle-message'), /Restored from “gradlab-bundle\.json”: the data, the settings and the trained model/);
  assert.equal(await fresh.page.inputValue('#dataset-input'), text);
  for (const [id, v] of [['seed', '11'], ['epochs', '2'], ['learning-rate', '0.02'], ['backend-select', 'cpu']]) assert.equal(await fresh.page.inputValue('#' + id), v, id);
  assert.deepEqual(await prediction(fresh.page), before, 'the same probabilities for the typed text');
  // The same weights, byte for byte, in the bundle the restored page makes.
  const again = JSON.parse((await download(fresh.page, '#bundle-download')).text);
  assert.equal(again.model.weights, bundle.model.weights);
  assert.equal(again.data, text);

  // A third page, the bundle dropped on it.
  const ctx3 = await newContext();
  const dropped = await open(ctx3);
  await dropped.page.evaluate((t) => {
    const dt = new DataTransfer();
    dt.items.add(new File([t], 'gradlab-bundle.json', { type: 'application/json' }));
    document.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, dl.text);
  await dropped.page.waitForFunction(() => /Restored from/.test(document.getElementById('bundle-message').textContent), null, { timeout: 30000 });
  assert.equal(await dropped.page.inputValue('#dataset-input'), text);
  assert.deepEqual(await prediction(dropped.page), before);
  assert.deepEqual([...errors, ...fresh.errors, ...dropped.errors], []);
});

// Images dropped as files travel in the bundle as the files themselves: a
// fresh page decodes them as a drop would (the folder labels kept), and
// holds the same model.
test('a bundle of dropped image files brings back the images, labelled by their folders, and the model', async () => {
  const ctx = await newContext();
  const { page, errors } = await open(ctx);
  const pngs = await page.evaluate(async () => {
    const out = [];
    for (const [size, rect] of [[16, [4, 4, 8, 8]], [16, [3, 3, 9, 9]], [20, [8, 2, 4, 16]], [20, [9, 1, 3, 18]]]) {
      const c = new OffscreenCanvas(size, size);
      const x = c.getContext('2d');
      x.fillStyle = '#000'; x.fillRect(0, 0, size, size);
      x.fillStyle = '#fff'; x.fillRect(...rect);
      const bytes = new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer());
      let s = '';
      for (const b of bytes) s += String.fromCharCode(b);
      out.push(btoa(s));
    }
    return out;
  });
  // A drop of a folder: each file's path carries its label's folder.
  await page.evaluate((pngs) => {
    const dt = new DataTransfer();
    pngs.forEach((b64, i) => dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], `${i < 2 ? 'square' : 'bar'}_${i}.png`, { type: 'image/png' })));
    document.getElementById('parse-report').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, pngs);
  await page.waitForFunction(() => /4\s*images accepted/.test(document.getElementById('parse-report').textContent), null, { timeout: 30000 });
  await setField(page, '#epochs', 2);
  await page.click('#train-btn');
  await finishedRun(page, 1);
  const dl = await download(page, '#bundle-download');
  const bundle = JSON.parse(dl.text);
  assert.equal(bundle.data, null);
  assert.equal(bundle.kind, 'images');
  assert.deepEqual(bundle.files.map((f) => [f.path, f.type]), [['square_0.png', 'image/png'], ['square_1.png', 'image/png'], ['bar_2.png', 'image/png'], ['bar_3.png', 'image/png']]);
  assert.deepEqual(bundle.files.map((f) => f.data), pngs, 'the files byte for byte');
  assert.match(await page.textContent('#bundle-message'), /Bundle downloaded: the data, the settings and the trained model/);

  const ctx2 = await newContext();
  const fresh = await open(ctx2);
  await fresh.page.setInputFiles('#bundle-input', { name: 'gradlab-bundle.json', mimeType: 'application/json', buffer: Buffer.from(dl.text) });
  await fresh.page.waitForFunction(() => /Restored from/.test(document.getElementById('bundle-message').textContent), null, { timeout: 30000 });
  assert.match(await fresh.page.textContent('#bundle-message'), /the data, the settings and the trained model/);
  assert.match(await fresh.page.textContent('#parse-report'), /4\s*images accepted[\s\S]*bar2square2/);
  const again = JSON.parse((await download(fresh.page, '#bundle-download')).text);
  assert.equal(again.model.weights, bundle.model.weights, 'the same model');
  assert.deepEqual(again.files, bundle.files, 'and the same files, to bundle again');

  // A damaged file list is named, and the page keeps its images.
  const bad = JSON.stringify({ ...bundle, files: [{ path: 'x.png', type: 'image/png', data: 'not base64!' }] });
  assert.match(await dropFile(fresh.page, 'bad.json', bad), /the image files must be images of classify data/);
  assert.match(await fresh.page.textContent('#parse-report'), /4\s*images accepted/);
  assert.deepEqual([...errors, ...fresh.errors], []);
});

// Drop `text` as a file named `name`; the message the page gives.
async function dropFile(page, name, text) {
  await page.evaluate(() => { document.getElementById('bundle-message').textContent = ''; });
  await page.evaluate(([n, t]) => {
    const dt = new DataTransfer();
    dt.items.add(new File([t], n, { type: 'application/json' }));
    document.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, [name, text]);
  await page.waitForFunction(() => document.getElementById('bundle-message').textContent.trim() !== '', null, { timeout: 30000 });
  return (await page.textContent('#bundle-message')).trim();
}

test('damaged bundles each say what is wrong, and nothing on the page is lost', async () => {
  const text = pasted();
  const ctx = await newContext();
  const { page, errors } = await open(ctx);
  await pasteAndTrain(page, text, { seed: 5, epochs: 1 });
  const before = await prediction(page);
  const good = (await download(page, '#bundle-download')).text;
  const b = JSON.parse(good);
  const weights = Buffer.from(b.model.weights, 'base64');
  const cases = [
    ['cut.json', good.slice(0, Math.floor(good.length / 2)), /“cut\.json” is not a complete JSON file/],
    ['notes.json', '{"hello": "world"}', /“notes\.json” is JSON but not a gradlab bundle/],
    ['v2.json', JSON.stringify({ ...b, version: 2 }), /“v2\.json” is a bundle of version 2; this page reads version 1/],
    ['short.json', JSON.stringify({ ...b, model: { ...b.model, weights: weights.subarray(0, weights.length - 10).toString('base64') } }), new RegExp(`has ${weights.length - 10} bytes of weights where its model needs ${weights.length}: the weights are cut short`)],
    ['garbled.json', JSON.stringify({ ...b, model: { ...b.model, weights: '%%%not base64%%%' } }), /is damaged: the weights are not base64 text/],
    ['badseed.json', JSON.stringify({ ...b, settings: { ...b.settings, seed: -4 } }), /has a setting the page cannot use: Seed: .*between 0 and/],
    ['bogus-layer.json', JSON.stringify({ ...b, model: { ...b.model, json: b.model.json.replace(/"class_name":\s*"Dense"/, '"class_name":"Bogus"') } }), /The engine could not use the bundle “bogus-layer\.json”: the model: .*Bogus/],
    ['bad-data.json', JSON.stringify({ ...b, data: 'only\n' }), /The engine could not use the bundle “bad-data\.json”: the data:/],
  ];
  for (const [name, body, want] of cases) {
    const said = await dropFile(page, name, body);
    assert.match(said, want, name);
    assert.match(await page.textContent('#banner'), want, `${name}: in the banner too`);
    assert.ok(await page.isVisible('#banner'));
    assert.equal(await page.inputValue('#dataset-input'), text, `${name}: the data stays`);
    assert.equal(await page.inputValue('#seed'), '5', `${name}: the settings stay`);
    assert.deepEqual(await prediction(page), before, `${name}: the model stays`);
  }
  await page.locator('#keep').screenshot({ path: path.join(shots, 'share-bundle-error-laptop.png') });
  // And a good one still opens after them.
  assert.match(await dropFile(page, 'gradlab-bundle.json', good), /Restored from/);
  assert.deepEqual(errors, []);
});

test('the Chinese page at phone size: the run link offers 运行它, and a damaged bundle is named in Chinese', async () => {
  const ctx = await newContext({ viewport: PHONE, locale: 'zh-CN', isMobile: true, hasTouch: true });
  const hash = linkSeen ? new URL(linkSeen).hash : '#model=bow&lr=0.01&bs=16&epochs=1&seed=7&backend=cpu&sample=spam&run=1';
  const { page, errors } = await open(ctx, hash);
  await page.waitForSelector('#run-it-btn', { state: 'visible', timeout: 30000 });
  assert.equal((await page.textContent('#run-it-btn')).trim(), '运行它');
  assert.match(await page.textContent('#run-it-what'), /这个链接记录了一次训练：垃圾邮件识别.*随机种子 7，1 轮，在 CPU 上/);
  const box = await page.locator('#run-it-btn').boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, 'the button fits the phone');
  await page.screenshot({ path: path.join(shots, 'share-zh-phone.png') });
  await page.waitForFunction(() => !document.getElementById('train-btn').disabled, null, { timeout: 30000 });
  await page.tap('#run-it-btn');
  assert.match(await page.textContent('#run-it-status'), /正在按分享的方式训练/);
  await page.waitForFunction(() => document.querySelector('#runs-table tr[data-run-id] [data-status]')?.dataset.status === 'finished', null, { timeout: 120000 });
  const said = await dropFile(page, 'gradlab-bundle.json', '{"format": "gradlab-bundle", "version": 1, "task": ');
  assert.match(said, /“gradlab-bundle\.json”不是完整的 JSON 文件/);
  await page.locator('#keep').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(shots, 'share-zh-phone-bundle.png') });
  const bad = await open(ctx, '#model=bow&sample=nope');
  assert.match(await bad.page.textContent('#settings-problems'), /链接中的示例（sample=nope）未被采用/);
  assert.deepEqual([...errors, ...bad.errors], []);
});
