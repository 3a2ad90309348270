// The bundle: one file, gradlab-bundle.json, holding what a page needs to
// show the same thing elsewhere when the data is the learner's own (a
// built-in sample travels as a link instead): the task, the data as
// pasted, the settings, and the trained model's model.json and weights
// (base64). Dropped on the page or chosen in #bundle-input, it is checked
// whole — read and its form checked in the worker (www/bundle-reader.js:
// a bundle of tens of megabytes never holds the page), its settings here,
// then the engine tries it on a lab of its own (the worker's check_bundle)
// — before anything on the page changes, so a damaged bundle changes
// nothing and says what is wrong.
//
// Images from files travel as the files themselves (each image's path,
// which may carry its label's folder, its type and its bytes in base64),
// so the page that opens the bundle decodes them at its own settings as a
// drop would; past MAX_FILE_BYTES of images the bundle holds none and says
// so. A pixel CSV is text, and travels as the data. The generation
// task's bundle brings its text, its settings and its model, which reads
// the text with its own tokenizer (share.js, useLmModel).
import { engineText } from '../i18n.js';
import { html, setHtml } from '../html.js';
import { state } from './state.js';
import { shown, translate } from './checks.js';
import { $, showBanner } from './dom.js';
import { applyBackend } from './backend.js';
import { fitPresetToKind, isImage, loadData, loadImageFiles, setKind } from './data.js';
import { LM_ROWS, applyLmSettings, writeLmForm } from './gpt-settings.js';
import { loadText } from './gpt-text.js';
import { forgetSample } from './samples.js';
import { applySettings, readForm, writeForm } from './settings.js';
import { SETTINGS } from './settings-table.js';
import { download, useLmModel, useModel } from './share.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION } from '../bundle-reader.js';
import { call } from './worker-client.js';

const MAX_BUNDLE = 256 * 1024 * 1024;
// Image bytes a bundle holds: base64 makes them a third larger, and the
// whole must stay under MAX_BUNDLE.
const MAX_FILE_BYTES = 160 * 1024 * 1024;
const IMAGE_FILES_NOTE = 'the images came from files too large together for a bundle: drop them again';

// What app.js lends: switching the task (it owns the switch).
const hooks = { switchTask: null };
export function onBundle(h) { Object.assign(hooks, h); }

// The line under the buttons: {key, params, error, engine (the engine's
// refusal, said in the page's language)}, kept so a language switch says
// it again.
let said = null;
const text = () => translate({ key: said.key, params: { ...said.params, ...(said.engine !== undefined ? { error: engineText(said.engine) } : {}) } });
export function renderBundle() {
  const el = $('bundle-message');
  if (!said) { setHtml(el, html``); return; }
  setHtml(el, html`<p class="${said.error ? 'err' : 'hint'}">${text()}</p>`);
}
function say(key, params = {}, error = false, engine = undefined) {
  said = { key, params, error, engine };
  renderBundle();
  if (error) showBanner(text());
}

// Bytes → base64 off the main thread (a FileReader); the other way is the
// worker's (bundle-reader.js).
const toBase64 = (bytes) => new Promise((resolve, reject) => {
  const r = new FileReader();
  r.onload = () => resolve(String(r.result).slice(String(r.result).indexOf(',') + 1));
  r.onerror = () => reject(r.error);
  r.readAsDataURL(new Blob([bytes]));
});

// --- writing -------------------------------------------------------------

async function makeBundle() {
  const generate = state.task === 'generate';
  if (!generate) readForm();
  let model = null;
  try {
    const m = await call(generate ? 'lm_export_model' : 'export_model');
    model = { json: m.json, weights: await toBase64(m.weights) };
  } catch { /* no model trained yet: the bundle holds none */ }
  const files = !generate && state.dataKind === 'images' && state.imageSource === 'files';
  const images = files ? state.imageFiles.filter(isImage) : [];
  const fit = images.reduce((n, e) => n + e.file.size, 0) <= MAX_FILE_BYTES;
  return {
    format: BUNDLE_FORMAT, version: BUNDLE_VERSION, task: state.task,
    kind: generate ? 'text' : state.dataKind,
    data: generate ? state.lmText : files ? null : state.lastData,
    ...(files && fit ? { files: await Promise.all(images.map(async (e) => ({ path: e.path, type: e.file.type || '', data: await toBase64(e.file) }))) } : {}),
    ...(files && !fit ? { data_note: IMAGE_FILES_NOTE } : {}),
    settings: generate ? state.lmSettings : state.settings,
    ...(generate ? {} : { backend: $('backend-select').value }),
    model,
  };
}

