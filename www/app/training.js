// Training: the buttons, the worker's progress and evaluation events, the
// counters, the evaluation (metrics, confusion matrix, worst examples and
// their pictures) and the charts. The generation task shares the buttons,
// the counters and the loss chart: gpt-training.js does its part.
import { t, th, engineText } from '../i18n.js';
import { html, setHtml } from '../html.js';
import { trainedOn } from './backend.js';
import { engineModule } from './engine-instance.js';
import { state } from './state.js';
import { $, setProgress } from './dom.js';
import { refreshImageInsides } from './filters.js';
import { drawLmCharts, lmReset, lmTrain, onLmEvent, renderLmTrainStatus } from './gpt-training.js';
import { refreshInsides } from './insides.js';
import { paintPixels, pxCanvas } from './pixels.js';
import { completeness, paintImage, signed } from './explain.js';
import { predictNow } from './predict.js';
import { applySettings } from './settings.js';
import { refreshStatus, updateButtons } from './status.js';
import { throttle } from './throttle.js';
import { call, recover } from './worker-client.js';

const { draw_line_chart, draw_confusion_matrix } = engineModule;

const fmt = (v, d = 4) => (v === null || v === undefined || Number.isNaN(v)) ? '–' : Number(v).toFixed(d);

let batches = [];
let stepsPerEpoch = 1;
let chartsDirty = false;
let countersDirty = false;
let lastProgress = null;   // the latest progress report, for re-rendering
let lastEvaluation = null; // the latest evaluation, for re-rendering

// The status beside the counters: a string key, or an engine message kept
// in English so a language switch can translate it again.
let trainStatus = null;
export function setTrainStatus(s) { trainStatus = s; renderTrainStatus(); }
export function renderTrainStatus() {
  if (state.task === 'generate') { renderLmTrainStatus(); return; }
  const el = $('train-status');
  if (!trainStatus) el.textContent = '';
  else if (trainStatus.error !== undefined) setHtml(el, html`<span class="err">${engineText(trainStatus.error)}</span>`);
  else el.textContent = t(trainStatus.key, trainStatus.params);
}

async function train(mode) {
  if (state.task === 'generate') { lmTrain(mode); return; }
  if (!(await applySettings()) || !state.canTrain) return;
  // A run that has trained all its epochs does not move: say so, and how to
  // go on (Epochs raised mid-run apply to it), rather than do nothing.
  const now = await call('progress').catch(() => null);
  if (now && now.done) { setTrainStatus({ key: 'status.all_done', params: { epochs: now.epochs } }); return; }
  state.training = true;
  updateButtons();
  setTrainStatus(mode === 'run' ? { key: 'status.training' } : null);
  try { await call('train', mode); } catch (e) { state.training = false; updateButtons(); setTrainStatus({ error: e.engine ?? e.message }); }
}
$('step-btn').onclick = () => train('batch');
$('epoch-btn').onclick = () => train('epoch');
$('train-btn').onclick = () => train('run');
$('pause-btn').onclick = () => call('pause');
$('reset-btn').onclick = async () => {
  if (state.task === 'generate') { await lmReset(); return; }
  await call('reset');
  batches = []; state.epochs = []; lastProgress = null; lastEvaluation = null;
  for (const id of ['train-loss', 'val-accuracy', 'samples-per-second', 'eta']) $(id).textContent = '–';
  $('epoch-count').textContent = '0'; $('batch-count').textContent = '0'; setProgress(0);
  renderEvaluation();
  setTrainStatus({ key: 'status.reset' });
  chartsDirty = true;
  refreshStatus();
  refreshInsides(true);
  refreshImageInsides(true);
};

