// The README's picture of the page (docs/lab.png): the spam sample loaded,
// the bow preset trained for a few epochs, at 1366×900, in English.
//   node tools/screenshot.mjs [OUT.png]
// Serves dist/ (or GRADLAB_DIST) and drives Debian's Chromium through
// tests/e2e's helpers (run `./lab test` or `npm ci` in tests/e2e first, and
// `trunk build --release` for dist/). With ImageMagick's `convert` on the
// PATH the picture is reduced to a 256-colour PNG to keep it small.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startBrowser } from '../tests/e2e/serve.mjs';

const root = path.resolve(import.meta.dirname, '..');
const out = path.resolve(process.argv[2] || path.join(root, 'docs/lab.png'));
const epochs = 6;

const { server, base, browser } = await startBrowser();
try {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-US' });
  const page = await ctx.newPage();
  await page.goto(base);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60000 });
  await page.selectOption('#sample-select', 'spam');
  await page.waitForFunction(() => /rows accepted/.test(document.getElementById('parse-report').textContent), null, { timeout: 30000 });
  await page.selectOption('#model-preset', 'bow');
  await page.waitForFunction(() => /global_average_pooling1d/.test(document.getElementById('model-summary').textContent));
  for (const [id, value] of [['#epochs', String(epochs)], ['#learning-rate', '0.01']]) {
    await page.fill(id, value);
    await page.dispatchEvent(id, 'change');
  }
  await page.waitForTimeout(300);
  await page.click('#train-btn');
  await page.waitForFunction((n) => document.getElementById('epoch-count').textContent === String(n), epochs, { timeout: 120000 });
  await page.waitForFunction(() => /^0\.\d+$/.test(document.getElementById('val-accuracy').textContent));
  await page.waitForTimeout(800);
  // The training step at the top: its curves, with evaluation below it.
  await page.evaluate(() => document.getElementById('train-btn').closest('section').scrollIntoView({ block: 'start' }));
  await page.waitForTimeout(500);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await page.screenshot({ path: out });
  await ctx.close();
} finally {
  await browser.close();
  server.close();
}
try {
  execFileSync('convert', [out, '-strip', '-colors', '256', `PNG8:${out}`]);
} catch { /* no ImageMagick: the full-colour PNG stays */ }
console.log(`wrote ${out} (${Math.round(fs.statSync(out).size / 1024)} kB)`);
