// Switching the page's language.
import { loadLanguage, setLanguage, language } from '../i18n.js';
import { renderAugment } from './augment.js';
import { describeBackend } from './backend.js';
import { renderBundle } from './bundle.js';
import { $ } from './dom.js';
import { renderImageInsides } from './filters.js';
import { redrawAttention } from './gpt-attention.js';
import { renderGenerate } from './gpt-generate.js';
import { renderGptSummary } from './gpt-model.js';
import { readLmForm } from './gpt-settings.js';
import { renderTextReport } from './gpt-text.js';
import { renderLmTraining } from './gpt-training.js';
import { renderInsides } from './insides.js';
import { renderSettingProblems } from './links.js';
import { renderLayerEditor, renderSummary } from './model.js';
import { predictNow } from './predict.js';
import { renderProjector } from './projector.js';
import { renderReport } from './report.js';
import { renderRunIt } from './reproduce.js';
import { renderRuns } from './runs.js';
import { readForm } from './settings.js';
import { state } from './state.js';
import { refreshStatus } from './status.js';
import { drawCharts, renderEta, renderEvaluation, renderTrainStatus } from './training.js';
import { drawRace, drawVisualisers, renderRacePlay } from './visualisers.js';

// Switching keeps every state: the static labels are refilled and each
// dynamic part is drawn again from what the page already holds.
async function renderLanguage(code) {
  // Its strings could not be fetched (offline): the page stays as it is.
  if (!(await loadLanguage(code).then(() => true, () => false))) { $('lang-select').value = language(); return; }
  // A newer choice made while this one's strings came wins.
  if ($('lang-select').value !== code) return;
  setLanguage(code);
  $('lang-select').value = language();
  renderSettingProblems();
  renderReport();
  renderSummary();
  renderLayerEditor();
  readForm();
  renderTrainStatus();
  renderEta();
  renderEvaluation();
  describeBackend();
  renderRacePlay();
  drawCharts();
  drawVisualisers();
  drawRace();
  renderInsides();
  renderAugment();
  renderImageInsides();
  if (state.task === 'generate') {
    readLmForm();
    renderTextReport();
    renderGptSummary();
    renderLmTraining();
    renderGenerate();
    redrawAttention();
  }
  renderRuns();
  renderRunIt();
  renderBundle();
  renderProjector();
  refreshStatus();
  predictNow();
}
$('lang-select').addEventListener('change', () => renderLanguage($('lang-select').value));
