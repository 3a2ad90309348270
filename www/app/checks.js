// The checks a setting's value goes through, wherever it comes from (the
// form, a link, storage), and the layer list's check against the engine's
// catalogue. Each returns [value, problem]; a problem is {key, params}, a
// param possibly a problem itself, translated only when shown (translate),
// so a message follows a language switch.
import { t } from '../i18n.js';
import { ACTIVATIONS, CATALOGUE, GATES, PADDINGS } from './catalogue.js';

// A value as a message shows it: text, cut short.
const SHOWN_CHARS = 60;
export const shown = (v) => { const s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v); return s.length > SHOWN_CHARS ? s.slice(0, SHOWN_CHARS) + '…' : s; };
export const translate = (m) => (typeof m === 'string' ? m : t(m.key, Object.fromEntries(Object.entries(m.params || {}).map(([k, v]) => [k, v && typeof v === 'object' && v.key ? translate(v) : v]))));

export const numCheck = (min, max, int) => (raw) => {
  const text = String(raw).trim();
  const v = Number(text);
  if (text === '' || !Number.isFinite(v)) return [null, { key: 'form.not_number', params: { raw: String(raw).slice(0, 60) } }];
  if (int && !Number.isInteger(v)) return [null, { key: 'form.whole' }];
  if (v < min || v > max) return [null, { key: 'form.between', params: { min, max } }];
  return [v, null];
};
export const oneOf = (choices) => (v) => (choices().includes(String(v)) ? [String(v), null] : [null, { key: 'settings.one_of', params: { choices: choices().join(', ') } }]);
export const bool = (v) => (v === true || v === 'true' ? [true, null] : v === false || v === 'false' ? [false, null] : [null, { key: 'settings.bool' }]);
export const zeroOne = (v) => (v === '0' || v === '1' ? [v === '1', null] : [null, { key: 'settings.zero_one' }]);

// "8x8", "28×28×1", "32,32,3" → [h, w, c]; blank → null (inferred). `show`
// gives the text as the message quotes it.
export function parseShape(raw, show = (x) => x) {
  const text = String(raw).trim();
  if (!text) return [null, null];
  const parts = text.split(/\s*[x×X,]\s*/).map(Number);
  if (!(parts.length === 2 || parts.length === 3) || !parts.every((v) => Number.isInteger(v) && v >= 1)) return [null, { key: 'image.bad_shape', params: { raw: show(raw) } }];
  return [[parts[0], parts[1], parts.length === 3 ? parts[2] : 1], null];
}

// A layer list: each kind and field the engine's catalogue names, each
// value of the kind that field holds, the fields it needs present.
const MAX_LAYERS = 64;
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

// JSON text from a link, or a value from storage → [value, problem].
function fromJson(raw) {
  if (typeof raw !== 'string') return [raw, null];
  try { return [JSON.parse(raw), null]; } catch (e) { return [null, { key: 'layers.not_json', params: { detail: String(e.message) } }]; }
}

// An uploaded graph's wiring: for each layer the outputs it reads (0 the
// model's input, k layer k's), as JSON. Whether it fits its layers is the
// engine's to say (it names the layer); here only its form and size.
export function checkWiring(raw) {
  const [list, bad] = fromJson(raw);
  if (bad || list === null) return [null, bad];
  const index = (j) => Number.isInteger(j) && j >= 0 && j <= MAX_LAYERS;
  if (!Array.isArray(list) || !list.every((from) => Array.isArray(from) && from.length >= 1 && from.length <= MAX_LAYERS && from.every(index))) return [null, { key: 'wiring.not_list' }];
  if (list.length > MAX_LAYERS) return [null, { key: 'layers.too_many', params: { n: list.length, max: MAX_LAYERS } }];
  return [list.map((from) => [...from]), null];
}

// A layer list (JSON text from a link, or a list from storage) → [layers, problem].
export function checkLayers(raw) {
  const [list, bad] = fromJson(raw);
  if (bad || list === null) return [null, bad];
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
      // null is Keras's None: the default (value_dim = key_dim, say), as
      // the engine writes an unset optional field.
      if (value === null && !(REQUIRED[type] || []).includes(name)) continue;
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
