// The page's one way to write markup. Everything that is not our own
// literal markup is text: labels, words, file and layer names, engine
// messages, whatever came from the address, storage, a paste, a dropped
// file or an uploaded model.json. html`…` escapes every value put into it
// (quotes too, so values are safe inside quoted attributes) unless the value
// is itself markup made by html`…` (or by th() in i18n.js, our own strings
// with escaped parameters); setHtml() takes only such markup.
//
// The page's Content-Security-Policy (index.html) forbids inline script,
// inline event handlers and inline style attributes; a style the page
// computes (a bar's width) is written as data-style="prop: value; …" and
// applied through the CSSOM by setHtml.

export class Html {
  constructor(markup) { this.markup = markup; }
  toString() { return this.markup; }
}

const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ENTITIES[c]);

// One interpolated value: markup stays, a list is joined, null, undefined
// and false are nothing (for `${cond && html`…`}`), anything else is text.
function part(v) {
  if (v instanceof Html) return v.markup;
  if (Array.isArray(v)) return v.map(part).join('');
  if (v === null || v === undefined || v === false) return '';
  return esc(v);
}

export function html(strings, ...values) {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += part(values[i]) + strings[i + 1];
  return new Html(out);
}

// Our own string (from lang/*.js) as markup; only for strings we wrote.
export const trusted = (s) => new Html(String(s));

// Replace an element's content with markup made by html`…`.
export function setHtml(el, markup) {
  if (!(markup instanceof Html)) throw new TypeError('setHtml takes markup made by html`…`, not a string');
  el.innerHTML = markup.markup;
  applyStyles(el);
}

// data-style="width: 12.5%; height: 40px" → the element's style, through
// the CSSOM (which the Content-Security-Policy allows; style attributes it
// does not). Only the properties the page computes.
const STYLE_PROPS = new Set(['width', 'height', 'grid-column']);
export function applyStyles(root) {
  for (const el of root.querySelectorAll('[data-style]')) {
    for (const decl of el.dataset.style.split(';')) {
      const at = decl.indexOf(':');
      if (at < 0) continue;
      const prop = decl.slice(0, at).trim();
      if (STYLE_PROPS.has(prop)) el.style.setProperty(prop, decl.slice(at + 1).trim());
    }
    el.removeAttribute('data-style');
  }
}
