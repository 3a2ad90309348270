// The side-by-side benchmark: gradlab native, gradlab wasm (in Node, the
// page's code path), TensorFlow.js (wasm and cpu backends) and Keras on
// TensorFlow CPU train the same model on the same token ids (text) or the
// same scaled pixels (images), in one run on one machine. Systems alternate
// and repeat; the table shows medians.
//   node bench/run.mjs [--quick] [--json] [--workloads lstm,cnn,bow,image-cnn,lstm-nomask,bow-nomask,matmul]
//                      [--data FILE] [--rows N] [--epochs N] [--image-data FILE] [--image-rows N] [--image-epochs N]
//                      [--repeats N] [--budget S] [--no-keras]
// Run through `./lab bench`, which builds gradlab first.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { relaxedSimdAvailable } from '../www/engine.js';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const flag = (f) => args.includes(f);
const opt = (f, d) => (args.includes(f) ? args[args.indexOf(f) + 1] : d);
const quick = flag('--quick');
const asJson = flag('--json');
const data = path.resolve(opt('--data', path.join(root, '../shared/data/spamassassin.tsv')));
const imageData = path.resolve(opt('--image-data', path.join(root, 'samples/digits.csv')));
const repeats = Number(opt('--repeats', quick ? 1 : 3));
const rows = Number(opt('--rows', quick ? 320 : 1600));
const epochs = Number(opt('--epochs', 2));
// The digits are small (1,437 training images) and one epoch of them takes
// gradlab about 0.05 s: all of them, and more epochs, so the timing is steady.
const imageRows = Number(opt('--image-rows', 0));
const imageEpochs = Number(opt('--image-epochs', 10));
const sizes = quick ? [64, 128, 256, 512] : [64, 128, 256, 512, 1024];
// TensorFlow.js runs past this stop early and report their speed so far.
const budget = Number(opt('--budget', quick ? 20 : 60));
// Masked as gradlab's presets are; the unmasked classic variants in full runs.
const text = (name, mask, full = false) => ({ name, preset: name.replace('-nomask', ''), mask, full, kind: 'text', data, rows, epochs });
const allWorkloads = [
  text('lstm', true), text('cnn', false), text('bow', true),
  { name: 'image-cnn', preset: 'image-cnn', mask: false, full: false, kind: 'image', data: imageData, rows: imageRows, epochs: imageEpochs },
  text('lstm-nomask', false, true), text('bow-nomask', false, true),
];
// --workloads picks workloads (and `matmul`, the matrix-product table) by name.
const picked = opt('--workloads', null)?.split(',').map((w) => w.trim()).filter(Boolean);
for (const w of picked || []) if (w !== 'matmul' && !allWorkloads.some((x) => x.name === w)) throw new Error(`unknown workload ${w}: pick from ${allWorkloads.map((x) => x.name).join(', ')}, matmul`);
const workloads = allWorkloads.filter((w) => (picked ? picked.includes(w.name) : !quick || !w.full));
const runMatmul = picked ? picked.includes('matmul') : true;
// Keras runs this many batches per compiled call on the image workload: its
// documented setting for small models, whose steps are mostly Python overhead.
const kerasStepsPerExecution = 32;
const work = path.join(root, 'target/bench');
const gradlab = path.join(root, 'target/release/gradlab');
// gradlab wasm is the relaxed-SIMD build, the one Chromium's worker loads
// (./lab bench builds it; Node 20 needs a flag for it, Node 22 does not), and
// its matrix product is also timed in the plain-SIMD build other browsers get.
const plainPkg = path.join(root, 'target/wasm-node');
const relaxedPkg = path.join(root, 'target/wasm-node-relaxed');
const hasRelaxed = fs.existsSync(path.join(relaxedPkg, 'gradlab.js'));
const wasmPkg = hasRelaxed ? relaxedPkg : plainPkg;
// The page's own check (www/engine.js), asked of this Node.
const nodeRelaxedFlag = relaxedSimdAvailable ? null : '--experimental-wasm-relaxed-simd';
const wasmNode = (argv) => [...(hasRelaxed && nodeRelaxedFlag ? [nodeRelaxedFlag] : []), ...argv];
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

