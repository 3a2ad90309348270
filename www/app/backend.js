// Where the engine trains (cpu, gpu or auto), and which wasm build the
// worker runs.
import { t, engineText } from '../i18n.js';
import { $ } from './dom.js';
import { state } from './state.js';
import { call } from './worker-client.js';

// Tell the engine where to train; each task's lab answers with the backend
// it took and why (gpu asks the browser for WebGPU the first time, and both
// labs share what it found). The page shows the open task's answer.
const answers = { classify: null, generate: null };
async function answer(task, asked) {
  try {
    answers[task] = await asked;
  } catch (e) {
    answers[task] = { backend: answers[task]?.backend ?? '', note: e.engine ?? e.message };
  }
}
export async function applyBackend() {
  const choice = $('backend-select').value;
  await answer('classify', call('set_backend', choice));
  await answer('generate', call('lm_set_backend', choice));
  describeBackend();
}
// The generation task's answer again: its text and model sizes decide how
// much work a step is, and so where `auto` trains.
export async function refreshLmBackend() {
  await answer('generate', call('lm_backend'));
  describeBackend();
}
// Where a training slice ran (a GPU lost mid-run turns it to the CPU).
export function trainedOn(task, backend) {
  if (!backend) return;
  answers[task] = { ...(answers[task] || { note: '' }), backend };
  if (task === state.task) $('backend').textContent = backend;
}
export function describeBackend() {
  const a = answers[state.task];
  if (a && a.backend) $('backend').textContent = a.backend;
  $('backend-why').textContent = a && a.note ? `(${engineText(a.note)})` : '';
  describeEngineBuild();
}

// Which of the engine's two wasm builds the worker loaded, and why.
let engineBuild = null;
export async function askEngineBuild() {
  try { engineBuild = await call('engine'); } catch { engineBuild = null; }
  describeEngineBuild();
}
function describeEngineBuild() {
  const e = engineBuild;
  if (!e || !e.build) { $('engine-build').textContent = ''; return; }
  let key = 'engine.relaxed';
  if (e.build !== 'relaxed-simd') key = e.plain_asked ? 'engine.simd128_asked' : e.relaxed_failed ? 'engine.simd128_failed' : 'engine.simd128';
  $('engine-build').textContent = t(key);
  $('engine-build').dataset.build = e.build;
}
