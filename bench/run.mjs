// The side-by-side benchmark: gradlab native, gradlab wasm (in Node, the
// page's code path), TensorFlow.js (wasm and cpu backends) and Keras on
// TensorFlow CPU train the same model on the same token ids, in one run on
// one machine. Systems alternate and repeat; the table shows medians.
//   node bench/run.mjs [--quick] [--json] [--data FILE] [--repeats N]
// Run through `./lab bench`, which builds gradlab first.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const flag = (f) => args.includes(f);
const opt = (f, d) => (args.includes(f) ? args[args.indexOf(f) + 1] : d);
const quick = flag('--quick');
const asJson = flag('--json');
const data = path.resolve(opt('--data', path.join(root, '../shared/data/spamassassin.tsv')));
const repeats = Number(opt('--repeats', quick ? 1 : 3));
const rows = Number(opt('--rows', quick ? 320 : 1600));
const epochs = Number(opt('--epochs', 2));
const sizes = quick ? [64, 128, 256, 512] : [64, 128, 256, 512, 1024];
// TensorFlow.js runs past this stop early and report their speed so far.
const budget = Number(opt('--budget', quick ? 20 : 60));
// Masked as gradlab's presets are; the unmasked classic variants in full runs.
const workloads = [['lstm', true], ['cnn', false], ['bow', true], ...(quick ? [] : [['lstm-nomask', false], ['bow-nomask', false]])];
const work = path.join(root, 'target/bench');
const gradlab = path.join(root, 'target/release/gradlab');
const wasmPkg = path.join(root, 'target/wasm-node');
const venvPython = path.join(work, 'venv/bin/python');

