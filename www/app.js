// The page: DOM events → engine calls (in a worker), engine state → pictures.
import { loadEngine } from './engine.js';
import { t, th, canvasWords, engineText, setLanguage, preferredLanguage, language } from './i18n.js';
// Markup only through html`…` and setHtml: every value put into it is text.
import { html, setHtml } from './html.js';

// The page draws with the same build of the engine the worker trains with
// (relaxed SIMD where the browser has it), so only one is fetched.
const { module: engineModule } = await loadEngine();
const { draw_line_chart, draw_confusion_matrix, draw_activations, draw_losses, draw_optimizer_race, activation_values, draw_insides, draw_gates, insides_canvas_height } = engineModule;

const $ = (id) => document.getElementById(id);
const fmt = (v, d = 4) => (v === null || v === undefined || Number.isNaN(v)) ? '–' : Number(v).toFixed(d);

const SAMPLES = {
  spam: { url: 'samples/spam.tsv', source: 'data.source.spam', kind: 'text' },
  sentiment: { url: 'samples/sentiment.tsv', source: 'data.source.sentiment', kind: 'text' },
  digits: { url: 'samples/digits.csv', source: 'data.source.digits', kind: 'images' },
};
const STORE_DATA = 'gradlab.data';
const STORE_KIND = 'gradlab.kind';
const STORE_SETTINGS = 'gradlab.settings';
const MAX_STORED = 4_500_000;

// ---------------------------------------------------------------- worker
let worker = null;
let nextId = 1;
const pending = new Map();
let lastData = '';

function startWorker() {
  // ?wasm=simd128 asks the worker for the plain-SIMD engine (to compare, or
  // where relaxed SIMD misbehaves).
  const plain = new URLSearchParams(location.search).get('wasm') === 'simd128';
  worker = new Worker(plain ? './worker.js?wasm=simd128' : './worker.js', { type: 'module' });
  worker.onmessage = (e) => {
    const m = e.data;
    if (m.id !== undefined) {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (!p) return;
      // Engine messages arrive in English; show them in the page's language.
      if (m.ok) p.resolve(m.value); else p.reject(Object.assign(new Error(engineText(m.error)), { fatal: m.fatal, english: m.error }));
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
  showBanner(t('banner.restarted', { message }));
  worker.terminate();
  for (const p of pending.values()) p.reject(new Error('engine restarted'));
  pending.clear();
  startWorker();
  training = false;
  updateButtons();
  await applySettings();
  await applyBackend();
  await askEngineBuild();
  await reloadData();
}

function showBanner(text) {
  const b = $('banner');
  b.textContent = text;
  b.hidden = !text;
}

// ---------------------------------------------------------------- settings
let settings = null;     // mirrors the engine's Settings
let customLayers = null; // the layer list when the preset is 'custom'

// A preset's layers as the engine builds them (src/presets.rs); null for
// 'custom' or an unknown name.
const presetLayers = (name, s, n) => (name ? engineModule.preset_layers(name, s.num_words, n, s.mask) : null);
// The preset each kind of data starts with.
const DEFAULT_PRESET = { text: 'lstm', images: 'image-cnn' };

const SCHEDULES = {
  constant: { kind: 'constant' },
  step: { kind: 'step', every: 100, gamma: 0.5 },
  exponential: { kind: 'exponential', decay_steps: 100, rate: 0.96 },
  cosine: { kind: 'cosine', warmup: 50, decay_steps: 1000, alpha: 0.0 },
  plateau: { kind: 'reduce_on_plateau', factor: 0.5, patience: 1, min_lr: 1e-6 },
};

// Form fields: id, settings key, parser (returns [value, error]).
// numCheck gives the error as {key, params}, for a message shown again in
// another language; num's parser gives it as text.
const numCheck = (min, max, int) => (raw) => {
  const text = String(raw).trim();
  const v = Number(text);
  if (text === '' || !Number.isFinite(v)) return [null, { key: 'form.not_number', params: { raw: String(raw).slice(0, 60) } }];
  if (int && !Number.isInteger(v)) return [null, { key: 'form.whole' }];
  if (v < min || v > max) return [null, { key: 'form.between', params: { min, max } }];
  return [v, null];
};
const num = (min, max, int) => {
  const check = numCheck(min, max, int);
  const parse = (raw) => { const [v, err] = check(raw); return [v, err && t(err.key, err.params)]; };
  parse.check = check;
  return parse;
};
const FIELDS = [
  ['learning-rate', 'learning_rate', num(1e-7, 10, false), 'setup.learning_rate'],
  ['batch-size', 'batch_size', num(1, 4096, true), 'setup.batch_size'],
  ['epochs', 'epochs', num(1, 1000, true), 'setup.epochs'],
  ['val-split', 'val_split', num(0, 0.5, false), 'setup.val_split'],
  ['num-words', 'num_words', num(2, 1_000_000, true), 'setup.num_words'],
  ['max-len', 'max_len', num(1, 2000, true), 'setup.max_len'],
  ['seed', 'seed', num(0, 2 ** 32, true), 'setup.seed'],
  ['image-size', 'image_size', num(4, 128, true), 'image.size'],
];
// Augmentation: id, key in settings.augmentation, parser, label.
const AUGMENT = [
  ['aug-shift', 'shift', num(0, 0.5, false), 'prep.shift'],
  ['aug-rotation', 'rotation', num(0, 180, false), 'prep.rotation'],
  ['aug-zoom', 'zoom', num(0, 0.9, false), 'prep.zoom'],
];
// Fields of the image preparation, whose errors also show beside them.
const IMAGE_FIELDS = new Set(['image-shape', 'image-size', 'aug-shift', 'aug-rotation', 'aug-zoom']);
const SELECTS = [['loss', 'loss'], ['optimizer', 'optimizer'], ['padding', 'padding'], ['truncating', 'truncating'], ['model-preset', 'preset'], ['scaling', 'scaling']];

// "8x8", "28×28×1", "32,32,3" → [h, w, c]; blank → null (inferred).
function parseShape(raw) {
  const text = raw.trim();
  if (!text) return [null, null];
  const parts = text.split(/\s*[x×X,]\s*/).map(Number);
  if (!(parts.length === 2 || parts.length === 3) || !parts.every((v) => Number.isInteger(v) && v >= 1)) return [null, t('image.bad_shape', { raw })];
  return [[parts[0], parts[1], parts.length === 3 ? parts[2] : 1], null];
}
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
  const imageErrors = [];
  const s = { ...settings };
  const check = (id, label, err) => {
    fieldError(id, err);
    if (!err) return true;
    const text = t('form.error', { field: t(label), error: err });
    errors.push(text);
    if (IMAGE_FIELDS.has(id)) imageErrors.push(text);
    return false;
  };
  for (const [id, key, parse, label] of FIELDS) {
    const [v, err] = parse($(id).value);
    if (check(id, label, err)) s[key] = v;
  }
  s.augmentation = { ...(settings.augmentation || {}), flip: $('aug-flip').checked };
  for (const [id, key, parse, label] of AUGMENT) {
    const [v, err] = parse($(id).value);
    if (check(id, label, err)) s.augmentation[key] = v;
  }
  const [shape, shapeErr] = parseShape($('image-shape').value);
  if (check('image-shape', 'image.shape', shapeErr)) s.image_shape = shape;
  s.grayscale = $('image-colour').value !== 'rgb';
  for (const [id, key] of SELECTS) s[key] = $(id).value;
  s.mask = $('mask').checked;
  s.schedule = SCHEDULES[$('schedule').value];
  s.label_column = $('label-column').value || null;
  s.cleaning = {};
  for (const [id, key] of Object.entries(CLEANING)) s.cleaning[key] = $(id).checked;
  s.layers = s.preset === 'custom' ? customLayers : null;
  settings = s;
  setHtml($('setup-errors'), html`${errors.map((e) => html`<div class="err">${e}</div>`)}`);
  setHtml($('image-errors'), html`${imageErrors.map((e) => html`<div class="err">${e}</div>`)}`);
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
  const aug = settings.augmentation || {};
  for (const [id, key] of AUGMENT) $(id).value = Number(Number(aug[key] || 0).toPrecision(6));
  $('aug-flip').checked = !!aug.flip;
  $('image-shape').value = Array.isArray(settings.image_shape) ? settings.image_shape.join('x') : '';
  $('image-colour').value = settings.grayscale === false ? 'rgb' : 'gray';
  if (settings.preset === 'custom') customLayers = settings.layers;
}

// The settings in the address: short keys, readable values.
const URL_KEYS = { preset: 'model', learning_rate: 'lr', batch_size: 'bs', epochs: 'epochs', val_split: 'val', num_words: 'words', max_len: 'len', padding: 'pad', truncating: 'trunc', seed: 'seed', loss: 'loss', optimizer: 'opt', mask: 'mask' };
function settingsToHash() {
  const p = new URLSearchParams();
  for (const [k, short] of Object.entries(URL_KEYS)) p.set(short, settings[k]);
  if (dataKind === 'images') {
    const a = settings.augmentation || {};
    p.set('scale', settings.scaling);
    p.set('aug', [a.shift || 0, a.rotation || 0, a.zoom || 0, a.flip ? 1 : 0].join(','));
    if (settings.image_shape) p.set('shape', settings.image_shape.join('x'));
    p.set('size', settings.image_size);
    p.set('gray', settings.grayscale);
  }
  p.set('sched', $('schedule').value);
  p.set('backend', $('backend-select').value);
  if (settings.preset === 'custom') p.set('layers', JSON.stringify(customLayers));
  return '#' + p.toString();
}
// ---------------------------------------------------------------- checking links and stored settings
// Settings from the address (a shared link) or from storage are checked
// against what the page knows (the layer kinds and their fields, the
// presets, each field's range) before anything uses them. A value that
// fails is not used: the page keeps its own, and says which field and why,
// in the page's language. Problems are {key, params}; a param may itself
// be {key, params} (translated when shown).
const MAX_LAYERS = 64;
const SHOWN_CHARS = 60;
const shown = (v) => { const s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v); return s.length > SHOWN_CHARS ? s.slice(0, SHOWN_CHARS) + '…' : s; };
const optionValues = (id) => [...$(id).options].map((o) => o.value).filter(Boolean);
const oneOf = (choices) => (v) => (choices().includes(String(v)) ? [String(v), null] : [null, { key: 'settings.one_of', params: { choices: choices().join(', ') } }]);
const bool = (v) => (v === true || v === 'true' ? [true, null] : v === false || v === 'false' ? [false, null] : [null, { key: 'settings.bool' }]);
const numberField = (key) => FIELDS.find((f) => f[1] === key)[2].check;
const aug = (v) => {
  const parts = String(v).split(',');
  if (parts.length !== 4) return [null, { key: 'settings.aug_form' }];
  const out = {};
  for (let i = 0; i < 3; i++) {
    const [, key, parse, label] = AUGMENT[i];
    const [x, err] = parse.check(parts[i]);
    if (err) return [null, { key: 'settings.part', params: { part: { key: label }, error: err } }];
    out[key] = x;
  }
  if (parts[3] !== '0' && parts[3] !== '1') return [null, { key: 'settings.part', params: { part: { key: 'prep.flip' }, error: { key: 'settings.zero_one' } } }];
  out.flip = parts[3] === '1';
  return [out, null];
};
const shapeField = (v) => {
  const text = Array.isArray(v) ? v.join('x') : String(v);
  const [shape, err] = parseShape(text);
  return err ? [null, { key: 'image.bad_shape', params: { raw: shown(text) } }] : [shape, null];
};

