// The side-by-side benchmark: gradlab native, gradlab wasm (in Node, the
// page's code path), TensorFlow.js (wasm and cpu backends) and Keras on
// TensorFlow CPU train the same model on the same token ids (text) or the
// same scaled pixels (images), in one run on one machine. Systems alternate
// and repeat; the table shows medians and spreads of what was measured, and
// bench/report.mjs says how (the same timed epochs for all, the majority-class
// baseline beside each accuracy, targets judged only on comparable work).
//   node bench/run.mjs [--quick] [--json] [--workloads lstm,cnn,bow,transformer,image-cnn,lstm-nomask,bow-nomask,gpt,matmul]
//                      [--data FILE] [--rows N] [--epochs N] [--image-data FILE] [--image-rows N] [--image-epochs N]
//                      [--repeats N] [--budget S] [--gpt-steps N] [--no-keras]
// Run through `./lab bench`, which builds gradlab first.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { relaxedSimdAvailable } from '../www/engine.js';
import { timedEpochs, describeEpochs, majorityBaseline, stats, measureRun, summarizeSystem, speedTarget, accuracyTarget, spread, accuracyCell, targetLine, num } from './report.mjs';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const flag = (f) => args.includes(f);
const opt = (f, d) => (args.includes(f) ? args[args.indexOf(f) + 1] : d);
const quick = flag('--quick');
const asJson = flag('--json');
const data = path.resolve(opt('--data', path.join(root, '../shared/data/spamassassin.tsv')));
const imageData = path.resolve(opt('--image-data', path.join(root, 'samples/digits.csv')));
const repeats = Number(opt('--repeats', quick ? 1 : 3));
// --quick: 800 rows and 3 epochs, the least on which every text preset beats
// the majority-class baseline (on 320 rows and 2 epochs none did: accuracy
// comparisons meant nothing), with 2 timed epochs per run for a spread.
const rows = Number(opt('--rows', quick ? 800 : 1600));
const epochs = Number(opt('--epochs', quick ? 3 : 2));
// The digits are small (1,437 training images) and one epoch of them takes
// gradlab about 0.05 s: all of them, and more epochs, so the timing is steady.
const imageRows = Number(opt('--image-rows', 0));
const imageEpochs = Number(opt('--image-epochs', 10));
const sizes = quick ? [64, 128, 256, 512] : [64, 128, 256, 512, 1024];
// TensorFlow.js runs past this stop early, once they have timed 4 batches of
// the timed epochs (bench/tfjs_train.mjs), and say which batches they timed.
const budget = Number(opt('--budget', quick ? 20 : 60));
// Masked as gradlab's presets are; the unmasked classic variants in full runs.
const text = (name, mask, full = false) => ({ name, preset: name.replace('-nomask', ''), mask, full, kind: 'text', data, rows, epochs });
const allWorkloads = [
  text('lstm', true), text('cnn', false), text('bow', true), text('transformer', true),
  { name: 'image-cnn', preset: 'image-cnn', mask: false, full: false, kind: 'image', data: imageData, rows: imageRows, epochs: imageEpochs },
  text('lstm-nomask', false, true), text('bow-nomask', false, true),
];
// --workloads picks workloads (and `matmul`, the matrix-product table) by name.
const picked = opt('--workloads', null)?.split(',').map((w) => w.trim()).filter(Boolean);
for (const w of picked || []) if (w !== 'matmul' && w !== 'gpt' && !allWorkloads.some((x) => x.name === w)) throw new Error(`unknown workload ${w}: pick from ${allWorkloads.map((x) => x.name).join(', ')}, gpt, matmul`);
const workloads = allWorkloads.filter((w) => (picked ? picked.includes(w.name) : !quick || !w.full));
const runMatmul = picked ? picked.includes('matmul') : true;
// gpt: the language model beside Keras's same model, by bench/lm_compare.py
// (which `./lab lm-bench` runs alone): validation loss after the same steps,
// tokens/s for gradlab native, gradlab wasm and Keras, and GFLOP/s as a share
// of the matrix product measured in the same run. In the full run, or picked.
const runGpt = picked ? picked.includes('gpt') : !quick;
const gptSteps = Number(opt('--gpt-steps', quick ? 200 : 600));
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


