// What bench/run.mjs reports, from what the systems measured: the figures
// of each run, their medians and spreads, the majority-class baseline, and
// which targets were met. Pure functions, tested by bench/test/report.test.mjs.
//
// The rules, the same for every system:
// - Training samples/s: each timed epoch is one figure, rows ÷ its seconds.
//   The timed epochs are those after the first (which compiles and warms up)
//   when a run has several, else the only one. A TensorFlow.js run stopped by
//   its time budget gives one figure, from the batches it timed; they are
//   comparable only if they are batches of the timed epochs.
// - Inference samples/s: each timed pass over the validation rows is one figure.
// - Every figure is shown as the median and the min–max of its figures.
// - Accuracy is shown beside the majority-class baseline of the validation
//   rows (the share of the most common class); a model not above it did not
//   learn, and no accuracy target counts it as met.
// - A speed ratio is judged (met / not met) only when both sides timed
//   comparable work; otherwise it is "not judged" with the reason.

/** The epochs every system times, 1-based: after the first, or the only one. */
export function timedEpochs(epochs) {
  return epochs > 1 ? { first: 2, last: epochs } : { first: 1, last: 1 };
}
export function describeEpochs(epochs) {
  const t = timedEpochs(epochs);
  if (t.first === 1) return 'epoch 1 (the only one)';
  return t.first === t.last ? `epoch ${t.first} (the first warms up)` : `epochs ${t.first}–${t.last} (the first warms up)`;
}

/** The share of the most common class among `classes`. */
export function majorityBaseline(classes) {
  const counts = new Map();
  for (const c of classes) counts.set(c, (counts.get(c) || 0) + 1);
  return classes.length ? Math.max(...counts.values()) / classes.length : null;
}

/** median, min, max and count of the finite numbers in `xs` (null median when none). */
export function stats(xs) {
  const s = xs.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (!s.length) return { median: null, min: null, max: null, n: 0 };
  const m = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { median: m, min: s[0], max: s[s.length - 1], n: s.length };
}

/**
 * One run's figures, from a system's JSON line (gradlab bench, wasm_train,
 * tfjs_train or keras_train): `epoch_seconds`, `rows`, `infer_rows`,
 * `infer_seconds`, `val_accuracy`, `peak_mb`, and for a stopped TensorFlow.js
 * run `stopped` and `timed_batches`.
 */
export function measureRun(raw, epochs) {
  const t = timedEpochs(epochs);
  const out = { stopped: null, comparable: true, timed: describeEpochs(epochs), train: [], infer: [], val_accuracy: raw.val_accuracy ?? null, peak_mb: raw.peak_mb ?? null };
  if (raw.stopped) {
    const tb = raw.timed_batches;
    out.stopped = raw.stopped;
    out.comparable = !!tb?.comparable;
    out.val_accuracy = null;
    out.train = tb && tb.seconds > 0 ? [tb.samples / tb.seconds] : [];
    const where = tb
      ? (tb.comparable
        ? `${tb.batches} batches (${tb.samples} samples) from the start of epoch ${tb.from_epoch} to batch ${raw.stopped.batches_done_in_epoch} of epoch ${tb.to_epoch}`
        : `${tb.batches} batches of epoch 1 after its first (${tb.samples} samples), which the other systems do not time`)
      : 'no batches';
    out.timed = `stopped at ${raw.stopped.after_seconds.toFixed(0)} s (budget ${raw.budget_seconds ?? '?'} s) in epoch ${raw.stopped.in_epoch}, batch ${raw.stopped.batches_done_in_epoch} of ${raw.stopped.batches_per_epoch}; timed ${where}`;
  } else {
    const secs = raw.epoch_seconds || [];
    if (secs.length !== epochs) throw new Error(`${raw.system}: ${secs.length} epochs timed, ${epochs} asked`);
    out.train = secs.slice(t.first - 1, t.last).map((s) => raw.rows / s);
  }
  const rows = raw.infer_rows ?? raw.val_rows;
  out.infer = (raw.infer_seconds || []).map((s) => rows / s);
  if (raw.infer_note) out.infer_note = raw.infer_note;
  return out;
}

