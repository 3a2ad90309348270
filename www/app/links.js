// Checking links and stored settings, and showing what failed.
import { t } from '../i18n.js';
import { html, setHtml } from '../html.js';
import { ACTIVATIONS, CATALOGUE, GATES, PADDINGS } from './catalogue.js';
import { $ } from './dom.js';
import { AUGMENT, FIELDS, SCHEDULES, parseShape } from './settings.js';

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
export function renderSettingProblems() {
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
export function settingsFromHash(hash, base) {
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
export function checkStored(stored) {
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
