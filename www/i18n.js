// The page's languages. Strings live in lang/en.js and lang/zh.js (one file
// a language); this module picks one, fills the page's marked elements, and
// translates the engine's English messages (lang/zh-engine.js).
import en from './lang/en.js';
import zh, { ENGINE as ZH_ENGINE } from './lang/zh.js';
import { Html, esc } from './html.js';

const LANGS = { en: { strings: en, engine: [], html: 'en' }, zh: { strings: zh, engine: ZH_ENGINE, html: 'zh-CN' } };
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

// The string for `key` in the current language, {name} filled from params.
export function t(key, params = {}) {
  const s = LANGS[current].strings[key] ?? en[key];
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

// An engine message (English) in the current language.
export function engineText(message) {
  let m = String(message);
  for (const [re, rep] of LANGS[current].engine) m = m.replace(re, rep);
  return m;
}

// Fill every marked element: data-i18n (text), data-i18n-html (markup from
// our own strings, never with parameters: nothing from outside reaches
// it), data-i18n-placeholder / -aria / -title (attributes).
export function setLanguage(code, root = document) {
  current = LANGS[code] ? code : 'en';
  try { localStorage.setItem(STORE_LANG, current); } catch { /* storage disabled */ }
  document.documentElement.lang = LANGS[current].html;
  document.title = t('title');
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-html]')) el.innerHTML = t(el.dataset.i18nHtml);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria));
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
}
