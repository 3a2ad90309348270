// The settings: the form's tables (numbers, augmentation, menus, cleaning,
// schedules) drive reading the form into state.settings, writing it back,
// the address (short keys) and storage; applySettings sends them to the
// engine. links.js checks what a link or storage brings against the same
// tables.
import { t } from '../i18n.js';
import { html, setHtml } from '../html.js';
import { engineModule } from './engine-instance.js';
import { state } from './state.js';
import { $, fieldError } from './dom.js';
import { refreshStatus } from './status.js';
import { call } from './worker-client.js';

export const STORE_SETTINGS = 'gradlab.settings';

// A preset's layers as the engine builds them (src/presets.rs); null for
// 'custom' or an unknown name.
export const presetLayers = (name, s, n) => (name ? engineModule.preset_layers(name, s.num_words, n, s.mask) : null);
// The preset each kind of data starts with.
export const DEFAULT_PRESET = { text: 'lstm', images: 'image-cnn' };

export const SCHEDULES = {
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
export const FIELDS = [
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
export const AUGMENT = [
  ['aug-shift', 'shift', num(0, 0.5, false), 'prep.shift'],
  ['aug-rotation', 'rotation', num(0, 180, false), 'prep.rotation'],
  ['aug-zoom', 'zoom', num(0, 0.9, false), 'prep.zoom'],
];
// Fields of the image preparation, whose errors also show beside them.
const IMAGE_FIELDS = new Set(['image-shape', 'image-size', 'aug-shift', 'aug-rotation', 'aug-zoom']);
const SELECTS = [['loss', 'loss'], ['optimizer', 'optimizer'], ['padding', 'padding'], ['truncating', 'truncating'], ['model-preset', 'preset'], ['scaling', 'scaling']];

// "8x8", "28×28×1", "32,32,3" → [h, w, c]; blank → null (inferred).
export function parseShape(raw) {
  const text = raw.trim();
  if (!text) return [null, null];
  const parts = text.split(/\s*[x×X,]\s*/).map(Number);
  if (!(parts.length === 2 || parts.length === 3) || !parts.every((v) => Number.isInteger(v) && v >= 1)) return [null, t('image.bad_shape', { raw })];
  return [[parts[0], parts[1], parts.length === 3 ? parts[2] : 1], null];
}
export const CLEANING = { 'clean-html': 'strip_html', 'clean-urls': 'strip_urls', 'clean-unicode': 'normalize_unicode', 'clean-whitespace': 'normalize_whitespace', 'clean-empty': 'drop_empty', 'clean-duplicates': 'drop_duplicates' };

// Read the form into `state.settings`; returns the list of field errors.
export function readForm() {
  const errors = [];
  const imageErrors = [];
  const s = { ...state.settings };
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
  s.augmentation = { ...(state.settings.augmentation || {}), flip: $('aug-flip').checked };
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
  s.layers = s.preset === 'custom' ? state.customLayers : null;
  state.settings = s;
  setHtml($('setup-errors'), html`${errors.map((e) => html`<div class="err">${e}</div>`)}`);
  setHtml($('image-errors'), html`${imageErrors.map((e) => html`<div class="err">${e}</div>`)}`);
  return errors;
}

export function writeForm() {
  // f32 settings arrive as 0.20000000298…: show the decimal the user typed.
  for (const [id, key] of FIELDS) $(id).value = Number(Number(state.settings[key]).toPrecision(6));
  for (const [id, key] of SELECTS) $(id).value = state.settings[key];
  $('mask').checked = state.settings.mask;
  $('schedule').value = Object.keys(SCHEDULES).find((k) => SCHEDULES[k].kind === (state.settings.schedule && state.settings.schedule.kind)) || 'constant';
  $('label-column').value = state.settings.label_column || '';
  for (const [id, key] of Object.entries(CLEANING)) $(id).checked = !!(state.settings.cleaning && state.settings.cleaning[key]);
  const aug = state.settings.augmentation || {};
  for (const [id, key] of AUGMENT) $(id).value = Number(Number(aug[key] || 0).toPrecision(6));
  $('aug-flip').checked = !!aug.flip;
  $('image-shape').value = Array.isArray(state.settings.image_shape) ? state.settings.image_shape.join('x') : '';
  $('image-colour').value = state.settings.grayscale === false ? 'rgb' : 'gray';
  if (state.settings.preset === 'custom') state.customLayers = state.settings.layers;
}

// The settings in the address: short keys, readable values.
const URL_KEYS = { preset: 'model', learning_rate: 'lr', batch_size: 'bs', epochs: 'epochs', val_split: 'val', num_words: 'words', max_len: 'len', padding: 'pad', truncating: 'trunc', seed: 'seed', loss: 'loss', optimizer: 'opt', mask: 'mask' };
function settingsToHash() {
  const p = new URLSearchParams();
  for (const [k, short] of Object.entries(URL_KEYS)) p.set(short, state.settings[k]);
  if (state.dataKind === 'images') {
    const a = state.settings.augmentation || {};
    p.set('scale', state.settings.scaling);
    p.set('aug', [a.shift || 0, a.rotation || 0, a.zoom || 0, a.flip ? 1 : 0].join(','));
    if (state.settings.image_shape) p.set('shape', state.settings.image_shape.join('x'));
    p.set('size', state.settings.image_size);
    p.set('gray', state.settings.grayscale);
  }
  p.set('sched', $('schedule').value);
  p.set('backend', $('backend-select').value);
  if (state.settings.preset === 'custom') p.set('layers', JSON.stringify(state.customLayers));
  return '#' + p.toString();
}

export function persist() {
  try { localStorage.setItem(STORE_SETTINGS, JSON.stringify(state.settings)); } catch { /* storage full or disabled */ }
  // Only when it changed: replacing a history entry also stores the form's
  // state in it, which takes over a second with a huge paste in the box.
  const hash = settingsToHash();
  if (hash !== location.hash) history.replaceState(null, '', hash);
}

// Send the settings to the engine. A rejected field is shown beside it.
export async function applySettings() {
  const errors = readForm();
  if (errors.length) { refreshStatus(); return false; }
  try {
    await call('set_settings', state.settings);
    persist();
    return true;
  } catch (e) {
    setHtml($('setup-errors'), html`<div class="err">${e.message}</div>`);
    // A refused image setting is also shown beside the image fields.
    if (/^(image|augment)_/.test(e.field || '')) setHtml($('image-errors'), html`<div class="err">${e.message}</div>`);
    return false;
  } finally {
    refreshStatus();
  }
}
