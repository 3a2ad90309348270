// The address: the settings written into it (short keys, readable
// values), and a link's or storage's settings read back and checked, row
// by row of the settings table (settings-table.js); what failed is shown.
import { t } from '../i18n.js';
import { html, setHtml } from '../html.js';
import { state } from './state.js';
import { shown, translate } from './checks.js';
import { $ } from './dom.js';
import { SETTINGS } from './settings-table.js';

// The rows a link may carry, by address key.
const BY_ADDRESS = Object.fromEntries(SETTINGS.filter((r) => r.address).map((r) => [r.address, r]));
// A row's value: in the settings, or (the backend, the sample, run=1) in
// its control or the page.
const valueOf = (r, s, extra) => (r.key ? s[r.key] : r.read($(r.id), s, extra)[0]);

// The settings in the address, in the table's order; image settings only
// for image data. `extra`: what a copied link adds ({run: true, backend:
// the one 'auto' picked}).
export function settingsToHash(s, extra = {}) {
  const p = new URLSearchParams();
  for (const r of SETTINGS) {
    if (!r.address || (r.image && state.dataKind !== 'images') || (r.only && !r.only(s))) continue;
    const v = valueOf(r, s, extra);
    if (r.optional && v == null) continue;
    p.set(r.address, r.format(v));
  }
  return '#' + p.toString();
}

// Settings from the address (a shared link) or from storage are checked
// against what the page knows (the layer kinds and their fields, the
// presets, each field's range) before anything uses them. A value that
// fails is not used: the page keeps its own, and says which field and why,
// in the page's language.
// Problems with the link's or the stored settings, shown until dismissed.
let settingProblems = [];
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
// A problem found elsewhere (the generation task's link, gpt-settings.js).
export function addSettingProblem(p) { settingProblems.push(p); }
function problem(source, urlKey, label, value, error) {
  settingProblems.push({ key: 'settings.bad', params: { source: { key: 'settings.source.' + source }, field: { key: label }, name: urlKey, value: shown(value), error } });
}

// The settings a link carries (over `base`), checked; null when the
// address holds no settings.
export function settingsFromHash(hash, base) {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  if (!p.has('model')) return null;
  state.link = { sample: null, run: false };
  const s = { ...base };
  for (const [address, value] of p) {
    if (!Object.hasOwn(BY_ADDRESS, address)) { settingProblems.push({ key: 'settings.unknown', params: { name: shown(address) } }); continue; }
    const r = BY_ADDRESS[address];
    const [v, err] = r.parse(value, shown);
    if (err) { problem('link', address, r.label, value, err); continue; }
    if (r.key) s[r.key] = v;
    else r.write($(r.id), v);
  }
  return s;
}

// Settings kept by an earlier visit: each key a link may carry is checked
// as a link's would be (in the address's words); one that fails is dropped
// (the default stays).
export function checkStored(stored) {
  if (!stored || typeof stored !== 'object' || Array.isArray(stored)) return null;
  const s = { ...stored };
  for (const r of SETTINGS) {
    if (!r.address || !r.key || !(r.key in s) || (r.optional && s[r.key] === null)) continue;
    const [v, err] = r.parse(r.format(s[r.key]), shown);
    if (err) { problem('stored', r.address, r.label, s[r.key], err); delete s[r.key]; continue; }
    s[r.key] = v;
  }
  return s;
}
