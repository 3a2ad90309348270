// The page's elements: $ by id, the banner, and a form field marked invalid.


export const $ = (id) => document.getElementById(id);

export function showBanner(text) {
  const b = $('banner');
  b.textContent = text;
  b.hidden = !text;
}

export function fieldError(id, msg) {
  const el = $(id);
  el.classList.toggle('invalid', !!msg);
  el.setAttribute('aria-invalid', msg ? 'true' : 'false');
  el.title = msg || '';
}
