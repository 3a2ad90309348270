// The page: DOM events → engine calls (in a worker), engine state → pictures.
// Two tasks (app/task.js): classify labelled text or images, or generate
// text with a small GPT (app/gpt-*.js) trained on the learner's own text.
// This file wires the form and the data controls to the modules in app/,
// one concern each, and starts the page (main). What several modules share
// lives in app/state.js; the engine the page draws with is loaded once, in
// app/engine-instance.js; the settings are one table, app/settings-table.js.
// The modules' imports form no cycle (tests/e2e/imports.test.mjs): a module
// imports only those below it, and the worker's client, which nearly all
// of them call, is handed what to do with its events and after a restart
// here (onWorker), rather than importing the modules that do it.
import { t, loadLanguage, setLanguage, preferredLanguage, language } from './i18n.js';
import { state } from './app/state.js';
import { refreshAugmentPreview } from './app/augment.js';
import { applyBackend, askEngineBuild, describeBackend } from './app/backend.js';
import { IMAGE_NAME, droppedEntries, fitPresetToKind, loadData, loadImageCsv, loadImageFiles, reloadData, setKind } from './app/data.js';
import { $, showBanner } from './app/dom.js';
import { LM_IDS, applyLmSettings, lmSettingsFromHash, readLmForm, storedLmSettings, writeLmForm, writeLmHash } from './app/gpt-settings.js';
import { loadText, renderTextReport, textReport } from './app/gpt-text.js';
import { renderGptSummary } from './app/gpt-model.js';
import { renderGenerate } from './app/gpt-generate.js';
import { redrawAttention } from './app/gpt-attention.js';
import { renderLmTraining } from './app/gpt-training.js';
import { clearPad } from './app/drawing.js';
import { refreshInsides } from './app/insides.js';
import { checkStored, renderSettingProblems, settingsFromHash } from './app/links.js';
import { refreshModel } from './app/model.js';
import { renderReport } from './app/report.js';
import { applySettings, persist, writeForm } from './app/settings.js';
import { CONTROLS } from './app/settings-table.js';
import { refreshStatus, updateButtons } from './app/status.js';
import { STORE_DATA, STORE_KIND, STORE_LM_TEXT, STORE_SETTINGS } from './app/storage.js';
import { showTask, storedTask } from './app/task.js';
import { drawCharts, frame, onEvent, renderCounters, renderEvaluation, renderTrainStatus } from './app/training.js';
import { drawRace, drawVisualisers, renderRacePlay } from './app/visualisers.js';
import { initRuns, onRunEvent } from './app/runs.js';
import { SAMPLES, forgetSample, keptSample, openSample } from './app/samples.js';
import { offerRun } from './app/reproduce.js';
import { onBundle, openBundle } from './app/bundle.js';
import { onProjectorEvent } from './app/projector.js';
import { call, onWorker, startWorker } from './app/worker-client.js';
// Modules no other imports: they only wire their own controls.
import './app/share.js';
import './app/language.js';

// The box holds the classifier's data or the generator's text, by task.
const readBox = () => (state.task === 'generate' ? loadText($('dataset-input').value) : loadData($('dataset-input').value));
let dataTimer = null;
// Typed, dropped or read as another kind, the data is no built-in sample
// any more (samples.js): the address stops naming one.
$('dataset-input').addEventListener('input', () => { forgetSample(); clearTimeout(dataTimer); dataTimer = setTimeout(readBox, 300); });
$('sample-select').onchange = async () => {
  const key = $('sample-select').value;
  if (key) await openSample(key);
};
// Text or images: the text box is read again as the chosen kind.
for (const [id, kind] of [['kind-text', 'text'], ['kind-images', 'images']]) {
  $(id).addEventListener('click', async () => {
    if (kind === state.dataKind) return;
    forgetSample('classify');
    setKind(kind);
    if (kind === 'images' && state.imageFiles.length && !$('dataset-input').value.trim()) await loadImageFiles(state.imageFiles);
    else await loadData($('dataset-input').value, { detect: false });
  });
}

