// The built-in samples of both tasks, and which one each task's data is:
// a sample picked (or named by a link) and not changed since. The address
// names it (settings-table.js's sample row), so a link loads the same data;
// pasted, dropped or edited data names none.
import { t } from '../i18n.js';
import { state } from './state.js';
import { $, showBanner } from './dom.js';
import { loadData, setKind } from './data.js';
import { writeLmHash } from './gpt-settings.js';
import { loadSample, loadText } from './gpt-text.js';
import { persist } from './settings.js';
import { STORE_SAMPLE } from './storage.js';

// The classifier's samples (the generation task's: gpt-text.js).
export const SAMPLES = {
  spam: { url: 'samples/spam.tsv', source: 'data.source.spam', kind: 'text' },
  sentiment: { url: 'samples/sentiment.tsv', source: 'data.source.sentiment', kind: 'text' },
  digits: { url: 'samples/digits.csv', source: 'data.source.digits', kind: 'images' },
};

let kept = {};
try { kept = JSON.parse(localStorage.getItem(STORE_SAMPLE)) || {}; } catch { /* none */ }

// The address follows what the data is.
function rewriteAddress(task) {
  if (task !== state.task) return;
  if (task === 'generate') writeLmHash(); else persist();
}

function mark(task, key, text) {
  state.sample[task] = key;
  kept = { ...kept, [task]: key ? { key, length: text.length } : null };
  try { localStorage.setItem(STORE_SAMPLE, JSON.stringify(kept)); } catch { /* storage disabled */ }
  if (task === state.task) $('sample-select').value = key || '';
  rewriteAddress(task);
}

// The data changed (typed, dropped, read as another kind, a bundle): it is
// no sample any more.
export function forgetSample(task = state.task) {
  if (state.sample[task]) mark(task, null, '');
}

// The text kept by an earlier visit is the sample it was, if its length
// still matches.
export function keptSample(task, text) {
  const k = kept[task];
  if (k && typeof k.key === 'string' && k.length === text.length && text.length) state.sample[task] = k.key;
}

// Load sample `key` of the open task into the box and the engine; false
// when it could not be fetched (the banner says so).
export async function openSample(key) {
  if (state.task === 'generate') {
    const text = await loadSample(key);
    if (text === null) { showBanner(t('data.sample_failed', { status: 404 })); return false; }
    $('dataset-input').value = text;
    await loadText(text);
    mark('generate', key, text);
    return true;
  }
  const sample = SAMPLES[key];
  $('sample-source').dataset.i18n = sample.source;
  $('sample-source').textContent = t(sample.source);
  const res = await fetch(sample.url);
  if (!res.ok) { showBanner(t('data.sample_failed', { status: res.status })); return false; }
  const text = await res.text();
  setKind(sample.kind);
  $('dataset-input').value = text;
  await loadData(text, { detect: false });
  mark('classify', key, text);
  return true;
}
