// "Run it": a link copied with run=1 holds a run (its settings, seed and
// epochs, on a built-in sample). Once the page has loaded them it offers
// one button that trains as that run did: from fresh weights (the engine
// builds them, shuffles and drops out from the seed), for the link's
// epochs, on the backend the link names. Nothing trains before a press.
import { t } from '../i18n.js';
import { state } from './state.js';
import { $ } from './dom.js';

let offer = null;   // what the link holds: {task, sample, seed, epochs, backend}
let said = null;    // the line under the button: a string key

export function offerRun() {
  const generate = state.task === 'generate';
  const s = generate ? state.lmSettings : state.settings;
  offer = { task: state.task, sample: state.sample[state.task], seed: s.seed, epochs: s.epochs, backend: generate ? 'cpu' : $('backend-select').value };
  said = null;
  $('run-it').hidden = false;
  renderRunIt();
}

export function renderRunIt() {
  if (!offer) return;
  $('run-it-what').textContent = t('runit.what', { sample: t('data.sample.' + offer.sample), seed: offer.seed, epochs: offer.epochs, backend: t('backend.' + offer.backend) });
  $('run-it-status').textContent = said ? t(said) : '';
}

// Reset (so a model trained meanwhile does not carry on), then train as
// the Train button does, to the end of the epochs.
$('run-it-btn').addEventListener('click', () => {
  if (!offer) return;
  if (state.task !== offer.task || $('train-btn').disabled) {
    said = state.training ? 'runit.busy' : 'runit.not_ready';
  } else {
    $('reset-btn').click();
    $('train-btn').click();
    said = 'runit.started';
  }
  renderRunIt();
});
