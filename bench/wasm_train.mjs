// gradlab compiled to wasm, in Node (V8, the engine of Chromium), through the
// page's own code path (WebLab: set_settings, load_data or load_image_csv,
// train_slice), on the rows `gradlab bench --export` wrote. Prints one JSON line.
//   node bench/wasm_train.mjs PKG_DIR EXPORT_DIR PRESET EPOCHS MASK(true|false)
//   node bench/wasm_train.mjs PKG_DIR --matmul 64,128,...
//   node bench/wasm_train.mjs PKG_DIR --lm CORPUS STEPS SEED   (the gpt preset, as the page trains it)
// PKG_DIR holds `wasm-bindgen --target nodejs` output of the library (either
// build: plain wasm SIMD, or relaxed SIMD, which Node 20 runs only with
// --experimental-wasm-relaxed-simd).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const [pkg, ...rest] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const { WebLab, WebLanguageLab, bench_matmul_gflops, simd_build } = require(path.resolve(pkg, 'gradlab.js'));

if (rest[0] === '--matmul') {
  const out = {};
  for (const n of rest[1].split(',').map(Number)) out[n] = bench_matmul_gflops(n);
  console.log(JSON.stringify({ system: 'gradlab-wasm', build: simd_build(), matmul_gflops: out }));
} else if (rest[0] === '--lm') {
  // The page's generation task: the same text cut (10 % held out), the same
  // gpt and batches as `gradlab train --task lm`, without samples over time.
  const [, corpus, steps, seed] = rest;
  const lab = new WebLanguageLab();
  lab.set_settings({ ...WebLanguageLab.default_settings(), val_split: 0.1, seed: Number(seed), epochs: 100000, sample_every: 1000000, sample_tokens: 0 });
  const report = lab.load_text(fs.readFileSync(corpus, 'utf8'));
  let p;
  do p = lab.train_slice(1e12, Number(steps), false); while (p.step < Number(steps) && !p.done);
  console.log(JSON.stringify({
    system: 'gradlab-wasm', build: simd_build(), steps: p.step, tokens_per_second: p.tokens_per_second,
    val_loss: lab.validation(), vocab_size: report.vocab_size, parameters: report.parameters, unigram_entropy: report.unigram_entropy,
  }));
} else {
  const [dir, preset, epochs = '1', mask = 'true'] = rest;
  const ids = JSON.parse(fs.readFileSync(path.join(dir, 'ids.json'), 'utf8'));
  const images = ids.kind === 'image';
  const lab = new WebLab();
  const settings = WebLab.default_settings();
  Object.assign(settings, { preset, epochs: Number(epochs), mask: !images && mask !== 'false', val_split: ids.val_split, split: 'last', seed: 42 });
  // Images: the exported shape, and the pixels divided by the training rows' largest value (as gradlab bench does).
  if (images) Object.assign(settings, { image_shape: ids.image_shape, scaling: ids.scaling.kind });
  lab.set_settings(settings);
  const report = images
    ? lab.load_image_csv(fs.readFileSync(path.join(dir, 'rows.csv'), 'utf8'))
    : lab.load_data(fs.readFileSync(path.join(dir, 'rows.tsv'), 'utf8'));
  if (images && lab.settings().preset !== preset) throw new Error(`the lab chose preset ${lab.settings().preset}, not ${preset}`);
  if (images && JSON.stringify(report.scaling) !== JSON.stringify(ids.scaling)) throw new Error(`scaling differs: ${JSON.stringify(report.scaling)} vs ${JSON.stringify(ids.scaling)}`);
  const records = [];
  let p;
  do {
    p = lab.train_slice(1e9, 1e9, false);
    records.push(...p.new_epochs);
  } while (!p.done);
  const n = ids.train.ids.length;
  if (report.accepted !== n + ids.val.ids.length) throw new Error(`rows differ: ${report.accepted} vs ${n + ids.val.ids.length}`);
  const epochSeconds = records.map((e) => e.train_seconds);
  const steady = epochSeconds.length > 1 ? epochSeconds.slice(1) : epochSeconds;
  // Inference: the validation passes (Trainer::evaluate, batches of 256) of
  // the timed epochs (those after the first, or the only one). The wasm
  // clock (Date.now) ticks in milliseconds: when a pass takes under 20 ms,
  // one figure, their mean, stands for them.
  const passes = (records.length > 1 ? records.slice(1) : records).map((e) => e.seconds - e.train_seconds);
  const coarse = Math.min(...passes) < 0.02;
  const inferSeconds = coarse ? [passes.reduce((a, b) => a + b, 0) / passes.length] : passes;
  const ev = lab.evaluation();
  console.log(JSON.stringify({
    system: 'gradlab-wasm', preset, mask: settings.mask, rows: n, val_rows: ids.val.ids.length, epochs: Number(epochs),
    epoch_seconds: epochSeconds, train_samples_per_s: n * steady.length / steady.reduce((a, b) => a + b, 0),
    infer_rows: ids.val.ids.length, infer_seconds: inferSeconds, infer_passes: passes.length, ...(coarse ? { infer_note: `${passes.length} passes of under 20 ms on a millisecond clock: their mean` } : {}),
    val_accuracy: ev.report.accuracy, peak_mb: process.resourceUsage().maxRSS / 1024,
  }));
}
