// The generation task's form: one row a setting of the engine's LmSettings,
// as settings-table.js lists the classifier's. Epochs, batch size, learning
// rate, validation split and seed share the set-up's fields with the
// classifier (the task switch writes each task's values into them); the
// tokenizer, the context and the model's sizes are the task's own.
import { t } from '../i18n.js';
import { html, setHtml } from '../html.js';
import { refreshLmBackend } from './backend.js';
import { state } from './state.js';
import { numCheck, shown, translate } from './checks.js';
import { $, fieldError } from './dom.js';
import { addSettingProblem } from './links.js';
import { runRow, sampleRow } from './settings-table.js';
import { STORE_LM_SETTINGS } from './storage.js';
import { call } from './worker-client.js';

const number = (min, max, int = false) => {
  const parse = numCheck(min, max, int);
  return { parse, read: (el) => parse(el.value), write: (el, v) => { el.value = Number(Number(v).toPrecision(6)); } };
};
const whole = (min, max) => number(min, max, true);
// Blank: every character or word (512 pairs for bpe).
const optionalWhole = (min, max) => {
  const parse = numCheck(min, max, true);
  return { parse: (v) => (String(v ?? '').trim() === '' ? [null, null] : parse(v)), read: (el) => (el.value.trim() === '' ? [null, null] : parse(el.value)), write: (el, v) => { el.value = v == null ? '' : String(v); } };
};
const TOKENIZERS = ['char', 'word', 'bpe'];
const tokenizer = () => ({
  parse: (v) => (TOKENIZERS.includes(String(v)) ? [String(v), null] : [null, { key: 'settings.one_of', params: { choices: TOKENIZERS.join(', ') } }]),
  read: (el) => [el.value, null],
  write: (el, v) => { el.value = v; },
});

// [id, key, key in the address, label, kind, where its problems are listed]
export const LM_ROWS = [
  ['tokenizer-select', 'tokenizer', 'tok', 'gen.tokenizer', tokenizer(), 'text-errors'],
  ['vocab-size', 'vocab', 'vocab', 'gen.vocab', optionalWhole(2, 100_000), 'text-errors'],
  ['context-length', 'context', 'ctx', 'gen.context', whole(2, 1024), 'text-errors'],
  ['gpt-layers', 'layers', 'blocks', 'gen.blocks', whole(1, 12), 'gpt-errors'],
  ['gpt-heads', 'heads', 'heads', 'gen.heads', whole(1, 16), 'gpt-errors'],
  ['gpt-d-model', 'd_model', 'd', 'gen.d_model', whole(4, 1024), 'gpt-errors'],
  ['gpt-ffn', 'ffn', 'ffn', 'gen.ffn', whole(1, 4096), 'gpt-errors'],
  ['epochs', 'epochs', 'epochs', 'setup.epochs', whole(1, 100_000), 'setup-errors'],
  ['batch-size', 'batch_size', 'bs', 'setup.batch_size', whole(1, 1024), 'setup-errors'],
  ['learning-rate', 'learning_rate', 'lr', 'setup.learning_rate', number(1e-7, 1), 'setup-errors'],
  ['val-split', 'val_split', 'val', 'setup.val_split', number(0, 0.5), 'setup-errors'],
  ['seed', 'seed', 'seed', 'setup.seed', whole(0, 2 ** 32), 'setup-errors'],
].map(([id, key, address, label, kind, list]) => ({ id, key, address, label, list, ...kind }));
export const LM_IDS = new Set(LM_ROWS.map((r) => r.id));
// What a link says besides the settings, as the classifier's table has it:
// the sample the text is, and run=1.
const LM_PAGE_ROWS = [['sample', 'data.sample', sampleRow('generate')()], ['run', 'settings.run', runRow()]]
  .map(([address, label, kind]) => ({ address, label, format: String, ...kind }));