$('bundle-download').addEventListener('click', async () => {
  try {
    const b = await makeBundle();
    download('gradlab-bundle.json', JSON.stringify(b), 'application/json');
    say(b.data === null && !b.files ? 'bundle.saved_no_images' : !b.model ? 'bundle.saved_no_model' : b.data === '' ? 'bundle.saved_no_text' : 'bundle.saved');
  } catch (e) { say('bundle.failed', {}, true, e.engine ?? e.message); }
});

// --- reading -------------------------------------------------------------

// The bundle read in the worker (www/bundle-reader.js: parsed, its form
// checked, its base64 decoded), then its settings checked here as a link's
// would be; [bundle, problem].
const problem = (key, params = {}) => [null, { key, params }];
async function checkBundle(file, name) {
  let read;
  try { read = await call('read_bundle', file); } catch { return problem('bundle.unreadable', { name }); }
  if (read.problem) {
    const params = { ...read.problem.params, name };
    if ('version' in params) params.version = shown(params.version);
    return problem(read.problem.key, params);
  }
  const b = read.bundle;
  const rows = b.task === 'generate' ? LM_ROWS : SETTINGS.filter((r) => r.key && r.address);
  for (const r of rows) {
    if (!(r.key in b.settings) || (r.optional && b.settings[r.key] === null)) continue;
    const v = b.settings[r.key];
    const [, err] = r.parse(r.format ? r.format(v) : v ?? '', shown);
    if (err) return problem('bundle.setting', { name, field: { key: r.label }, error: err });
  }
  return [b, null];
}

// The bundle's image files as a drop gives them ({file, path}).
const imageEntries = (files) => files.map((f) => ({ file: new File([f.bytes], f.path.split('/').pop() || 'image', { type: f.type }), path: f.path }));

export async function openBundle(file) {
  const name = file.name;
  if (file.size > MAX_BUNDLE) { say('bundle.too_big', { name, mb: Math.round(file.size / 1048576), max: MAX_BUNDLE / 1048576 }, true); return; }
  const [b, bad] = await checkBundle(file, name);
  if (bad) { say(bad.key, bad.params, true); return; }
  // The engine tries it on a lab of its own.
  const settings = { ...(b.task === 'generate' ? state.lmSettings : state.settings), ...b.settings };
  let refused;
  try { refused = await call('check_bundle', b.task, settings, b.kind, b.data, b.model && b.model.json, b.model && b.model.weights); } catch (e) { refused = { part: 'model', error: e.engine ?? e.message }; }
  if (refused) { say('bundle.refused', { name, field: { key: 'bundle.part.' + refused.part } }, true, refused.error); return; }
  showBanner('');
  if (b.task !== state.task) await hooks.switchTask(b.task);
  if (state.training) {
    await call('pause');
    for (let waited = 0; state.training && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  }
  if (b.task === 'generate') {
    state.lmSettings = settings;
    writeLmForm();
    await applyLmSettings();
    $('dataset-input').value = b.data;
    forgetSample('generate');
    // A bundle saved from a model loaded without text has no text: the
    // model comes alone, in place of the text held before.
    const alone = !!(b.model && !b.data);
    if (alone) await useLmModel(b.model.json, b.model.weights, name, true);
    else {
      await loadText(b.data);
      if (b.model) await useLmModel(b.model.json, b.model.weights, name);
    }
    say(alone ? 'bundle.restored_lm_alone' : b.model ? 'bundle.restored_lm' : 'bundle.restored_no_model', { name });
    return;
  }
  state.settings = settings;
  writeForm();
  if (b.backend) $('backend-select').value = b.backend;
  setKind(b.kind);
  fitPresetToKind();
  await applyBackend();
  await applySettings();
  forgetSample('classify');
  if (b.data !== null) {
    $('dataset-input').value = b.data;
    await loadData(b.data, { detect: false });
  } else if (b.files) {
    await loadImageFiles(imageEntries(b.files));
  }
  if (b.model) await useModel(b.model.json, b.model.weights, name);
  say(b.data === null && !b.files ? 'bundle.restored_no_images' : b.model ? 'bundle.restored' : 'bundle.restored_no_model', { name });
}

$('bundle-input').addEventListener('change', async (e) => {
  const file = e.target.files[0];
  e.target.value = '';
  if (file) await openBundle(file);
});
