// The augmentation preview (image data).
import { t, th, engineText } from '../i18n.js';
import { html, setHtml } from '../html.js';
import { state } from './state.js';
import { $ } from './dom.js';
import { paintPixels, pxCanvas } from './pixels.js';
import { call } from './worker-client.js';

// Six training images, each as stored and as five random draws of the
// seeded augmentation: exactly what the network is shown.
let augmentView = null;
let augmentTimer = null;
export function refreshAugmentPreview() {
  clearTimeout(augmentTimer);
  augmentTimer = setTimeout(loadAugment, 100);
}
async function loadAugment() {
  if (state.dataKind !== 'images' || !state.dataReport) { augmentView = null; renderAugment(); return; }
  try {
    augmentView = { rows: await call('augment_preview', 6, 5) };
  } catch (e) {
    augmentView = { error: e.engine ?? e.message };
  }
  renderAugment();
}
export function renderAugment() {
  const el = $('augment-preview');
  const v = augmentView;
  if (!v || !state.dataReport) { setHtml(el, html``); return; }
  if (v.error) { setHtml(el, html`<p class="err">${engineText(v.error)}</p>`); return; }
  const shape = state.dataReport.shape;
  const a = state.settings.augmentation || {};
  const none = !a.shift && !a.rotation && !a.zoom && !a.flip;
  const list = [];
  const cell = (values, label) => { list.push({ values, shape }); return pxCanvas(list.length - 1, shape, 48, label); };
  const rows = v.rows.map((r) => html`<span class="lbl" translate="no">${r.label}</span>${cell(r.original, t('prep.original_alt', { label: r.label, line: r.line }))}<span class="sep"></span>${r.augmented.map((x, i) => cell(x, t('prep.variant_alt', { label: r.label, n: i + 1 })))}`);
  setHtml(el, html`<div class="aug-grid"><span></span><span class="head">${th('prep.original')}</span><span></span><span class="head span5">${th('prep.seen')}</span>${rows}</div>${none && html`<p class="hint">${th('prep.none')}</p>`}`);
  paintPixels(el, list);
}