// What a change of each setting's control sets off: its row's `change` in
// the settings table.
let augmentFieldTimer = null;
async function augmentChanged() {
  clearTimeout(augmentFieldTimer);
  if (await applySettings()) refreshAugmentPreview();
}
const CHANGES = {
  // The model is built again from the form.
  model: () => refreshModel(),
  // How images are read: the data is read again (the shape: a pixel CSV;
  // the size and colour: the files, decoded again).
  shape: async () => { if (await applySettings() && state.dataKind === 'images' && state.imageSource !== 'files') await loadImageCsv($('dataset-input').value); else refreshModel(); },
  decode: async () => { if (await applySettings() && state.imageSource === 'files' && state.imageFiles.length) await loadImageFiles(state.imageFiles); else refreshModel(); },
  reread: async () => { if (await applySettings()) await reloadData(); },
  // Augmentation steers training without resetting it; the preview follows.
  augment: augmentChanged,
  // How the text is read: the box is read again.
  data: async () => { if (await applySettings()) await loadData($('dataset-input').value); },
  backend: () => { applyBackend(); persist(); },
};
for (const c of CONTROLS) {
  // In the generation task the shared fields are its own (below); the
  // compute menu serves both tasks (its address stays the classifier's).
  $(c.id).addEventListener('change', (e) => { if (state.task !== 'generate') CHANGES[c.change](e); else if (c.change === 'backend') applyBackend(); });
  // A typed augmentation field follows the typing, after a pause.
  if (c.change === 'augment' && c.typed) $(c.id).addEventListener('input', () => { clearTimeout(augmentFieldTimer); augmentFieldTimer = setTimeout(augmentChanged, 400); });
}
// The generation task's form: a change is sent to the engine; one that
// cuts the text again or reshapes the model brings a fresh report (and a
// fresh model). A run in progress stops first.
const SHAPE_KEYS = ['tokenizer', 'vocab', 'context', 'val_split', 'layers', 'heads', 'd_model', 'ffn', 'seed'];
async function lmChanged() {
  if (state.task !== 'generate') return;
  const before = { ...state.lmSettings };
  readLmForm();
  if (state.training && SHAPE_KEYS.some((k) => before[k] !== state.lmSettings[k])) await call('pause');
  const { ok, report } = await applyLmSettings();
  if (ok && report) textReport(report);
  else { renderTextReport(); renderGptSummary(); }
  if (ok) $('epochs-total').textContent = state.lmSettings.epochs;
  await refreshStatus();
}
for (const id of LM_IDS) $(id).addEventListener('change', lmChanged);

