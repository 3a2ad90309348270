// Where the engine trains (cpu, gpu or auto), and which wasm build the
// worker runs.
import { t, engineText } from '../i18n.js';
import { $ } from './dom.js';
import { call } from './worker-client.js';

// Tell the engine where to train; it answers with the backend it took and
// why (gpu asks the browser for WebGPU the first time).
let backendNote = '';
export async function applyBackend() {
  try {
    const r = await call('set_backend', $('backend-select').value);
    $('backend').textContent = r.backend;
    backendNote = r.note;
  } catch (e) {
    backendNote = e.engine ?? e.message;
  }
  describeBackend();
}
export function describeBackend() {
  $('backend-why').textContent = backendNote ? `(${engineText(backendNote)})` : '';
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
