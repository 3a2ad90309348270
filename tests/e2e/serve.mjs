// What the browser tests share: the built page (dist/) served on a free
// localhost port, and Debian's Chromium launched through playwright-core.
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const shots = path.resolve(import.meta.dirname, '../../target/screenshots');
const QUIET = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

// GRADLAB_DIST serves another build (e.g. an older one, to see a test fail on it).
export const root = path.resolve(process.env.GRADLAB_DIST || path.resolve(import.meta.dirname, '../../dist'));
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.tsv': 'text/plain; charset=utf-8', '.json': 'application/json', '.csv': 'text/csv; charset=utf-8', '.png': 'image/png' };

export async function serveDist() {
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = path.join(root, url === '/' ? 'index.html' : url);
    if (!file.startsWith(root) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, base: `http://127.0.0.1:${server.address().port}/` };
}

/// Serve dist/ and launch Chromium (with `gpuArgs` instead of --disable-gpu
/// for tests that need WebGPU); resolves to { server, base, browser }.
export async function startBrowser(gpuArgs = null) {
  assert.ok(fs.existsSync(path.join(root, 'index.html')), 'dist/index.html is missing: run trunk build first');
  fs.mkdirSync(shots, { recursive: true });
  const { server, base } = await serveDist();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', ...(gpuArgs || ['--disable-gpu']), ...QUIET],
  });
  watchPolicy(browser);
  return { server, base, browser };
}

// The page runs under a Content-Security-Policy (index.html). Every
// context of every test reports what the policy blocked; closing the
// browser fails (so the file's tests fail) if anything was, naming it.
function watchPolicy(browser) {
  const violations = [];
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args) => {
    const ctx = await newContext(...args);
    await ctx.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber} ${e.sample}`));
    });
    ctx.on('console', (m) => {
      const text = m.text();
      if (/^CSP violation|Content Security Policy/.test(text)) violations.push(text);
    });
    return ctx;
  };
  const close = browser.close.bind(browser);
  browser.close = async (...args) => {
    await close(...args);
    assert.deepEqual(violations, [], 'the page broke its Content-Security-Policy');
  };
}

// Press Download model and keep the two files the page saves (model.json
// and its weights) in a fresh folder: their paths.
export async function downloadModel(page, prefix = 'gradlab-model-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const files = [];
  const got = new Promise((resolve) => {
    page.on('download', async (d) => {
      const p = path.join(dir, d.suggestedFilename());
      await d.saveAs(p);
      files.push(p);
      if (files.length === 2) resolve();
    });
  });
  await page.click('#download-btn');
  await got;
  return files;
}
