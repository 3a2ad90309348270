// Runs, compared: every training run of the session is kept — its settings,
// its curves (per epoch; a language model's also by step), its final
// figures, how long it trained, where, on what data — in a table under the
// steps, and survives a reload (runs-store.js). Picking two or more overlays
// their curves in one chart (runs-chart.js) and marks the settings that
// differ between them. The runs download as CSV and JSON.
//
// What makes a run: the engine numbers a trainer's steps from 1, so the
// first progress report holding step 1 begins a new run (the first training
// after a reset, a new model, new data or settings that rebuild it); any
// later report continues the run of its task, however often it was paused.
// A pause, the end or an early stop finalises it until training goes on.
import { t, th, language } from '../i18n.js';
import { html, setHtml } from '../html.js';
import { state } from './state.js';
import { $ } from './dom.js';
import { throttle } from './throttle.js';
import { SCHEDULES, SETTINGS } from './settings-table.js';
import { LM_ROWS } from './gpt-settings.js';
import { stepsPerEpoch } from './gpt-model.js';
import { drawRunsChart, paintSwatches, styleOf, swatch } from './runs-chart.js';
import { TASKS, checkRun, clearRuns, deleteRuns, isQuotaError, loadRuns, openRuns, saveRun } from './runs-store.js';

const STORE_PICKED = 'gradlab.runs_picked';
const STORE_NEXT = 'gradlab.runs_next';
const STORE_SOURCES = 'gradlab.runs_sources';

let runs = [];                 // every run, oldest first
const picked = new Set();      // ids of the runs in the chart
let badKeys = [];              // stored records that could not be read
const messages = new Map();    // what went wrong with the storage: slot → {key, params}
const openDetails = new Set(); // runs whose "more settings" are open
let wired = false;

// The run each task is recording, with its wall clock: {run, base (seconds
// before this stretch), since (this stretch's start), running, raw (a
// language model's steps and validations), perEpoch, lastSave, deleted}.
const live = { classify: null, generate: null };
const stretchStart = { classify: null, generate: null };
let lastTask = 'classify';
const lastProgress = { classify: null, generate: null };

// --- where the data came from ------------------------------------------

const SOURCES = ['spam', 'sentiment', 'digits', 'shakespeare', 'tang', 'pasted', 'dropped', 'files', 'stored'];
let sources = {};
try {
  const s = JSON.parse(localStorage.getItem(STORE_SOURCES));
  for (const task of TASKS) if (s && SOURCES.includes(s[task])) sources[task] = s[task];
} catch { /* none yet */ }
function noteSource(name) {
  sources = { ...sources, [state.task]: name };
  try { localStorage.setItem(STORE_SOURCES, JSON.stringify(sources)); } catch { /* storage disabled */ }
}

// FNV-1a over the text: runs on the same data have the same print. Kept
// for the last two texts (one a task): each run began by reading the whole
// data again, 15 ms for the spam sample, seconds for a large paste.
const prints = new Map();
function fingerprint(text) {
  let print = prints.get(text);
  if (print !== undefined) return print;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) { h ^= text.charCodeAt(i); h = Math.imul(h, 0x01000193); }
  print = `${text.length.toString(36)}-${(h >>> 0).toString(16).padStart(8, '0')}`;
  if (prints.size >= 2) prints.delete(prints.keys().next().value);
  prints.set(text, print);
  return print;
}

function describeData(task) {
  if (task === 'generate') {
    const r = state.lmReport;
    return { name: sources.generate || 'stored', kind: 'text', fingerprint: fingerprint(state.lmText || ''), rows: null, classes: null, characters: r ? r.characters : null };
  }
  const r = state.dataReport;
  const files = state.dataKind === 'images' && state.imageSource === 'files';
  const text = files ? state.imageFiles.map((f) => `${f.path}:${f.file.size}`).join('\n') : state.lastData;
  return { name: files ? 'files' : sources.classify || 'stored', kind: state.dataKind, fingerprint: fingerprint(text || ''), rows: r ? r.accepted : null, classes: r ? r.classes.length : null, characters: null };
}

// --- recording -----------------------------------------------------------

const clone = (v) => JSON.parse(JSON.stringify(v ?? null));
const snapshot = (task) => (task === 'generate' ? { preset: 'gpt', ...clone(state.lmSettings) } : clone(state.settings) || {});

function nextNumber() {
  let stored = 0;
  try { stored = Number(localStorage.getItem(STORE_NEXT)) || 0; } catch { /* storage disabled */ }
  const n = Math.max(stored, runs.reduce((m, r) => Math.max(m, r.number), 0) + 1);
  try { localStorage.setItem(STORE_NEXT, String(n + 1)); } catch { /* storage disabled */ }
  return n;
}

