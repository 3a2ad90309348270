// The task: classify labelled text or images (the page's first task), or
// generate text with a small GPT trained on the learner's own text. The
// body's data-task shows each task's parts (style.css); the samples and the
// presets each task offers are the menus' options marked data-task.
import { t } from '../i18n.js';
import { state } from './state.js';
import { $ } from './dom.js';
import { STORE_TASK } from './storage.js';
import { projectorStale } from './projector.js';

export const TASKS = ['classify', 'generate'];

// The task kept by an earlier visit (classify by default).
export function storedTask() {
  try { return localStorage.getItem(STORE_TASK) === 'generate' ? 'generate' : 'classify'; } catch { return 'classify'; }
}

// Show one task's parts and menus. What each part then holds (the text
// box, the form's shared fields) app.js puts back.
export function showTask(task) {
  state.task = task === 'generate' ? 'generate' : 'classify';
  try { localStorage.setItem(STORE_TASK, state.task); } catch { /* storage disabled */ }
  document.body.dataset.task = state.task;
  $('task-select').value = state.task;
  const generate = state.task === 'generate';
  for (const o of document.querySelectorAll('#sample-select option[data-task], #model-preset option')) {
    const task = o.dataset.task || 'classify';
    const off = task !== state.task || (!generate && o.dataset.kind && o.dataset.kind !== state.dataKind);
    o.hidden = off;
    o.disabled = off;
  }
  // The menu names the task's sample while its data is one (samples.js).
  $('sample-select').value = state.sample[state.task] || '';
  $('sample-source').textContent = '';
  delete $('sample-source').dataset.i18n;
  if (generate) $('model-preset').value = 'gpt';
  const ph = generate ? 'gen.placeholder' : state.dataKind === 'images' ? 'data.placeholder_images' : 'data.placeholder';
  $('dataset-input').dataset.i18nPlaceholder = ph;
  $('dataset-input').placeholder = t(ph);
  // The projector shows the task's model: a classifier's words or the language model's tokens.
  projectorStale();
}
