// The data: text or images, pasted, dropped, picked or a sample, read by
// the engine; only the newest load reaches the report.
import { t, th } from '../i18n.js';
import { html, setHtml } from '../html.js';
import { state } from './state.js';
import { refreshAugmentPreview, renderAugment } from './augment.js';
import { $ } from './dom.js';
import { renderPredictArea } from './drawing.js';
import { refreshModel } from './model.js';
import { renderReport } from './report.js';
import { DEFAULT_PRESET } from './settings-table.js';
import { MAX_STORED, STORE_DATA, STORE_KIND } from './storage.js';
import { call } from './worker-client.js';

const MAX_FILES = 20000;
export const IMAGE_NAME = /\.(png|jpe?g|gif|webp|bmp)$/i;
// A dropped entry ({file, path}) the page decodes as an image.
export const isImage = (e) => (e.file.type || '').startsWith('image/') || IMAGE_NAME.test(e.path);

// Show the controls of one kind of data and hide the other's.
export function setKind(kind) {
  state.dataKind = kind === 'images' ? 'images' : 'text';
  try { localStorage.setItem(STORE_KIND, state.dataKind); } catch { /* storage disabled */ }
  const images = state.dataKind === 'images';
  $('kind-text').setAttribute('aria-pressed', String(!images));
  $('kind-images').setAttribute('aria-pressed', String(images));
  for (const el of document.querySelectorAll('.text-only')) el.hidden = images;
  for (const el of document.querySelectorAll('.image-only')) el.hidden = !images;
  for (const o of $('model-preset').options) {
    if (!o.dataset.kind) continue;
    const off = o.dataset.kind !== state.dataKind;
    o.hidden = off;
    o.disabled = off;
  }
  const ph = images ? 'data.placeholder_images' : 'data.placeholder';
  $('dataset-input').dataset.i18nPlaceholder = ph;
  $('dataset-input').placeholder = t(ph);
  renderPredictArea();
}

// The preset must suit the data: a text preset for text, image-cnn for images,
// a custom list without the other kind's layers.
export function fitPresetToKind() {
  const preset = $('model-preset').value;
  let fits;
  if (preset === 'custom') {
    const types = (state.customLayers || []).map((l) => l.type);
    fits = state.dataKind === 'images' ? !types.some((x) => /^(Embedding|LSTM|GRU)$|1D$/.test(x)) : !types.some((x) => /2D$/.test(x));
  } else {
    const option = [...$('model-preset').options].find((o) => o.value === preset);
    fits = !!option && (!option.dataset.kind || option.dataset.kind === state.dataKind);
  }
  if (fits) return;
  $('model-preset').value = DEFAULT_PRESET[state.dataKind];
  if (state.settings) state.settings.preset = DEFAULT_PRESET[state.dataKind];
  state.customLayers = null;
}

// The engine picks image-cnn for images and lstm for text when it loads
// them: the form follows.
async function syncPreset() {
  try {
    const s = await call('settings');
    if (s.preset !== $('model-preset').value) {
      $('model-preset').value = s.preset;
      state.settings.preset = s.preset;
      if (s.preset !== 'custom') state.customLayers = null;
    }
  } catch { /* engine restarting */ }
}

// A pixel CSV: label, then many numbers (a header line may come first).
function looksLikePixels(text) {
  const lines = text.slice(0, 20000).split('\n', 6).map((l) => l.trim()).filter(Boolean).slice(0, 5);
  return lines.some((l) => {
    const cells = l.split(',');
    return cells.length >= 5 && cells.slice(1).filter((c) => c.trim() !== '' && Number.isFinite(Number(c))).length >= 0.9 * (cells.length - 1);
  });
}

function storeData(text) {
  if (text.length <= MAX_STORED) { try { localStorage.setItem(STORE_DATA, text); } catch { /* quota */ } }
}

// Whatever data the page holds, read again (after a worker restart, or a
// setting that changes how it is read).
export async function reloadData() {
  if (state.dataKind === 'images' && state.imageSource === 'files' && state.imageFiles.length) return loadImageFiles(state.imageFiles);
  if (state.lastData) return loadData(state.lastData, { detect: false });
}

// Data loads overlap (a changed image size re-reads the files while new
// ones are dropped): only the newest may reach the engine and the report,
// so an older, slower one finishing last cannot bring back what was replaced.
let dataLoads = 0;
const superseded = (load) => load !== dataLoads;
// The engine's answer to data load `load`: {report} or {error}, or null
// when a newer load has replaced it.
async function loadCall(load, cmd, arg) {
  let answer;
  try { answer = { report: await call(cmd, arg), error: null }; } catch (error) { answer = { report: null, error }; }
  return superseded(load) ? null : answer;
}