// The form → state.lmSettings; a field that fails keeps its setting and is
// marked, its problem listed in its card. Returns the problems.
export function readLmForm() {
  const s = { ...state.lmSettings };
  const lists = { 'text-errors': [], 'gpt-errors': [], 'setup-errors': [] };
  for (const r of LM_ROWS) {
    const [v, err] = r.read($(r.id));
    const text = err && translate(err);
    if (r.id !== 'tokenizer-select') fieldError(r.id, text);
    if (err) lists[r.list].push(t('form.error', { field: t(r.label), error: text }));
    else s[r.key] = v;
  }
  state.lmSettings = s;
  for (const [id, errors] of Object.entries(lists)) setHtml($(id), html`${errors.map((e) => html`<div class="err">${e}</div>`)}`);
  state.lmFormErrors = Object.values(lists).reduce((n, l) => n + l.length, 0);
  return state.lmFormErrors;
}

export function writeLmForm() {
  for (const r of LM_ROWS) { r.write($(r.id), state.lmSettings[r.key]); fieldError(r.id, null); }
  for (const id of ['text-errors', 'gpt-errors', 'setup-errors']) setHtml($(id), html``);
}

// Settings kept by an earlier visit, each checked as the form's would be
// (one that fails keeps the default).
export function storedLmSettings(defaults) {
  const s = { ...defaults };
  let stored = null;
  try { stored = JSON.parse(localStorage.getItem(STORE_LM_SETTINGS)); } catch { /* none */ }
  if (!stored || typeof stored !== 'object' || Array.isArray(stored)) return s;
  for (const r of LM_ROWS) {
    if (!(r.key in stored)) continue;
    const [v, err] = r.parse(stored[r.key] ?? '');
    if (!err) s[r.key] = v;
  }
  return s;
}

// The address of the generation task: #task=generate&tok=char&ctx=64…, so a
// link reproduces a run (the seed included); the text itself is not in it.
// `extra`: what a copied link adds ({run: true}).
export function lmHash(s = state.lmSettings, extra = {}) {
  const p = new URLSearchParams({ task: 'generate' });
  for (const r of LM_ROWS) if (s[r.key] != null) p.set(r.address, String(s[r.key]));
  for (const r of LM_PAGE_ROWS) {
    const [v] = r.read(null, s, extra);
    if (v != null) p.set(r.address, r.format(v));
  }
  return '#' + p.toString();
}
export function writeLmHash() {
  const hash = lmHash();
  if (hash !== location.hash) history.replaceState(null, '', hash);
}

// The settings a generation link carries (over `base`), each checked as
// the form's; one that fails or is unknown is not used, and the page says
// so. Null when the address is not a generation link.
export function lmSettingsFromHash(hash, base) {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  if (p.get('task') !== 'generate') return null;
  state.link = { sample: null, run: false };
  const s = { ...base };
  for (const [address, value] of p) {
    if (address === 'task') continue;
    const r = LM_ROWS.find((x) => x.address === address) || LM_PAGE_ROWS.find((x) => x.address === address);
    if (!r) { addSettingProblem({ key: 'settings.unknown', params: { name: shown(address) } }); continue; }
    const [v, err] = r.parse(value);
    if (err) { addSettingProblem({ key: 'settings.bad', params: { source: { key: 'settings.source.link' }, field: { key: r.label }, name: address, value: shown(value), error: err } }); continue; }
    if (r.key) s[r.key] = v;
    else r.write(null, v);
  }
  return s;
}

// Send the form to the engine: {ok, report} (report: the text cut again,
// when the change needs it), or {ok: false, error}. A refused field is marked.
export async function applyLmSettings() {
  if (readLmForm()) return { ok: false };
  try {
    const report = await call('lm_set_settings', state.lmSettings);
    try { localStorage.setItem(STORE_LM_SETTINGS, JSON.stringify(state.lmSettings)); } catch { /* storage full or disabled */ }
    writeLmHash();
    refreshLmBackend();
    return { ok: true, report };
  } catch (e) {
    const row = LM_ROWS.find((r) => r.key === e.field);
    if (row) fieldError(row.id, e.message);
    setHtml($(row ? row.list : 'gpt-errors'), html`<div class="err">${e.message}</div>`);
    // The engine keeps its previous settings.
    try { state.lmSettings = { ...state.lmSettings, ...(await call('lm_settings')) }; } catch { /* keep the form's */ }
    return { ok: false, error: e };
  }
}
