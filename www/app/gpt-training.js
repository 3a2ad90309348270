// The generation task's training: the shared buttons and counters, the
// worker's 'steps' events (steps, validations, samples), the loss curve
// with the unigram entropy as its reference, the validation perplexity,
// tokens per second and the samples over time.
import { t, th, engineText } from '../i18n.js';
import { html, setHtml } from '../html.js';
import { trainedOn } from './backend.js';
import { engineModule } from './engine-instance.js';
import { state } from './state.js';
import { $, setProgress } from './dom.js';
import { refreshAttention } from './gpt-attention.js';
import { refreshPreview } from './gpt-generate.js';
import { stepsPerEpoch } from './gpt-model.js';
import { refreshStatus, updateButtons } from './status.js';
import { call, recover } from './worker-client.js';

const { draw_line_chart } = engineModule;
const fmt = (v, d = 4) => (v === null || v === undefined || !Number.isFinite(v)) ? '–' : Number(v).toFixed(d);

let steps = [];        // [{step, loss}]
let validations = [];  // [{step, val_loss, val_perplexity, full}]
let samples = [];      // [{step, text, val_loss}], oldest first
let lastProgress = null;

// The status beside the counters: a string key, or the engine's error.
let status = null;
export function setLmTrainStatus(s) { status = s; renderLmTrainStatus(); }
export function renderLmTrainStatus() {
  const el = $('train-status');
  if (!status) el.textContent = '';
  else if (status.error !== undefined) setHtml(el, html`<span class="err">${engineText(status.error)}</span>`);
  else el.textContent = t(status.key, status.params);
}

export async function lmTrain(mode) {
  if (!state.canTrain || state.training) return;
  // As the classifier's: a finished run says how to go on.
  if (lastProgress && lastProgress.done && lastProgress.epoch >= state.lmSettings.epochs) { setLmTrainStatus({ key: 'status.all_done', params: { epochs: lastProgress.epoch } }); return; }
  state.training = true;
  updateButtons();
  setLmTrainStatus(mode === 'run' ? { key: 'status.training' } : null);
  try { await call('lm_train', mode); } catch (e) { state.training = false; updateButtons(); setLmTrainStatus({ error: e.engine ?? e.message }); }
}

// A fresh model (new text, new sizes, reset): the history goes.
export function lmResetView() {
  steps = []; validations = []; samples = []; lastProgress = null;
  state.lmSteps = 0;
  renderLmCounters();
  renderSamples();
  drawLmCharts();
}

export async function lmReset() {
  if (!state.lmReport) { lmResetView(); return; }
  try { await call('lm_reset'); } catch (e) { setLmTrainStatus({ error: e.engine ?? e.message }); return; }
  lmResetView();
  setLmTrainStatus({ key: 'status.reset' });
  refreshStatus();
  refreshPreview();
  refreshAttention();
}

// The counters and the progress bar from the latest progress (the shared
// elements show the classifier's numbers while it is the task).
export function renderLmCounters() {
  const p = lastProgress;
  const epochs = state.lmSettings ? state.lmSettings.epochs : 1;
  $('epoch-count').textContent = p ? p.epoch : 0;
  $('epochs-total').textContent = epochs;
  $('batch-count').textContent = p ? p.step : 0;
  const last = steps[steps.length - 1];
  $('train-loss').textContent = last ? fmt(last.loss) : '–';
  renderValidation();
  $('tokens-per-second').textContent = p && p.tokens_per_second ? Math.round(p.tokens_per_second).toLocaleString() : '–';
  setProgress(p ? p.step / Math.max(epochs * stepsPerEpoch(), 1) : 0);
}

export function onLmEvent(m) {
  if (m.event === 'steps') {
    const p = m.value;
    lastProgress = p;
    steps.push(...p.new_steps);
    validations.push(...p.new_validations);
    samples.push(...p.new_samples);
    state.lmSteps = p.step;
    trainedOn('generate', p.backend);
    renderLmCounters();
    if (p.done) setLmTrainStatus({ key: 'status.finished' });
    if (p.new_samples.length) renderSamples();
    scheduleDraw();
    refreshAttention(false);
  } else if (m.event === 'stopped') {
    state.training = false;
    if (status && status.key === 'status.training') setLmTrainStatus({ key: 'status.paused' });
    updateButtons();
    refreshStatus();
    refreshPreview();
    refreshAttention();
  } else if (m.event === 'error') {
    setLmTrainStatus({ error: m.error });
    if (m.fatal) recover(m.error);
  }
}

// The latest validation: the quick one beside each sample, or the full one
// at the end of an epoch (which wins at the same step).
function renderValidation() {
  const v = validations[validations.length - 1];
  $('val-loss').textContent = v ? fmt(v.val_loss) : '–';
  $('val-perplexity').textContent = v ? fmt(v.val_perplexity, 2) : '–';
}

// Newest first: step, the validation loss then, the sample.
export function renderSamples() {
  const el = $('samples-over-time');
  if (!samples.length) { setHtml(el, html`<li class="hint">${th('gen.samples_none')}</li>`); return; }
  setHtml(el, html`${[...samples].reverse().map((s) => html`<li><b>${th('gen.sample_at', { step: s.step })}</b>${s.val_loss != null ? html` <span class="hint">${th('gen.sample_val', { loss: fmt(s.val_loss, 3) })}</span>` : ''}<div class="sample">${s.text}</div></li>`)}`);
}

// Redraw at most four times a second while steps stream in.
let drawTimer = null;
function scheduleDraw() {
  if (drawTimer) return;
  drawTimer = setTimeout(() => { drawTimer = null; drawLmCharts(); }, 250);
}

function smooth(points, k = 0.9) {
  let s = null;
  return points.map(([x, y]) => { s = s === null ? y : k * s + (1 - k) * y; return [x, s]; });
}
function thin(points) {
  const every = Math.ceil(points.length / 600);
  return every <= 1 ? points : points.filter((_, i) => i % every === 0 || i === points.length - 1);
}

// The loss per token: training (raw and smoothed), validation, and the
// unigram entropy, the loss of a model that knows only how often each token
// occurs: below it the model uses the context.
export function drawLmCharts() {
  if (state.task !== 'generate') return;
  const loss = steps.map((s) => [s.step, s.loss]);
  const h = state.lmReport ? state.lmReport.unigram_entropy : null;
  const lastStep = Math.max(steps.length ? steps[steps.length - 1].step : 0, 1);
  const blue = [47, 111, 223], orange = [224, 120, 30], grey = [120, 120, 120];
  draw_line_chart('loss-chart', { title: t('gen.chart.loss'), x_label: t('chart.step'), y_min: 0, series: [
    { name: t('chart.train_raw'), points: thin(loss), color: blue, faint: true },
    { name: t('chart.train_smooth'), points: thin(smooth(loss)), color: blue },
    { name: t('chart.validation'), points: validations.map((v) => [v.step, v.val_loss]), color: orange },
    ...(h != null ? [{ name: t('gen.chart.unigram', { h: h.toFixed(2) }), points: [[0, h], [lastStep, h]], color: grey }] : []),
  ] });
  const last = steps[steps.length - 1];
  const v = validations[validations.length - 1];
  $('loss-chart').setAttribute('aria-label', last
    ? t('gen.chart.loss_alt', { loss: fmt(last.loss), val: v ? fmt(v.val_loss) : '–', h: h != null ? h.toFixed(3) : '–' })
    : t('chart.loss_none'));
}

// What a language switch draws again.
export function renderLmTraining() {
  renderLmCounters();
  renderLmTrainStatus();
  renderSamples();
  drawLmCharts();
}