// URL key → [settings key (null: not a setting), field label, check].
const URL_FIELDS = {
  model: ['preset', 'model.preset', oneOf(() => optionValues('model-preset'))],
  lr: ['learning_rate', 'setup.learning_rate', numberField('learning_rate')],
  bs: ['batch_size', 'setup.batch_size', numberField('batch_size')],
  epochs: ['epochs', 'setup.epochs', numberField('epochs')],
  val: ['val_split', 'setup.val_split', numberField('val_split')],
  words: ['num_words', 'setup.num_words', numberField('num_words')],
  len: ['max_len', 'setup.max_len', numberField('max_len')],
  pad: ['padding', 'setup.padding', oneOf(() => ['post', 'pre'])],
  trunc: ['truncating', 'setup.truncating', oneOf(() => ['post', 'pre'])],
  seed: ['seed', 'setup.seed', numberField('seed')],
  loss: ['loss', 'setup.loss', oneOf(() => optionValues('loss'))],
  opt: ['optimizer', 'setup.optimizer', oneOf(() => optionValues('optimizer'))],
  mask: ['mask', 'model.mask', bool],
  sched: ['schedule', 'setup.schedule', (v) => { const [k, err] = oneOf(() => Object.keys(SCHEDULES))(v); return err ? [null, err] : [SCHEDULES[k], null]; }],
  scale: ['scaling', 'prep.scaling', oneOf(() => ['unit', 'standardize'])],
  aug: ['augmentation', 'prep.title', aug],
  shape: ['image_shape', 'image.shape', shapeField],
  size: ['image_size', 'image.size', numberField('image_size')],
  gray: ['grayscale', 'image.colour', bool],
  backend: [null, 'setup.compute', oneOf(() => optionValues('backend-select'))],
  layers: ['layers', 'settings.layers', (v) => checkLayers(v)],
};

// The layer kinds the engine builds, the fields each takes with what a
// field may hold, where the editor's menus offer them, and the names an
// activation, gate or padding may take: one catalogue, from the layers'
// own files (src/nn/*.rs, through nn::catalogue_json), not a copy.
const CATALOGUE = engineModule.layer_catalogue();
const { activations: ACTIVATIONS, gates: GATES, paddings: PADDINGS } = CATALOGUE;
const KINDS = {
  count: (v) => (Number.isInteger(v) && v >= 1 && v <= 1_000_000 ? null : { key: 'model.bad_count' }),
  pair: (v) => ((Number.isInteger(v) && v >= 1 && v <= 512) || (Array.isArray(v) && v.length === 2 && v.every((x) => Number.isInteger(x) && x >= 1 && x <= 512)) ? null : { key: 'model.bad_pair' }),
  rate: (v) => (typeof v === 'number' && v >= 0 && v < 1 ? null : { key: 'model.bad_rate' }),
  fraction: (v) => (typeof v === 'number' && v >= 0 && v <= 1 ? null : { key: 'form.between', params: { min: 0, max: 1 } }),
  positive: (v) => (typeof v === 'number' && v > 0 && v < 1 ? null : { key: 'form.between', params: { min: 0, max: 1 } }),
  bool: (v) => (typeof v === 'boolean' ? null : { key: 'settings.bool' }),
  activation: (v) => (ACTIVATIONS.includes(v) ? null : { key: 'settings.one_of', params: { choices: ACTIVATIONS.join(', ') } }),
  gate: (v) => (GATES.includes(v) ? null : { key: 'settings.one_of', params: { choices: GATES.join(', ') } }),
  padding: (v) => (PADDINGS.includes(v) ? null : { key: 'settings.one_of', params: { choices: PADDINGS.join(', ') } }),
};
const LAYER_CATALOGUE = Object.fromEntries(CATALOGUE.layers.map((k) => [k.class, Object.fromEntries(k.fields.map((f) => [f.key, f.kind]))]));
// Fields a layer needs (the engine has no default for them).
const REQUIRED = Object.fromEntries(CATALOGUE.layers.map((k) => [k.class, k.fields.filter((f) => f.required).map((f) => f.key)]));

// A layer list (JSON text from a link, or a list from storage) → [layers, problem].
function checkLayers(raw) {
  let list = raw;
  if (typeof raw === 'string') {
    try { list = JSON.parse(raw); } catch (e) { return [null, { key: 'layers.not_json', params: { detail: String(e.message) } }]; }
  }
  if (list === null) return [null, null];
  if (!Array.isArray(list) || !list.every((l) => l && typeof l === 'object' && !Array.isArray(l))) return [null, { key: 'layers.not_list' }];
  if (list.length > MAX_LAYERS) return [null, { key: 'layers.too_many', params: { n: list.length, max: MAX_LAYERS } }];
  const out = [];
  for (const [i, l] of list.entries()) {
    const n = i + 1;
    if (!('type' in l)) return [null, { key: 'layers.no_type', params: { n } }];
    const type = l.type;
    if (typeof type !== 'string' || !Object.hasOwn(LAYER_CATALOGUE, type)) return [null, { key: 'layers.unknown_type', params: { n, type: shown(type), known: Object.keys(LAYER_CATALOGUE).join(', ') } }];
    const fields = LAYER_CATALOGUE[type];
    const layer = { type };
    for (const [name, value] of Object.entries(l)) {
      if (name === 'type') continue;
      if (!Object.hasOwn(fields, name)) return [null, { key: 'layers.unknown_field', params: { n, type, name: shown(name) } }];
      const err = KINDS[fields[name]](value);
      if (err) return [null, { key: 'layers.bad_field', params: { n, type, name, value: shown(value), error: err } }];
      layer[name] = value;
    }
    const missing = (REQUIRED[type] || []).find((name) => !(name in layer));
    if (missing) return [null, { key: 'layers.missing_field', params: { n, type, name: missing } }];
    out.push(layer);
  }
  return [out, null];
}

// Problems with the link's or the stored settings, shown until dismissed.
let settingProblems = [];
const translate = (m) => (typeof m === 'string' ? m : t(m.key, Object.fromEntries(Object.entries(m.params || {}).map(([k, v]) => [k, v && typeof v === 'object' && v.key ? translate(v) : v]))));
function renderSettingProblems() {
  const el = $('settings-problems');
  el.hidden = !settingProblems.length;
  setHtml(el, html`${settingProblems.map((p) => html`<p>${translate(p)}</p>`)}<button type="button" id="settings-problems-close" aria-label="${t('settings.dismiss')}">✕</button>`);
}
$('settings-problems').addEventListener('click', (e) => {
  if (e.target.id !== 'settings-problems-close') return;
  settingProblems = [];
  renderSettingProblems();
});
function problem(source, urlKey, label, value, error) {
  settingProblems.push({ key: 'settings.bad', params: { source: { key: 'settings.source.' + source }, field: { key: label }, name: urlKey, value: shown(value), error } });
}

// The settings a link carries (over `base`), checked; null when the
// address holds no settings.
function settingsFromHash(hash, base) {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  if (!p.has('model')) return null;
  const s = { ...base };
  for (const [short, value] of p) {
    if (!Object.hasOwn(URL_FIELDS, short)) { settingProblems.push({ key: 'settings.unknown', params: { name: shown(short) } }); continue; }
    const [key, label, check] = URL_FIELDS[short];
    const [v, err] = check(value);
    if (err) { problem('link', short, label, value, err); continue; }
    if (key) s[key] = v;
    else if (short === 'backend') $('backend-select').value = v;
  }
  return s;
}

// Settings kept by an earlier visit: each key the page knows is checked as
// a link's would be; one that fails is dropped (the default stays).
function checkStored(stored) {
  if (!stored || typeof stored !== 'object' || Array.isArray(stored)) return null;
  const s = { ...stored };
  for (const [short, [key, label, check]] of Object.entries(URL_FIELDS)) {
    if (!key || !(key in s) || (key === 'image_shape' && s[key] === null)) continue;
    let value = s[key];
    if (key === 'schedule') value = value && Object.keys(SCHEDULES).find((k) => SCHEDULES[k].kind === value.kind);
    if (key === 'augmentation') value = value && typeof value === 'object' ? [value.shift, value.rotation, value.zoom, value.flip ? 1 : 0].join(',') : value;
    const [v, err] = check(value);
    if (err) { problem('stored', short, label, s[key], err); delete s[key]; continue; }
    s[key] = v;
  }
  return s;
}

function persist() {
  try { localStorage.setItem(STORE_SETTINGS, JSON.stringify(settings)); } catch { /* storage full or disabled */ }
  // Only when it changed: replacing a history entry also stores the form's
  // state in it, which takes over a second with a huge paste in the box.
  const hash = settingsToHash();
  if (hash !== location.hash) history.replaceState(null, '', hash);
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
    setHtml($('setup-errors'), html`<div class="err">${e.message}</div>`);
    // A refused image setting is also shown beside the image fields.
    if (/^invalid value for (image|augment)/.test(e.english || '')) setHtml($('image-errors'), html`<div class="err">${e.message}</div>`);
    return false;
  } finally {
    refreshStatus();
  }
}

// ---------------------------------------------------------------- data
let dataReport = null;
let dataError = null; // the engine's refusal of the whole paste, if any
let dataKind = 'text';   // what the data section reads: 'text' or 'images'
let imageSource = null;  // images from 'csv' (the text box) or 'files' (dropped or picked)
let imageFiles = [];     // the last image files: [{file, path}]
let skippedFiles = [];   // paths of dropped files that are not images
let uploadedImageModel = false; // an uploaded model reads images
const MAX_FILES = 20000;
const IMAGE_NAME = /\.(png|jpe?g|gif|webp|bmp)$/i;

const isImageModel = () => dataKind === 'images' || uploadedImageModel;