const skipped = { keras: kerasAvailable(), 'tfjs-wasm': tfjsAvailable(), 'tfjs-wasm-polyfill': tfjsAvailable(), 'tfjs-cpu': tfjsAvailable() };
const allSystems = ['gradlab-native', 'gradlab-wasm', 'tfjs-wasm', 'tfjs-wasm-polyfill', 'tfjs-cpu', 'keras'].filter((s) => !skipped[s]);
for (const [s, why] of Object.entries(skipped)) if (why) say(`${s}: ${why}`);
// Convolutions: TF.js 4.22's wasm backend has no Conv2DBackpropFilter, so
// beside it runs `tfjs-wasm-polyfill`, the wasm backend with that kernel in
// JavaScript. The cpu backend trains the text CNN at about 1 sample/s, so
// --quick runs it only where stock TF.js has nothing else that trains.
const conv = (w) => w.preset === 'cnn' || w.preset === 'image-cnn';
const systemsFor = (w) => allSystems.filter((s) => (s !== 'tfjs-wasm-polyfill' || conv(w)) && (s !== 'tfjs-cpu' || !quick || w.kind === 'image'));
if (quick && allSystems.includes('tfjs-cpu')) say('tfjs-cpu: in --quick only on image-cnn (its text CNN trains at about 1 sample/s)');

// gradlab bench's arguments for a workload.
const benchArgs = (w) => ['bench', '--data', w.data, '--model', w.preset, '--limit', String(w.rows), '--epochs', String(w.epochs), '--json', ...(w.mask || w.kind === 'image' ? [] : ['--no-mask'])];