// The generation task's events ('steps', and while it runs the others) go
// to gpt-training.js.
export function onEvent(m) {
  if (m.event === 'steps' || (state.task === 'generate' && m.event !== 'progress' && m.event !== 'evaluation')) { onLmEvent(m); return; }
  if (m.event === 'progress') {
    const p = m.value;
    // A batch not after the last one shown belongs to a fresh run (new data
    // or a new model started it, not only Reset): its curves start afresh
    // rather than being drawn over the old run's.
    const first = p.new_batches[0];
    if (first && batches.length && first.step <= batches[batches.length - 1].step) {
      batches = []; state.epochs = []; lastEvaluation = null;
      renderEvaluation();
    }
    batches.push(...p.new_batches);
    state.epochs.push(...p.new_epochs);
    stepsPerEpoch = p.batches_per_epoch || 1;
    trainedOn('classify', p.backend);
    lastProgress = p;
    // The counters go with the next frame (frame(), below): reports come
    // dozens a second, and each change of the page's text is a frame to
    // lay out, paint and composite beside the worker's training.
    countersDirty = true;
    if (p.stopped) setTrainStatus({ error: p.stopped });
    else if (p.done) setTrainStatus({ key: 'status.finished' });
    chartsDirty = true;
    refreshInsides(false);
  } else if (m.event === 'evaluation' && m.value) {
    lastEvaluation = m.value;
    showEvaluation();
    refreshImageInsides(false);
  } else if (m.event === 'stopped') {
    if (countersDirty && state.task !== 'generate') renderCounters();
    if (lastEvaluation) showEvaluation.flush();
    state.training = false;
    if (trainStatus && trainStatus.key === 'status.training') setTrainStatus({ key: 'status.paused' });
    updateButtons();
    refreshStatus();
    predictNow();
    refreshInsides(true);
    refreshImageInsides(true);
  } else if (m.event === 'error') {
    setTrainStatus({ error: m.error });
    if (m.fatal) recover(m.error);
  }
}

// The counters and the progress bar from the latest report: in a frame
// while training (frame(), below), and again back from the generation
// task, which shares them.
let lastCounters = 0;
export function renderCounters() {
  countersDirty = false;
  lastCounters = performance.now();
  const p = lastProgress;
  $('epoch-count').textContent = p ? p.epoch : '0';
  $('epochs-total').textContent = p ? p.epochs : (state.settings && state.settings.epochs) || '–';
  $('batch-count').textContent = p ? `${p.batch}/${p.batches_per_epoch}` : '0';
  const last = batches[batches.length - 1];
  $('train-loss').textContent = last ? fmt(last.loss) : '–';
  setProgress(p ? (p.epoch * p.batches_per_epoch + p.batch) / Math.max(p.epochs * p.batches_per_epoch, 1) : 0);
  if (p) $('samples-per-second').textContent = p.samples_per_second ? p.samples_per_second.toFixed(0) : '–';
  renderEta();
}

export function renderEta() {
  const p = lastProgress;
  $('eta').textContent = !p ? '–' : p.done ? t('stats.done') : t('stats.seconds', { n: Math.round(p.eta_seconds) });
}

// Each epoch's evaluation (the metrics, the confusion matrix, the gallery)
// drawn at most four times a second while epochs stream in.
const showEvaluation = throttle(() => renderEvaluation(), 250);

export function renderEvaluation() {
  const ev = lastEvaluation;
  if (!ev) {
    setHtml($('metrics'), html`<p class="hint">${th('eval.wait')}</p>`);
    setHtml($('worst'), html``); setHtml($('worst-gallery'), html``); setHtml($('worst-why'), html``); $('eval-epoch').textContent = '';
    $('confusion-matrix').setAttribute('aria-label', t('cm.empty'));
    return;
  }
  const r = ev.report;
  $('val-accuracy').textContent = r.accuracy.toFixed(4);
  $('eval-epoch').textContent = t('eval.after', { n: ev.epoch });
  const rows = r.per_class.map((c) => html`<tr><td translate="no">${c.label}</td><td>${fmt(c.precision)}</td><td>${fmt(c.recall)}</td><td>${fmt(c.f1)}</td><td>${c.support}</td></tr>`);
  setHtml($('metrics'), html`<p>${th('eval.summary', { acc: fmt(r.accuracy), macro: fmt(r.macro_f1), weighted: fmt(r.weighted_f1), loss: fmt(ev.loss) })}</p>
    <div class="table-scroll"><table><tr><th>${th('eval.class')}</th><th>${th('eval.precision')}</th><th>${th('eval.recall')}</th><th>${th('eval.f1')}</th><th>${th('eval.support')}</th></tr>${rows}</table></div>`);
  draw_confusion_matrix('confusion-matrix', r.confusion_matrix, r.classes, { predicted: t('cm.predicted'), true: t('cm.true') });
  $('confusion-matrix').setAttribute('aria-label', t('cm.alt', { rows: r.confusion_matrix.map((row, i) => `${r.classes[i]}: ${row.join(' ')}`).join('; ') }));
  setHtml($('worst'), ev.worst.length
    ? html`${ev.worst.map((w) => html`<li>${th('eval.worst_row', { line: w.line, truth: w.truth, predicted: w.predicted, p: w.truth_probability.toFixed(3) })}<span translate="no">${w.text}</span></li>`)}`
    : html`<li class="hint">${th('eval.none_wrong')}</li>`);
  // The pictures in a task of their own: with the table and the confusion
  // matrix, dozens of new canvases made one task of 40–70 ms on two cores.
  const pictures = state.dataReport && state.dataReport.shape && ev.worst.some((w) => w.image);
  if (pictures) setTimeout(() => { if (lastEvaluation === ev) renderGallery(ev); }, 0);
  else renderGallery(ev);
}