// Show the controls of one kind of data and hide the other's.
function setKind(kind) {
  dataKind = kind === 'images' ? 'images' : 'text';
  try { localStorage.setItem(STORE_KIND, dataKind); } catch { /* storage disabled */ }
  const images = dataKind === 'images';
  $('kind-text').setAttribute('aria-pressed', String(!images));
  $('kind-images').setAttribute('aria-pressed', String(images));
  for (const el of document.querySelectorAll('.text-only')) el.hidden = images;
  for (const el of document.querySelectorAll('.image-only')) el.hidden = !images;
  for (const o of $('model-preset').options) {
    if (!o.dataset.kind) continue;
    const off = o.dataset.kind !== dataKind;
    o.hidden = off;
    o.disabled = off;
  }
  const ph = images ? 'data.placeholder_images' : 'data.placeholder';
  $('dataset-input').dataset.i18nPlaceholder = ph;
  $('dataset-input').placeholder = t(ph);
  renderPredictArea();
}

// The preset must suit the data: a text preset for text, image-cnn for images,
// a custom list without the other kind's layers.
function fitPresetToKind() {
  const preset = $('model-preset').value;
  let fits;
  if (preset === 'custom') {
    const types = (customLayers || []).map((l) => l.type);
    fits = dataKind === 'images' ? !types.some((x) => /^(Embedding|LSTM|GRU)$|1D$/.test(x)) : !types.some((x) => /2D$/.test(x));
  } else {
    const option = [...$('model-preset').options].find((o) => o.value === preset);
    fits = !!option && (!option.dataset.kind || option.dataset.kind === dataKind);
  }
  if (fits) return;
  $('model-preset').value = DEFAULT_PRESET[dataKind];
  if (settings) settings.preset = DEFAULT_PRESET[dataKind];
  customLayers = null;
}

// The engine picks image-cnn for images and lstm for text when it loads
// them: the form follows.
async function syncPreset() {
  try {
    const s = await call('settings');
    if (s.preset !== $('model-preset').value) {
      $('model-preset').value = s.preset;
      settings.preset = s.preset;
      if (s.preset !== 'custom') customLayers = null;
    }
  } catch { /* engine restarting */ }
}

// A pixel CSV: label, then many numbers (a header line may come first).
function looksLikePixels(text) {
  const lines = text.slice(0, 20000).split('\n', 6).map((l) => l.trim()).filter(Boolean).slice(0, 5);
  return lines.some((l) => {
    const cells = l.split(',');
    return cells.length >= 5 && cells.slice(1).filter((c) => c.trim() !== '' && Number.isFinite(Number(c))).length >= 0.9 * (cells.length - 1);
  });
}

function storeData(text) {
  if (text.length <= MAX_STORED) { try { localStorage.setItem(STORE_DATA, text); } catch { /* quota */ } }
}

// Whatever data the page holds, read again (after a worker restart, or a
// setting that changes how it is read).
async function reloadData() {
  if (dataKind === 'images' && imageSource === 'files' && imageFiles.length) return loadImageFiles(imageFiles);
  if (lastData) return loadData(lastData, { detect: false });
}

// Data loads overlap (a changed image size re-reads the files while new
// ones are dropped): only the newest may reach the engine and the report,
// so an older, slower one finishing last cannot bring back what was replaced.
let dataLoads = 0;
const superseded = (load) => load !== dataLoads;
// The engine's answer to data load `load`: {report} or {error}, or null
// when a newer load has replaced it.
async function loadCall(load, cmd, arg) {
  let answer;
  try { answer = { report: await call(cmd, arg), error: null }; } catch (error) { answer = { report: null, error }; }
  return superseded(load) ? null : answer;
}

// Pasted, dropped or stored text: with `detect`, a pixel CSV switches the
// page to images (and a tab-separated paste back to text).
async function loadData(text, { detect = true } = {}) {
  const load = ++dataLoads;
  lastData = text;
  storeData(text);
  if (detect && text.trim()) {
    const pixels = looksLikePixels(text);
    if (pixels && dataKind === 'text') setKind('images');
    else if (!pixels && dataKind === 'images' && text.split('\n', 1)[0].includes('\t')) setKind('text');
  }
  fitPresetToKind();
  uploadedImageModel = false;
  if (dataKind === 'images') return loadImageCsv(text);
  const report = $('parse-report');
  if (!text.trim()) { dataReport = null; dataError = null; setHtml(report, html`<p class="hint">${th('data.none')}</p>`); await refreshModel(); return; }
  setHtml(report, html`<p class="hint">${th('data.reading')}</p>`);
  const got = await loadCall(load, 'load_data', text);
  if (!got) return;
  ({ report: dataReport, error: dataError } = got);
  renderReport();
  await syncPreset();
  await refreshModel();
}

// Images from a CSV of label,p0,…,pN.
async function loadImageCsv(text) {
  const load = ++dataLoads;
  imageSource = 'csv';
  skippedFiles = [];
  $('drop-status').textContent = '';
  if (!text.trim()) { dataReport = null; dataError = null; renderReport(); renderAugment(); await refreshModel(); return; }
  setHtml($('parse-report'), html`<p class="hint">${th('data.reading')}</p>`);
  const got = await loadCall(load, 'load_image_csv', text);
  if (!got) return;
  ({ report: dataReport, error: dataError } = got);
  renderReport();
  await afterImages();
}

async function afterImages() {
  await syncPreset();
  await refreshModel();
  refreshAugmentPreview();
}

// Image files (dropped, picked, or a folder): decoded and resized here,
// labelled by the engine from each path's folder or label_ prefix.
async function loadImageFiles(entries) {
  const load = ++dataLoads;
  setKind('images');
  fitPresetToKind();
  uploadedImageModel = false;
  imageSource = 'files';
  imageFiles = entries.slice(0, MAX_FILES);
  const images = imageFiles.filter((e) => (e.file.type || '').startsWith('image/') || IMAGE_NAME.test(e.path));
  skippedFiles = imageFiles.filter((e) => !images.includes(e)).map((e) => e.path);
  // The text box no longer holds the data.
  $('dataset-input').value = '';
  lastData = '';
  storeData('');
  const size = settings.image_size || 28;
  const decoded = [];
  for (let i = 0; i < images.length; i++) {
    if (i % 25 === 0) $('drop-status').textContent = t('image.decoding', { i, n: images.length });
    decoded.push(await decodeImage(images[i].file, images[i].path, size));
    if (superseded(load)) return;
  }
  $('drop-status').textContent = entries.length > MAX_FILES ? t('image.too_many', { n: entries.length, max: MAX_FILES }) : '';
  setHtml($('parse-report'), html`<p class="hint">${th('data.reading')}</p>`);
  const got = await loadCall(load, 'load_image_files', decoded);
  if (!got) return;
  ({ report: dataReport, error: dataError } = got);
  // No image at all among the files: say so in the page's words.
  if (dataError && !images.length) dataError = { page: 'image.no_images', params: { n: imageFiles.length } };
  renderReport();
  await afterImages();
}

// One file → {path, width, height, rgba} at size×size (0×0 when it cannot
// be decoded: the engine reports it with its number).
async function decodeImage(file, path, size) {
  try {
    const bitmap = await createImageBitmap(file);
    const canvas = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(size, size) : Object.assign(document.createElement('canvas'), { width: size, height: size });
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    // Transparent parts read as white, as an image viewer shows them.
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, size, size);
    ctx.drawImage(bitmap, 0, 0, size, size);
    bitmap.close();
    return { path, width: size, height: size, rgba: new Uint8Array(ctx.getImageData(0, 0, size, size).data.buffer) };
  } catch {
    return { path, width: 0, height: 0, rgba: new Uint8Array(0) };
  }
}

// The files of a drop, folders walked (their names label the images). The
// entries must be taken before the first await.
function droppedEntries(dt) {
  const items = [...(dt.items || [])].filter((i) => i.kind === 'file');
  const entries = items.map((i) => (i.webkitGetAsEntry ? i.webkitGetAsEntry() : null));
  const files = [...(dt.files || [])];
  return async () => {
    if (entries.length && entries.every(Boolean) && entries.some((e) => e.isDirectory)) {
      const out = [];
      for (const e of entries) await walkEntry(e, '', out);
      return out;
    }
    return files.map((f) => ({ file: f, path: f.webkitRelativePath || f.name }));
  };
}
async function walkEntry(entry, prefix, out) {
  if (out.length >= MAX_FILES + 1) return;
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject)).catch(() => null);
    if (file) out.push({ file, path: prefix + entry.name });
  } else if (entry.isDirectory) {
    const reader = entry.createReader();
    for (;;) {
      const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject)).catch(() => []);
      if (!batch.length) break;
      for (const child of batch) await walkEntry(child, `${prefix}${entry.name}/`, out);
    }
  }
}

// The report of the last paste, in the current language.
function renderReport() {
  if (dataKind === 'images') { renderImageReport(); return; }
  const el = $('parse-report');
  if (dataError) { setHtml(el, html`<p class="err">${engineText(dataError.english)}</p>`); return; }
  const r = dataReport;
  if (!r) { setHtml(el, lastData.trim() ? html`` : html`<p class="hint">${th('data.none')}</p>`); return; }
  const notStored = lastData.length > MAX_STORED;
  const classes = r.classes.map((c) => html`<tr><td translate="no">${c.label}</td><td>${c.count}</td></tr>`);
  const rejected = r.rejected.map((x) => html`<li>${th('report.line', { line: x.line, reason: engineText(x.reason) })}</li>`);
  const warn = html`${r.warnings.map((w) => html`<p class="warn">⚠ ${engineText(w)}</p>`)}${notStored && html`<p class="warn">⚠ ${th('data.too_big_to_keep')}</p>`}`;
  const maxCount = Math.max(...r.lengths.histogram.map((h) => h[1]), 1);
  const histo = r.lengths.histogram.map((h) => html`<div data-style="height: ${Math.max(2, 50 * h[1] / maxCount)}px" title="${t('report.bin', { words: h[0], n: h[1] })}"></div>`);
  const cl = r.cleaning;
  const cleaning = [['html', cl.html_changed], ['urls', cl.urls_changed], ['unicode', cl.unicode_changed], ['whitespace', cl.whitespace_changed], ['empty', cl.empty_dropped], ['duplicates', cl.duplicates_dropped]]
    .filter(([, n]) => n > 0).map(([k, n]) => `${t('report.clean.' + k)}: ${n}`).join(', ');
  const preview = r.preview.map((p) => {
    const toks = p.tokens.map(([w, id, oov]) => html`<span class="tok${oov ? ' oov' : ''}" title="id ${id}${oov ? ' ' + t('report.oov') : ''}">${w}</span>`);
    const pads = p.ids.filter((i) => i === 0).length;
    return html`<li translate="no"><b>${p.label}</b> (${th('report.at_line', { line: p.line })}): ${toks}${pads ? html` <span class="tok pad">${th('report.padding', { n: pads })}</span>` : ''}</li>`;
  });
  const format = html`${th('report.format', { delimiter: t('delimiter.' + r.delimiter), column: t('column.' + r.label_column) })}${r.header && th('report.header', { header: r.header.join(' | ') })}`;
  setHtml(el, html`
    <div class="report-grid">
      <div>${th('report.accepted', { n: r.accepted })}${r.rejected_count ? th('report.rejected', { n: r.rejected_count }) : ''}
        <div class="hint">${format}</div>
        ${rejected.length ? html`<ul class="rejected">${rejected}</ul>` : ''}${cleaning && html`<div class="hint">${th('report.cleaning', { changes: cleaning })}</div>`}</div>
      <div><table><tr><th>${th('report.class')}</th><th>${th('report.rows')}</th></tr>${classes}</table></div>
      <div>${th('report.words', { n: r.vocabulary })}<div class="hint">${th('report.lengths', { median: r.lengths.median, p90: r.lengths.p90, max: r.lengths.max, share: (100 * r.lengths.truncated_share).toFixed(0) })}</div><div class="histo" aria-label="${t('report.lengths_label')}">${histo}</div></div>
    </div>${warn}
    <h3>${th('report.tokenizer')}</h3><ul class="preview">${preview}</ul>`);
}