function begin(task, backend) {
  const old = live[task];
  if (old && !old.deleted && old.run.status === 'running') { old.run.status = 'interrupted'; persist(old.run); }
  const epochs = task === 'generate' ? (state.lmSettings ? state.lmSettings.epochs : 1) : (state.settings ? state.settings.epochs : 1);
  const run = {
    id: `run-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    number: nextNumber(), task, status: 'running', started: Date.now(), duration: 0,
    settings: snapshot(task), initial: {}, backend: backend || 'cpu', dataset: describeData(task),
    progress: { epoch: 0, epochs, step: 0 }, epochs: [], curve: { loss: [], val: [] },
  };
  runs.push(run);
  live[task] = { run, base: 0, since: stretchStart[task] ?? performance.now(), running: true, raw: { steps: [], vals: [] }, perEpoch: task === 'generate' ? stepsPerEpoch() : 1, lastSave: 0, checked: true };
  persist(run);
  renderSoon();
  return live[task];
}

// Settings that steer a run (learning rate, epochs, batch size…) may change
// between its stretches: the run keeps the first value in `initial`.
function noteChanges(l, task) {
  const now = snapshot(task);
  const run = l.run;
  for (const k of new Set([...Object.keys(now), ...Object.keys(run.settings)])) {
    if (JSON.stringify(now[k] ?? null) === JSON.stringify(run.settings[k] ?? null)) continue;
    if (!(k in run.initial)) run.initial[k] = run.settings[k] ?? null;
    run.settings[k] = now[k] ?? null;
    if (JSON.stringify(run.initial[k]) === JSON.stringify(run.settings[k])) delete run.initial[k];
  }
}

const seconds = (l) => l.base + (l.running ? (performance.now() - l.since) / 1000 : 0);

// The task a report belongs to, and the run it goes on (null: not recorded).
// A stretch that trains nothing (the run had already finished) changes nothing.
function runFor(task, firstStep, anything, backend) {
  lastTask = task;
  if (!anything) return null;
  let l = live[task];
  if (firstStep === 1 || !l) l = begin(task, backend);
  if (l.deleted) return null;
  const resumed = !l.running;
  if (resumed) { l.running = true; l.since = stretchStart[task] ?? performance.now(); l.run.status = 'running'; }
  if (!l.checked) { noteChanges(l, task); l.checked = true; }
  if (resumed) renderSoon();
  return l;
}

const EPOCH_FIELDS = ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'val_perplexity', 'seconds', 'learning_rate'];
const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function onProgress(p) {
  lastProgress.classify = p;
  const first = p.new_batches[0];
  const l = runFor('classify', first ? first.step : null, !!(first || p.new_epochs.length), p.backend);
  if (!l) return;
  const run = l.run;
  if (p.backend) run.backend = p.backend;
  const last = p.new_batches[p.new_batches.length - 1];
  run.progress = { epoch: p.epoch, epochs: p.epochs, step: last ? last.step : run.progress.step };
  for (const e of p.new_epochs) run.epochs.push({ epoch: e.epoch, ...Object.fromEntries(EPOCH_FIELDS.map((k) => [k, num(e[k])])) });
  run.duration = seconds(l);
  if (p.new_epochs.length) { streamingRun = run; storeEpochs(); }
}
// A classifier's epochs stored and drawn at most twice a second (the last
// at once when the run stops).
let streamingRun = null;
const storeEpochs = throttle(() => { if (streamingRun) persist(streamingRun); renderRuns(); }, 500);
// A run begun or resumed, drawn in a task of its own: the first report of a
// run comes with the counters and curves, and the table and chart together
// with them made a task of 100 ms on a slow machine.
const renderSoon = throttle(() => renderRuns(), 0);

function onSteps(p) {
  lastProgress.generate = p;
  const first = p.new_steps[0];
  const l = runFor('generate', first ? first.step : null, !!first, p.backend);
  if (!l) return;
  const run = l.run;
  if (p.backend) run.backend = p.backend;
  l.raw.steps.push(...p.new_steps.map((s) => [s.step, s.loss]));
  l.raw.vals.push(...p.new_validations);
  run.progress = { epoch: p.epoch, epochs: state.lmSettings ? state.lmSettings.epochs : run.progress.epochs, step: p.step };
  run.duration = seconds(l);
  const now = performance.now();
  if (p.new_validations.some((v) => v.full) || now - l.lastSave > 3000) {
    l.lastSave = now;
    deriveLm(l);
    persist(run);
    renderRuns();
  }
}

const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
// At most `n` points: each the mean of a run of neighbours (the last kept as it is).
function bucket(points, n) {
  if (points.length <= n) return points.map((p) => [p[0], p[1]]);
  const size = Math.ceil(points.length / n);
  const out = [];
  for (let i = 0; i < points.length; i += size) {
    const part = points.slice(i, i + size);
    out.push([part[part.length - 1][0], mean(part.map((p) => p[1]))]);
  }
  return out;
}
const round = (v, d = 6) => Number(v.toFixed(d));

// A language model's curves in epochs (steps ÷ steps an epoch) and its
// epoch rows: each finished epoch's mean training loss and full validation,
// then the unfinished epoch so far (partial: its validation is the quick one).
function deriveLm(l) {
  const run = l.run;
  const { steps, vals } = l.raw;
  const fulls = vals.filter((v) => v.full);
  const per = fulls.length ? fulls[0].step : Math.max(1, l.perEpoch);
  run.curve = {
    loss: bucket(steps, 300).map(([s, y]) => [round(s / per), y]),
    val: bucket(vals.map((v) => [v.step, v.val_loss]), 300).map(([s, y]) => [round(s / per), y]),
  };
  const rows = [];
  const done = Math.max(run.progress.epoch, fulls.length);
  const losses = Array.from({ length: done + 1 }, () => []);
  for (const [s, y] of steps) losses[Math.min(done, Math.floor((s - 1) / per))].push(y);
  for (let k = 1; k <= done; k++) {
    const full = fulls.find((v) => v.step === k * per);
    rows.push(lmRow(k, mean(losses[k - 1]), full ? full.val_loss : null));
  }
  const lastStep = steps.length ? steps[steps.length - 1][0] : 0;
  if (lastStep > done * per) {
    const quick = [...vals].reverse().find((v) => v.step > done * per);
    rows.push({ ...lmRow(round(lastStep / per, 4), mean(losses[done]), quick ? quick.val_loss : null), partial: true });
  }
  run.epochs = rows;
}
const lmRow = (epoch, loss, val) => ({ epoch, loss: num(loss), accuracy: null, val_loss: num(val), val_accuracy: null, val_perplexity: val == null ? null : num(Math.exp(val)), seconds: null, learning_rate: null });

function onStopped() {
  const task = lastTask;
  const l = live[task];
  stretchStart[task] = null;
  if (!l || l.deleted || !l.running) return;
  l.run.duration = seconds(l);
  l.base = l.run.duration;
  l.running = false;
  l.checked = false;
  const p = lastProgress[task];
  l.run.status = l.failed ? 'failed' : p && p.done ? 'finished' : p && p.stopped ? 'stopped' : 'paused';
  l.failed = false;
  if (task === 'generate') deriveLm(l);
  storeEpochs.cancel();
  persist(l.run);
  renderRuns();
}

/** Every event of the worker, after the page has shown it (app.js). */
export function onRunEvent(m) {
  try {
    if (m.event === 'running') {
      lastTask = state.task;
      stretchStart[state.task] = performance.now();
      if (live[state.task]) live[state.task].checked = false;
    } else if (m.event === 'progress' && m.value) onProgress(m.value);
    else if (m.event === 'steps' && m.value) onSteps(m.value);
    else if (m.event === 'stopped') onStopped();
    else if (m.event === 'error') {
      const l = live[lastTask];
      if (l && !l.deleted) {
        l.failed = true;
        // A fatal error restarts the worker: no 'stopped' follows.
        if (m.fatal) onStopped();
      }
    }
  } catch (e) {
    // Recording must never break training: say so, and go on.
    console.error('runs: could not record', e);
  }
}

// --- storage -----------------------------------------------------------------

const errorText = (e) => String((e && (e.name || e.message)) || e).slice(0, 80);
async function persist(run) {
  if (!runs.includes(run)) return;
  const err = await saveRun(clone(run));
  if (!err) { if (messages.get('write')?.params?.id === run.id) { messages.delete('write'); renderMessages(); } return; }
  messages.set('write', { key: isQuotaError(err) ? 'runs.store_full' : 'runs.store_failed', params: { name: runName(run), reason: errorText(err), id: run.id } });
  renderMessages();
}

function savePicks() {
  try { localStorage.setItem(STORE_PICKED, JSON.stringify([...picked])); } catch { /* storage disabled */ }
}

async function removeRun(id) {
  runs = runs.filter((r) => r.id !== id);
  picked.delete(id);
  savePicks();
  for (const task of TASKS) if (live[task] && live[task].run.id === id) live[task].deleted = true;
  renderRuns();
  const err = await deleteRuns([id]);
  if (err) { messages.set('delete', { key: 'runs.store_failed', params: { name: id, reason: errorText(err) } }); renderMessages(); }
}

async function clearAll() {
  runs = [];
  picked.clear();
  savePicks();
  for (const task of TASKS) if (live[task]) live[task].deleted = true;
  badKeys = [];
  messages.delete('write');
  renderRuns();
  const err = await clearRuns();
  if (err) { messages.set('delete', { key: 'runs.store_failed', params: { name: '–', reason: errorText(err) } }); renderMessages(); }
}

/** Open the store and read the kept runs (main() awaits it before the page is ready). */
export async function initRuns() {
  try { await readKept(); } catch (e) {
    // A fault here must not keep the page from starting.
    console.error('runs: could not start', e);
    messages.set('open', { key: 'runs.store_unreadable', params: { reason: errorText(e) } });
  }
  $('runs').dataset.loaded = 'true';
  renderRuns();
}
async function readKept() {
  wire();
  const opened = await openRuns();
  if (!opened.ok) messages.set('open', opened.problem);
  else {
    try {
      const got = await loadRuns();
      badKeys = got.bad;
      const known = new Set(runs.map((r) => r.id));
      runs = [...got.runs.filter((r) => !known.has(r.id)), ...runs].sort((a, b) => a.number - b.number || a.started - b.started);
      // Runs that were training when the page closed.
      for (const r of got.runs) if (r.status === 'running') { r.status = 'interrupted'; persist(r); }
    } catch (e) {
      messages.set('open', { key: 'runs.store_unreadable', params: { reason: errorText(e) } });
    }
  }
  try {
    const ids = JSON.parse(localStorage.getItem(STORE_PICKED));
    if (Array.isArray(ids)) for (const id of ids) if (runs.some((r) => r.id === id)) picked.add(id);
  } catch { /* none */ }
}

// --- the settings as the table shows them --------------------------------

const TEXT_ONLY = new Set(['num_words', 'max_len', 'padding', 'truncating', 'mask', 'cleaning']);
const MAIN = { classify: ['preset', 'learning_rate', 'batch_size', 'epochs', 'optimizer', 'seed'], generate: null };
const number = (v) => (typeof v === 'number' ? String(Number(v.toPrecision(6))) : v == null ? '–' : String(v));
const onOff = (v) => t(v ? 'runs.on' : 'runs.off');
const scheduleName = (s) => Object.keys(SCHEDULES).find((k) => SCHEDULES[k].kind === (s && s.kind));

// A classifier setting's value in words.
function classifyText(row, v) {
  if (v === null || v === undefined) {
    if (row.key === 'image_shape') return t('runs.auto');
    if (row.key === 'label_column') return t('data.detect');
    return '–';
  }
  switch (row.key) {
    case 'augmentation': {
      const on = row.parts.filter((p) => v[p.key]).map((p) => (p.key === 'flip' ? t(p.label) : `${t(p.label)} ${number(v[p.key])}`));
      return on.length ? on.join(', ') : t('runs.setting_none');
    }
    case 'cleaning': {
      const on = row.parts.filter((p) => v[p.key]).map((p) => t(p.label));
      return on.length ? on.join(', ') : t('runs.setting_none');
    }
    case 'schedule': { const k = scheduleName(v); return k ? t(`schedule.${k}`) : JSON.stringify(v); }
    case 'loss': return t(`loss.${v}`);
    case 'padding': case 'truncating': return t(`side.${v}`);
    case 'mask': return onOff(v);
    case 'grayscale': return t(v === false ? 'image.rgb' : 'image.gray');
    case 'image_shape': return Array.isArray(v) ? v.join('×') : String(v);
    case 'label_column': return v === 'first' ? t('data.first') : v === 'last' ? t('data.last') : String(v);
    case 'scaling': return t(`prep.scaling.${v}`);
    case 'layers': return Array.isArray(v) ? v.map((l) => (l && l.type) || '?').join(' → ') : String(v);
    default: return typeof v === 'object' ? JSON.stringify(v) : typeof v === 'boolean' ? onOff(v) : number(v);
  }
}

// [{key, label, text, raw}] for a run: the settings that apply to its task
// and data (a text run has no image size, an image run no vocabulary).
function fieldsOf(run) {
  const s = run.settings;
  const out = [];
  const push = (key, label, value, text) => {
    const changed = key in run.initial;
    out.push({ key, label, raw: JSON.stringify(value ?? null), text: changed ? `${text(run.initial[key])} → ${text(value)}` : text(value), changed });
  };
  if (run.task === 'generate') {
    push('preset', 'model.preset', 'gpt', (v) => String(v));
    for (const r of LM_ROWS) {
      const key = r.key === 'layers' ? 'blocks' : r.key;
      const text = (v) => (r.key === 'tokenizer' ? t(`gen.tokenizer.${v}`) : r.key === 'vocab' && v == null ? t('gen.vocab_all') : number(v));
      push(key, r.label, s[r.key], text);
    }
    return out;
  }
  const images = run.dataset.kind === 'images';
  for (const r of SETTINGS) {
    if (!r.key || (r.image && !images) || (images && TEXT_ONLY.has(r.key))) continue;
    if (r.key === 'layers' && s.preset !== 'custom') continue;
    push(r.key, r.label, s[r.key], (v) => classifyText(r, v));
  }
  return out;
}

const DATA_NAMES = new Set(SOURCES);
function dataText(run) {
  const d = run.dataset;
  const name = t(`runs.data.${DATA_NAMES.has(d.name) ? d.name : 'stored'}`);
  const size = run.task === 'generate' ? (d.characters != null ? t('runs.characters', { n: d.characters.toLocaleString() }) : '')
    : d.rows != null ? t(d.kind === 'images' ? 'runs.images' : 'runs.rows', { n: d.rows.toLocaleString() }) : '';
  return { name, size };
}
const dataRaw = (run) => `${run.task}|${run.dataset.kind}|${run.dataset.fingerprint}`;

// Keys whose values differ between `list` of runs (dataset and backend too).
function differing(list) {
  const out = new Set();
  if (list.length < 2) return out;
  const maps = list.map((r) => new Map(fieldsOf(r).map((f) => [f.key, f.raw])));
  const keys = new Set(maps.flatMap((m) => [...m.keys()]));
  for (const k of keys) if (new Set(maps.map((m) => m.get(k) ?? '∅')).size > 1) out.add(k);
  if (new Set(list.map(dataRaw)).size > 1) out.add('dataset');
  if (new Set(list.map((r) => r.backend)).size > 1) out.add('backend');
  return out;
}

// --- the panel --------------------------------------------------------------

export const runName = (run) => t('runs.name', { n: run.number });
const fmt = (v, d = 4) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(d));
const finalRow = (run) => run.epochs[run.epochs.length - 1] || null;
function duration(s) {
  if (s < 60) return t('runs.seconds', { n: s.toFixed(1) });
  const m = Math.floor(s / 60);
  return t('runs.minutes', { m, s: String(Math.round(s - 60 * m)).padStart(2, '0') });
}
const when = (ms) => new Date(ms).toLocaleString(language() === 'zh' ? 'zh-CN' : 'en-GB', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

function chip(f, marked) {
  return html`<span class="setting${marked ? ' differs' : ''}${f.changed ? ' changed' : ''}" data-setting="${f.key}">${marked ? html`<span class="mark" aria-hidden="true">≠ </span>` : ''}<span class="k">${t(f.label)}</span> <span class="v" translate="no">${f.text}</span>${marked ? html`<span class="visually-hidden"> (${t('runs.differs')})</span>` : ''}${f.changed ? html`<span class="visually-hidden"> (${t('runs.changed')})</span>` : ''}</span>`;
}

function renderTable() {
  const hasClassify = runs.some((r) => r.task === 'classify');
  const hasGenerate = runs.some((r) => r.task === 'generate');
  const chosen = runs.filter((r) => picked.has(r.id));
  const marked = differing(chosen);
  // Beyond the main ones, a setting is shown when it differs between runs of the same task.
  const varying = new Set(TASKS.flatMap((task) => [...differing(runs.filter((r) => r.task === task))]));
  const mark = (key) => (marked.has(key) ? html`<span class="mark" aria-hidden="true">≠ </span>` : '');
  // Roles spelled out: on a phone the rows are drawn as cards (style.css),
  // which would otherwise cost the table its meaning for a screen reader.
  const settingsMark = [...marked].some((k) => k !== 'dataset' && k !== 'backend');
  const cols = [
    ['run', 'runs.col.run'], ['data', 'runs.col.data', mark('dataset')], ['settings', 'runs.col.settings', settingsMark ? html`<span class="mark" aria-hidden="true">≠ </span>` : ''],
    ['epochs', 'runs.col.epochs'], ['loss', 'runs.col.loss'], ['val_loss', 'runs.col.val_loss'],
    ...(hasClassify ? [['val_accuracy', 'runs.col.val_accuracy']] : []), ...(hasGenerate ? [['val_perplexity', 'runs.col.val_perplexity']] : []),
    ['duration', 'runs.col.duration'], ['backend', 'runs.col.backend', mark('backend')], ['actions', null],
  ];
  const head = html`<tr role="row">${cols.map(([key, label, marker]) => html`<th scope="col" role="columnheader" data-col="${key}">${label ? html`${marker || ''}${th(label)}` : html`<span class="visually-hidden">${th('runs.col.actions')}</span>`}</th>`)}</tr>`;
  const columns = cols.length;
  const rows = runs.map((run) => {
    const isPicked = picked.has(run.id);
    const m = (key) => isPicked && marked.has(key);
    const fields = fieldsOf(run);
    const main = MAIN[run.task];
    const shown = fields.filter((f) => !main || main.includes(f.key) || varying.has(f.key) || m(f.key));
    const rest = fields.filter((f) => !shown.includes(f));
    const last = finalRow(run);
    const d = dataText(run);
    const name = runName(run);
    const steps = run.task === 'generate' ? html`<div class="hint">${th('runs.steps', { n: run.progress.step.toLocaleString() })}</div>` : '';
    const epochDone = run.task === 'generate' && last && last.partial ? last.epoch : run.progress.epoch;
    const differs = (key) => (m(key) ? html`<span class="visually-hidden"> (${t('runs.differs')})</span>` : '');
    const cell = (label, attrs, body) => html`<td role="cell" data-label="${t(label)}"${attrs}>${body}</td>`;
    const metric = (key, label, value) => cell(label, html` data-metric="${key}"`, value);
    return html`<tr role="row" data-run-id="${run.id}" data-task="${run.task}" class="${isPicked ? 'picked' : ''}">
      <th scope="row" role="rowheader" class="run-name"><label><input type="checkbox" class="run-pick" data-focus="pick:${run.id}"${isPicked ? html` checked` : ''}> ${swatch(run.number)} <span>${name}</span></label>
        <div class="hint"><span data-status="${run.status}">${th(`runs.status.${run.status}`)}</span> · ${when(run.started)}</div></th>
      ${cell('runs.col.data', html` data-setting="dataset" class="data${m('dataset') ? ' differs' : ''}"`, html`${m('dataset') ? mark('dataset') : ''}${run.task === 'generate' ? html`<span class="task">${th('runs.task.generate')}</span> ` : ''}<span>${d.name}</span>${d.size ? html` <span class="hint">${d.size}</span>` : ''}${differs('dataset')}`)}
      ${cell('runs.col.settings', html` class="settings"`, html`${shown.map((f) => chip(f, m(f.key)))}${rest.length ? html`<details data-run="${run.id}"${openDetails.has(run.id) ? html` open` : ''}><summary data-focus="more:${run.id}">${th('runs.more', { n: rest.length })}</summary>${rest.map((f) => chip(f, m(f.key)))}</details>` : ''}`)}
      ${metric('epochs', 'runs.col.epochs', html`${run.task === 'generate' ? fmt(epochDone, Number.isInteger(epochDone) ? 0 : 2) : run.progress.epoch}/${run.progress.epochs}${steps}`)}
      ${metric('loss', 'runs.col.loss', fmt(last && last.loss))}
      ${metric('val_loss', 'runs.col.val_loss', fmt(last && last.val_loss))}
      ${hasClassify ? metric('val_accuracy', 'runs.col.val_accuracy', fmt(last && last.val_accuracy)) : ''}${hasGenerate ? metric('val_perplexity', 'runs.col.val_perplexity', fmt(last && last.val_perplexity, 2)) : ''}
      ${metric('duration', 'runs.col.duration', duration(run.duration))}
      ${cell('runs.col.backend', html` data-setting="backend" class="backend${m('backend') ? ' differs' : ''}" translate="no"`, html`${m('backend') ? mark('backend') : ''}${run.backend}${differs('backend')}`)}
      <td role="cell" class="actions"><button type="button" class="run-delete" data-focus="delete:${run.id}" aria-label="${t('runs.delete_one', { name })}" title="${t('runs.delete_one', { name })}">${th('runs.delete')}</button></td></tr>`;
  });
  // Keep the keyboard where it was: the table is drawn again as epochs arrive.
  const focused = document.activeElement && $('runs-table').contains(document.activeElement) ? document.activeElement.dataset.focus : null;
  setHtml($('runs-table'), html`<caption class="visually-hidden">${th('runs.caption')}</caption><thead role="rowgroup">${head}</thead><tbody role="rowgroup">${rows.length ? rows : html`<tr role="row" class="runs-empty"><td role="cell" colspan="${columns}">${th('runs.none')}</td></tr>`}</tbody>`);
  paintSwatches($('runs-table'));
  if (focused) { const el = $('runs-table').querySelector(`[data-focus="${CSS.escape(focused)}"]`); if (el) el.focus(); }
  const labels = (set) => [...set].map((k) => (k === 'dataset' ? t('runs.col.data') : k === 'backend' ? t('runs.col.backend') : t(fieldLabel(k, chosen)))).join(', ');
  $('runs-differ').textContent = chosen.length < 2 ? (runs.length ? t('runs.pick_hint') : '') : marked.size ? t('runs.differ_list', { list: labels(marked) }) : t('runs.differ_none');
}
function fieldLabel(key, list) {
  for (const r of list) { const f = fieldsOf(r).find((x) => x.key === key); if (f) return f.label; }
  return key;
}

// --- the chart -------------------------------------------------------------------

const METRICS = {
  val_loss: { label: 'runs.metric.val_loss', yMin: 0 },
  loss: { label: 'runs.metric.loss', yMin: 0 },
  val_accuracy: { label: 'runs.metric.val_accuracy', yMin: 0, yMax: 1 },
  accuracy: { label: 'runs.metric.accuracy', yMin: 0, yMax: 1 },
  val_perplexity: { label: 'runs.metric.val_perplexity', yMin: 0 },
};
// A run's points for a metric, x in epochs.
function pointsOf(run, metric) {
  if (run.task === 'generate') {
    if (metric === 'loss') return run.curve.loss;
    if (metric === 'val_loss') return run.curve.val;
    if (metric === 'val_perplexity') return run.curve.val.map(([x, y]) => [x, Math.exp(y)]);
    return [];
  }
  return run.epochs.filter((e) => e[metric] !== null && e[metric] !== undefined).map((e) => [e.epoch, e[metric]]);
}

function renderChart() {
  const metric = METRICS[$('runs-metric').value] ? $('runs-metric').value : 'val_loss';
  const chosen = runs.filter((r) => picked.has(r.id));
  const series = chosen.map((run) => ({ run, style: styleOf(run.number), points: pointsOf(run, metric) }));
  const label = t(METRICS[metric].label);
  const integerX = chosen.every((r) => r.task === 'classify');
  const empty = !chosen.length ? t('runs.chart_none') : t('runs.chart_no_metric', { metric: label });
  // Nothing to draw: a short box with the hint, not a tall empty frame.
  $('runs-compare-chart').classList.toggle('empty', !series.some((s) => s.points.length));
  drawRunsChart($('runs-compare-chart'), series, { xLabel: t('runs.epoch'), yLabel: label, yMin: METRICS[metric].yMin, yMax: METRICS[metric].yMax, integerX, empty });
  const withPoints = series.filter((s) => s.points.length);
  $('runs-compare-chart').setAttribute('aria-label', withPoints.length
    ? t('runs.chart_alt', { metric: label, runs: withPoints.map((s) => runName(s.run)).join(', ') })
    : empty);
  setHtml($('runs-legend'), html`${series.map((s) => html`<li data-run-id="${s.run.id}">${swatch(s.run.number)} <span>${runName(s.run)}</span>${s.points.length ? '' : html` <span class="hint">${th('runs.legend_no_points')}</span>`}</li>`)}`);
  paintSwatches($('runs-legend'));
  // The same in words for a screen reader: each run's look and its values.
  const describe = (s) => {
    const look = t('runs.look', { colour: t(`runs.colour.${s.style.colour.name}`), line: t(`runs.dash.${s.style.dash.name}`), marker: t(`runs.marker.${s.style.marker}`) });
    if (!s.points.length) return t('runs.summary_none', { name: runName(s.run), look });
    const every = Math.max(1, Math.ceil(s.points.length / 10));
    const pts = s.points.filter((_, i) => i % every === 0 || i === s.points.length - 1);
    const digits = metric === 'val_perplexity' ? 2 : 4;
    return t('runs.summary_run', { name: runName(s.run), look, values: pts.map(([x, y]) => t('runs.summary_point', { epoch: Number(x.toFixed(2)), value: y.toFixed(digits) })).join('; ') });
  };
  setHtml($('runs-chart-summary'), html`<p>${withPoints.length ? t('runs.summary_head', { metric: label, n: withPoints.length }) : empty}</p>${series.length ? html`<ul>${series.map((s) => html`<li>${describe(s)}</li>`)}</ul>` : ''}`);
}

function renderMessages() {
  const list = [...messages.values()];
  if (badKeys.length) list.push({ key: 'runs.bad_records', params: { n: badKeys.length } });
  setHtml($('runs-message'), html`${list.map((m) => html`<p class="warn">⚠ ${t(m.key, m.params)}</p>`)}${badKeys.length ? html`<button type="button" id="runs-drop-bad">${th('runs.drop_bad')}</button>` : ''}`);
  $('runs-message').hidden = !list.length;
}

/** The panel from what the page holds (also after a language switch). */
export function renderRuns() {
  if (!wired) return;
  // The chart first: it reads its box's size, which costs nothing while
  // the page's layout is clean and a layout of the whole page after the
  // table has changed.
  renderChart();
  renderMessages();
  renderTable();
  const none = !runs.length;
  $('runs-export-csv').disabled = none;
  $('runs-export-json').disabled = none;
  $('runs-clear').disabled = none && !badKeys.length;
}

// --- export ----------------------------------------------------------------------

const SETTING_ORDER = [...SETTINGS.map((r) => r.key).filter(Boolean), ...LM_ROWS.map((r) => r.key)];
function settingColumns() {
  const keys = new Set(runs.flatMap((r) => Object.keys(r.settings)));
  return [...SETTING_ORDER.filter((k, i) => keys.has(k) && SETTING_ORDER.indexOf(k) === i), ...[...keys].filter((k) => !SETTING_ORDER.includes(k)).sort()];
}
const cellText = (v) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
function csvCell(v) {
  let s = cellText(v);
  // A spreadsheet must not read a text as a formula.
  if (/^[=+@\t\r]/.test(s) || (/^-/.test(s) && !Number.isFinite(Number(s)))) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function runsCsv() {
  const settings = settingColumns();
  const header = ['run_id', 'run_number', 'run', 'task', 'status', 'started', 'duration_s', 'backend', 'dataset', 'dataset_kind', 'dataset_rows', 'dataset_characters', 'dataset_fingerprint',
    ...settings.map((k) => `setting.${k}`), 'changed_during_run', 'epoch', 'partial_epoch', ...EPOCH_FIELDS];
  const lines = [header];
  for (const r of runs) {
    const head = [r.id, r.number, runName(r), r.task, r.status, new Date(r.started).toISOString(), round(r.duration, 3), r.backend, r.dataset.name, r.dataset.kind, r.dataset.rows, r.dataset.characters, r.dataset.fingerprint,
      ...settings.map((k) => r.settings[k]), Object.entries(r.initial).map(([k, v]) => `${k}: ${cellText(v)} → ${cellText(r.settings[k])}`).join('; ')];
    const epochs = r.epochs.length ? r.epochs : [null];
    for (const e of epochs) lines.push([...head, e ? e.epoch : '', e && e.partial ? 'true' : e ? 'false' : '', ...EPOCH_FIELDS.map((k) => (e ? e[k] : null))]);
  }
  return `\ufeff${lines.map((l) => l.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

export function runsJson() {
  return JSON.stringify({
    format: 'gradlab-runs', version: 1, exported: new Date().toISOString(),
    runs: runs.map((r) => ({ ...clone(r), name: runName(r), started_iso: new Date(r.started).toISOString() })),
  }, null, 2);
}

function download(name, text, type) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

// --- the controls ------------------------------------------------------------------

let chartFrame = 0;
function wire() {
  if (wired) return;
  wired = true;
  $('sample-select').addEventListener('change', () => { if ($('sample-select').value) noteSource($('sample-select').value); });
  $('dataset-input').addEventListener('input', () => noteSource('pasted'));
  document.addEventListener('drop', () => noteSource('dropped'));
  for (const id of ['image-files', 'image-folder']) $(id).addEventListener('change', () => noteSource('files'));

  $('runs-table').addEventListener('change', (e) => {
    if (!e.target.classList.contains('run-pick')) return;
    const id = e.target.closest('tr').dataset.runId;
    if (e.target.checked) picked.add(id); else picked.delete(id);
    savePicks();
    renderTable();
    renderChart();
  });
  $('runs-table').addEventListener('click', (e) => {
    const b = e.target.closest('button.run-delete');
    if (!b) return;
    const row = b.closest('tr');
    const next = row.nextElementSibling || row.previousElementSibling;
    const nextId = next && next.dataset.runId;
    removeRun(row.dataset.runId);
    // The keyboard goes on to the next run's button, or to the panel's title.
    const target = nextId ? $('runs-table').querySelector(`[data-focus="delete:${CSS.escape(nextId)}"]`) : null;
    (target || $('runs-title')).focus();
  });
  $('runs-table').addEventListener('toggle', (e) => {
    const id = e.target.dataset && e.target.dataset.run;
    if (!id) return;
    if (e.target.open) openDetails.add(id); else openDetails.delete(id);
  }, true);
  $('runs-metric').addEventListener('change', renderChart);
  $('runs-export-csv').addEventListener('click', () => download('gradlab-runs.csv', runsCsv(), 'text/csv;charset=utf-8'));
  $('runs-export-json').addEventListener('click', () => download('gradlab-runs.json', runsJson(), 'application/json'));
  // Clearing asks first, in the page.
  const confirmBox = $('runs-clear-confirm');
  const closeConfirm = (focus) => { confirmBox.hidden = true; if (focus) $('runs-clear').focus(); };
  $('runs-clear').addEventListener('click', () => {
    $('runs-clear-question').textContent = t('runs.clear_question', { n: runs.length });
    confirmBox.hidden = false;
    $('runs-clear-no').focus();
  });
  $('runs-clear-no').addEventListener('click', () => closeConfirm(true));
  $('runs-clear-yes').addEventListener('click', async () => { closeConfirm(false); await clearAll(); $('runs-title').focus(); });
  confirmBox.addEventListener('keydown', (e) => { if (e.key === 'Escape') closeConfirm(true); });
  $('runs-message').addEventListener('click', async (e) => {
    if (e.target.id !== 'runs-drop-bad') return;
    const keys = badKeys;
    badKeys = [];
    renderRuns();
    const err = await deleteRuns(keys);
    if (err) { messages.set('delete', { key: 'runs.store_failed', params: { name: '–', reason: errorText(err) } }); renderMessages(); }
  });
  // The chart follows its box (a phone turned, a window resized).
  if (typeof ResizeObserver === 'function') {
    let width = 0;
    new ResizeObserver((entries) => {
      const w = Math.round(entries[0].contentRect.width);
      if (w === width) return;
      width = w;
      cancelAnimationFrame(chartFrame);
      chartFrame = requestAnimationFrame(renderChart);
    }).observe($('runs-compare-chart'));
  }
}
