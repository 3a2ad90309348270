// The page's elements: $ by id, the banner, a form field marked invalid,
// and the training progress bar.


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

// The progress bar's share (0–1) as a transform, which the compositor
// animates: a transition of its width laid the page out and painted it in
// every frame while training, beside the worker's work.
export function setProgress(share) {
  const s = Number.isFinite(share) ? Math.max(0, Math.min(1, share)) : 0;
  $('progress-bar').style.transform = `scaleX(${s})`;
}