// ---------------------------------------------------------------- pictures of pixels
// Display values in [0, 1], row-major [h, w, c]; single-channel values may
// go through a colour map instead of grey.
function pxCanvas(k, shape, css, label) {
  const [h, w] = shape;
  const s = css / Math.max(h, w);
  return html`<canvas class="px" data-px="${k}" width="${w}" height="${h}" data-style="width: ${Math.round(w * s)}px; height: ${Math.round(h * s)}px"${label ? html` role="img" aria-label="${label}"` : ''}></canvas>`;
}
function putPixels(canvas, values, [h, w, c], map) {
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    let r, g, b;
    if (map) [r, g, b] = map(values[i * c]);
    else if (c === 3) [r, g, b] = [values[3 * i] * 255, values[3 * i + 1] * 255, values[3 * i + 2] * 255];
    else r = g = b = values[i * c] * 255;
    img.data[4 * i] = r; img.data[4 * i + 1] = g; img.data[4 * i + 2] = b; img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}
// Fill the canvases pxCanvas(k, …) wrote into `root` from list[k].
function paintPixels(root, list) {
  for (const cv of root.querySelectorAll('canvas[data-px]')) {
    const item = list[Number(cv.dataset.px)];
    if (item) putPixels(cv, item.values, item.shape, item.map);
  }
}

// Weights: blue negative, white zero, red positive.
function diverging(v) {
  const a = Math.min(1, Math.abs(v));
  const [r, g, b] = v < 0 ? [33, 102, 172] : [178, 24, 43];
  return [255 + (r - 255) * a, 255 + (g - 255) * a, 255 + (b - 255) * a];
}
// Activations: black → purple → orange → pale yellow; negative ones blue.
const HEAT = [[0, 0, 4], [87, 16, 110], [188, 55, 84], [249, 142, 9], [252, 255, 164]];
function heat(v) {
  if (v < 0) { const a = Math.min(1, -v); return [20 * a, 90 * a, 230 * a]; }
  const x = Math.min(1, v) * (HEAT.length - 1);
  const i = Math.min(HEAT.length - 2, Math.floor(x));
  const f = x - i;
  return HEAT[i].map((c, k) => c + (HEAT[i + 1][k] - c) * f);
}

// Tiles of equal size in a grid on one canvas, each value a scale×scale block.
function drawTiles(canvas, tiles, { cols, scale, gap = 4, map, border }) {
  const th = Math.max(...tiles.map((t) => t.h)) * scale;
  const tw = Math.max(...tiles.map((t) => t.w)) * scale;
  const rows = Math.ceil(tiles.length / cols);
  const pad = border ? 1 : 0;
  canvas.width = Math.max(1, Math.min(cols, tiles.length) * (tw + gap) - gap + 2 * pad);
  canvas.height = Math.max(1, rows * (th + gap) - gap + 2 * pad);
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(canvas.width, canvas.height);
  img.data.fill(255);
  const put = (x, y, rgb) => {
    const o = 4 * (y * canvas.width + x);
    img.data[o] = rgb[0]; img.data[o + 1] = rgb[1]; img.data[o + 2] = rgb[2];
  };
  tiles.forEach((tile, k) => {
    const ox = pad + (k % cols) * (tw + gap);
    const oy = pad + Math.floor(k / cols) * (th + gap);
    if (border) {
      // A grey line around the tile, so pale tiles stand out from the page.
      for (let x = ox - 1; x <= ox + tile.w * scale; x++) { put(x, oy - 1, border); put(x, oy + tile.h * scale, border); }
      for (let y = oy; y < oy + tile.h * scale; y++) { put(ox - 1, y, border); put(ox + tile.w * scale, y, border); }
    }
    for (let y = 0; y < tile.h; y++) {
      for (let x = 0; x < tile.w; x++) {
        const i = y * tile.w + x;
        const rgb = tile.c === 3 ? [tile.values[3 * i] * 255, tile.values[3 * i + 1] * 255, tile.values[3 * i + 2] * 255] : map(tile.values[i]);
        for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) put(ox + x * scale + dx, oy + y * scale + dy, rgb);
      }
    }
  });
  ctx.putImageData(img, 0, 0);
}

// ---------------------------------------------------------------- image data report
const shapeText = ([h, w, c]) => `${h}×${w}×${c}`;

function renderImageReport() {
  const el = $('parse-report');
  const skipped = skippedFiles.length ? html`<p class="warn">⚠ ${th('image.skipped', { n: skippedFiles.length })} <span translate="no">${skippedFiles.slice(0, 8).join(', ')}${skippedFiles.length > 8 ? ', …' : ''}</span></p>` : '';
  if (dataError) {
    const msg = dataError.page ? t(dataError.page, dataError.params) : engineText(dataError.english);
    setHtml(el, html`<p class="err">${msg}</p>${skipped}`);
    return;
  }
  const r = dataReport;
  if (!r) { setHtml(el, html`<p class="hint">${th(imageSource === 'files' ? 'image.none' : 'data.none')}</p>`); return; }
  const files = imageSource === 'files';
  const c = r.shape[2];
  const classes = r.classes.map((x) => html`<tr><td translate="no">${x.label}</td><td>${x.count}</td></tr>`);
  const rejected = r.rejected.map((x) => html`<li>${th(files ? 'report.file' : 'report.line', { line: x.line, reason: engineText(x.reason) })}</li>`);
  const more = r.rejected_count > r.rejected.length ? html`<li class="hint">${th('report.more', { n: r.rejected_count - r.rejected.length })}</li>` : '';
  const warn = html`${r.warnings.map((x) => html`<p class="warn">⚠ ${engineText(x)}</p>`)}${lastData.length > MAX_STORED && html`<p class="warn">⚠ ${th('data.too_big_to_keep')}</p>`}${files && html`<p class="hint">${th('image.not_kept')}</p>`}`;
  const sc = r.scaling;
  const scaling = sc.kind === 'unit' ? th('image.scaling_unit', { max: Number(sc.max.toPrecision(4)) }) : th('image.scaling_std', { mean: sc.mean.toFixed(2), std: sc.std.toFixed(2) });
  const list = r.preview.map((p) => ({ values: p.pixels, shape: r.shape }));
  const preview = r.preview.map((p, k) => html`<figure>${pxCanvas(k, r.shape, 48, t('image.preview_alt', { label: p.label, line: p.line }))}<figcaption><b translate="no">${p.label}</b><br>${th(files ? 'image.at_file' : 'report.at_line', { line: p.line })}</figcaption></figure>`);
  setHtml(el, html`
    <div class="report-grid">
      <div>${th('image.accepted', { n: r.accepted })}${r.rejected_count ? th('report.rejected', { n: r.rejected_count }) : ''}
        <div class="hint">${th('image.shape_is', { shape: shapeText(r.shape), kind: t(c === 3 ? 'image.rgb' : 'image.gray') })}</div>
        <div class="hint">${scaling}</div>
        ${rejected.length ? html`<ul class="rejected">${rejected}${more}</ul>` : ''}</div>
      <div><table><tr><th>${th('report.class')}</th><th>${th('image.images')}</th></tr>${classes}</table></div>
    </div>${warn}${skipped}
    <h3>${th('image.preview')}</h3><div class="gallery" id="image-preview">${preview}</div>`);
  paintPixels(el, list);
  }

// ---------------------------------------------------------------- augmentation preview
// Six training images, each as stored and as five random draws of the
// seeded augmentation: exactly what the network is shown.
let augmentView = null;
let augmentTimer = null;
function refreshAugmentPreview() {
  clearTimeout(augmentTimer);
  augmentTimer = setTimeout(loadAugment, 100);
}
async function loadAugment() {
  if (dataKind !== 'images' || !dataReport) { augmentView = null; renderAugment(); return; }
  try {
    augmentView = { rows: await call('augment_preview', 6, 5) };
  } catch (e) {
    augmentView = { error: e.english || e.message };
  }
  renderAugment();
}
function renderAugment() {
  const el = $('augment-preview');
  const v = augmentView;
  if (!v || !dataReport) { setHtml(el, html``); return; }
  if (v.error) { setHtml(el, html`<p class="err">${engineText(v.error)}</p>`); return; }
  const shape = dataReport.shape;
  const a = settings.augmentation || {};
  const none = !a.shift && !a.rotation && !a.zoom && !a.flip;
  const list = [];
  const cell = (values, label) => { list.push({ values, shape }); return pxCanvas(list.length - 1, shape, 48, label); };
  const rows = v.rows.map((r) => html`<span class="lbl" translate="no">${r.label}</span>${cell(r.original, t('prep.original_alt', { label: r.label, line: r.line }))}<span class="sep"></span>${r.augmented.map((x, i) => cell(x, t('prep.variant_alt', { label: r.label, n: i + 1 })))}`);
  setHtml(el, html`<div class="aug-grid"><span></span><span class="head">${th('prep.original')}</span><span></span><span class="head span5">${th('prep.seen')}</span>${rows}</div>${none && html`<p class="hint">${th('prep.none')}</p>`}`);
  paintPixels(el, list);
}

// ---------------------------------------------------------------- model
function currentLayers() {
  const n = dataReport ? Math.max(dataReport.classes.length, 2) : 2;
  return settings.preset === 'custom' ? customLayers : presetLayers(settings.preset, settings, n);
}

