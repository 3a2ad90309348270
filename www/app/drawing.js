// The drawing pad: predicting a drawn image.
import { t, th, engineText } from '../i18n.js';
import { html, setHtml } from '../html.js';
import { isImageModel } from './state.js';
import { showExplanation } from './explain.js';
import { $ } from './dom.js';
import { paintPixels, probabilityBars, pxCanvas } from './pixels.js';
import { call } from './worker-client.js';

// White ink on black, like the digits; a thick round brush for the mouse,
// a pen or a finger. Predicts while drawing (at most ~7 times a second)
// and on release.
export function renderPredictArea() {
  const images = isImageModel();
  $('pad-area').hidden = !images;
  $('predict-input').hidden = images;
  $('image-insides').hidden = !images;
}
const pad = $('pad');
const padCtx = pad.getContext('2d', { willReadFrequently: true });
let padInk = false;
let padDrawing = false;
let padLast = null;
let padBusy = false;
let padAgain = false;
let padTimer = null;
let padAt = 0;
let padPrediction = null; // {value} or {error}
let padExplanation = null; // the same, of explain_image: once a stroke ends

export function clearPad() {
  padCtx.fillStyle = '#000';
  padCtx.fillRect(0, 0, pad.width, pad.height);
  padInk = false;
  padPrediction = null;
  padExplanation = null;
  padAgain = false;
  stopPadTimer();
  renderPadPrediction();
}
function padPoint(e) {
  const r = pad.getBoundingClientRect();
  return [(e.clientX - r.left) * pad.width / r.width, (e.clientY - r.top) * pad.height / r.height];
}
function padStroke(from, to) {
  padCtx.strokeStyle = '#fff';
  padCtx.lineWidth = pad.width / 10;
  padCtx.lineCap = 'round';
  padCtx.lineJoin = 'round';
  padCtx.beginPath();
  padCtx.moveTo(from[0], from[1]);
  padCtx.lineTo(to[0], to[1]);
  padCtx.stroke();
  padInk = true;
}
function stopPadTimer() {
  clearTimeout(padTimer);
  padTimer = null;
}
function schedulePadPredict() {
  stopPadTimer();
  const wait = 150 - (performance.now() - padAt);
  if (wait <= 0) predictPad(); else padTimer = setTimeout(() => { padTimer = null; predictPad(); }, wait);
}
// The prediction shown while a stroke goes on is of part of it; the output
// says aria-busy until the one shown is of the drawing as it stands, so a
// screen reader (and a test) waits for that one.
function padSettled() {
  return !padDrawing && !padBusy && !padAgain && padTimer === null;
}
pad.addEventListener('pointerdown', (e) => {
  if (e.button > 0) return;
  e.preventDefault();
  try { pad.setPointerCapture(e.pointerId); } catch { /* a pointer the browser no longer tracks */ }
  padDrawing = true;
  $('predict-output').setAttribute('aria-busy', 'true');
  padLast = padPoint(e);
  padStroke(padLast, padLast);
  schedulePadPredict();
});
pad.addEventListener('pointermove', (e) => {
  if (!padDrawing) return;
  const p = padPoint(e);
  padStroke(padLast, p);
  padLast = p;
  schedulePadPredict();
});
for (const type of ['pointerup', 'pointercancel']) {
  pad.addEventListener(type, () => {
    if (!padDrawing) return;
    padDrawing = false;
    stopPadTimer();
    predictPad();
  });
}
$('pad-clear').onclick = clearPad;

export async function predictPad() {
  if (!padInk) { padPrediction = null; renderPadPrediction(); return; }
  if (padBusy) { padAgain = true; return; }
  padBusy = true;
  padAt = performance.now();
  const d = padCtx.getImageData(0, 0, pad.width, pad.height).data;
  const pixels = new Float32Array(pad.width * pad.height);
  for (let i = 0; i < pixels.length; i++) pixels[i] = d[4 * i] / 255;
  let answer;
  let why = null;
  try {
    answer = { value: await call('predict_image', pixels, pad.width, pad.height) };
    // Why it answered: once the stroke has ended (the worker's time goes to
    // the predictions while drawing).
    if (!padDrawing) {
      try { why = { value: await call('explain_image', pixels, pad.width, pad.height) }; } catch (e) { why = { error: e.engine ?? e.message }; }
    }
  } catch (e) {
    answer = { error: e.engine ?? e.message };
  } finally {
    padBusy = false;
  }
  // A pad cleared while the answer was on its way keeps its empty message.
  if (padInk) { padPrediction = answer; if (why || answer.error !== undefined) padExplanation = why; }
  renderPadPrediction();
  if (padAgain) { padAgain = false; predictPad(); }
}

function renderPadPrediction() {
  if (!isImageModel()) return;
  const out = $('predict-output');
  out.setAttribute('aria-busy', padSettled() ? 'false' : 'true');
  const v = padPrediction;
  showExplanation('image', padExplanation);
  if (!v) { setHtml(out, html`<p class="hint">${th(padInk ? 'pad.predicting' : 'pad.empty')}</p>`); return; }
  if (v.error) { setHtml(out, html`<p class="hint">${engineText(v.error)}</p>`); return; }
  const p = v.value.prediction;
  const [h, w] = v.value.shape;
  setHtml(out, html`<p>${th('predict.label', { label: p.label })}</p><div class="bars" translate="no">${probabilityBars(p.probabilities)}</div>
    <div class="seen">${pxCanvas(0, v.value.shape, 96, t('pad.seen_alt', { h, w }))}<span class="hint">${th(v.value.framed ? 'pad.seen' : 'pad.seen_whole', { h, w })}</span></div>`);
  paintPixels(out, [{ values: v.value.input, shape: v.value.shape }]);
}
