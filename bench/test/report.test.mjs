// The benchmark reports only what it measured (bench/report.mjs, and the
// stop of a TensorFlow.js run in bench/tfjs_train.mjs):
// - every system's samples/s come from the same epochs;
// - a run stopped by its budget says so and which batches it timed, and a
//   ratio with it is judged only when those batches are comparable;
// - accuracy stands beside the majority-class baseline, and a model not
//   above it "did not learn" and meets no accuracy target.
//   node --test bench/test/   (run by ./lab test)
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { timedEpochs, majorityBaseline, stats, measureRun, summarizeSystem, speedTarget, accuracyTarget, accuracyCell, spread } from '../report.mjs';

const bench = path.resolve(import.meta.dirname, '..');

test('the timed epochs are the same rule for all: after the first, or the only one', () => {
  assert.deepEqual(timedEpochs(1), { first: 1, last: 1 });
  assert.deepEqual(timedEpochs(2), { first: 2, last: 2 });
  assert.deepEqual(timedEpochs(5), { first: 2, last: 5 });
  // 100 rows; a slow first epoch (compiling) is not a figure.
  const r = measureRun({ system: 'x', rows: 100, epoch_seconds: [10, 1, 2, 4], infer_rows: 50, infer_seconds: [0.5, 0.25] }, 4);
  assert.deepEqual(r.train, [100, 50, 25]);
  assert.deepEqual(r.infer, [100, 200]);
  assert.deepEqual(measureRun({ system: 'x', rows: 100, epoch_seconds: [10] }, 1).train, [10]);
  // A run that did not time the epochs asked for is an error, not a figure.
  assert.throws(() => measureRun({ system: 'x', rows: 100, epoch_seconds: [1, 1] }, 3), /2 epochs timed, 3 asked/);
});

test('medians and spreads', () => {
  assert.deepEqual(stats([3, 1, 2]), { median: 2, min: 1, max: 3, n: 3 });
  assert.deepEqual(stats([4, 1, 2, 3]), { median: 2.5, min: 1, max: 4, n: 4 });
  assert.deepEqual(stats([null, NaN, Infinity]), { median: null, min: null, max: null, n: 0 });
  assert.equal(spread(stats([1000, 1200, 1100])), '1100 (1000–1200, n=3)');
  assert.equal(spread(stats([54])), '54.0 (n=1)');
});

test('a model at the majority-class baseline did not learn and meets no accuracy target', () => {
  // The quick run of 2026-11-29: 1210 validation rows, 836 of them ham.
  const classes = [...Array(836).fill(0), ...Array(374).fill(1)];
  const baseline = majorityBaseline(classes);
  assert.equal(baseline, 836 / 1210);
  const at = (acc) => summarizeSystem([measureRun({ system: 's', rows: 320, epoch_seconds: [1, 1], infer_seconds: [1], val_rows: 1210, val_accuracy: acc }, 2)], baseline);
  const wasm = at(836 / 1210), keras = at(836 / 1210);
  assert.equal(wasm.learned, false);
  assert.match(accuracyCell(wasm, baseline), /did not learn/);
  // Equal accuracies, 0 points apart: still not "met".
  const t = accuracyTarget(wasm, keras, baseline, 1, ['gradlab wasm', 'keras']);
  assert.equal(t.verdict, 'not judged');
  assert.match(t.why, /gradlab wasm did not learn \(0\.6909, baseline 0\.6909\)/);
  // Below the baseline: did not learn either.
  assert.equal(at(0.5).learned, false);
  // Above it, both: judged.
  const a = at(0.93), b = at(0.935);
  assert.equal(a.learned, true);
  assert.match(accuracyCell(a, baseline), /0\.9300 \(\+23\.9 pts\)/);
  assert.equal(accuracyTarget(a, b, baseline, 1, ['a', 'b']).verdict, 'met');
  assert.equal(accuracyTarget(a, at(0.95), baseline, 1, ['a', 'b']).verdict, 'not met');
  assert.equal(accuracyTarget(a, at(0.6), baseline, 1, ['a', 'b']).verdict, 'not judged');
});

// A stopped TF.js run as tfjs_train.mjs reports it.
const stoppedRun = (comparable) => ({
  system: 'tfjs-wasm', rows: 320, val_rows: 100, epoch_seconds: comparable ? [5] : [], budget_seconds: 20,
  stopped: { after_seconds: 21, in_epoch: comparable ? 2 : 1, batches_done_in_epoch: 6, batches_per_epoch: 10 },
  timed_batches: comparable ? { from_epoch: 2, to_epoch: 2, batches: 6, samples: 192, seconds: 3.2, comparable: true } : { from_epoch: 1, to_epoch: 1, from_batch: 2, batches: 5, samples: 160, seconds: 2, comparable: false },
  infer_rows: 100, infer_seconds: [1], val_accuracy: null,
});