// The add-layer menu for each kind of data, in the catalogue's order.
const menuOf = (kind) => CATALOGUE.layers.filter((k) => k.menu[kind] != null).sort((a, b) => a.menu[kind] - b.menu[kind]).map((k) => k.class);
const LAYER_TYPES = { text: menuOf('text'), images: menuOf('images') };
// Sizes Keras writes as one number or a pair: shown as "3" or "3×5".
const PAIRS = new Set(['kernel_size', 'strides', 'pool_size']);
const pairText = (v) => (Array.isArray(v) ? (v[0] === v[1] ? String(v[0]) : v.join('×')) : String(v));
function parsePair(raw) {
  const parts = raw.trim().split(/\s*[x×X,]\s*/).map(Number);
  if (!(parts.length === 1 || parts.length === 2) || !parts.every((v) => Number.isInteger(v) && v >= 1)) return null;
  return parts.length === 1 ? parts[0] : parts;
}
// The fields the editor shows for each kind: [key, label key, a new layer's value].
const LAYER_FIELDS = Object.fromEntries(CATALOGUE.layers.map((k) => [k.class, k.fields.filter((f) => f.editor).map((f) => [f.key, f.editor.label, f.editor.default])]));

function renderLayerEditor() {
  const layers = currentLayers();
  const editable = settings.preset === 'custom';
  const off = editable ? '' : html` disabled`;
  const rows = (layers || []).map((l, i) => {
    const fields = (LAYER_FIELDS[l.type] || []).map(([key, label, def]) => {
      const v = l[key] ?? def;
      if (typeof def === 'boolean') return html`<label><input type="checkbox" data-i="${i}" data-k="${key}"${v ? html` checked` : ''}${off}> ${th('field.' + label)}</label> `;
      if (key === 'activation' || key === 'padding') return html`<label>${th('field.' + label)} <select data-i="${i}" data-k="${key}" translate="no"${off}>${(key === 'padding' ? PADDINGS : ACTIVATIONS).map((a) => html`<option${a === v ? html` selected` : ''}>${a}</option>`)}</select></label> `;
      return html`<label>${th('field.' + label)} <input type="text" data-i="${i}" data-k="${key}" value="${PAIRS.has(key) ? pairText(v) : v}"${off}></label> `;
    });
    const tools = editable ? html`<button data-act="up" data-i="${i}" aria-label="${t('model.up', { n: i + 1 })}">↑</button><button data-act="down" data-i="${i}" aria-label="${t('model.down', { n: i + 1 })}">↓</button><button data-act="del" data-i="${i}" aria-label="${t('model.remove', { n: i + 1 })}">✕</button>` : '';
    return html`<div class="layer"><b translate="no">${i + 1}. ${l.type}</b> ${fields}${tools}</div>`;
  });
  setHtml($('layer-editor'), html`${rows}${editable
    ? html`<div class="row"><select id="add-layer-type" translate="no" aria-label="${t('model.add')}">${LAYER_TYPES[dataKind].map((x) => html`<option>${x}</option>`)}</select><button id="add-layer">${th('model.add')}</button></div>`
    : html`<p class="hint">${th('model.edit_hint')}</p>`}`);
}

