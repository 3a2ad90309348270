// Keep & share: the model downloaded and uploaded (TensorFlow.js files),
// the link copied.
import { t } from '../i18n.js';
import { state } from './state.js';
import { $, showBanner } from './dom.js';
import { renderPredictArea } from './drawing.js';
import { refreshModel } from './model.js';
import { predictNow } from './predict.js';
import { writeLmHash } from './gpt-settings.js';
import { persist, writeForm } from './settings.js';
import { setTrainStatus } from './training.js';
import { call } from './worker-client.js';

function download(name, data, type) {
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
  const json = files.find((f) => f.name.endsWith('.json'));
  const bin = files.find((f) => f.name.endsWith('.bin'));
  if (!json || !bin) { showBanner(t('keep.both_files')); return; }
  try {
    const text = await json.text();
    await call('import_model', text, new Uint8Array(await bin.arrayBuffer()));
    // A model whose input is [batch, height, width, channels] reads images.
    state.uploadedImageModel = /"batch_input_shape"\s*:\s*\[\s*null\s*(,\s*\d+\s*){3}\]/.test(text);
    renderPredictArea();
    state.settings = await call('settings');
    writeForm();
    showBanner('');
    setTrainStatus({ key: 'status.loaded', params: { name: json.name } });
    await refreshModel();
    predictNow();
  } catch (err) { showBanner(err.message); }
};
$('link-btn').onclick = async () => {
  if (state.task === 'generate') writeLmHash(); else persist();
  try { await navigator.clipboard.writeText(location.href); $('link-btn').textContent = t('keep.copied'); } catch { $('link-btn').textContent = t('keep.in_address'); }
};
