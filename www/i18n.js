// The page's languages. Strings live in lang/en.js and lang/zh.js (one file
// a language), the engine's messages in lang/engine/en.js and zh.js; this
// module picks a language, fills the page's marked elements, and renders
// the engine's messages ({code, params}) in it. A language's two files are
// fetched when it is first shown (loadLanguage), so the first load carries
// one language, not both: the catalogues are complete in each (the strings
// and engine-messages tests), so nothing falls back to another.
import { Html, esc } from './html.js';

const LANGS = {
  en: { html: 'en', files: () => Promise.all([import('./lang/en.js'), import('./lang/engine/en.js')]) },
  zh: { html: 'zh-CN', files: () => Promise.all([import('./lang/zh.js'), import('./lang/engine/zh.js')]) },
};
const none = {};
export const STORE_LANG = 'gradlab.lang';
let current = 'en';

export const languages = () => Object.keys(LANGS);
export const language = () => current;

// A stored choice wins; else the browser's first language we speak.
export function preferredLanguage() {
  try {
    const stored = localStorage.getItem(STORE_LANG);
    if (stored && LANGS[stored]) return stored;
  } catch { /* storage disabled */ }
  for (const l of navigator.languages || [navigator.language || 'en']) {
    const code = l.toLowerCase().split('-')[0];
    if (LANGS[code]) return code;
  }
  return 'en';
}

// A language's strings and engine messages, fetched once; before
// setLanguage shows it.
export async function loadLanguage(code) {
  const l = LANGS[code] ?? LANGS.en;
  if (!l.strings) {
    const [strings, engine] = await l.files();
    [l.strings, l.engine] = [strings.default, engine.default];
  }
}

// The string for `key` in the current language, {name} filled from params.
export function t(key, params = {}) {
  const s = (LANGS[current].strings ?? none)[key];
  if (s === undefined) { console.warn('missing string', key); return key; }
  return s.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

// The same string as markup for html`…` (www/html.js): the string is ours
// and may hold markup (<b>, <code>); every parameter is text, escaped,
// unless it is itself markup made by html`…`. Use t() for text sinks
// (textContent, attributes set from script) and th() inside html`…`.
export function th(key, params = {}) {
  const escaped = {};
  for (const [k, v] of Object.entries(params)) escaped[k] = v instanceof Html ? v.markup : esc(v);
  return new Html(t(key, escaped));
}

// {key: text} for the words a Rust-drawn canvas needs, from `prefix + key`.
export const canvasWords = (prefix, keys) => Object.fromEntries(keys.map((k) => [k, t(prefix + k)]));

// Parameters whose text is one of the engine's own terms, looked up as
// "<name>.<value>" (a field, an input, a file; else kept as written). The
// same list and rules as src/error/message.rs, which renders the English
// for the command line.
export const LOOKUP = ['field', 'action', 'source', 'file', 'op', 'what'];

/** A message {code, params} rendered from `catalog` (English for a code it lacks). */
export function renderMessage(m, catalog = LANGS[current].engine ?? none) {
  const template = catalog[m.code];
  const params = m.params || {};
  if (template === undefined) return `${m.code}(${Object.entries(params).map(([k, v]) => `${k}=${param(k, v, catalog)}`).join(', ')})`;
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? param(name, params[name], catalog) : whole));
}

function param(name, v, catalog) {
  if (v && typeof v === 'object') return renderMessage(v, catalog);
  const term = LOOKUP.includes(name) ? catalog[`${name}.${v}`] : undefined;
  return term ?? String(v);
}

// What the engine said, in the current language: a message {code, params},
// an engine error ({kind, code, …, message}), a page Error carrying one
// (worker-client.js puts it in .engine), or plain text (shown as it is).
export function engineText(x) {
  if (x == null) return '';
  if (x instanceof Error) return x.engine ? engineText(x.engine) : x.message;
  if (typeof x === 'object' && x.message && typeof x.message === 'object') return renderMessage(x.message);
  if (typeof x === 'object' && typeof x.code === 'string') return renderMessage(x);
  return String(x);
}

// Fill every marked element: data-i18n (text), data-i18n-html (markup from
// our own strings, never with parameters: nothing from outside reaches
// it), data-i18n-placeholder / -aria / -title (attributes).
export function setLanguage(code, root = document) {
  current = LANGS[code]?.strings ? code : 'en';
  try { localStorage.setItem(STORE_LANG, current); } catch { /* storage disabled */ }
  document.documentElement.lang = LANGS[current].html;
  document.title = t('title');
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-html]')) el.innerHTML = t(el.dataset.i18nHtml);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria));
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
}