// Pasted, dropped or stored text: with `detect`, a pixel CSV switches the
// page to images (and a tab-separated paste back to text).
export async function loadData(text, { detect = true } = {}) {
  const load = ++dataLoads;
  state.lastData = text;
  storeData(text);
  if (detect && text.trim()) {
    const pixels = looksLikePixels(text);
    if (pixels && state.dataKind === 'text') setKind('images');
    else if (!pixels && state.dataKind === 'images' && text.split('\n', 1)[0].includes('\t')) setKind('text');
  }
  fitPresetToKind();
  state.uploadedImageModel = false;
  if (state.dataKind === 'images') return loadImageCsv(text);
  const report = $('parse-report');
  if (!text.trim()) { state.dataReport = null; state.dataError = null; setHtml(report, html`<p class="hint">${th('data.none')}</p>`); await refreshModel(); return; }
  setHtml(report, html`<p class="hint">${th('data.reading')}</p>`);
  const got = await loadCall(load, 'load_data', text);
  if (!got) return;
  ({ report: state.dataReport, error: state.dataError } = got);
  renderReport();
  await syncPreset();
  await refreshModel();
}

// Images from a CSV of label,p0,…,pN.
export async function loadImageCsv(text) {
  const load = ++dataLoads;
  state.imageSource = 'csv';
  state.skippedFiles = [];
  $('drop-status').textContent = '';
  if (!text.trim()) { state.dataReport = null; state.dataError = null; renderReport(); renderAugment(); await refreshModel(); return; }
  setHtml($('parse-report'), html`<p class="hint">${th('data.reading')}</p>`);
  const got = await loadCall(load, 'load_image_csv', text);
  if (!got) return;
  ({ report: state.dataReport, error: state.dataError } = got);
  renderReport();
  await afterImages();
}

async function afterImages() {
  await syncPreset();
  await refreshModel();
  refreshAugmentPreview();
}

// Image files (dropped, picked, or a folder): decoded and resized here,
// labelled by the engine from each path's folder or label_ prefix.
export async function loadImageFiles(entries) {
  const load = ++dataLoads;
  setKind('images');
  fitPresetToKind();
  state.uploadedImageModel = false;
  state.imageSource = 'files';
  state.imageFiles = entries.slice(0, MAX_FILES);
  const images = state.imageFiles.filter(isImage);
  state.skippedFiles = state.imageFiles.filter((e) => !images.includes(e)).map((e) => e.path);
  // The text box no longer holds the data.
  $('dataset-input').value = '';
  state.lastData = '';
  storeData('');
  const size = state.settings.image_size || 28;
  const decoded = [];
  for (let i = 0; i < images.length; i++) {
    if (i % 25 === 0) $('drop-status').textContent = t('image.decoding', { i, n: images.length });
    decoded.push(await decodeImage(images[i].file, images[i].path, size));
    if (superseded(load)) return;
  }
  $('drop-status').textContent = entries.length > MAX_FILES ? t('image.too_many', { n: entries.length, max: MAX_FILES }) : '';
  setHtml($('parse-report'), html`<p class="hint">${th('data.reading')}</p>`);
  const got = await loadCall(load, 'load_image_files', decoded);
  if (!got) return;
  ({ report: state.dataReport, error: state.dataError } = got);
  // No image at all among the files: say so in the page's words.
  if (state.dataError && !images.length) state.dataError = { page: 'image.no_images', params: { n: state.imageFiles.length } };
  renderReport();
  await afterImages();
}

// One file → {path, width, height, rgba} at size×size (0×0 when it cannot
// be decoded: the engine reports it with its number).
async function decodeImage(file, path, size) {
  try {
    const bitmap = await createImageBitmap(file);
    const canvas = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(size, size) : Object.assign(document.createElement('canvas'), { width: size, height: size });
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    // Transparent parts read as white, as an image viewer shows them.
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, size, size);
    ctx.drawImage(bitmap, 0, 0, size, size);
    bitmap.close();
    return { path, width: size, height: size, rgba: new Uint8Array(ctx.getImageData(0, 0, size, size).data.buffer) };
  } catch {
    return { path, width: 0, height: 0, rgba: new Uint8Array(0) };
  }
}

// The files of a drop, folders walked (their names label the images). The
// entries must be taken before the first await.
export function droppedEntries(dt) {
  const items = [...(dt.items || [])].filter((i) => i.kind === 'file');
  const entries = items.map((i) => (i.webkitGetAsEntry ? i.webkitGetAsEntry() : null));
  const files = [...(dt.files || [])];
  return async () => {
    if (entries.length && entries.every(Boolean) && entries.some((e) => e.isDirectory)) {
      const out = [];
      for (const e of entries) await walkEntry(e, '', out);
      return out;
    }
    return files.map((f) => ({ file: f, path: f.webkitRelativePath || f.name }));
  };
}
async function walkEntry(entry, prefix, out) {
  if (out.length >= MAX_FILES + 1) return;
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject)).catch(() => null);
    if (file) out.push({ file, path: prefix + entry.name });
  } else if (entry.isDirectory) {
    const reader = entry.createReader();
    for (;;) {
      const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject)).catch(() => []);
      if (!batch.length) break;
      for (const child of batch) await walkEntry(child, `${prefix}${entry.name}/`, out);
    }
  }
}