$('layer-editor').addEventListener('change', (e) => {
  const input = e.target;
  if (input.dataset.i === undefined || !customLayers) return;
  const l = customLayers[Number(input.dataset.i)];
  const k = input.dataset.k;
  if (input.type === 'checkbox') l[k] = input.checked;
  else if (k === 'activation' || k === 'padding') l[k] = input.value;
  else if (PAIRS.has(k)) {
    const v = parsePair(input.value);
    input.classList.toggle('invalid', v === null);
    input.title = v === null ? t('model.bad_pair') : '';
    if (v === null) return;
    l[k] = v;
  } else {
    const v = Number(input.value);
    const bad = !Number.isFinite(v) || v <= 0 || (k !== 'rate' && !Number.isInteger(v)) || (k === 'rate' && v >= 1);
    input.classList.toggle('invalid', bad);
    input.title = bad ? (k === 'rate' ? t('model.bad_rate') : t('model.bad_count')) : '';
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
    customLayers = presetLayers(previous, settings, dataReport ? dataReport.classes.length : 2) || presetLayers(DEFAULT_PRESET[dataKind], settings, dataReport ? dataReport.classes.length : 2);
    settings.layers = customLayers;
  }
  if (settings.preset === 'custom' && !customLayers) customLayers = presetLayers(DEFAULT_PRESET[dataKind], settings, dataReport ? dataReport.classes.length : 2);
  if (settings.preset === 'custom') {
    // Keep the Embedding's rows and the output width in step with the data.
    for (const l of customLayers) if (l.type === 'Embedding') l.input_dim = settings.num_words;
  }
  renderLayerEditor();
  if (!(await applySettings())) return;
  if (awaitingImages()) {
    // Without images the engine cannot know the input's shape.
    summary = null;
    summaryError = null;
  } else {
    try {
      summary = await call('summary');
      summaryError = null;
    } catch (e) {
      summary = null;
      summaryError = e;
    }
  }
  renderSummary();
  await refreshStatus();
  refreshInsides(true);
  refreshImageInsides(true);
}

let summary = null;
let summaryError = null;
// Image mode before any images are loaded (or after a load failed).
const awaitingImages = () => dataKind === 'images' && !dataReport && !uploadedImageModel;
function renderSummary() {
  if (!summary && !summaryError && awaitingImages()) {
    setHtml($('model-summary'), html`<p class="hint">${th('model.wait_images')}</p>`);
    setHtml($('model-lints'), html``);
    return;
  }
  if (summaryError) {
    setHtml($('model-summary'), html`<p class="err">${engineText(summaryError.english)}</p>`);
    setHtml($('model-lints'), html``);
    return;
  }
  if (!summary) return;
  const s = summary;
  const rows = s.rows.map((r) => html`<tr><td translate="no">${r.name} (${r.class_name})</td><td>(None, ${r.output_shape.join(', ')})</td><td>${r.params.toLocaleString()}</td></tr>`);
  setHtml($('model-summary'), html`<div class="table-scroll"><table><tr><th>${th('summary.layer')}</th><th>${th('summary.shape')}</th><th>${th('summary.params')}</th></tr>${rows}<tr><td><b>${th('summary.total')}</b></td><td></td><td><b>${s.total_params.toLocaleString()}</b></td></tr></table></div>`);
  setHtml($('model-lints'), html`${s.lints.map((l, i) => html`<div class="lint">⚠ ${th('model.lint', { layer: l.layer, message: engineText(l.message) })} ${l.fix ? html`<button data-fix="${l.fix}" data-lint="${i}">${th('model.fix_mask')}</button>` : ''}</div>`)}`);
  // Shown beside the download button, before anything is downloaded.
  const tfjs = s.tfjs_incompatibilities || [];
  setHtml($('tfjs-warnings'), tfjs.length ? html`<p class="lint">⚠ ${th('keep.tfjs_heading')}</p><ul>${tfjs.map((m) => html`<li>${engineText(m)}</li>`)}</ul>` : html``);
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
  // The model's check needs the images' shape: not a fault before they load.
  if (awaitingImages()) missing = missing.filter((m) => !m.startsWith('model:')).map((m) => (m.startsWith('data: paste') ? t('missing.images') : m));
  const formErrors = $('setup-errors').textContent.trim();
  if (formErrors) missing.push(t('missing.fields'));
  $('missing').textContent = missing.length ? t('missing.before', { list: missing.map(engineText).join(' · ') }) : (epochs.length ? '' : t('missing.ready'));
  const steps = { data: !!dataReport && dataReport.classes.length > 1, model: !missing.some((m) => m.startsWith('model')) && !awaitingImages(), setup: !formErrors, training: epochs.length > 0, evaluation: epochs.length > 0, predict: epochs.length > 0 };
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
let lastProgress = null;   // the latest progress report, for re-rendering
let lastEvaluation = null; // the latest evaluation, for re-rendering

// The status beside the counters: a string key, or an engine message kept
// in English so a language switch can translate it again.
let trainStatus = null;
function setTrainStatus(s) { trainStatus = s; renderTrainStatus(); }
function renderTrainStatus() {
  const el = $('train-status');
  if (!trainStatus) el.textContent = '';
  else if (trainStatus.error !== undefined) setHtml(el, html`<span class="err">${engineText(trainStatus.error)}</span>`);
  else el.textContent = t(trainStatus.key, trainStatus.params);
}

function updateButtons() {
  for (const id of ['step-btn', 'epoch-btn', 'train-btn']) $(id).disabled = training || !canTrain;
  $('pause-btn').disabled = !training;
}

async function train(mode) {
  if (!(await applySettings()) || !canTrain) return;
  training = true;
  updateButtons();
  setTrainStatus(mode === 'run' ? { key: 'status.training' } : null);
  try { await call('train', mode); } catch (e) { training = false; updateButtons(); setTrainStatus({ error: e.english || e.message }); }
}
$('step-btn').onclick = () => train('batch');
$('epoch-btn').onclick = () => train('epoch');
$('train-btn').onclick = () => train('run');
$('pause-btn').onclick = () => call('pause');
$('reset-btn').onclick = async () => {
  await call('reset');
  batches = []; epochs = []; lastProgress = null; lastEvaluation = null;
  for (const id of ['train-loss', 'val-accuracy', 'samples-per-second', 'eta']) $(id).textContent = '–';
  $('epoch-count').textContent = '0'; $('batch-count').textContent = '0'; $('progress-bar').style.width = '0';
  renderEvaluation();
  setTrainStatus({ key: 'status.reset' });
  chartsDirty = true;
  refreshStatus();
  refreshInsides(true);
  refreshImageInsides(true);
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
    if (p.backend) $('backend').textContent = p.backend;
    lastProgress = p;
    renderEta();
    const total = p.epochs * p.batches_per_epoch;
    $('progress-bar').style.width = `${Math.min(100, 100 * (p.epoch * p.batches_per_epoch + p.batch) / Math.max(total, 1))}%`;
    if (p.stopped) setTrainStatus({ error: p.stopped });
    else if (p.done) setTrainStatus({ key: 'status.finished' });
    chartsDirty = true;
    refreshInsides(false);
  } else if (m.event === 'evaluation' && m.value) {
    lastEvaluation = m.value;
    renderEvaluation();
    refreshImageInsides(false);
  } else if (m.event === 'stopped') {
    training = false;
    if (trainStatus && trainStatus.key === 'status.training') setTrainStatus({ key: 'status.paused' });
    updateButtons();
    refreshStatus();
    predictNow();
    refreshInsides(true);
    refreshImageInsides(true);
  } else if (m.event === 'error') {
    setTrainStatus({ error: m.error });
    if (m.fatal) recover(m.error);
  }
}

function renderEta() {
  const p = lastProgress;
  $('eta').textContent = !p ? '–' : p.done ? t('stats.done') : t('stats.seconds', { n: Math.round(p.eta_seconds) });
}

function renderEvaluation() {
  const ev = lastEvaluation;
  if (!ev) {
    setHtml($('metrics'), html`<p class="hint">${th('eval.wait')}</p>`);
    setHtml($('worst'), html``); setHtml($('worst-gallery'), html``); $('eval-epoch').textContent = '';
    $('confusion-matrix').setAttribute('aria-label', t('cm.empty'));
    return;
  }
  const r = ev.report;
  $('val-accuracy').textContent = r.accuracy.toFixed(4);
  $('eval-epoch').textContent = t('eval.after', { n: ev.epoch });
  const rows = r.per_class.map((c) => html`<tr><td translate="no">${c.label}</td><td>${fmt(c.precision)}</td><td>${fmt(c.recall)}</td><td>${fmt(c.f1)}</td><td>${c.support}</td></tr>`);
  setHtml($('metrics'), html`<p>${th('eval.summary', { acc: fmt(r.accuracy), macro: fmt(r.macro_f1), weighted: fmt(r.weighted_f1), loss: fmt(ev.loss) })}</p>
    <div class="table-scroll"><table><tr><th>${th('eval.class')}</th><th>${th('eval.precision')}</th><th>${th('eval.recall')}</th><th>${th('eval.f1')}</th><th>${th('eval.support')}</th></tr>${rows}</table></div>`);
  draw_confusion_matrix('confusion-matrix', r.confusion_matrix, r.classes, { predicted: t('cm.predicted'), true: t('cm.true') });
  $('confusion-matrix').setAttribute('aria-label', t('cm.alt', { rows: r.confusion_matrix.map((row, i) => `${r.classes[i]}: ${row.join(' ')}`).join('; ') }));
  setHtml($('worst'), ev.worst.length
    ? html`${ev.worst.map((w) => html`<li>${th('eval.worst_row', { line: w.line, truth: w.truth, predicted: w.predicted, p: w.truth_probability.toFixed(3) })}<span translate="no">${w.text}</span></li>`)}`
    : html`<li class="hint">${th('eval.none_wrong')}</li>`);
  renderGallery(ev);
}

// The misclassified validation images, worst first: true → predicted (p).
function renderGallery(ev) {
  const el = $('worst-gallery');
  const shape = dataReport && dataReport.shape;
  const shown = shape ? ev.worst.filter((w) => w.image) : [];
  if (!shown.length) { setHtml(el, html`<p class="hint">${th(ev.worst.length ? 'eval.gallery_no_pictures' : 'eval.none_wrong')}</p>`); return; }
  const list = shown.map((w) => ({ values: w.image, shape }));
  setHtml(el, html`${shown.map((w, k) => {
    const params = { line: w.line, truth: w.truth, predicted: w.predicted, p: w.truth_probability.toFixed(2) };
    return html`<figure title="${t('eval.gallery_title', params)}">${pxCanvas(k, shape, 56, t('eval.gallery_alt', params))}<figcaption translate="no"><b>${w.truth}</b> → <b class="err">${w.predicted}</b><br>(${params.p})</figcaption></figure>`;
  })}`);
  paintPixels(el, list);
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
  draw_line_chart('loss-chart', { title: t('chart.loss'), x_label: t('chart.step'), series: [
    { name: t('chart.train_raw'), points: thin(loss), color: blue, faint: true },
    { name: t('chart.train_smooth'), points: thin(smooth(loss)), color: blue },
    { name: t('chart.validation'), points: epochs.filter((e) => e.val_loss !== null).map((e) => [vx(e), e.val_loss]), color: orange },
  ] });
  draw_line_chart('accuracy-chart', { title: t('chart.accuracy'), x_label: t('chart.step'), y_min: 0, y_max: 1, series: [
    { name: t('chart.train_raw'), points: thin(acc), color: blue, faint: true },
    { name: t('chart.train_smooth'), points: thin(smooth(acc)), color: blue },
    { name: t('chart.validation'), points: epochs.filter((e) => e.val_accuracy !== null).map((e) => [vx(e), e.val_accuracy]), color: green },
  ] });
  draw_line_chart('lr-chart', { title: t('chart.lr'), x_label: t('chart.step'), y_min: 0, series: [
    { name: t('chart.learning_rate'), points: thin(batches.map((b) => [b.step, b.learning_rate])), color: [120, 80, 190] },
  ] });
  const last = batches[batches.length - 1];
  const lastEpoch = epochs[epochs.length - 1];
  $('loss-chart').setAttribute('aria-label', last ? t('chart.loss_alt', { loss: fmt(last.loss) }) + (lastEpoch ? t('chart.val_loss_alt', { loss: fmt(lastEpoch.val_loss) }) : '') : t('chart.loss_none'));
  $('accuracy-chart').setAttribute('aria-label', last ? t('chart.acc_alt', { acc: fmt(last.accuracy) }) + (lastEpoch ? t('chart.val_acc_alt', { acc: fmt(lastEpoch.val_accuracy) }) : '') : t('chart.acc_none'));
}
function frame() {
  // Redraw at most four times a second while training streams in.
  if (chartsDirty && performance.now() - lastDraw > 250) drawCharts();
  requestAnimationFrame(frame);
}

// ---------------------------------------------------------------- predict
let predictTimer = null;
async function predictNow() {
  if (isImageModel()) { predictPad(); return; }
  const text = $('predict-input').value;
  const out = $('predict-output');
  if (!text.trim()) { setHtml(out, html``); return; }
  try {
    const p = await call('predict', text);
    const bars = probabilityBars(p.probabilities);
    const toks = p.tokens.length
      ? p.tokens.map(([w, id, oov]) => html`<span class="tok${oov ? ' oov' : ''}" title="id ${id}" translate="no">${w}</span>`)
      : html`<span class="hint">${th('predict.no_tokens')}</span>`;
    setHtml(out, html`<p>${th('predict.label', { label: p.label })}</p><div class="bars" translate="no">${bars}</div><p class="hint">${th('predict.tokens')}</p><div>${toks}</div>`);
  } catch (e) {
    setHtml(out, html`<p class="hint">${e.message}</p>`);
  }
}
$('predict-input').addEventListener('input', () => { clearTimeout(predictTimer); predictTimer = setTimeout(predictNow, 150); });

// Probability bars, the top class highlighted.
function probabilityBars(probabilities) {
  const top = Math.max(...probabilities.map((x) => x[1]));
  return probabilities.map(([label, v]) => html`<div class="bar${v === top ? ' top' : ''}"><span>${label}</span><div class="fill" data-style="width: ${(100 * v).toFixed(1)}%"></div><span>${(100 * v).toFixed(1)}%</span></div>`);
}

// ---------------------------------------------------------------- drawing pad
// White ink on black, like the digits; a thick round brush for the mouse,
// a pen or a finger. Predicts while drawing (at most ~7 times a second)
// and on release.
function renderPredictArea() {
  const images = isImageModel();
  $('pad-area').hidden = !images;
  $('predict-input').hidden = images;
  $('image-insides').hidden = !images;
}
const pad = $('pad');
const padCtx = pad.getContext('2d', { willReadFrequently: true });
let padInk = false;
let padDrawing = false;
let padLast = null;
let padBusy = false;
let padAgain = false;
let padTimer = null;
let padAt = 0;
let padPrediction = null; // {value} or {error}

function clearPad() {
  padCtx.fillStyle = '#000';
  padCtx.fillRect(0, 0, pad.width, pad.height);
  padInk = false;
  padPrediction = null;
  padAgain = false;
  stopPadTimer();
  renderPadPrediction();
}
function padPoint(e) {
  const r = pad.getBoundingClientRect();
  return [(e.clientX - r.left) * pad.width / r.width, (e.clientY - r.top) * pad.height / r.height];
}
function padStroke(from, to) {
  padCtx.strokeStyle = '#fff';
  padCtx.lineWidth = pad.width / 10;
  padCtx.lineCap = 'round';
  padCtx.lineJoin = 'round';
  padCtx.beginPath();
  padCtx.moveTo(from[0], from[1]);
  padCtx.lineTo(to[0], to[1]);
  padCtx.stroke();
  padInk = true;
}
function stopPadTimer() {
  clearTimeout(padTimer);
  padTimer = null;
}
function schedulePadPredict() {
  stopPadTimer();
  const wait = 150 - (performance.now() - padAt);
  if (wait <= 0) predictPad(); else padTimer = setTimeout(() => { padTimer = null; predictPad(); }, wait);
}
// The prediction shown while a stroke goes on is of part of it; the output
// says aria-busy until the one shown is of the drawing as it stands, so a
// screen reader (and a test) waits for that one.
function padSettled() {
  return !padDrawing && !padBusy && !padAgain && padTimer === null;
}
pad.addEventListener('pointerdown', (e) => {
  if (e.button > 0) return;
  e.preventDefault();
  try { pad.setPointerCapture(e.pointerId); } catch { /* a pointer the browser no longer tracks */ }
  padDrawing = true;
  $('predict-output').setAttribute('aria-busy', 'true');
  padLast = padPoint(e);
  padStroke(padLast, padLast);
  schedulePadPredict();
});
pad.addEventListener('pointermove', (e) => {
  if (!padDrawing) return;
  const p = padPoint(e);
  padStroke(padLast, p);
  padLast = p;
  schedulePadPredict();
});
for (const type of ['pointerup', 'pointercancel']) {
  pad.addEventListener(type, () => {
    if (!padDrawing) return;
    padDrawing = false;
    stopPadTimer();
    predictPad();
  });
}
$('pad-clear').onclick = clearPad;

async function predictPad() {
  if (!padInk) { padPrediction = null; renderPadPrediction(); return; }
  if (padBusy) { padAgain = true; return; }
  padBusy = true;
  padAt = performance.now();
  const d = padCtx.getImageData(0, 0, pad.width, pad.height).data;
  const pixels = new Float32Array(pad.width * pad.height);
  for (let i = 0; i < pixels.length; i++) pixels[i] = d[4 * i] / 255;
  let answer;
  try {
    answer = { value: await call('predict_image', pixels, pad.width, pad.height) };
  } catch (e) {
    answer = { error: e.english || e.message };
  } finally {
    padBusy = false;
  }
  // A pad cleared while the answer was on its way keeps its empty message.
  if (padInk) padPrediction = answer;
  renderPadPrediction();
  if (padAgain) { padAgain = false; predictPad(); }
}

function renderPadPrediction() {
  if (!isImageModel()) return;
  const out = $('predict-output');
  out.setAttribute('aria-busy', padSettled() ? 'false' : 'true');
  const v = padPrediction;
  if (!v) { setHtml(out, html`<p class="hint">${th(padInk ? 'pad.predicting' : 'pad.empty')}</p>`); return; }
  if (v.error) { setHtml(out, html`<p class="hint">${engineText(v.error)}</p>`); return; }
  const p = v.value.prediction;
  const [h, w] = v.value.shape;
  setHtml(out, html`<p>${th('predict.label', { label: p.label })}</p><div class="bars" translate="no">${probabilityBars(p.probabilities)}</div>
    <div class="seen">${pxCanvas(0, v.value.shape, 96, t('pad.seen_alt', { h, w }))}<span class="hint">${th(v.value.framed ? 'pad.seen' : 'pad.seen_whole', { h, w })}</span></div>`);
  paintPixels(out, [{ values: v.value.input, shape: v.value.shape }]);
}

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
  if (!json || !bin) { showBanner(t('keep.both_files')); return; }
  try {
    const text = await json.text();
    await call('import_model', text, new Uint8Array(await bin.arrayBuffer()));
    // A model whose input is [batch, height, width, channels] reads images.
    uploadedImageModel = /"batch_input_shape"\s*:\s*\[\s*null\s*(,\s*\d+\s*){3}\]/.test(text);
    renderPredictArea();
    settings = await call('settings');
    writeForm();
    showBanner('');
    setTrainStatus({ key: 'status.loaded', params: { name: json.name } });
    await refreshModel();
    predictNow();
  } catch (err) { showBanner(err.message); }
};
$('link-btn').onclick = async () => {
  persist();
  try { await navigator.clipboard.writeText(location.href); $('link-btn').textContent = t('keep.copied'); } catch { $('link-btn').textContent = t('keep.in_address'); }
};

