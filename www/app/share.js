// Keep & share: the model downloaded and uploaded (TensorFlow.js files),
// the link copied (one to data that is a built-in sample also offers to run
// it: reproduce.js). The bundle of data, settings and model: bundle.js.
import { t } from '../i18n.js';
import { state } from './state.js';
import { $, showBanner } from './dom.js';
import { renderPredictArea } from './drawing.js';
import { refreshModel } from './model.js';
import { predictNow } from './predict.js';
import { refreshLmBackend } from './backend.js';
import { lmHash, writeLmForm, writeLmHash } from './gpt-settings.js';
import { textReport } from './gpt-text.js';
import { setLmTrainStatus } from './gpt-training.js';
import { settingsToHash } from './links.js';
import { persist, writeForm } from './settings.js';
import { setTrainStatus } from './training.js';
import { STORE_LM_TEXT } from './storage.js';
import { call } from './worker-client.js';

export function download(name, data, type) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([data], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
$('download-btn').onclick = async () => {
  try {
    const m = await call(state.task === 'generate' ? 'lm_export_model' : 'export_model');
    download('model.json', m.json, 'application/json');
    download('group1-shard1of1.bin', m.weights, 'application/octet-stream');
  } catch (e) { showBanner(e.message); }
};
$('upload-input').onchange = async (e) => {
  const files = [...e.target.files];
  // Cleared, so that choosing the same files again (say, after loading the
  // text a refused model needed) is a change too.
  e.target.value = '';
  const json = files.find((f) => f.name.endsWith('.json'));
  const bin = files.find((f) => f.name.endsWith('.bin'));
  if (!json || !bin) { showBanner(t('keep.both_files')); return; }
  try {
    await (state.task === 'generate' ? useLmModel : useModel)(await json.text(), new Uint8Array(await bin.arrayBuffer()), json.name);
    showBanner('');
  } catch (err) { showBanner(err.message); }
};

// A model's files (model.json's text and its weights) into the engine, for
// predicting and training on; the form shows the settings it brings.
export async function useModel(text, weights, name) {
  await call('import_model', text, weights);
  // A model whose input is [batch, height, width, channels] reads images.
  state.uploadedImageModel = /"batch_input_shape"\s*:\s*\[\s*null\s*(,\s*\d+\s*){3}\]/.test(text);
  renderPredictArea();
  state.settings = await call('settings');
  writeForm();
  setTrainStatus({ key: 'status.loaded', params: { name } });
  await refreshModel();
  predictNow();
}

// A language model's files (downloaded here, or written by `gradlab train
// --task lm --save`) in place of the generation task's model: the text in
// the box is cut again with the model's own tokenizer, and the form takes
// its sizes. Without a text (or `alone`, in place of the text: a bundle
// saved without one) the model generates at once and trains when a text
// comes. The engine refuses a classifier's file, changing nothing.
export async function useLmModel(text, weights, name, alone = false) {
  const report = await call('lm_import_model', text, weights, alone);
  if (alone) {
    state.lmText = '';
    try { localStorage.removeItem(STORE_LM_TEXT); } catch { /* storage disabled */ }
  }
  state.lmSettings = { ...state.lmSettings, ...(await call('lm_settings')) };
  writeLmForm();
  writeLmHash();
  textReport(report);
  setLmTrainStatus({ key: 'status.loaded', params: { name } });
  refreshLmBackend();
}

// The link: the address as it is, and where the data is a built-in sample,
// run=1 (and the backend 'auto' picked here), so the page it opens offers
// to run it. The address bar holds it too.
$('link-btn').onclick = async () => {
  if (state.task === 'generate') writeLmHash(); else persist();
  if (state.sample[state.task]) {
    const extra = { run: true, backend: /^gpu/.test($('backend').textContent) ? 'gpu' : 'cpu' };
    history.replaceState(null, '', state.task === 'generate' ? lmHash(state.lmSettings, extra) : settingsToHash(state.settings, extra));
  }
  try { await navigator.clipboard.writeText(location.href); $('link-btn').textContent = t('keep.copied'); } catch { $('link-btn').textContent = t('keep.in_address'); }
};