// One training run of `system` on the exported rows of a workload.
function trainOnce(system, w, dir) {
  const m = String(w.mask), e = String(w.epochs);
  switch (system) {
    case 'gradlab-native':
      return run(gradlab, benchArgs(w));
    case 'gradlab-wasm':
      return run('node', wasmNode(['bench/wasm_train.mjs', wasmPkg, dir, w.preset, e, m]));
    case 'tfjs-wasm':
    case 'tfjs-wasm-polyfill':
    case 'tfjs-cpu':
      return run('node', ['bench/tfjs_train.mjs', system.slice(5), path.join(dir, 'ids.json'), w.preset, e, m, String(budget)]);
    case 'keras':
      return run(venvPython, ['bench/keras_train.py', path.join(dir, 'ids.json'), w.preset, e, m, '42', String(w.kind === 'image' ? kerasStepsPerExecution : 1)]);
  }
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null; };
const results = {}; // results[workload][system] = [runs]
const failures = {}; // failures[workload][system] = why
const started = Date.now();
for (const w of workloads) {
  const { name } = w;
  const dir = path.join(work, 'data', name);
  const systems = systemsFor(w);
  // The export run is also gradlab native's first measurement.
  const first = run(gradlab, [...benchArgs(w), '--export', dir]);
  results[name] = { 'gradlab-native': [first] };
  for (let r = 0; r < repeats; r++) {
    // Alternate the order so a machine that slows down does not favour one system.
    const order = systems.map((_, i) => systems[(i + r) % systems.length]);
    for (const system of order) {
      if (system === 'gradlab-native' && r === 0) continue;
      say(`  ${name} · ${system} · run ${r + 1}/${repeats}`);
      try {
        const result = trainOnce(system, w, dir);
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
let wasmBuild = null;
if (runMatmul) say('matrix products …');
// Each system's product table, at least 5 times (a round takes seconds) with
// the order of the systems rotating, and the median per size: on this shared
// machine a single figure can drop by a third, for native and wasm alike,
// when a neighbour shares the core. Native training uses every core (as
// Keras does); the product table is single-threaded, like the wasm builds.
const matmulRepeats = Math.max(repeats, 5);
const matmulSystems = {
  'gradlab-native': () => run(gradlab, ['bench', '--data', data, '--matmul', sizes.join(','), '--json'], 600e3, { ...process.env, MATMUL_NUM_THREADS: '1' }),
  'gradlab-wasm': () => run('node', wasmNode(['bench/wasm_train.mjs', wasmPkg, '--matmul', sizes.join(',')])),
  ...(hasRelaxed ? { 'gradlab-wasm-simd128': () => run('node', ['bench/wasm_train.mjs', plainPkg, '--matmul', sizes.join(',')]) } : {}),
  ...(!skipped['tfjs-wasm'] ? { 'tfjs-wasm': () => run('node', ['bench/tfjs_train.mjs', 'wasm', '--matmul', sizes.join(',')]) } : {}),
};
const matmulRuns = {};
for (let rep = 0; runMatmul && rep < matmulRepeats; rep++) {
  const names = Object.keys(matmulSystems);
  for (let i = 0; i < names.length; i++) {
    const system = names[(i + rep) % names.length];
    try {
      const r = matmulSystems[system]();
      (matmulRuns[system] ||= []).push(r.matmul_gflops);
      if (system === 'gradlab-wasm') wasmBuild = r.build;
    } catch (e) { say(`${system} matmul failed: ${e.message}`); }
  }
}
for (const [system, runs] of Object.entries(matmulRuns)) {
  matmul[system] = Object.fromEntries(sizes.map((n) => [n, median(runs.map((r) => r[n]).filter((v) => typeof v === 'number'))]));
}

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
const textSample = (sys) => Object.entries(results).filter(([n]) => n !== 'image-cnn').map(([, r]) => r[sys]?.[0]).find(Boolean) || {};
// What each workload trained on (from gradlab native's export run).
const workloadInfo = Object.fromEntries(workloads.map((w) => {
  const g = results[w.name]['gradlab-native'][0];
  return [w.name, { preset: w.preset, mask: w.mask && w.kind === 'text', data: path.relative(root, w.data), train_rows: g.rows, val_rows: g.val_rows, epochs: w.epochs, ...(w.kind === 'image' ? { input: 'pixels / the training rows\' largest value', keras_steps_per_execution: kerasStepsPerExecution } : {}) }];
}));
const report = {
  date: new Date().toISOString(),
  machine: `${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}`,
  gradlab_wasm: { build: wasmBuild ?? (hasRelaxed ? 'relaxed-simd' : 'simd128'), node_flag: hasRelaxed ? nodeRelaxedFlag : null },
  versions: { node: process.version, 'tfjs': sample('tfjs-wasm').version || sample('tfjs-cpu').version, keras: sample('keras').version, gradlab: fs.readFileSync(path.join(root, 'Cargo.toml'), 'utf8').match(/^version = "(.*)"/m)[1] },
  workload: { data: path.relative(root, data), train_rows: rows, epochs, batch_size: 32, optimizer: 'adam 0.001', repeats, split: 'Keras validation_split 0.2 (last rows)' },
  workloads: workloadInfo,
  tfjs: { simd: sample('tfjs-wasm').simd ?? sample('tfjs-wasm-polyfill').simd, threads: sample('tfjs-wasm').threads ?? sample('tfjs-wasm-polyfill').threads, note: textSample('tfjs-wasm').note || textSample('tfjs-cpu').note, polyfill: sample('tfjs-wasm-polyfill').polyfill },
  skipped: Object.fromEntries(Object.entries(skipped).filter(([, v]) => v)),
  failed: failures,
  tfjs_budget_seconds: budget,
  ...summary,
  matmul_gflops: matmul,
  matmul_repeats: runMatmul ? matmulRepeats : 0,
  seconds: (Date.now() - started) / 1000,
};

if (asJson) {
  console.log(JSON.stringify(report));
} else {
  const pad = (s, n) => String(s).padEnd(n);
  const num = (v, d = 0) => (v === null || v === undefined ? '–' : v.toFixed(d));
  const ratio = (v, base) => (v && base ? `${(v / base).toFixed(2)}×` : '–');
  console.log(`\ngradlab benchmark · ${report.date}\n${report.machine}\nnode ${report.versions.node} · TensorFlow.js ${report.versions.tfjs ?? '–'} (wasm SIMD ${report.tfjs.simd ?? '–'}, threads ${report.tfjs.threads ?? '–'}) · ${report.versions.keras ?? 'Keras skipped'}`);
  console.log(`gradlab wasm: the ${report.gradlab_wasm.build} build${report.gradlab_wasm.node_flag ? ` (node ${report.gradlab_wasm.node_flag}; on by default in Chromium ≥ 114)` : ''}${matmul['gradlab-wasm-simd128'] ? '; gradlab-wasm-simd128 is the plain-SIMD build for browsers without relaxed SIMD' : ''}`);
  console.log(`batch 32, Adam 0.001, Keras's validation_split 0.2 (the last rows); samples/s from the epochs after the first; medians of ${repeats} runs`);
  if (report.tfjs.note) console.log(`TensorFlow.js: ${report.tfjs.note}`);
  if (report.tfjs.polyfill) console.log(`tfjs-wasm-polyfill: the wasm backend with ${report.tfjs.polyfill} (the wasm backend has none)`);
  console.log(`A TensorFlow.js run past ${budget} s stops and reports the speed of its batches so far (accuracy then –)`);
  for (const name of Object.keys(results)) {
    const info = workloadInfo[name];
    console.log(`\n${name}: ${info.train_rows} training rows of ${info.data} (${info.val_rows} validate), ${info.epochs} epochs${info.keras_steps_per_execution ? `; Keras steps_per_execution ${info.keras_steps_per_execution}` : ''}`);
    console.log(`  ${pad('system', 20)}${pad('train/s', 10)}${pad('× wasm', 9)}${pad('infer/s', 10)}${pad('× wasm', 9)}${pad('peak MB', 9)}val acc`);
    const base = summary.train_samples_per_s['gradlab-wasm']?.[name];
    const ibase = summary.infer_samples_per_s['gradlab-wasm']?.[name];
    for (const [system, why] of Object.entries(failures[name] || {})) console.log(`  ${pad(system, 20)}cannot train this model: ${why}`);
    for (const system of Object.keys(results[name])) {
      const tr = summary.train_samples_per_s[system][name], inf = summary.infer_samples_per_s[system][name];
      console.log(`  ${pad(system, 20)}${pad(num(tr), 10)}${pad(ratio(tr, base), 9)}${pad(num(inf), 10)}${pad(ratio(inf, ibase), 9)}${pad(num(summary.peak_mb[system][name]), 9)}${num(summary.val_accuracy[system][name], 4)}`);
    }
  }
  if (runMatmul) {
    console.log(`\nmatrix product, GFLOP/s (n×n×n), single-threaded; medians of ${matmulRepeats} runs`);
    console.log(`  ${pad('system', 22)}${sizes.map((n) => pad(n, 8)).join('')}`);
    for (const [system, g] of Object.entries(matmul)) console.log(`  ${pad(system, 22)}${sizes.map((n) => pad(num(g[n], 1), 8)).join('')}`);
  }
  const w = summary.train_samples_per_s;
  const ran = (name) => name in results;
  console.log('\ntargets');
  for (const [name, want] of [['lstm', 10], ['cnn', 3], ['bow', 3], ['image-cnn', 3]].filter(([n]) => ran(n))) {
    const r = w['gradlab-wasm']?.[name] / w['tfjs-wasm']?.[name];
    if (Number.isFinite(r)) {
      console.log(`  gradlab wasm ≥ ${want}× TensorFlow.js wasm, ${name}: ${r.toFixed(1)}× ${r >= want ? 'met' : 'not met'}`);
      continue;
    }
    // TF.js wasm cannot train it: against the fastest TF.js that can.
    const peers = ['tfjs-cpu', 'tfjs-wasm-polyfill'].filter((s) => Number.isFinite(w[s]?.[name]));
    const ratios = peers.map((s) => `${(w['gradlab-wasm']?.[name] / w[s][name]).toFixed(1)}× ${s}`).join(', ');
    const best = Math.max(...peers.map((s) => w[s][name]));
    const rb = w['gradlab-wasm']?.[name] / best;
    console.log(`  gradlab wasm ≥ ${want}× TensorFlow.js wasm, ${name}: TensorFlow.js wasm cannot train it${peers.length ? `; against the fastest TF.js that can: ${rb.toFixed(1)}× ${rb >= want ? 'met' : 'not met'} (${ratios})` : ''}`);
  }
  for (const name of ['lstm', 'cnn', 'bow', 'image-cnn'].filter(ran)) {
    const r = w['gradlab-native']?.[name] / w.keras?.[name];
    console.log(`  gradlab native ≥ 1× Keras, ${name}: ${Number.isFinite(r) ? r.toFixed(2) + '× ' + (r >= 1 ? 'met' : 'not met') : '– (Keras skipped)'}`);
  }
  if (runMatmul) {
    const mm = matmul['gradlab-wasm']?.[512] / matmul['tfjs-wasm']?.[512];
    console.log(`  gradlab wasm matmul ≥ 1× TensorFlow.js wasm at 512: ${Number.isFinite(mm) ? mm.toFixed(2) + '× ' + (mm >= 1 ? 'met' : 'not met') : '–'}`);
    const nat = matmul['gradlab-wasm']?.[512] / matmul['gradlab-native']?.[512];
    console.log(`  gradlab wasm matmul within 2× of native at 512: ${Number.isFinite(nat) ? (1 / nat).toFixed(2) + '× slower ' + (nat >= 0.5 ? 'met' : 'not met') : '–'}`);
  }
  for (const name of ['lstm', 'cnn', 'bow', 'image-cnn'].filter(ran)) {
    const a = summary.val_accuracy['gradlab-wasm']?.[name], k = summary.val_accuracy.keras?.[name];
    if (a !== undefined && k !== undefined && a !== null && k !== null) console.log(`  validation accuracy within 1 point of Keras, ${name}: ${(100 * (a - k)).toFixed(1)} points ${Math.abs(a - k) <= 0.01 ? 'met' : 'not met'}`);
  }
  console.log(`\n(${report.seconds.toFixed(0)} s)`);
}