const raw = {}; // raw[workload][system] = [each run's JSON line]
const failures = {}; // failures[workload][system] = why
const baselines = {}; // the majority-class baseline of each workload's validation rows
const started = Date.now();
for (const w of workloads) {
  const { name } = w;
  const dir = path.join(work, 'data', name);
  const systems = systemsFor(w);
  // The export run is also gradlab native's first measurement.
  const first = run(gradlab, [...benchArgs(w), '--export', dir]);
  raw[name] = { 'gradlab-native': [first] };
  // Every system is scored against the same validation rows: those exported.
  baselines[name] = majorityBaseline(JSON.parse(fs.readFileSync(path.join(dir, 'ids.json'), 'utf8')).val.classes);
  for (let r = 0; r < repeats; r++) {
    // Alternate the order so a machine that slows down does not favour one system.
    const order = systems.map((_, i) => systems[(i + r) % systems.length]);
    for (const system of order) {
      if (system === 'gradlab-native' && r === 0) continue;
      say(`  ${name} · ${system} · run ${r + 1}/${repeats}`);
      try {
        const result = trainOnce(system, w, dir);
        (raw[name][system] ||= []).push(result);
        if (result.stopped) say(`  ${system} stopped by its ${budget} s budget in epoch ${result.stopped.in_epoch}`);
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
let wasmBuild = null;
if (runMatmul) say('matrix products …');
// Each system's product table, at least 5 times (a round takes seconds) with
// the order of the systems rotating; per size the median and min–max over
// the rounds (each round's figure is the best of 3 timed batches, for every
// system). On a shared machine a single figure can drop by a third, for
// native and wasm alike, when a neighbour shares the core. Native training
// uses every core (as Keras does); the product table is single-threaded,
// like the wasm builds.
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
const matmul = {};
for (const [system, runs] of Object.entries(matmulRuns)) {
  matmul[system] = Object.fromEntries(sizes.map((n) => [n, stats(runs.map((r) => r[n]))]));
}

// Each workload's figures per system.
const workloadEpochs = Object.fromEntries(workloads.map((w) => [w.name, w.epochs]));
const perWorkload = {};
for (const [name, bySystem] of Object.entries(raw)) {
  perWorkload[name] = {};
  for (const [system, runs] of Object.entries(bySystem)) {
    perWorkload[name][system] = summarizeSystem(runs.map((r) => measureRun(r, workloadEpochs[name])), baselines[name]);
  }
}

// Targets: fixed, but judged only on what was measured on comparable work.
const targets = [];
const ran = (name) => name in perWorkload;
for (const [name, want] of [['lstm', 10], ['cnn', 3], ['bow', 3], ['image-cnn', 3]].filter(([n]) => ran(n))) {
  const s = perWorkload[name];
  const label = `gradlab wasm ≥ ${want}× TensorFlow.js wasm, ${name}`;
  if (s['tfjs-wasm'] || !failures[name]?.['tfjs-wasm']) {
    targets.push({ label, ...speedTarget(s['gradlab-wasm'], s['tfjs-wasm'], want, ['gradlab wasm', 'tfjs-wasm']) });
    continue;
  }
  // TF.js wasm cannot train it: against the fastest TF.js that can, among those that timed comparable batches.
  const peers = ['tfjs-cpu', 'tfjs-wasm-polyfill'].filter((p) => s[p]?.train_samples_per_s.n);
  const comparable = peers.filter((p) => s[p].comparable);
  const best = comparable.sort((a, b) => s[b].train_samples_per_s.median - s[a].train_samples_per_s.median)[0];
  const others = peers.map((p) => `${((s['gradlab-wasm']?.train_samples_per_s.median ?? NaN) / s[p].train_samples_per_s.median).toFixed(1)}× ${p}${s[p].comparable ? '' : ' (not comparable: stopped in epoch 1)'}`).join(', ');
  const t = best ? speedTarget(s['gradlab-wasm'], s[best], want, ['gradlab wasm', best]) : { verdict: 'not judged', why: 'no TF.js that trains it timed comparable batches' };
  targets.push({ label, ...t, why: [`TensorFlow.js wasm cannot train it${best ? `; against the fastest TF.js that can, ${best}` : ''}`, t.why, peers.length ? `all: ${others}` : null].filter(Boolean).join('; ') });
}
for (const name of ['lstm', 'cnn', 'bow', 'image-cnn'].filter(ran)) {
  const s = perWorkload[name];
  targets.push({ label: `gradlab native ≥ 1× Keras, ${name}`, ...(s.keras ? speedTarget(s['gradlab-native'], s.keras, 1, ['gradlab native', 'keras']) : { verdict: 'not judged', why: `Keras ${skipped.keras || failures[name]?.keras || 'has no figure'}` }) });
}
if (runMatmul) {
  const at = (sys) => matmul[sys]?.[512];
  const gf = (s) => s && s.n ? { train_samples_per_s: s, comparable: true, timed: [] } : undefined;
  targets.push({ label: 'gradlab wasm matmul ≥ 1× TensorFlow.js wasm at 512', ...speedTarget(gf(at('gradlab-wasm')), gf(at('tfjs-wasm')), 1, ['gradlab wasm', 'tfjs-wasm']) });
  const nat = speedTarget(gf(at('gradlab-wasm')), gf(at('gradlab-native')), 0.5, ['gradlab wasm', 'gradlab native']);
  targets.push({ label: 'gradlab wasm matmul within 2× of native at 512 (wasm ÷ native ≥ 0.5)', ...nat });
}
for (const name of ['lstm', 'cnn', 'bow', 'image-cnn'].filter(ran)) {
  const s = perWorkload[name];
  targets.push({ label: `validation accuracy within 1 point of Keras, ${name} (gradlab wasm − Keras)`, ...accuracyTarget(s['gradlab-wasm'], s.keras, baselines[name], 1, ['gradlab wasm', 'keras']) });
}
// Issue 16's bar for the BERT-style classifier: 2 points of Keras's same model.
if (ran('transformer')) {
  const s = perWorkload.transformer;
  targets.push({ label: 'validation accuracy within 2 points of Keras, transformer (gradlab wasm − Keras)', ...accuracyTarget(s['gradlab-wasm'], s.keras, baselines.transformer, 2, ['gradlab wasm', 'keras']) });
}

// gpt: its own process and JSON (bench/lm_compare.py), after the rest, so
// that it does not share the cores with them.
let gpt = null;
if (runGpt) {
  if (skipped.keras) gpt = { skipped: `Keras ${skipped.keras}` };
  else {
    say(`gpt: ${gptSteps} steps on each corpus, gradlab native, wasm and Keras (bench/lm_compare.py)`);
    try {
      gpt = run(venvPython, ['bench/lm_compare.py', '--steps', String(gptSteps), '--repeats', String(repeats), '--json'], 3600e3);
    } catch (e) { gpt = { failed: String(e.stderr || e.message).slice(-800) }; }
  }
  for (const [name, c] of Object.entries(gpt.corpora || {})) {
    const both = c.learned.gradlab && c.learned.keras;
    targets.push({ label: `gpt validation loss within 2 % of Keras, ${name} (gradlab ÷ Keras ≤ 1.02)`, ratio: c.val_loss.ratio, range: [c.val_loss.ratio, c.val_loss.ratio],
      verdict: !both ? 'not judged' : c.val_loss.ratio <= 1.02 ? 'met' : 'not met', why: both ? null : 'a run did not get 0.5 nats below the unigram entropy' });
    const [gmin, , gmax] = c.tokens_per_second.gradlab, [kmin, , kmax] = c.tokens_per_second.keras;
    targets.push({ label: `gpt gradlab native ≥ 1× Keras tokens/s, ${name}`, ratio: c.tokens_per_second.ratio, range: [gmin / kmax, gmax / kmin], verdict: c.tokens_per_second.ratio >= 1 ? 'met' : 'not met' });
    if (c.wasm) {
      const share = c.wasm.share_of_wasm_matmul;
      targets.push({ label: `gpt gradlab wasm ≥ 30 % of its matrix product's GFLOP/s, ${name}`, verdict: share >= 0.3 ? 'met' : 'not met', why: `${(100 * share).toFixed(1)} % (${c.wasm.gflops.toFixed(2)} GFLOP/s)` });
    }
  }
}

const cpu = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) || [, os.cpus()[0]?.model])[1];
const sample = (sys) => Object.values(raw).map((r) => r[sys]?.[0]).find(Boolean) || {};
const textSample = (sys) => Object.entries(raw).filter(([n]) => n !== 'image-cnn').map(([, r]) => r[sys]?.[0]).find(Boolean) || {};
// What each workload trained on (from gradlab native's export run).
const workloadInfo = Object.fromEntries(workloads.map((w) => {
  const g = raw[w.name]['gradlab-native'][0];
  return [w.name, {
    preset: w.preset, mask: w.mask && w.kind === 'text', data: path.relative(root, w.data), train_rows: g.rows, val_rows: g.val_rows, epochs: w.epochs,
    timed_epochs: describeEpochs(w.epochs), majority_baseline: baselines[w.name],
    ...(w.kind === 'image' ? { input: 'pixels / the training rows\' largest value', keras_steps_per_execution: kerasStepsPerExecution } : {}),
    systems: perWorkload[w.name],
  }];
}));
const flat = (f) => Object.fromEntries(allSystems.map((sys) => [sys, Object.fromEntries(Object.entries(perWorkload).filter(([, s]) => s[sys]).map(([n, s]) => [n, f(s[sys])]))]).filter(([, v]) => Object.keys(v).length));
const report = {
  date: new Date().toISOString(),
  machine: `${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}`,
  gradlab_wasm: { build: wasmBuild ?? (hasRelaxed ? 'relaxed-simd' : 'simd128'), node_flag: hasRelaxed ? nodeRelaxedFlag : null },
  versions: { node: process.version, 'tfjs': sample('tfjs-wasm').version || sample('tfjs-cpu').version || sample('tfjs-wasm-polyfill').version, keras: sample('keras').version, gradlab: fs.readFileSync(path.join(root, 'Cargo.toml'), 'utf8').match(/^version = "(.*)"/m)[1] },
  workload: { data: path.relative(root, data), train_rows: rows, epochs, batch_size: 32, optimizer: 'adam 0.001', repeats, split: 'Keras validation_split 0.2 (last rows)' },
  method: {
    train_samples_per_s: 'each timed epoch is one figure (rows ÷ its seconds): the epochs after the first, or the only one, for every system; median and min–max over all runs\' timed epochs',
    infer_samples_per_s: 'the validation rows in batches of 256: a warm pass, then 3 timed passes, each one figure (gradlab wasm: its validation passes in the timed epochs)',
    accuracy: 'validation accuracy beside the majority-class baseline of the validation rows; learned = above it',
    tfjs_budget: `a TensorFlow.js run past ${budget} s stops once it has timed 4 batches of the timed epochs (or at ${4 * budget} s regardless); its figure is then from the batches it timed, comparable only if those are of the timed epochs`,
    targets: 'judged on medians, only when both sides timed comparable work (accuracy: only when both learned)',
  },
  workloads: workloadInfo,
  tfjs: { simd: sample('tfjs-wasm').simd ?? sample('tfjs-wasm-polyfill').simd, threads: sample('tfjs-wasm').threads ?? sample('tfjs-wasm-polyfill').threads, note: textSample('tfjs-wasm').note || textSample('tfjs-cpu').note, polyfill: sample('tfjs-wasm-polyfill').polyfill },
  skipped: Object.fromEntries(Object.entries(skipped).filter(([, v]) => v)),
  failed: failures,
  tfjs_budget_seconds: budget,
  // Medians per system and workload, as before; the spreads are under workloads.
  train_samples_per_s: flat((s) => s.train_samples_per_s.median),
  infer_samples_per_s: flat((s) => s.infer_samples_per_s.median),
  peak_mb: flat((s) => s.peak_mb),
  val_accuracy: flat((s) => s.val_accuracy),
  learned: flat((s) => s.learned),
  majority_baseline: baselines,
  matmul_gflops: Object.fromEntries(Object.entries(matmul).map(([sys, g]) => [sys, Object.fromEntries(Object.entries(g).map(([n, s]) => [n, s.median]))])),
  matmul_gflops_spread: matmul,
  matmul_repeats: runMatmul ? matmulRepeats : 0,
  // bench/lm_compare.py's report (null when not run).
  gpt,
  targets,
  raw,
  seconds: (Date.now() - started) / 1000,
};

if (asJson) {
  console.log(JSON.stringify(report));
} else {
  const pad = (s, n) => String(s).padEnd(n);
  const ratio = (v, base) => (v && base ? `${(v / base).toFixed(2)}×` : '–');
  console.log(`\ngradlab benchmark · ${report.date}\n${report.machine}\nnode ${report.versions.node} · TensorFlow.js ${report.versions.tfjs ?? '–'} (wasm SIMD ${report.tfjs.simd ?? '–'}, threads ${report.tfjs.threads ?? '–'}) · ${report.versions.keras ?? 'Keras skipped'}`);
  console.log(`gradlab wasm: the ${report.gradlab_wasm.build} build${report.gradlab_wasm.node_flag ? ` (node ${report.gradlab_wasm.node_flag}; on by default in Chromium ≥ 114)` : ''}${matmul['gradlab-wasm-simd128'] ? '; gradlab-wasm-simd128 is the plain-SIMD build for browsers without relaxed SIMD' : ''}`);
  console.log(`batch 32, Adam 0.001, Keras's validation_split 0.2 (the last rows); ${repeats} run${repeats > 1 ? 's' : ''} per system, systems alternating`);
  console.log('How it measures:');
  console.log(`  train/s: each timed epoch is one figure, for every system the same epochs (after the first, which compiles and warms up; or the only one)`);
  console.log(`  infer/s: the validation rows, batches of 256: a warm pass, then 3 timed passes (gradlab wasm: its validation passes in the timed epochs)`);
  console.log(`  each figure: median (min–max, n = number of figures) over all runs`);
  console.log(`  val acc: beside the majority-class baseline (the share of the most common class in the validation rows); a model not above it "did not learn"`);
  console.log(`  A TensorFlow.js run past ${budget} s stops once it has timed 4 batches of the timed epochs (at ${4 * budget} s regardless); it is reported as stopped, with the batches it timed, and without accuracy`);
  if (report.tfjs.note) console.log(`TensorFlow.js: ${report.tfjs.note}`);
  if (report.tfjs.polyfill) console.log(`tfjs-wasm-polyfill: the wasm backend with ${report.tfjs.polyfill} (the wasm backend has none; bench/test/conv_filter_grad.test.mjs checks it against the cpu backend's)`);
  const notes = [];
  for (const name of Object.keys(perWorkload)) {
    const info = workloadInfo[name], s = perWorkload[name];
    console.log(`\n${name}: ${info.train_rows} training rows of ${info.data}, ${info.epochs} epochs, timed: ${info.timed_epochs}${info.keras_steps_per_execution ? `; Keras steps_per_execution ${info.keras_steps_per_execution}` : ''}`);
    console.log(`  ${info.val_rows} validation rows; majority-class baseline ${info.majority_baseline.toFixed(4)}`);
    console.log(`  ${pad('system', 20)}${pad('train/s (min–max, n)', 30)}${pad('× wasm', 9)}${pad('infer/s (min–max, n)', 34)}${pad('× wasm', 9)}${pad('peak MB', 9)}val acc`);
    const base = s['gradlab-wasm']?.train_samples_per_s.median, ibase = s['gradlab-wasm']?.infer_samples_per_s.median;
    for (const [system, why] of Object.entries(failures[name] || {})) console.log(`  ${pad(system, 20)}cannot train this model: ${why}`);
    for (const [system, x] of Object.entries(s)) {
      const mark = x.stopped_runs ? (x.comparable ? ' stopped' : ' stopped*') : '';
      console.log(`  ${pad(system, 20)}${pad(spread(x.train_samples_per_s) + mark, 30)}${pad(ratio(x.train_samples_per_s.median, base), 9)}${pad(spread(x.infer_samples_per_s) + (x.infer_note ? '†' : ''), 34)}${pad(ratio(x.infer_samples_per_s.median, ibase), 9)}${pad(num(x.peak_mb), 9)}${accuracyCell(x, info.majority_baseline)}`);
      if (x.stopped_runs) for (const t of x.timed) notes.push(`${name} · ${system}: ${t}${x.comparable ? '' : ' (* not comparable: no ratio of it is judged)'}`);
      if (x.infer_note) notes.push(`${name} · ${system} inference (†): ${x.infer_note}`);
    }
  }
  if (notes.length) console.log(`\n${notes.join('\n')}`);
  if (runMatmul) {
    console.log(`\nmatrix product, GFLOP/s (n×n×n), single-threaded; each round the best of 3 timed batches; median (min–max) over ${matmulRepeats} rounds`);
    console.log(`  ${pad('system', 22)}${sizes.map((n) => pad(n, 20)).join('')}`);
    for (const [system, g] of Object.entries(matmul)) console.log(`  ${pad(system, 22)}${sizes.map((n) => pad(g[n].n ? `${g[n].median.toFixed(1)} (${g[n].min.toFixed(1)}–${g[n].max.toFixed(1)})` : '–', 20)).join('')}`);
  }
  if (gpt) {
    console.log(`\ngpt: ${gpt.steps ?? gptSteps} steps of 32 windows × 64 tokens (bench/lm_compare.py), ${gpt.repeats ?? repeats} run(s); validation loss in nats/token beside the text's unigram entropy (a model that ignores context)`);
    if (gpt.skipped || gpt.failed) console.log(`  ${gpt.skipped ? `skipped: ${gpt.skipped}` : `failed: ${gpt.failed}`}`);
    const k = (v) => Math.round(v).toLocaleString('en-US');
    for (const [name, c] of Object.entries(gpt.corpora || {})) {
      console.log(`  ${name}: vocabulary ${c.vocab_size}, unigram entropy ${c.unigram_entropy.toFixed(3)}`);
      console.log(`    ${pad('system', 18)}${pad('val loss', 12)}${pad('tokens/s (min–max)', 26)}GFLOP/s`);
      const [gmin, gmed, gmax] = c.tokens_per_second.gradlab, [kmin, kmed, kmax] = c.tokens_per_second.keras;
      console.log(`    ${pad('gradlab-native', 18)}${pad(c.val_loss.gradlab.toFixed(4), 12)}${pad(`${k(gmed)} (${k(gmin)}–${k(gmax)})`, 26)}${c.gflops.gradlab.toFixed(2)} = ${(100 * c.gflops.share_of_matmul).toFixed(1)} % of its matrix product`);
      if (c.wasm) {
        const [wmin, wmed, wmax] = c.wasm.tokens_per_second;
        console.log(`    ${pad('gradlab-wasm', 18)}${pad(c.wasm.val_loss.toFixed(4), 12)}${pad(`${k(wmed)} (${k(wmin)}–${k(wmax)})`, 26)}${c.wasm.gflops.toFixed(2)} = ${(100 * c.wasm.share_of_wasm_matmul).toFixed(1)} % of its matrix product`);
      }
      console.log(`    ${pad('keras', 18)}${pad(c.val_loss.keras.toFixed(4), 12)}${pad(`${k(kmed)} (${k(kmin)}–${k(kmax)})`, 26)}${c.gflops.keras.toFixed(2)}`);
    }
    console.log('  TensorFlow.js 4.22 has no attention layer: not in this table');
  }
  console.log('\ntargets (judged on medians, only on comparable work; accuracy only when both models learned)');
  for (const t of targets) console.log(targetLine(t.label, t));
  console.log(`\n(${report.seconds.toFixed(0)} s)`);
}