// The misclassified validation images, worst first: true → predicted (p).
// Built again only when what it shows changed: dozens of small canvases
// made anew four times a second are a page's worth of painting.
let galleryShown = null;
function renderGallery(ev) {
  const el = $('worst-gallery');
  const shape = state.dataReport && state.dataReport.shape;
  const shown = shape ? ev.worst.filter((w) => w.image) : [];
  const key = JSON.stringify([document.documentElement.lang, shape, ev.worst.length, shown.map((w) => [w.index, w.line, w.truth, w.predicted, w.truth_probability.toFixed(2)])]);
  if (key === galleryShown && el.childElementCount) return;
  galleryShown = key;
  if (!shown.length) { setHtml(el, html`<p class="hint">${th(ev.worst.length ? 'eval.gallery_no_pictures' : 'eval.none_wrong')}</p>`); return; }
  const list = shown.map((w) => ({ values: w.image, shape }));
  setHtml(el, html`${shown.map((w, k) => {
    const params = { line: w.line, truth: w.truth, predicted: w.predicted, p: w.truth_probability.toFixed(2) };
    return html`<figure title="${t('eval.gallery_title', params)}">${pxCanvas(k, shape, 56, t('eval.gallery_alt', params))}<figcaption translate="no"><b>${w.truth}</b> → <b class="err">${w.predicted}</b><br>(${params.p})</figcaption><button type="button" class="why-btn" data-index="${w.index}" data-line="${w.line}" data-truth="${w.truth}">${th('eval.why_btn')}</button></figure>`;
  })}`);
  paintPixels(el, list);
}

// Why the model misread one image: each pixel's share of the class it
// predicted, by integrated gradients and by occlusion, over the image as
// the model read it (the engine's numbers, as `gradlab explain` gives).
async function explainGalleryImage(button) {
  const out = $('worst-why');
  const { index, line, truth } = button.dataset;
  out.setAttribute('aria-busy', 'true');
  let v;
  try {
    v = await call('explain_validation_image', Number(index));
  } catch (e) {
    setHtml(out, html`<p class="hint">${th('explain.failed', { message: engineText(e.engine ?? e.message) })}</p>`);
    out.setAttribute('aria-busy', 'false');
    return;
  }
  const side = (which, key) => {
    const values = v[which];
    const pos = values.filter((a) => a > 0).reduce((a, b) => a + b, 0);
    const neg = values.filter((a) => a < 0).reduce((a, b) => a + b, 0);
    const alt = t('explain.image_alt', { label: v.label, h: v.height, w: v.width, pos: signed(pos), neg: signed(neg) });
    return html`<figure><canvas data-method="${which}" role="img" aria-label="${alt}"></canvas><figcaption>${th(key)}</figcaption></figure>`;
  };
  setHtml(out, html`<h4>${th('eval.why_title', { line, truth: html`<b translate="no">${truth}</b>`, label: html`<b class="err" translate="no">${v.label}</b>` })}</h4>
    <div class="gallery why-maps">${side('integrated_gradients', 'eval.why_ig')}${side('occlusion', 'eval.why_occlusion')}</div>
    <p class="hint">${th('eval.why_hint')}</p>${completeness(v, 'worst-why-completeness')}`);
  for (const c of out.querySelectorAll('canvas[data-method]')) paintImage(c, v, c.dataset.method);
  out.setAttribute('aria-busy', 'false');
}
$('worst-gallery').addEventListener('click', (e) => {
  const b = e.target.closest('.why-btn');
  if (b) explainGalleryImage(b);
});