const say = (s) => { if (!asJson) console.log(s); else process.stderr.write(s + '\n'); };
const run = (cmd, argv, timeout = 1800e3, env = process.env) => {
  const out = execFileSync(cmd, argv, { cwd: root, encoding: 'utf8', timeout, env, maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out.trim().split('\n').pop());
};

// Keras when a virtual environment with TensorFlow exists or can be made.
function kerasAvailable() {
  if (flag('--no-keras')) return 'skipped (--no-keras)';
  try {
    if (!fs.existsSync(venvPython)) {
      say('creating the Keras environment (python3 -m venv, pip install tensorflow-cpu==2.21.0) …');
      execFileSync('python3', ['-m', 'venv', path.join(work, 'venv')], { stdio: 'ignore' });
      execFileSync(venvPython, ['-m', 'pip', 'install', '-q', 'tensorflow-cpu==2.21.0'], { stdio: 'ignore', timeout: 1200e3 });
    }
    execFileSync(venvPython, ['-c', 'import tensorflow, keras'], { stdio: 'ignore' });
    return null;
  } catch (e) {
    return `skipped: no Python environment with TensorFlow (${String(e.message).split('\n')[0]})`;
  }
}
function tfjsAvailable() {
  return fs.existsSync(path.join(root, 'bench/node_modules/@tensorflow/tfjs-backend-wasm')) ? null : 'skipped: run `npm ci` in bench/';
}

const skipped = { keras: kerasAvailable(), 'tfjs-wasm': tfjsAvailable(), 'tfjs-cpu': quick ? 'skipped in --quick: its CNN trains at about 1 sample/s' : tfjsAvailable() };
const systems = ['gradlab-native', 'gradlab-wasm', 'tfjs-wasm', 'tfjs-cpu', 'keras'].filter((s) => !skipped[s]);
for (const [s, why] of Object.entries(skipped)) if (why) say(`${s}: ${why}`);

// One training run of `system` on the exported rows of a workload.
function trainOnce(system, name, dir, mask) {
  const preset = name.replace('-nomask', '');
  const m = String(mask);
  switch (system) {
    case 'gradlab-native':
      return run(gradlab, ['bench', '--data', data, '--model', preset, '--limit', String(rows), '--epochs', String(epochs), '--json', ...(mask ? [] : ['--no-mask'])]);
    case 'gradlab-wasm':
      return run('node', ['bench/wasm_train.mjs', wasmPkg, dir, preset, String(epochs), m]);
    case 'tfjs-wasm':
    case 'tfjs-cpu':
      return run('node', ['bench/tfjs_train.mjs', system.slice(5), path.join(dir, 'ids.json'), preset, String(epochs), m, String(budget)]);
    case 'keras':
      return run(venvPython, ['bench/keras_train.py', path.join(dir, 'ids.json'), preset, String(epochs), m]);
  }
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null; };
const results = {}; // results[workload][system] = [runs]
const failures = {}; // failures[workload][system] = why
const started = Date.now();
for (const [name, mask] of workloads) {
  const dir = path.join(work, 'data', name);
  const preset = name.replace('-nomask', '');
  // The export run is also gradlab native's first measurement.
  const first = run(gradlab, ['bench', '--data', data, '--model', preset, '--limit', String(rows), '--epochs', String(epochs), '--export', dir, '--json', ...(mask ? [] : ['--no-mask'])]);
  results[name] = { 'gradlab-native': [first] };
  for (let r = 0; r < repeats; r++) {
    // Alternate the order so a machine that slows down does not favour one system.
    const order = systems.map((_, i) => systems[(i + r) % systems.length]);
    for (const system of order) {
      if (system === 'gradlab-native' && r === 0) continue;
      say(`  ${name} · ${system} · run ${r + 1}/${repeats}`);
      try {
        const result = trainOnce(system, name, dir, mask);
        (results[name][system] ||= []).push(result);
      } catch (e) {
        // Keep the reason (e.g. a kernel TensorFlow.js's wasm backend lacks).
        const lines = String(e.stderr || e.message).split('\n').filter((l) => l.trim() && !/^\s+at |^Node\.js v|throw |^\s*\^/.test(l));
        const why = (lines.find((l) => /Error/.test(l)) || lines.slice(-1)[0] || 'failed').trim();
        (failures[name] ||= {})[system] = why;
        say(`  ${system} failed on ${name}: ${why}`);
      }
    }
  }
}

// Matrix products: GFLOP/s, single-threaded where the system allows.
const matmul = {};
say('matrix products …');
// Native training uses every core (as Keras does); the product table is single-threaded, like the wasm builds.
try { matmul['gradlab-native'] = run(gradlab, ['bench', '--data', data, '--matmul', sizes.join(','), '--json'], 600e3, { ...process.env, MATMUL_NUM_THREADS: '1' }).matmul_gflops; } catch (e) { say('gradlab-native matmul failed: ' + e.message); }
try { matmul['gradlab-wasm'] = run('node', ['bench/wasm_train.mjs', wasmPkg, '--matmul', sizes.join(',')]).matmul_gflops; } catch (e) { say('gradlab-wasm matmul failed: ' + e.message); }
if (!skipped['tfjs-wasm']) { try { matmul['tfjs-wasm'] = run('node', ['bench/tfjs_train.mjs', 'wasm', '--matmul', sizes.join(',')]).matmul_gflops; } catch (e) { say('tfjs-wasm matmul failed: ' + e.message); } }

// Medians, and the shape --json promises.
const summary = { train_samples_per_s: {}, infer_samples_per_s: {}, peak_mb: {}, val_accuracy: {} };
for (const [name, bySystem] of Object.entries(results)) {
  for (const [system, runs] of Object.entries(bySystem)) {
    for (const key of Object.keys(summary)) {
      (summary[key][system] ||= {})[name] = median(runs.map((x) => x[key]).filter((v) => typeof v === 'number'));
    }
  }
}
const cpu = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) || [, os.cpus()[0]?.model])[1];
const sample = (sys) => Object.values(results).map((r) => r[sys]?.[0]).find(Boolean) || {};
const report = {
  date: new Date().toISOString(),
  machine: `${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}`,
  versions: { node: process.version, 'tfjs': sample('tfjs-wasm').version || sample('tfjs-cpu').version, keras: sample('keras').version, gradlab: fs.readFileSync(path.join(root, 'Cargo.toml'), 'utf8').match(/^version = "(.*)"/m)[1] },
  workload: { data: path.relative(root, data), train_rows: rows, epochs, batch_size: 32, optimizer: 'adam 0.001', repeats, split: 'Keras validation_split 0.2 (last rows)' },
  tfjs: { simd: sample('tfjs-wasm').simd, threads: sample('tfjs-wasm').threads, note: sample('tfjs-wasm').note || sample('tfjs-cpu').note },
  skipped: Object.fromEntries(Object.entries(skipped).filter(([, v]) => v)),
  failed: failures,
  tfjs_budget_seconds: budget,
  ...summary,
  matmul_gflops: matmul,
  seconds: (Date.now() - started) / 1000,
};