/** A system's figures over its runs on one workload. */
export function summarizeSystem(runs, baseline) {
  const accs = runs.map((r) => r.val_accuracy).filter((v) => typeof v === 'number');
  const acc = stats(accs).median;
  const stopped = runs.filter((r) => r.stopped);
  return {
    train_samples_per_s: stats(runs.flatMap((r) => r.train)),
    infer_samples_per_s: stats(runs.flatMap((r) => r.infer)),
    peak_mb: stats(runs.map((r) => r.peak_mb)).median,
    val_accuracy: acc,
    // null when no run reported an accuracy (all stopped).
    learned: acc === null || baseline === null ? null : acc > baseline,
    runs: runs.length,
    comparable: runs.every((r) => r.comparable),
    stopped_runs: stopped.length,
    timed: [...new Set(runs.map((r) => r.timed))],
    ...(runs.some((r) => r.infer_note) ? { infer_note: runs.find((r) => r.infer_note).infer_note } : {}),
  };
}

/**
 * A speed target: `a` ≥ `want` × `b` (each a summarizeSystem result or
 * undefined). Judged on the medians, only when both timed comparable work;
 * the range is the lowest and highest ratio of any two of their figures.
 */
export function speedTarget(a, b, want, names) {
  const [an, bn] = names;
  if (!a?.train_samples_per_s.n) return { verdict: 'not judged', why: `${an} has no figure` };
  if (!b?.train_samples_per_s.n) return { verdict: 'not judged', why: `${bn} has no figure` };
  const A = a.train_samples_per_s, B = b.train_samples_per_s;
  const ratio = A.median / B.median;
  const range = [A.min / B.max, A.max / B.min];
  for (const [s, name] of [[a, an], [b, bn]]) {
    if (!s.comparable) return { ratio, range, verdict: 'not judged', why: `${name} ${s.timed.join('; ')}` };
  }
  return { ratio, range, verdict: ratio >= want ? 'met' : 'not met' };
}

/** The accuracy target: `a` within `points` of `b`, judged only when both learned. */
export function accuracyTarget(a, b, baseline, points, names) {
  const [an, bn] = names;
  for (const [s, name] of [[a, an], [b, bn]]) {
    if (!s || s.val_accuracy === null) return { verdict: 'not judged', why: `${name} has no accuracy${s?.stopped_runs ? ' (stopped by its budget)' : ''}` };
  }
  const diff = a.val_accuracy - b.val_accuracy;
  const didNot = [[a, an], [b, bn]].filter(([s]) => !s.learned).map(([s, name]) => `${name} did not learn (${s.val_accuracy.toFixed(4)}, baseline ${baseline.toFixed(4)})`);
  if (didNot.length) return { diff, verdict: 'not judged', why: didNot.join('; ') };
  return { diff, verdict: Math.abs(diff) <= points / 100 ? 'met' : 'not met' };
}

// Formatting.
export const num = (v) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
/** "median (min–max, n)", or "median (n=1)". */
export function spread(s) {
  if (!s || !s.n) return '–';
  return s.n === 1 ? `${num(s.median)} (n=1)` : `${num(s.median)} (${num(s.min)}–${num(s.max)}, n=${s.n})`;
}
export function accuracyCell(s, baseline) {
  if (!s) return '–';
  if (s.val_accuracy === null) return s.stopped_runs ? '– (stopped)' : '–';
  if (!s.learned) return `${s.val_accuracy.toFixed(4)} did not learn`;
  return `${s.val_accuracy.toFixed(4)} (+${(100 * (s.val_accuracy - baseline)).toFixed(1)} pts)`;
}
export function targetLine(label, t) {
  const r = t.ratio !== undefined && Number.isFinite(t.ratio) ? `${t.ratio.toFixed(2)}× (figures' range ${t.range.map((x) => x.toFixed(2)).join('–')}×) ` : '';
  const d = t.diff !== undefined ? `${(100 * t.diff).toFixed(1)} points ` : '';
  return `  ${label}: ${r}${d}${t.verdict}${t.why ? ` — ${t.why}` : ''}`;
}