// Switching the task: the box, the shared fields and the pictures show
// that task's; nothing of the other is lost. A run in progress stops.
async function switchTask(task) {
  if (task === state.task) return;
  clearTimeout(dataTimer);
  // The run's last events (and its 'stopped') reach the task that ran it.
  if (state.training) {
    await call('pause');
    for (let waited = 0; state.training && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  }
  if (state.task === 'generate') state.lmText = $('dataset-input').value;
  showTask(task);
  describeBackend();
  if (task === 'generate') {
    writeLmForm();
    $('dataset-input').value = state.lmText;
    writeLmHash();
    if (state.lmReport || state.lmError) { renderTextReport(); renderGptSummary(); renderLmTraining(); renderGenerate(); redrawAttention(); } else await openText();
  } else {
    writeForm();
    fitPresetToKind();
    $('dataset-input').value = state.dataKind === 'images' && state.imageSource === 'files' ? '' : state.lastData;
    renderCounters();
    renderTrainStatus();
    drawCharts();
    await applySettings();
  }
  await refreshStatus();
}
$('task-select').addEventListener('change', () => switchTask($('task-select').value));
// A bundle of the other task switches to it first.
onBundle({ switchTask });

// The generation task's settings to the engine and its kept text read,
// the first time the task opens.
async function openText() {
  await applyLmSettings();
  renderGenerate();
  renderLmTraining();
  if (state.lmText) await loadText(state.lmText); else { renderTextReport(); renderGptSummary(); redrawAttention(); }
}

// The seed also draws the augmentation preview again.
$('seed').addEventListener('change', () => refreshAugmentPreview());
$('image-files').addEventListener('change', async (e) => {
  const files = [...e.target.files].map((f) => ({ file: f, path: f.name }));
  e.target.value = '';
  if (files.length) { forgetSample('classify'); await loadImageFiles(files); }
});
$('image-folder').addEventListener('change', async (e) => {
  const files = [...e.target.files].map((f) => ({ file: f, path: f.webkitRelativePath || f.name }));
  e.target.value = '';
  if (files.length) { forgetSample('classify'); await loadImageFiles(files); }
});

// Drop a file anywhere on the page.
document.addEventListener('dragover', (e) => { e.preventDefault(); document.body.classList.add('dragging'); });
document.addEventListener('dragleave', () => document.body.classList.remove('dragging'));
// One text file is read as data (a pixel CSV switches to images); image
// files and folders are images, labelled by folder or label_ prefix.
document.addEventListener('drop', async (e) => {
  e.preventDefault();
  document.body.classList.remove('dragging');
  const entries = await droppedEntries(e.dataTransfer)();
  if (!entries.length) return;
  const one = entries.length === 1 ? entries[0] : null;
  // A .json file is a bundle (bundle.js), for either task.
  if (one && /\.json$/i.test(one.path)) { await openBundle(one.file); return; }
  forgetSample();
  // Generating reads one text file; images are no text.
  if (state.task === 'generate') {
    if (!one || IMAGE_NAME.test(one.path) || (one.file.type || '').startsWith('image/')) return;
    const text = await one.file.text();
    $('dataset-input').value = text;
    await loadText(text);
    return;
  }
  if (one && !IMAGE_NAME.test(one.path) && !(one.file.type || '').startsWith('image/')) {
    const text = await one.file.text();
    $('dataset-input').value = text;
    await loadData(text);
    return;
  }
  await loadImageFiles(entries);
});

// The worker's events go to training.js; a fresh worker after a panic gets
// the settings, the backend and the data back.
onWorker({
  // Each event also goes to the runs table (runs.js), after the page shows it.
  event: (m) => { onEvent(m); onRunEvent(m); onProjectorEvent(m); },
  restarted: async () => {
    updateButtons();
    if (state.task === 'generate') {
      await call('lm_set_settings', state.lmSettings).catch(() => null);
      await applyBackend();
      if (state.lmText) await loadText(state.lmText);
      return;
    }
    await applySettings();
    await applyBackend();
    await askEngineBuild();
    await reloadData();
  },
});

// On a phone the sticky header drops its tagline once the page has
// scrolled (style.css); a passive listener, one class toggled.
addEventListener('scroll', () => document.body.classList.toggle('scrolled', scrollY > 40), { passive: true });

async function main() {
  // The preferred language's strings (English if they cannot be fetched).
  await loadLanguage(preferredLanguage()).catch(() => loadLanguage('en'));
  setLanguage(preferredLanguage());
  $('lang-select').value = language();
  renderEvaluation();
  startWorker();
  const lmDefaults = await call('lm_default_settings').catch(() => null);
  state.lmSettings = storedLmSettings(lmDefaults || {});
  // A generation link (#task=generate&…) opens that task with its settings;
  // a classifier's link (#model=…) the classifier. A link to run (run=1)
  // reproduces a run: what it does not name is the default, not what this
  // browser kept.
  const asRun = new URLSearchParams(location.hash.replace(/^#/, '')).get('run') === '1';
  const lmLink = lmSettingsFromHash(location.hash, asRun ? { ...(lmDefaults || {}) } : state.lmSettings);
  const classifyLink = new URLSearchParams(location.hash.replace(/^#/, '')).has('model');
  if (lmLink) state.lmSettings = lmLink;
  try { state.lmText = localStorage.getItem(STORE_LM_TEXT) || ''; } catch { /* storage disabled */ }
  const defaults = await call('default_settings').catch(() => null);
  state.settings = defaults || {};
  let stored = null;
  try { stored = checkStored(JSON.parse(localStorage.getItem(STORE_SETTINGS))); } catch { /* none */ }
  const kept = { ...state.settings, ...(stored || {}) };
  state.settings = settingsFromHash(location.hash, asRun ? { ...state.settings } : kept) || kept;
  renderSettingProblems();
  // The sample a link names (checked by its row); its data replaces what
  // this browser kept.
  const linkSample = (lmLink || classifyLink) && state.link.sample;
  writeForm();
  setKind(classifyLink && linkSample ? SAMPLES[linkSample].kind : localStorage.getItem(STORE_KIND) === 'images' ? 'images' : 'text');
  fitPresetToKind();
  clearPad();
  await askEngineBuild();
  await applyBackend();
  // The engine reads the data with the stored settings (image shape, cleaning).
  await applySettings();
  const data = localStorage.getItem(STORE_DATA);
  if (classifyLink && linkSample) await openSample(linkSample);
  else if (data) { keptSample('classify', data); $('dataset-input').value = data; await loadData(data, { detect: false }); } else { renderReport(); await refreshModel(); }
  // The generation task, if it was open: its form, its text.
  if (lmLink || (!classifyLink && storedTask() === 'generate')) {
    if (lmLink && linkSample) state.lmText = ''; else keptSample('generate', state.lmText);
    showTask('generate');
    writeLmForm();
    $('dataset-input').value = state.lmText;
    await openText();
    if (lmLink && linkSample) await openSample(linkSample);
  } else showTask('classify');
  // A link to run a run offers the button once its sample is in.
  if (state.link.run && linkSample && state.sample[state.task] === linkSample) offerRun();
  drawCharts();
  drawVisualisers();
  drawRace();
  renderRacePlay();
  refreshInsides(true);
  requestAnimationFrame(frame);
  // The kept runs (IndexedDB; without it the page goes on and says so).
  await initRuns();
  document.body.dataset.ready = 'true';
}
main().catch((e) => showBanner(t('banner.failed', { message: e.message })));
