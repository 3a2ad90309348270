// The page training on the GPU backend through WebGPU, in Debian's Chromium
// with its software WebGPU (SwiftShader): the same sample and settings train
// on the CPU and then on the GPU, and a person sees the GPU named as the
// backend, the curves, the metrics and a prediction, with the same figures.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { shots, startBrowser } from './serve.mjs';

let server, browser, base;

before(async () => {
  ({ server, base, browser } = await startBrowser(['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-angle=swiftshader', '--ignore-gpu-blocklist']));
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

async function open() {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  return { ctx, page, errors };
}

// auto stays on the CPU: SwiftShader is software, and it says so.
async function autoStaysOnCpu(page) {
  await page.selectOption('#backend-select', 'auto');
  await page.waitForFunction(() => /software/.test(document.getElementById('backend-why').textContent), null, { timeout: 30000 });
  assert.equal(await page.textContent('#backend'), 'cpu');
}

async function trainOn(page, backend) {
  await page.selectOption('#backend-select', backend);
  await page.waitForFunction((b) => document.getElementById('backend').textContent.startsWith(b), backend, { timeout: 30000 });
  await page.click('#reset-btn');
  await page.click('#train-btn');
  await page.waitForFunction(() => document.getElementById('epoch-count').textContent === '2', null, { timeout: 240000 });
  await page.waitForFunction(() => /^0\.\d+$/.test(document.getElementById('val-accuracy').textContent));
  return { loss: Number(await page.textContent('#train-loss')), acc: Number(await page.textContent('#val-accuracy')), backend: await page.textContent('#backend'), why: await page.textContent('#backend-why') };
}

test('the page trains on WebGPU: the GPU is named, curves, metrics and predictions match the CPU', async () => {
  const { ctx, page, errors } = await open();
  const hasAdapter = await page.evaluate(async () => !!(navigator.gpu && await navigator.gpu.requestAdapter()));
  assert.ok(hasAdapter, 'this Chromium offers no WebGPU adapter (SwiftShader)');
  await page.selectOption('#sample-select', 'spam');
  await page.waitForFunction(() => /800\s*rows accepted/.test(document.getElementById('parse-report').textContent), null, { timeout: 20000 });
  await page.selectOption('#model-preset', 'bow');
  await page.waitForFunction(() => /global_average_pooling1d/.test(document.getElementById('model-summary').textContent));
  await page.fill('#epochs', '2');
  await page.dispatchEvent('#epochs', 'change');
  await page.fill('#learning-rate', '0.01');
  await page.dispatchEvent('#learning-rate', 'change');
  await page.waitForTimeout(300);

  await autoStaysOnCpu(page);

  const cpu = await trainOn(page, 'cpu');
  const gpu = await trainOn(page, 'gpu');
  assert.match(gpu.backend, /^gpu \(.+\)$/, 'the backend names the adapter');
  assert.match(gpu.why, /asked for the GPU/);
  assert.ok(Math.abs(gpu.loss - cpu.loss) < 2e-3, `training loss ${gpu.loss} on the GPU, ${cpu.loss} on the CPU`);
  assert.ok(Math.abs(gpu.acc - cpu.acc) <= 0.01, `validation accuracy ${gpu.acc} on the GPU, ${cpu.acc} on the CPU`);
  assert.ok(gpu.acc > 0.7, `validation accuracy ${gpu.acc}`);
  assert.match(await page.textContent('#metrics'), /precision/);
  await page.fill('#predict-input', 'Congratulations! You have won a free prize, click here to claim your cash now');
  await page.waitForFunction(() => /Prediction/.test(document.getElementById('predict-output').textContent));
  assert.match(await page.textContent('#predict-output'), /%/);
  await page.screenshot({ path: path.join(shots, 'webgpu.png'), fullPage: true });

  // The classic LSTM stack: one batch on each backend, the same loss.
  await page.selectOption('#model-preset', 'lstm');
  await page.waitForFunction(() => /lstm_1/.test(document.getElementById('model-summary').textContent));
  const stepOn = async (backend) => {
    await page.selectOption('#backend-select', backend);
    await page.waitForFunction((b) => document.getElementById('backend').textContent.startsWith(b), backend, { timeout: 30000 });
    await page.click('#reset-btn');
    await page.click('#step-btn');
    await page.waitForFunction(() => document.getElementById('batch-count').textContent.startsWith('1/'), null, { timeout: 120000 });
    return Number(await page.textContent('#train-loss'));
  };
  const lstmCpu = await stepOn('cpu');
  const lstmGpu = await stepOn('gpu');
  assert.ok(Number.isFinite(lstmGpu) && Math.abs(lstmGpu - lstmCpu) < 2e-3, `lstm first-batch loss ${lstmGpu} on the GPU, ${lstmCpu} on the CPU`);
  assert.deepEqual(errors, []);
  await ctx.close();
});

// The generation task on WebGPU: the same small GPT trains one epoch on the
// CPU and then on the GPU; a person sees the GPU named, the same losses,
// the same samples over time, and text generated afterwards.
test('the generation task trains its GPT on WebGPU, as on the CPU', async () => {
  const { ctx, page, errors } = await open();
  await page.selectOption('#task-select', 'generate');
  assert.equal(await page.isVisible('#backend-select'), true, 'the generation task offers the backend menu');
  const set = async (id, v) => { await page.fill(id, String(v)); await page.dispatchEvent(id, 'change'); };
  await set('#context-length', 16);
  await set('#gpt-layers', 1);
  await set('#gpt-heads', 2);
  await set('#gpt-d-model', 16);
  await set('#gpt-ffn', 32);
  await set('#batch-size', 8);
  await set('#epochs', 1);
  const shakespeare = fs.readFileSync(path.resolve(import.meta.dirname, '../../samples/shakespeare.txt'), 'utf8');
  await page.evaluate((t) => {
    const ta = document.getElementById('dataset-input');
    ta.value = t;
    ta.dispatchEvent(new Event('input', { bubbles: true }));
  }, shakespeare.slice(20000, 38000));
  await page.waitForFunction(() => /18,000\s*characters/.test(document.getElementById('text-report').textContent), null, { timeout: 30000 });

  await autoStaysOnCpu(page);

  const runOn = async (backend) => {
    await page.selectOption('#backend-select', backend);
    await page.waitForFunction((b) => document.getElementById('backend').textContent.startsWith(b), backend, { timeout: 30000 });
    await page.click('#reset-btn');
    await page.waitForFunction(() => document.getElementById('batch-count').textContent === '0');
    await page.click('#train-btn');
    await page.waitForFunction(() => document.getElementById('train-status').textContent === 'finished', null, { timeout: 240000 });
    return {
      steps: Number(await page.textContent('#batch-count')),
      loss: Number(await page.textContent('#train-loss')),
      val: Number(await page.textContent('#val-loss')),
      samples: await page.locator('#samples-over-time li').count(),
      backend: await page.textContent('#backend'),
      why: await page.textContent('#backend-why'),
    };
  };
  const cpu = await runOn('cpu');
  const gpu = await runOn('gpu');
  assert.match(gpu.backend, /^gpu \(.+\)$/, 'the backend names the adapter');
  assert.match(gpu.why, /asked for the GPU/);
  assert.ok(cpu.steps > 100, `${cpu.steps} steps in the epoch (a sample over time every 100)`);
  assert.equal(gpu.steps, cpu.steps);
  assert.ok(Math.abs(gpu.loss - cpu.loss) < 2e-3 * cpu.loss, `last training loss ${gpu.loss} on the GPU, ${cpu.loss} on the CPU`);
  assert.ok(Number.isFinite(cpu.val) && Math.abs(gpu.val - cpu.val) < 2e-3 * cpu.val, `validation loss ${gpu.val} on the GPU, ${cpu.val} on the CPU`);
  assert.equal(gpu.samples, cpu.samples, 'the samples over time fall at the same steps');
  assert.ok(gpu.samples >= 2, `${gpu.samples} samples over time`);
  assert.match(await page.textContent('#tokens-per-second'), /^[\d,]+$/);
  // The runs table records where each run trained.
  const backends = await page.locator('#runs-table td.backend').allTextContents();
  assert.ok(backends.some((b) => /gpu \(/.test(b)) && backends.some((b) => /cpu/.test(b) && !/gpu/.test(b)), `runs' backends: ${JSON.stringify(backends)}`);
  // The model trained on the GPU generates (from the copy read back).
  await page.fill('#prompt-input', 'The ');
  await page.click('#generate-btn');
  await page.waitForFunction(() => /tokens generated/.test(document.getElementById('generate-status').textContent), null, { timeout: 60000 });
  assert.ok((await page.textContent('#generate-output')).length > 4);
  await page.screenshot({ path: path.join(shots, 'webgpu-generate.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await ctx.close();
});
