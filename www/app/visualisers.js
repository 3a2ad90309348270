// The visualisers: activation functions, losses and the optimizer race.
import { t, canvasWords } from '../i18n.js';
import { html, setHtml } from '../html.js';
import { engineModule } from './engine-instance.js';
import { $, fieldError } from './dom.js';

const { draw_activations, draw_losses, draw_optimizer_race, activation_values } = engineModule;

// Leaky ReLU's negative slope, as typed (Keras's 0.2 when unusable).
function leakySlope() {
  const v = Number($('leaky-slope').value);
  const ok = $('leaky-slope').value.trim() !== '' && Number.isFinite(v) && Math.abs(v) <= 10;
  fieldError('leaky-slope', ok ? null : t('field.out_of_range'));
  return ok ? v : 0.2;
}

export function drawVisualisers() {
  const picks = [...document.querySelectorAll('#activation-picks input[type=checkbox]:checked')].map((c) => c.value);
  const range = Math.abs(Number($('activation-range').value)) || 5;
  fieldError('activation-range', Number.isFinite(Number($('activation-range').value)) ? null : t('field.a_number'));
  const slope = leakySlope();
  draw_activations('activation-chart', picks, -range, range, slope, { caption: t('act.caption') });
  $('leaky-slope-mn').textContent = slope;
  $('activation-chart').setAttribute('aria-label', t('act.alt', { names: picks.map((p) => t('act.' + p)).join(', ') || t('act.none'), lo: -range, hi: range }));
  const mode = $('loss-mode').value;
  const target = Number($('loss-target').value);
  const delta = Number($('loss-delta').value);
  fieldError('loss-target', Number.isFinite(target) ? null : t('field.a_number'));
  fieldError('loss-delta', Number.isFinite(delta) && delta > 0 ? null : t('field.positive'));
  const words = canvasWords('loss.', ['x_probability', 'x_prediction', 'loss', 'gradient_logit', 'gradient', 'cross_entropy', 'squared_error', 'cross_entropy_grad', 'squared_error_grad']);
  draw_losses('loss-visualiser', mode, Number.isFinite(target) ? target : 1, Number.isFinite(delta) && delta > 0 ? delta : 1, words);
  $('loss-visualiser').setAttribute('aria-label', mode === 'classification'
    ? t('loss.alt_class', { y: target >= 0.5 ? 1 : 0 })
    : t('loss.alt_reg', { delta, y: target }));
}
for (const el of document.querySelectorAll('#activation-picks input, #loss-mode, #loss-target, #loss-delta')) el.addEventListener('input', drawVisualisers);
// Hover read-out: x from the pointer (the plot spans 48 px from the left to
// 8 px from the right of the canvas, as draw_activations lays it out).
$('activation-chart').addEventListener('mousemove', (e) => {
  const c = $('activation-chart');
  const px = (e.offsetX * c.width) / c.clientWidth;
  const range = Math.abs(Number($('activation-range').value)) || 5;
  const t = (px - 48) / (c.width - 48 - 8);
  if (t < 0 || t > 1) return;
  const x = -range + 2 * range * t;
  const picks = [...document.querySelectorAll('#activation-picks input[type=checkbox]:checked')].map((c) => c.value);
  const rows = activation_values(picks, x, leakySlope());
  setHtml($('activation-readout'), html`x = ${x.toFixed(2)}${rows.map(([n, f, d]) => html`<br>${n}: f = ${f.toFixed(3)}, f′ = ${d.toFixed(3)}`)}`);
});

// The optimizer race: recomputed from the start each frame (cheap), so the
// controls can change at any time.
let raceSteps = 0;
let racing = false;
export function drawRace() {
  const lr = Number($('race-lr').value), b1 = Number($('race-b1').value), b2 = Number($('race-b2').value);
  const ok = [['race-lr', lr > 0 && lr < 10], ['race-b1', b1 >= 0 && b1 < 1], ['race-b2', b2 >= 0 && b2 < 1]];
  for (const [id, good] of ok) fieldError(id, good ? null : t('field.out_of_range'));
  if (ok.some(([, good]) => !good)) return;
  const losses = draw_optimizer_race('optimizer-visualiser', $('race-surface').value, lr, b1, b2, raceSteps);
  $('race-steps').textContent = raceSteps;
  $('optimizer-visualiser').setAttribute('aria-label', t('race.alt', { surface: $('race-surface').selectedOptions[0].text, n: raceSteps, losses: losses.map(([n, v]) => `${n} ${v === null ? t('race.diverged') : v.toFixed(3)}`).join(', ') }));
}
function raceFrame() {
  if (!racing) return;
  raceSteps = Math.min(raceSteps + 2, 500);
  drawRace();
  if (raceSteps >= 500) { racing = false; renderRacePlay(); return; }
  requestAnimationFrame(raceFrame);
}
export function renderRacePlay() { $('race-play').textContent = t(racing ? 'race.pause' : 'race.play'); }
$('race-play').onclick = () => { racing = !racing; renderRacePlay(); if (racing) requestAnimationFrame(raceFrame); };
$('race-step').onclick = () => { raceSteps += 1; drawRace(); };
$('race-reset').onclick = () => { raceSteps = 0; drawRace(); };
for (const id of ['race-surface', 'race-lr', 'race-b1', 'race-b2']) $(id).addEventListener('input', drawRace);