// ---------------------------------------------------------------- visualisers
// Leaky ReLU's negative slope, as typed (Keras's 0.2 when unusable).
function leakySlope() {
  const v = Number($('leaky-slope').value);
  const ok = $('leaky-slope').value.trim() !== '' && Number.isFinite(v) && Math.abs(v) <= 10;
  fieldError('leaky-slope', ok ? null : t('field.out_of_range'));
  return ok ? v : 0.2;
}

function drawVisualisers() {
  const picks = [...document.querySelectorAll('#activation-picks input[type=checkbox]:checked')].map((c) => c.value);
  const range = Math.abs(Number($('activation-range').value)) || 5;
  fieldError('activation-range', Number.isFinite(Number($('activation-range').value)) ? null : t('field.a_number'));
  const slope = leakySlope();
  draw_activations('activation-chart', picks, -range, range, slope, { caption: t('act.caption') });
  $('leaky-slope-mn').textContent = slope;
  $('activation-chart').setAttribute('aria-label', t('act.alt', { names: picks.map((p) => t('act.' + p)).join(', ') || t('act.none'), lo: -range, hi: range }));
  const mode = $('loss-mode').value;
  const target = Number($('loss-target').value);
  const delta = Number($('loss-delta').value);
  fieldError('loss-target', Number.isFinite(target) ? null : t('field.a_number'));
  fieldError('loss-delta', Number.isFinite(delta) && delta > 0 ? null : t('field.positive'));
  const words = canvasWords('loss.', ['x_probability', 'x_prediction', 'loss', 'gradient_logit', 'gradient', 'cross_entropy', 'squared_error', 'cross_entropy_grad', 'squared_error_grad']);
  draw_losses('loss-visualiser', mode, Number.isFinite(target) ? target : 1, Number.isFinite(delta) && delta > 0 ? delta : 1, words);
  $('loss-visualiser').setAttribute('aria-label', mode === 'classification'
    ? t('loss.alt_class', { y: target >= 0.5 ? 1 : 0 })
    : t('loss.alt_reg', { delta, y: target }));
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
  const rows = activation_values(picks, x, leakySlope());
  setHtml($('activation-readout'), html`x = ${x.toFixed(2)}${rows.map(([n, f, d]) => html`<br>${n}: f = ${f.toFixed(3)}, f′ = ${d.toFixed(3)}`)}`);
});

// The optimizer race: recomputed from the start each frame (cheap), so the
// controls can change at any time.
let raceSteps = 0;
let racing = false;
function drawRace() {
  const lr = Number($('race-lr').value), b1 = Number($('race-b1').value), b2 = Number($('race-b2').value);
  const ok = [['race-lr', lr > 0 && lr < 10], ['race-b1', b1 >= 0 && b1 < 1], ['race-b2', b2 >= 0 && b2 < 1]];
  for (const [id, good] of ok) fieldError(id, good ? null : t('field.out_of_range'));
  if (ok.some(([, good]) => !good)) return;
  const losses = draw_optimizer_race('optimizer-visualiser', $('race-surface').value, lr, b1, b2, raceSteps);
  $('race-steps').textContent = raceSteps;
  $('optimizer-visualiser').setAttribute('aria-label', t('race.alt', { surface: $('race-surface').selectedOptions[0].text, n: raceSteps, losses: losses.map(([n, v]) => `${n} ${v === null ? t('race.diverged') : v.toFixed(3)}`).join(', ') }));
}
function raceFrame() {
  if (!racing) return;
  raceSteps = Math.min(raceSteps + 2, 500);
  drawRace();
  if (raceSteps >= 500) { racing = false; renderRacePlay(); return; }
  requestAnimationFrame(raceFrame);
}
function renderRacePlay() { $('race-play').textContent = t(racing ? 'race.pause' : 'race.play'); }
$('race-play').onclick = () => { racing = !racing; renderRacePlay(); if (racing) requestAnimationFrame(raceFrame); };
$('race-step').onclick = () => { raceSteps += 1; drawRace(); };
$('race-reset').onclick = () => { raceSteps = 0; drawRace(); };
for (const id of ['race-surface', 'race-lr', 'race-b1', 'race-b2']) $(id).addEventListener('input', drawRace);

// ---------------------------------------------------------------- wiring
let dataTimer = null;
$('dataset-input').addEventListener('input', () => { clearTimeout(dataTimer); dataTimer = setTimeout(() => loadData($('dataset-input').value), 300); });
$('sample-select').onchange = async () => {
  const key = $('sample-select').value;
  if (!key) return;
  $('sample-source').dataset.i18n = SAMPLES[key].source;
  $('sample-source').textContent = t(SAMPLES[key].source);
  const res = await fetch(SAMPLES[key].url);
  if (!res.ok) { showBanner(t('data.sample_failed', { status: res.status })); return; }
  const text = await res.text();
  setKind(SAMPLES[key].kind);
  $('dataset-input').value = text;
  await loadData(text, { detect: false });
};
// Text or images: the text box is read again as the chosen kind.
for (const [id, kind] of [['kind-text', 'text'], ['kind-images', 'images']]) {
  $(id).addEventListener('click', async () => {
    if (kind === dataKind) return;
    setKind(kind);
    if (kind === 'images' && imageFiles.length && !$('dataset-input').value.trim()) await loadImageFiles(imageFiles);
    else await loadData($('dataset-input').value, { detect: false });
  });
}
for (const id of FIELDS.map((f) => f[0]).filter((id) => id !== 'image-size')) $(id).addEventListener('change', () => refreshModel());
// How images are read: the data is read again.
$('image-shape').addEventListener('change', async () => { if (await applySettings() && dataKind === 'images' && imageSource !== 'files') await loadImageCsv($('dataset-input').value); else refreshModel(); });
for (const id of ['image-size', 'image-colour']) $(id).addEventListener('change', async () => { if (await applySettings() && imageSource === 'files' && imageFiles.length) await loadImageFiles(imageFiles); else refreshModel(); });
$('scaling').addEventListener('change', async () => { if (await applySettings()) await reloadData(); });
// Augmentation steers training without resetting it; the preview follows.
let augmentFieldTimer = null;
async function augmentChanged() {
  clearTimeout(augmentFieldTimer);
  if (await applySettings()) refreshAugmentPreview();
}
for (const [id] of AUGMENT) {
  $(id).addEventListener('input', () => { clearTimeout(augmentFieldTimer); augmentFieldTimer = setTimeout(augmentChanged, 400); });
  $(id).addEventListener('change', augmentChanged);
}
$('aug-flip').addEventListener('change', augmentChanged);
$('image-files').addEventListener('change', async (e) => {
  const files = [...e.target.files].map((f) => ({ file: f, path: f.name }));
  e.target.value = '';
  if (files.length) await loadImageFiles(files);
});
$('image-folder').addEventListener('change', async (e) => {
  const files = [...e.target.files].map((f) => ({ file: f, path: f.webkitRelativePath || f.name }));
  e.target.value = '';
  if (files.length) await loadImageFiles(files);
});
for (const id of ['loss', 'optimizer', 'padding', 'truncating', 'schedule', 'mask']) $(id).addEventListener('change', () => refreshModel());
$('seed').addEventListener('change', () => refreshAugmentPreview());
$('model-preset').addEventListener('change', () => refreshModel());
for (const id of ['label-column', ...Object.keys(CLEANING)]) $(id).addEventListener('change', async () => { if (await applySettings()) await loadData($('dataset-input').value); });
$('backend-select').addEventListener('change', () => { applyBackend(); persist(); });

// Tell the engine where to train; it answers with the backend it took and
// why (gpu asks the browser for WebGPU the first time).
let backendNote = '';
async function applyBackend() {
  try {
    const r = await call('set_backend', $('backend-select').value);
    $('backend').textContent = r.backend;
    backendNote = r.note;
  } catch (e) {
    backendNote = e.english || e.message;
  }
  describeBackend();
}
function describeBackend() {
  $('backend-why').textContent = backendNote ? `(${engineText(backendNote)})` : '';
  describeEngineBuild();
}

// Which of the engine's two wasm builds the worker loaded, and why.
let engineBuild = null;
async function askEngineBuild() {
  try { engineBuild = await call('engine'); } catch { engineBuild = null; }
  describeEngineBuild();
}
function describeEngineBuild() {
  const e = engineBuild;
  if (!e || !e.build) { $('engine-build').textContent = ''; return; }
  let key = 'engine.relaxed';
  if (e.build !== 'relaxed-simd') key = e.plain_asked ? 'engine.simd128_asked' : e.relaxed_failed ? 'engine.simd128_failed' : 'engine.simd128';
  $('engine-build').textContent = t(key);
  $('engine-build').dataset.build = e.build;
}

// Drop a file anywhere on the page.
document.addEventListener('dragover', (e) => { e.preventDefault(); document.body.classList.add('dragging'); });
document.addEventListener('dragleave', () => document.body.classList.remove('dragging'));
// One text file is read as data (a pixel CSV switches to images); image
// files and folders are images, labelled by folder or label_ prefix.
document.addEventListener('drop', async (e) => {
  e.preventDefault();
  document.body.classList.remove('dragging');
  const entries = await droppedEntries(e.dataTransfer)();
  if (!entries.length) return;
  const one = entries.length === 1 ? entries[0] : null;
  if (one && !IMAGE_NAME.test(one.path) && !(one.file.type || '').startsWith('image/')) {
    const text = await one.file.text();
    $('dataset-input').value = text;
    await loadData(text);
    return;
  }
  await loadImageFiles(entries);
});

