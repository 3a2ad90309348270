// Layout: chart tick labels that never overlap (a constant learning rate
// once stacked ten labels 0.0001 apart on a 180 px chart), a page with no
// sideways overflow on a laptop and on a phone, and a predict box as wide
// as its card. Screenshots go to target/screenshots (layout-*.png).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startBrowser, shots } from './serve.mjs';

let server, browser, base;

before(async () => {
  ({ server, base, browser } = await startBrowser());
});

after(async () => {
  await browser?.close();
  server?.close();
});

afterEach(async () => {
  for (const ctx of browser?.contexts() ?? []) await ctx.close().catch(() => {});
});

async function open(viewport, extra = {}) {
  const ctx = await browser.newContext({ viewport, locale: 'en-US', ...extra });
  // Every text a canvas draws, with where (plotters draws its labels so).
  await ctx.addInitScript(() => {
    window.__texts = [];
    const fill = CanvasRenderingContext2D.prototype.fillText;
    CanvasRenderingContext2D.prototype.fillText = function (text, x, y, ...rest) {
      const m = this.getTransform();
      window.__texts.push({ id: this.canvas.id, text: String(text), x: m.a * x + m.c * y + m.e, y: m.b * x + m.d * y + m.f, rotated: m.b !== 0 });
      return fill.call(this, text, x, y, ...rest);
    };
  });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  return { ctx, page, errors };
}

async function trainSpam(page, epochs) {
  await page.selectOption('#sample-select', 'spam');
  await page.waitForFunction(() => /800\s*rows accepted/.test(document.getElementById('parse-report').textContent), null, { timeout: 20000 });
  await page.selectOption('#model-preset', 'bow');
  await page.waitForFunction(() => /global_average_pooling1d/.test(document.getElementById('model-summary').textContent));
  await page.fill('#epochs', String(epochs));
  await page.dispatchEvent('#epochs', 'change');
  await page.waitForTimeout(300);
  await page.click('#train-btn');
  await page.waitForFunction((n) => document.getElementById('epoch-count').textContent === String(n), epochs, { timeout: 60000 });
  await page.waitForTimeout(500);
}

// The y-axis labels of one chart's latest drawing: left of the plot, level.
async function yLabels(page, id) {
  // Draw the charts afresh (a language switch redraws them) and read that drawing.
  await page.selectOption('#lang-select', 'zh');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  await page.evaluate(() => { window.__texts = []; });
  await page.selectOption('#lang-select', 'en');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  await page.waitForTimeout(200);
  return page.evaluate((id) => window.__texts.filter((t) => t.id === id && !t.rotated && t.x < 52 && /^-?[\d.]+(e-?\d+)?$/.test(t.text)), id);
}

test('chart tick labels do not overlap: a constant learning rate, the loss and the accuracy', async () => {
  const { ctx, page, errors } = await open({ width: 1366, height: 900 });
  await trainSpam(page, 2);
  for (const id of ['lr-chart', 'loss-chart', 'accuracy-chart']) {
    const labels = await yLabels(page, id);
    const texts = labels.map((l) => l.text);
    assert.ok(labels.length >= 2, `${id}: only ${labels.length} y labels: ${texts}`);
    assert.equal(new Set(texts).size, texts.length, `${id}: repeated y labels ${texts}`);
    const byY = [...labels].sort((a, b) => a.y - b.y);
    for (let i = 1; i < byY.length; i++) {
      assert.ok(byY[i].y - byY[i - 1].y >= 14, `${id}: labels ${byY[i - 1].text} and ${byY[i].text} are ${byY[i].y - byY[i - 1].y} px apart`);
      assert.ok(Number(byY[i].text) < Number(byY[i - 1].text), `${id}: labels out of order: ${texts}`);
    }
    for (const t of texts) assert.ok(t.length <= 7, `${id}: label ${t} is too long for the axis`);
    console.log(`${id}: y labels ${byY.map((l) => l.text).join(', ')}`);
  }
  // The constant rate (0.001, the default) lies inside the learning-rate axis.
  const lr = (await yLabels(page, 'lr-chart')).map((l) => Number(l.text));
  assert.ok(Math.min(...lr) <= 0.001 && Math.max(...lr) >= 0.001, `lr axis ${lr} does not span 0.001`);
  await page.locator('#training').screenshot({ path: path.join(shots, 'layout-charts-1366.png') });
  assert.deepEqual(errors, []);
  await ctx.close();
});

