// The engine's worker (www/worker.js): requests {id, cmd, args} answered
// by a promise (call), the events it streams while training, and a fresh
// worker after a panic (recover). Nearly every module calls the worker, so
// this one imports none of them: what the page does with an event, and how
// it gives a fresh worker its settings and data back, app.js hands it
// (onWorker).
import { t, engineText } from '../i18n.js';
import { COMMANDS } from '../protocol.js';
import { state } from './state.js';
import { showBanner } from './dom.js';

let worker = null;
let nextId = 1;
const pending = new Map();
const hooks = { event: () => {}, restarted: async () => {} };
// {event(message), restarted()}: set once, by app.js.
export function onWorker(given) { Object.assign(hooks, given); }

export function startWorker() {
  // ?wasm=simd128 asks the worker for the plain-SIMD engine (to compare, or
  // where relaxed SIMD misbehaves).
  const plain = new URLSearchParams(location.search).get('wasm') === 'simd128';
  worker = new Worker(plain ? './worker.js?wasm=simd128' : './worker.js', { type: 'module' });
  worker.onmessage = (e) => {
    const m = e.data;
    if (m.id !== undefined) {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (!p) return;
      if (m.ok) p.resolve(m.value); else p.reject(engineError(m.error, m.fatal));
      if (m.fatal) recover(engineText(m.error));
      return;
    }
    hooks.event(m);
  };
  worker.onerror = (e) => recover(e.message || 'the engine failed to start');
}

// An Error for what the worker reported: its message in the page's
// language; .engine keeps the engine's typed error (or text) to show again
// in another language, .field and .code say what it is about, .english is
// the command line's wording.
export function engineError(error, fatal = false) {
  const typed = error && typeof error === 'object';
  return Object.assign(new Error(engineText(error)), {
    fatal, engine: error, english: typed ? error.english : String(error), field: typed ? error.field : null, code: typed ? error.code : null,
  });
}

export function call(cmd, ...args) {
  // A call the worker does not offer is a bug in the page: say so at once
  // rather than wait for the worker's refusal.
  if (!COMMANDS.includes(cmd)) return Promise.reject(new Error(`unknown engine call ${cmd} (www/protocol.js lists them)`));
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, cmd, args });
  });
}

// A panic poisons the wasm instance: start a fresh worker, give it the
// user's settings and data back, and say what happened.
export async function recover(message) {
  showBanner(t('banner.restarted', { message }));
  worker.terminate();
  for (const p of pending.values()) p.reject(new Error('engine restarted'));
  pending.clear();
  startWorker();
  state.training = false;
  await hooks.restarted();
}