// ---------------------------------------------------------------- inside the model
// Histograms of weights, activations and gradients, and an LSTM's gates.
// While training they refresh at most every 1.5 s (the engine computes them
// between training slices).
let insidesAt = 0;
let insidesBusy = false;
let insidesView = null;
async function refreshInsides(force) {
  if (!force && (!$('insides-live').checked || performance.now() - insidesAt < 1500)) return;
  if (insidesBusy || !settings) return;
  if (!canTrain) { insidesView = null; renderInsides(); return; }
  insidesBusy = true;
  insidesAt = performance.now();
  const layer = $('gate-layer').value === '' ? -1 : Number($('gate-layer').value);
  const example = Math.max(1, Math.floor(Number($('gate-example').value)) || 1) - 1;
  try {
    // The engine shows the chosen LSTM, or the model's first one.
    insidesView = await call('insides', example, layer);
  } catch (e) {
    insidesView = { error: e.english || e.message };
  } finally {
    insidesBusy = false;
  }
  renderInsides();
}

function renderInsides() {
  const v = insidesView;
  const msg = $('insides-message');
  const chart = $('insides-chart');
  if (!v || v.error) {
    msg.textContent = v ? engineText(v.error) : t('insides.wait');
    chart.hidden = true; $('gate-heatmap').hidden = true;
    return;
  }
  msg.textContent = '';
  chart.hidden = false;
  const height = insides_canvas_height(v.insides.layers.length);
  if (chart.height !== height) chart.height = height;
  const words = canvasWords('insides.', ['weights', 'activations', 'gradients', 'examples', 'of_step', 'no_step', 'step', 'no_weights', 'not_yet', 'zeros']);
  draw_insides('insides-chart', v.insides, words);
  const m = (h) => (h ? h.mean.toFixed(3) : '–');
  chart.setAttribute('aria-label', t('insides.alt', { step: v.insides.step, layers: v.insides.layers.map((l) => t('insides.alt_layer', { name: l.name, wm: m(l.weights), ws: l.weights ? l.weights.std.toFixed(3) : '–', am: m(l.activations) })).join('; ') }));
  // The LSTM layer choice follows the model.
  const options = v.lstm_layers.map(([i]) => String(i)).join();
  const current = [...$('gate-layer').options].map((o) => o.value).join();
  if (options !== current) setHtml($('gate-layer'), html`${v.lstm_layers.map(([i, name]) => html`<option value="${i}">${name}</option>`)}`);
  $('gate-layer').disabled = !v.lstm_layers.length;
  const ex = v.example;
  if (ex) $('gate-layer').value = String(ex.layer);
  $('gate-heatmap').hidden = !ex;
  if (!ex) {
    $('gate-heatmap').setAttribute('aria-label', t('gates.none'));
    $('gate-example-info').textContent = v.lstm_layers.length ? '' : t('gates.none');
    $('gate-example-text').textContent = '';
    return;
  }
  $('gate-example-info').textContent = t('gates.example_text', { index: ex.index + 1, count: ex.count, line: ex.line, label: ex.label });
  $('gate-example-text').textContent = ex.text;
  const gwords = canvasWords('gates.', ['input_gate', 'forget_gate', 'output_gate', 'units']);
  draw_gates('gate-heatmap', ex.gates, ex.tokens, gwords);
  const mean = (rows) => (rows.flat().reduce((a, b) => a + b, 0) / Math.max(1, rows.flat().length)).toFixed(2);
  $('gate-heatmap').setAttribute('aria-label', t('gates.alt', { layer: ex.gates.layer, steps: ex.gates.steps.length, i: mean(ex.gates.input), f: mean(ex.gates.forget), o: mean(ex.gates.output) }));
}
$('insides-refresh').onclick = () => refreshInsides(true);
$('gate-layer').addEventListener('change', () => refreshInsides(true));
$('gate-example').addEventListener('change', () => refreshInsides(true));

// ---------------------------------------------------------------- filters and feature maps
// The first Conv2D's kernels, and what each image layer makes of one
// validation image; refreshed after each epoch (at most once a second),
// when training stops and when the section is opened.
let imageInsides = null;
let imageInsidesAt = 0;
let imageInsidesBusy = false;
let imageInsidesAgain = false;
async function refreshImageInsides(force) {
  if (!isImageModel() || !$('image-insides').open) return;
  if (!force && performance.now() - imageInsidesAt < 1000) return;
  if (imageInsidesBusy) { imageInsidesAgain = true; return; }
  if (!dataReport && !uploadedImageModel) { imageInsides = null; renderImageInsides(); return; }
  imageInsidesBusy = true;
  imageInsidesAt = performance.now();
  const index = Math.max(1, Math.floor(Number($('maps-index').value)) || 1) - 1;
  const view = {};
  try { view.filters = await call('filters'); } catch (e) { view.filtersError = e.english || e.message; }
  try { view.maps = await call('feature_maps', index); } catch (e) { view.mapsError = e.english || e.message; }
  imageInsides = view;
  imageInsidesBusy = false;
  renderImageInsides();
  if (imageInsidesAgain) { imageInsidesAgain = false; refreshImageInsides(true); }
}

function renderImageInsides() {
  const v = imageInsides;
  const canvas = $('filters-canvas');
  const msg = $('filters-message');
  if (!v) {
    msg.textContent = t('insides.wait');
    canvas.hidden = true;
    setHtml($('feature-maps'), html``);
    $('maps-info').textContent = '';
    return;
  }
  // Filters: one tile per filter, its kh×kw weights (RGB when the input has three channels).
  if (v.filters) {
    const f = v.filters;
    const [kh, kw] = f.kernel;
    const tiles = f.filters.map((w) => {
      if (f.channels === 3) return { h: kh, w: kw, c: 3, values: w.map((x) => (x + 1) / 2) };
      const values = [];
      for (let i = 0; i < kh * kw; i++) {
        let sum = 0;
        for (let ch = 0; ch < f.channels; ch++) sum += w[i * f.channels + ch];
        values.push(sum / f.channels);
      }
      return { h: kh, w: kw, values };
    });
    drawTiles(canvas, tiles, { cols: Math.min(16, tiles.length), scale: Math.max(4, Math.floor(42 / Math.max(kh, kw))), gap: 6, map: diverging, border: [170, 176, 188] });
    canvas.hidden = false;
    canvas.setAttribute('aria-label', t('filters.alt', { n: tiles.length, kh, kw, layer: f.layer, scale: f.scale.toFixed(3) }));
    msg.textContent = t('filters.info', { layer: f.layer, n: tiles.length, kh, kw, channels: f.channels, scale: f.scale.toFixed(3) });
  } else {
    canvas.hidden = true;
    msg.textContent = engineText(v.filtersError);
  }
  // Feature maps: the input, then a grid of channels per layer.
  const el = $('feature-maps');
  if (!v.maps) {
    setHtml(el, html`<p class="hint">${engineText(v.mapsError)}</p>`);
    $('maps-info').textContent = '';
    return;
  }
  const m = v.maps;
  $('maps-index').value = m.index + 1;
  $('maps-info').textContent = t('maps.info', { index: m.index + 1, count: m.count, line: m.line, label: m.label, predicted: m.predicted });
  const layers = m.layers.map((l, k) => html`<div class="maps-layer"><h5 translate="no">${l.name} <span>(${l.class_name}, ${shapeText(l.shape)}${l.maps.length < l.shape[2] ? html` — ${th('maps.first', { n: l.maps.length })}` : ''})</span></h5><canvas data-layer="${k}" role="img" aria-label="${t('maps.alt', { name: l.name, n: l.maps.length, h: l.shape[0], w: l.shape[1] })}"></canvas></div>`);
  setHtml(el, html`<div class="maps-input">${pxCanvas(0, m.shape, 64, t('maps.input_alt', { label: m.label }))}<span>${th('maps.input', { label: m.label, predicted: m.predicted })}</span></div>${layers.length ? layers : html`<p class="hint">${th('maps.none')}</p>`}`);
  paintPixels(el, [{ values: m.image, shape: m.shape }]);
  for (const cv of el.querySelectorAll('canvas[data-layer]')) {
    const l = m.layers[Number(cv.dataset.layer)];
    const [h, w] = l.shape;
    drawTiles(cv, l.maps.map((values) => ({ h, w, values })), { cols: Math.min(16, l.maps.length), scale: Math.max(2, Math.floor(48 / Math.max(h, w))), gap: 4, map: heat });
  }
}
$('image-insides').addEventListener('toggle', () => refreshImageInsides(true));
$('maps-index').addEventListener('change', () => refreshImageInsides(true));
$('maps-prev').onclick = () => { $('maps-index').value = Math.max(1, (Number($('maps-index').value) || 1) - 1); refreshImageInsides(true); };
$('maps-next').onclick = () => { $('maps-index').value = (Number($('maps-index').value) || 0) + 1; refreshImageInsides(true); };

// ---------------------------------------------------------------- language
// Switching keeps every state: the static labels are refilled and each
// dynamic part is drawn again from what the page already holds.
function renderLanguage(code) {
  setLanguage(code);
  $('lang-select').value = language();
  renderSettingProblems();
  renderReport();
  renderSummary();
  renderLayerEditor();
  readForm();
  renderTrainStatus();
  renderEta();
  renderEvaluation();
  describeBackend();
  renderRacePlay();
  drawCharts();
  drawVisualisers();
  drawRace();
  renderInsides();
  renderAugment();
  renderImageInsides();
  refreshStatus();
  predictNow();
}
$('lang-select').addEventListener('change', () => renderLanguage($('lang-select').value));

async function main() {
  setLanguage(preferredLanguage());
  $('lang-select').value = language();
  renderEvaluation();
  startWorker();
  const defaults = await call('default_settings').catch(() => null);
  settings = defaults || {};
  let stored = null;
  try { stored = checkStored(JSON.parse(localStorage.getItem(STORE_SETTINGS))); } catch { /* none */ }
  settings = settingsFromHash(location.hash, { ...settings, ...(stored || {}) }) || { ...settings, ...(stored || {}) };
  renderSettingProblems();
  writeForm();
  setKind(localStorage.getItem(STORE_KIND) === 'images' ? 'images' : 'text');
  fitPresetToKind();
  clearPad();
  await askEngineBuild();
  await applyBackend();
  // The engine reads the data with the stored settings (image shape, cleaning).
  await applySettings();
  const data = localStorage.getItem(STORE_DATA);
  if (data) { $('dataset-input').value = data; await loadData(data, { detect: false }); } else { renderReport(); await refreshModel(); }
  drawCharts();
  drawVisualisers();
  drawRace();
  renderRacePlay();
  refreshInsides(true);
  requestAnimationFrame(frame);
  document.body.dataset.ready = 'true';
}
main().catch((e) => showBanner(t('banner.failed', { message: e.message })));