// The sticky header on a phone: scrolled down, it keeps the language and
// one row of steps that scrolls sideways (every step still reachable), and
// leaves most of the screen to the page.
test('the sticky header stays small on a phone, its steps one scrolling row', async () => {
  const { page, errors } = await open({ width: 390, height: 844 }, { isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const tagline = () => page.evaluate(() => getComputedStyle(document.querySelector('[data-i18n="brand.tagline"]')).display);
  assert.notEqual(await tagline(), 'none', 'the tagline shows at the top of the page');
  await page.evaluate(() => window.scrollTo(0, 3000));
  await page.waitForFunction(() => document.body.classList.contains('scrolled'));
  assert.equal(await tagline(), 'none');
  const header = await page.evaluate(() => document.querySelector('header.top').getBoundingClientRect().height);
  assert.ok(header <= 130, `the header takes ${header} px of 844`);
  const rows = await page.$$eval('nav#steps a', (as) => new Set(as.filter((a) => a.offsetParent).map((a) => Math.round(a.getBoundingClientRect().top))).size);
  assert.equal(rows, 1, 'the steps wrap onto several rows');
  // The last step scrolls into view within the row, and the page does not move sideways.
  await page.locator('nav#steps a[data-step="visualisers"]').scrollIntoViewIfNeeded();
  const last = await page.$eval('nav#steps a[data-step="visualisers"]', (a) => a.getBoundingClientRect().right);
  assert.ok(last <= 390, `the last step ends at ${last} px`);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390);
  await page.screenshot({ path: path.join(shots, 'layout-phone-header.png') });
  assert.deepEqual(errors, []);
});

for (const [name, viewport, extra] of [['1366', { width: 1366, height: 900 }, {}], ['phone', { width: 390, height: 844 }, { isMobile: true, hasTouch: true, deviceScaleFactor: 2 }]]) {
  test(`no sideways overflow and a full-width predict box at ${viewport.width}×${viewport.height}`, async () => {
    const { ctx, page, errors } = await open(viewport, extra);
    await trainSpam(page, 1);
    await page.fill('#predict-input', 'Congratulations! You have won a free prize, click here to claim your cash now. Reply with your bank details and the name of your first pet so that we can send the money to you today, before the offer ends at midnight.');
    await page.waitForFunction(() => /Prediction/.test(document.getElementById('predict-output').textContent));
    const m = await page.evaluate(() => {
      const box = document.getElementById('predict-input');
      const card = document.getElementById('predict');
      // Inside a box that scrolls (a wide table, a long formula) is fine.
      const scrolls = (el) => { for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) if (getComputedStyle(a).overflowX !== 'visible') return true; return false; };
      const wide = [...document.querySelectorAll('body *')].filter((el) => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.right > document.documentElement.clientWidth + 1 && !scrolls(el);
      }).map((el) => `${el.tagName.toLowerCase()}#${el.id || ''}.${[...el.classList].join('.')} right ${Math.round(el.getBoundingClientRect().right)}`);
      const style = getComputedStyle(card);
      return {
        scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
        tag: box.tagName, box: box.getBoundingClientRect().width,
        inner: card.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
        wide: wide.slice(0, 10),
      };
    });
    assert.equal(m.tag, 'TEXTAREA');
    assert.ok(m.box >= m.inner - 2, `the predict box is ${m.box} px in a card ${m.inner} px wide`);
    assert.deepEqual(m.wide, [], 'elements past the right edge');
    assert.ok(m.scroll <= m.client, `the page scrolls sideways: ${m.scroll} > ${m.client}`);
    await page.screenshot({ path: path.join(shots, `layout-${name}.png`), fullPage: true });
    assert.deepEqual(errors, []);
    await ctx.close();
  });
}
