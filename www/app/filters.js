// Filters and feature maps (image models).
import { t, th, engineText } from '../i18n.js';
import { html, setHtml } from '../html.js';
import { isImageModel, state } from './state.js';
import { $ } from './dom.js';
import { diverging, drawTiles, heat, paintPixels, pxCanvas, shapeText } from './pixels.js';
import { call } from './worker-client.js';

// The first Conv2D's kernels, and what each image layer makes of one
// validation image; refreshed after each epoch (at most once a second),
// when training stops and when the section is opened.
let imageInsides = null;
let imageInsidesAt = 0;
let imageInsidesBusy = false;
let imageInsidesAgain = false;
export async function refreshImageInsides(force) {
  if (!isImageModel() || !$('image-insides').open) return;
  if (!force && performance.now() - imageInsidesAt < 1000) return;
  if (imageInsidesBusy) { imageInsidesAgain = true; return; }
  if (!state.dataReport && !state.uploadedImageModel) { imageInsides = null; renderImageInsides(); return; }
  imageInsidesBusy = true;
  imageInsidesAt = performance.now();
  const index = Math.max(1, Math.floor(Number($('maps-index').value)) || 1) - 1;
  const view = {};
  try { view.filters = await call('filters'); } catch (e) { view.filtersError = e.engine ?? e.message; }
  try { view.maps = await call('feature_maps', index); } catch (e) { view.mapsError = e.engine ?? e.message; }
  imageInsides = view;
  imageInsidesBusy = false;
  renderImageInsides();
  if (imageInsidesAgain) { imageInsidesAgain = false; refreshImageInsides(true); }
}

export function renderImageInsides() {
  const v = imageInsides;
  const canvas = $('filters-canvas');
  const msg = $('filters-message');
  if (!v) {
    msg.textContent = t('insides.wait');
    canvas.hidden = true;
    setHtml($('feature-maps'), html``);
    $('maps-info').textContent = '';
    return;
  }
  // Filters: one tile per filter, its kh×kw weights (RGB when the input has three channels).
  if (v.filters) {
    const f = v.filters;
    const [kh, kw] = f.kernel;
    const tiles = f.filters.map((w) => {
      if (f.channels === 3) return { h: kh, w: kw, c: 3, values: w.map((x) => (x + 1) / 2) };
      const values = [];
      for (let i = 0; i < kh * kw; i++) {
        let sum = 0;
        for (let ch = 0; ch < f.channels; ch++) sum += w[i * f.channels + ch];
        values.push(sum / f.channels);
      }
      return { h: kh, w: kw, values };
    });
    drawTiles(canvas, tiles, { cols: Math.min(16, tiles.length), scale: Math.max(4, Math.floor(42 / Math.max(kh, kw))), gap: 6, map: diverging, border: [170, 176, 188] });
    canvas.hidden = false;
    canvas.setAttribute('aria-label', t('filters.alt', { n: tiles.length, kh, kw, layer: f.layer, scale: f.scale.toFixed(3) }));
    msg.textContent = t('filters.info', { layer: f.layer, n: tiles.length, kh, kw, channels: f.channels, scale: f.scale.toFixed(3) });
  } else {
    canvas.hidden = true;
    msg.textContent = engineText(v.filtersError);
  }
  // Feature maps: the input, then a grid of channels per layer.
  const el = $('feature-maps');
  if (!v.maps) {
    setHtml(el, html`<p class="hint">${engineText(v.mapsError)}</p>`);
    $('maps-info').textContent = '';
    return;
  }
  const m = v.maps;
  $('maps-index').value = m.index + 1;
  $('maps-info').textContent = t('maps.info', { index: m.index + 1, count: m.count, line: m.line, label: m.label, predicted: m.predicted });
  const layers = m.layers.map((l, k) => html`<div class="maps-layer"><h5 translate="no">${l.name} <span>(${l.class_name}, ${shapeText(l.shape)}${l.maps.length < l.shape[2] ? html` — ${th('maps.first', { n: l.maps.length })}` : ''})</span></h5><canvas data-layer="${k}" role="img" aria-label="${t('maps.alt', { name: l.name, n: l.maps.length, h: l.shape[0], w: l.shape[1] })}"></canvas></div>`);
  setHtml(el, html`<div class="maps-input">${pxCanvas(0, m.shape, 64, t('maps.input_alt', { label: m.label }))}<span>${th('maps.input', { label: m.label, predicted: m.predicted })}</span></div>${layers.length ? layers : html`<p class="hint">${th('maps.none')}</p>`}`);
  paintPixels(el, [{ values: m.image, shape: m.shape }]);
  for (const cv of el.querySelectorAll('canvas[data-layer]')) {
    const l = m.layers[Number(cv.dataset.layer)];
    const [h, w] = l.shape;
    drawTiles(cv, l.maps.map((values) => ({ h, w, values })), { cols: Math.min(16, l.maps.length), scale: Math.max(2, Math.floor(48 / Math.max(h, w))), gap: 4, map: heat });
  }
}
$('image-insides').addEventListener('toggle', () => refreshImageInsides(true));
$('maps-index').addEventListener('change', () => refreshImageInsides(true));
$('maps-prev').onclick = () => { $('maps-index').value = Math.max(1, (Number($('maps-index').value) || 1) - 1); refreshImageInsides(true); };
$('maps-next').onclick = () => { $('maps-index').value = (Number($('maps-index').value) || 0) + 1; refreshImageInsides(true); };