if (asJson) {
  console.log(JSON.stringify(report));
} else {
  const pad = (s, n) => String(s).padEnd(n);
  const num = (v, d = 0) => (v === null || v === undefined ? '–' : v.toFixed(d));
  const ratio = (v, base) => (v && base ? `${(v / base).toFixed(2)}×` : '–');
  console.log(`\ngradlab benchmark · ${report.date}\n${report.machine}\nnode ${report.versions.node} · TensorFlow.js ${report.versions.tfjs ?? '–'} (wasm SIMD ${report.tfjs.simd}, threads ${report.tfjs.threads}) · ${report.versions.keras ?? 'Keras skipped'}`);
  console.log(`${rows} training rows of ${report.workload.data}, ${epochs} epochs (samples/s from the epochs after the first), batch 32, Adam 0.001; medians of ${repeats} runs`);
  if (report.tfjs.note) console.log(`TensorFlow.js: ${report.tfjs.note}; a run past ${budget} s stops and reports the speed of its batches so far (accuracy then –)`);
  for (const name of Object.keys(results)) {
    console.log(`\n${name}`);
    console.log(`  ${pad('system', 16)}${pad('train/s', 10)}${pad('× wasm', 9)}${pad('infer/s', 10)}${pad('× wasm', 9)}${pad('peak MB', 9)}val acc`);
    const base = summary.train_samples_per_s['gradlab-wasm']?.[name];
    const ibase = summary.infer_samples_per_s['gradlab-wasm']?.[name];
    for (const [system, why] of Object.entries(failures[name] || {})) console.log(`  ${pad(system, 16)}cannot train this model: ${why}`);
    for (const system of Object.keys(results[name])) {
      const tr = summary.train_samples_per_s[system][name], inf = summary.infer_samples_per_s[system][name];
      console.log(`  ${pad(system, 16)}${pad(num(tr), 10)}${pad(ratio(tr, base), 9)}${pad(num(inf), 10)}${pad(ratio(inf, ibase), 9)}${pad(num(summary.peak_mb[system][name]), 9)}${num(summary.val_accuracy[system][name], 4)}`);
    }
  }
  console.log('\nmatrix product, GFLOP/s (n×n×n)');
  console.log(`  ${pad('system', 16)}${sizes.map((n) => pad(n, 8)).join('')}`);
  for (const [system, g] of Object.entries(matmul)) console.log(`  ${pad(system, 16)}${sizes.map((n) => pad(num(g[n], 1), 8)).join('')}`);
  const w = summary.train_samples_per_s;
  console.log('\ntargets');
  for (const [name, want] of [['lstm', 10], ['cnn', 3], ['bow', 3]]) {
    const r = w['gradlab-wasm']?.[name] / w['tfjs-wasm']?.[name];
    console.log(`  gradlab wasm ≥ ${want}× TensorFlow.js wasm, ${name}: ${Number.isFinite(r) ? r.toFixed(1) + '×' : '–'} ${Number.isFinite(r) ? (r >= want ? 'met' : 'not met') : ''}`);
  }
  for (const name of ['lstm', 'cnn', 'bow']) {
    const r = w['gradlab-native']?.[name] / w.keras?.[name];
    console.log(`  gradlab native ≥ 1× Keras, ${name}: ${Number.isFinite(r) ? r.toFixed(2) + '× ' + (r >= 1 ? 'met' : 'not met') : '– (Keras skipped)'}`);
  }
  const mm = matmul['gradlab-wasm']?.[512] / matmul['tfjs-wasm']?.[512];
  console.log(`  gradlab wasm matmul ≥ 1× TensorFlow.js wasm at 512: ${Number.isFinite(mm) ? mm.toFixed(2) + '× ' + (mm >= 1 ? 'met' : 'not met') : '–'}`);
  const nat = matmul['gradlab-wasm']?.[512] / matmul['gradlab-native']?.[512];
  console.log(`  gradlab wasm matmul within 2× of native at 512: ${Number.isFinite(nat) ? (1 / nat).toFixed(2) + '× slower ' + (nat >= 0.5 ? 'met' : 'not met') : '–'}`);
  for (const name of ['lstm', 'cnn', 'bow']) {
    const a = summary.val_accuracy['gradlab-wasm']?.[name], k = summary.val_accuracy.keras?.[name];
    if (a !== undefined && k !== undefined && a !== null && k !== null) console.log(`  validation accuracy within 1 point of Keras, ${name}: ${(100 * (a - k)).toFixed(1)} points ${Math.abs(a - k) <= 0.01 ? 'met' : 'not met'}`);
  }
  console.log(`\n(${report.seconds.toFixed(0)} s)`);
}
