// Training speed of gradlab compiled to wasm, in Node (V8, the engine of
// Chromium): the exact code path of the page (WebLab.train_slice).
//   node bench/wasm_train.mjs PKG_DIR DATA.tsv [preset] [rows]
// PKG_DIR holds `wasm-bindgen --target nodejs` output of the library.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const [pkg, data, preset = 'lstm', rows = '1280'] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const { WebLab } = require(path.resolve(pkg, 'gradlab.js'));
const lines = fs.readFileSync(data, 'utf8').split('\n').filter(Boolean);
const n = Math.min(Number(rows), lines.length);
const lab = new WebLab();
const settings = WebLab.default_settings();
Object.assign(settings, { preset, epochs: 1, val_split: 0.0 });
lab.set_settings(settings);
lab.load_data(lines.slice(0, n).join('\n'));
const t0 = performance.now();
let p;
do { p = lab.train_slice(1e9, 1e9, false); } while (!p.done);
const secs = (performance.now() - t0) / 1000;
const out = { system: 'gradlab-wasm', preset, rows: n, seconds: secs, train_samples_per_second: n / secs };
console.log(JSON.stringify(out));