// Exponential moving average, as TensorBoard's smoothing.
function smooth(points, k = 0.9) {
  let s = null;
  return points.map(([x, y]) => { s = s === null ? y : k * s + (1 - k) * y; return [x, s]; });
}

// At most ~600 points a series: a long run must not make drawing a long task.
function thin(points) {
  const every = Math.ceil(points.length / 600);
  return every <= 1 ? points : points.filter((_, i) => i % every === 0 || i === points.length - 1);
}

let lastDraw = 0;
export function drawCharts() {
  chartsDirty = false;
  chartQueue = [];
  if (state.task === 'generate') { drawLmCharts(); return; }
  lastDraw = performance.now();
  for (const draw of chartDrawings()) draw();
}

// The three charts' drawings from the curves as they are now, each a
// function, so a frame may draw one of them.
function chartDrawings() {
  const loss = batches.map((b) => [b.step, b.loss]);
  const acc = batches.map((b) => [b.step, b.accuracy]);
  const epochs = state.epochs.slice();
  const vx = (e) => e.epoch * stepsPerEpoch;
  const blue = [47, 111, 223], orange = [224, 120, 30], green = [30, 140, 74];
  const last = batches[batches.length - 1];
  const lastEpoch = epochs[epochs.length - 1];
  return [
    () => {
      draw_line_chart('loss-chart', { title: t('chart.loss'), x_label: t('chart.step'), series: [
        { name: t('chart.train_raw'), points: thin(loss), color: blue, faint: true },
        { name: t('chart.train_smooth'), points: thin(smooth(loss)), color: blue },
        { name: t('chart.validation'), points: epochs.filter((e) => e.val_loss !== null).map((e) => [vx(e), e.val_loss]), color: orange },
      ] });
      $('loss-chart').setAttribute('aria-label', last ? t('chart.loss_alt', { loss: fmt(last.loss) }) + (lastEpoch ? t('chart.val_loss_alt', { loss: fmt(lastEpoch.val_loss) }) : '') : t('chart.loss_none'));
    },
    () => {
      draw_line_chart('accuracy-chart', { title: t('chart.accuracy'), x_label: t('chart.step'), y_min: 0, y_max: 1, series: [
        { name: t('chart.train_raw'), points: thin(acc), color: blue, faint: true },
        { name: t('chart.train_smooth'), points: thin(smooth(acc)), color: blue },
        { name: t('chart.validation'), points: epochs.filter((e) => e.val_accuracy !== null).map((e) => [vx(e), e.val_accuracy]), color: green },
      ] });
      $('accuracy-chart').setAttribute('aria-label', last ? t('chart.acc_alt', { acc: fmt(last.accuracy) }) + (lastEpoch ? t('chart.val_acc_alt', { acc: fmt(lastEpoch.val_accuracy) }) : '') : t('chart.acc_none'));
    },
    () => draw_line_chart('lr-chart', { title: t('chart.lr'), x_label: t('chart.step'), y_min: 0, series: [
      { name: t('chart.learning_rate'), points: thin(batches.map((b) => [b.step, b.learning_rate])), color: [120, 80, 190] },
    ] }),
  ];
}

// While training streams in: the counters ten times a second, and the
// charts four times, one chart a frame (the three in one frame, with the
// frame's painting, made it a long task on a slow machine).
let chartQueue = [];
export function frame() {
  const now = performance.now();
  if (countersDirty && state.task !== 'generate' && now - lastCounters > 100) renderCounters();
  if (chartQueue.length) chartQueue.shift()();
  else if (chartsDirty && now - lastDraw > 250) {
    if (state.task === 'generate') drawCharts();
    else { chartsDirty = false; lastDraw = now; chartQueue = chartDrawings(); chartQueue.shift()(); }
  }
  requestAnimationFrame(frame);
}
