// What is still missing before training, the steps' marks in the top bar,
// and the training buttons, which follow.
import { t, engineText } from '../i18n.js';
import { awaitingImages, state } from './state.js';
import { $ } from './dom.js';
import { call } from './worker-client.js';

// The training buttons follow: off while a run goes on or something is missing.
export function updateButtons() {
  for (const id of ['step-btn', 'epoch-btn', 'train-btn']) $(id).disabled = state.training || !state.canTrain;
  $('pause-btn').disabled = !state.training;
  // style.css: from the first time the model can train, sections out of
  // sight are not painted.
  if (state.training || state.canTrain) document.body.classList.add('lazy-sections');
}

export async function refreshStatus() {
  if (state.task === 'generate') { refreshTextStatus(); return; }
  let missing = [];
  try { missing = await call('missing'); } catch { /* engine restarting */ }
  // The model's check needs the images' shape: not a fault before they load.
  // Each item is the engine's message {code, params} (missing.data, missing.model, missing.settings).
  const noData = (m) => m.code === 'missing.data' && m.params?.reason?.code === 'missing.no_data';
  if (awaitingImages()) missing = missing.filter((m) => m.code !== 'missing.model').map((m) => (noData(m) ? t('missing.images') : m));
  const formErrors = $('setup-errors').textContent.trim();
  if (formErrors) missing.push(t('missing.fields'));
  $('missing').textContent = missing.length ? t('missing.before', { list: missing.map(engineText).join(' · ') }) : (state.epochs.length ? '' : t('missing.ready'));
  markSteps({ data: !!state.dataReport && state.dataReport.classes.length > 1, model: !missing.some((m) => m.code === 'missing.model') && !awaitingImages(), setup: !formErrors, training: state.epochs.length > 0, evaluation: state.epochs.length > 0, predict: state.epochs.length > 0, projector: state.epochs.length > 0 });
  state.canTrain = missing.length === 0;
  updateButtons();
}

// The generation task: a text read and a form without faults.
function refreshTextStatus() {
  const missing = [];
  // A model loaded without text generates, but trains only on a text.
  const modelOnly = !!(state.lmReport && state.lmReport.model_only);
  if (!state.lmReport || modelOnly) missing.push(t('gen.missing_text'));
  if (state.lmFormErrors) missing.push(t('missing.fields'));
  $('missing').textContent = missing.length ? t('missing.before', { list: missing.join(' · ') }) : (state.lmSteps ? '' : t('missing.ready'));
  const trained = state.lmSteps > 0 || modelOnly;
  markSteps({ data: !!state.lmReport && !modelOnly, model: !!state.lmReport, setup: !state.lmFormErrors, training: trained, generate: trained, attention: trained });
  state.canTrain = missing.length === 0;
  updateButtons();
}

// The steps' marks: done, and the first not done is the current one.
function markSteps(steps) {
  let current = null;
  for (const a of document.querySelectorAll('nav#steps a')) {
    const done = steps[a.dataset.step];
    a.classList.toggle('done', !!done);
    a.classList.remove('current');
    if (!done && !current && a.dataset.step in steps) { current = a; a.classList.add('current'); }
  }
}