test('a ratio with a run stopped in the first epoch is not judged, however large', () => {
  const wasm = summarizeSystem([measureRun({ system: 'gradlab-wasm', rows: 320, epoch_seconds: [1, 0.2], infer_seconds: [0.1], val_rows: 100, val_accuracy: 0.9 }, 2)], 0.7);
  const early = summarizeSystem([measureRun(stoppedRun(false), 2)], 0.7);
  assert.equal(early.comparable, false);
  assert.equal(early.stopped_runs, 1);
  assert.equal(early.val_accuracy, null);
  assert.equal(early.train_samples_per_s.median, 80);
  assert.match(early.timed[0], /stopped at 21 s \(budget 20 s\) in epoch 1, batch 6 of 10; timed 5 batches of epoch 1 after its first \(160 samples\), which the other systems do not time/);
  const t = speedTarget(wasm, early, 10, ['gradlab wasm', 'tfjs-wasm']);
  assert.ok(t.ratio >= 10, 'the ratio itself would pass');
  assert.equal(t.verdict, 'not judged');
  assert.match(t.why, /tfjs-wasm stopped/);
  // Stopped in a timed epoch: the batches are comparable and the ratio is judged.
  const late = summarizeSystem([measureRun(stoppedRun(true), 2)], 0.7);
  assert.equal(late.comparable, true);
  assert.match(late.timed[0], /timed 6 batches \(192 samples\) from the start of epoch 2 to batch 6 of epoch 2/);
  assert.equal(late.train_samples_per_s.median, 60);
  const t2 = speedTarget(wasm, late, 10, ['gradlab wasm', 'tfjs-wasm']);
  assert.equal(t2.verdict, 'met');
  assert.equal(t2.ratio, 1600 / 60);
  assert.equal(speedTarget(wasm, late, 30, ['gradlab wasm', 'tfjs-wasm']).verdict, 'not met');
  assert.equal(accuracyCell(late, 0.7), '– (stopped)');
  // A side with no figure is not judged either.
  assert.equal(speedTarget(wasm, undefined, 10, ['gradlab wasm', 'keras']).verdict, 'not judged');
});

// tfjs_train.mjs itself, on a small synthetic workload (cpu backend: the
// stop rule does not depend on the backend): a budget of 0 s stops it once it
// has timed 4 batches of epoch 2; a hard limit of 0 s stops it in epoch 1.
test('a TensorFlow.js run stopped by its budget says where, and which batches it timed', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-stop-'));
  const rows = 200, len = 20;
  const ids = (n, seed) => Array.from({ length: n }, (_, i) => Array.from({ length: len }, (_, j) => 1 + ((i * 7 + j * 13 + seed) % 50)));
  fs.writeFileSync(path.join(dir, 'ids.json'), JSON.stringify({
    num_words: 60, max_len: len, labels: ['a', 'b'], val_split: 0.2,
    train: { ids: ids(rows, 0), classes: Array.from({ length: rows }, (_, i) => i % 2) },
    val: { ids: ids(50, 1), classes: Array.from({ length: 50 }, (_, i) => i % 2) },
  }));
  const runTfjs = (epochs, budget, hard) => JSON.parse(execFileSync('node', [path.join(bench, 'tfjs_train.mjs'), 'cpu', path.join(dir, 'ids.json'), 'bow', String(epochs), 'true', String(budget), String(hard)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').pop());

  const late = runTfjs(3, 0, 1e9);
  assert.deepEqual(late.stopped && { in_epoch: late.stopped.in_epoch, batch: late.stopped.batches_done_in_epoch, of: late.stopped.batches_per_epoch }, { in_epoch: 2, batch: 4, of: 7 });
  assert.deepEqual({ ...late.timed_batches, seconds: undefined }, { from_epoch: 2, to_epoch: 2, batches: 4, samples: 128, seconds: undefined, comparable: true });
  assert.equal(late.val_accuracy, null);
  assert.equal(late.epoch_seconds.length, 1, 'only epoch 1 finished');
  const m = measureRun(late, 3);
  assert.equal(m.comparable, true);
  assert.equal(m.train.length, 1);

  const early = runTfjs(3, 0, 0);
  assert.deepEqual({ in_epoch: early.stopped.in_epoch, batch: early.stopped.batches_done_in_epoch }, { in_epoch: 1, batch: 5 });
  assert.deepEqual({ ...early.timed_batches, seconds: undefined }, { from_epoch: 1, to_epoch: 1, from_batch: 2, batches: 4, samples: 128, seconds: undefined, comparable: false });
  assert.equal(measureRun(early, 3).comparable, false);

  // Within its budget: every epoch, an accuracy, not stopped.
  const full = runTfjs(2, 1e9, 1e9);
  assert.equal(full.stopped, null);
  assert.equal(full.epoch_seconds.length, 2);
  assert.equal(typeof full.val_accuracy, 'number');
  assert.equal(full.infer_seconds.length, 3);
  fs.rmSync(dir, { recursive: true });
});
