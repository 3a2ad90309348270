// Where the runs are kept: IndexedDB (database 'gradlab', store 'runs', one
// record a run, keyed by its id), so they survive a reload. Without it
// (storage turned off, a private window that refuses it, an error) or when
// it is full, the runs live in the page only and the caller says so.
// Nothing read back is trusted: checkRun keeps a record only if every field
// has the type and size the page writes, and copies only those fields.
export const RUNS_DB = 'gradlab';
export const RUNS_STORE = 'runs';
const VERSION = 1;
// How long to wait for the database before going on without it.
const OPEN_TIMEOUT_MS = 5000;

export const TASKS = ['classify', 'generate'];
export const STATUSES = ['running', 'paused', 'finished', 'stopped', 'interrupted', 'failed'];

let db = null;          // the open database, or null: the runs live in the page only
let problem = null;     // why there is none: {key, params}

// Open the database: resolves to {ok, problem}.
export function openRuns() {
  return new Promise((resolve) => {
    let settled = false;
    const done = (database, why) => {
      if (settled) { if (database) database.close(); return; }
      settled = true;
      db = database;
      problem = why;
      resolve({ ok: !!database, problem: why });
    };
    setTimeout(() => done(null, { key: 'runs.store_unavailable', params: { reason: 'timeout' } }), OPEN_TIMEOUT_MS);
    let req;
    try {
      if (typeof indexedDB === 'undefined' || !indexedDB) { done(null, { key: 'runs.store_unavailable', params: { reason: 'IndexedDB' } }); return; }
      req = indexedDB.open(RUNS_DB, VERSION);
    } catch (e) { done(null, { key: 'runs.store_unavailable', params: { reason: errorName(e) } }); return; }
    req.onupgradeneeded = () => {
      const d = req.result;
      if (!d.objectStoreNames.contains(RUNS_STORE)) d.createObjectStore(RUNS_STORE, { keyPath: 'id' });
    };
    req.onsuccess = () => {
      const d = req.result;
      // Another tab upgrading the database: let it, and go on in memory.
      d.onversionchange = () => { d.close(); if (db === d) db = null; };
      done(d, null);
    };
    req.onerror = () => done(null, { key: 'runs.store_unavailable', params: { reason: errorName(req.error) } });
    req.onblocked = () => done(null, { key: 'runs.store_unavailable', params: { reason: 'blocked' } });
  });
}

export const storeProblem = () => problem;
export const storeOpen = () => !!db;

const errorName = (e) => String((e && (e.name || e.message)) || e || 'error').slice(0, 80);
export const isQuotaError = (e) => !!e && (e.name === 'QuotaExceededError' || e.code === 22 || /quota/i.test(String(e.message || '')));

// One request in its own transaction, as a promise. Throws what failed.
function request(mode, make) {
  return new Promise((resolve, reject) => {
    let tx;
    try { tx = db.transaction(RUNS_STORE, mode); } catch (e) { reject(e); return; }
    let result;
    try {
      const req = make(tx.objectStore(RUNS_STORE));
      req.onsuccess = () => { result = req.result; };
    } catch (e) { reject(e); try { tx.abort(); } catch { /* already over */ } return; }
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new DOMException('aborted', 'AbortError'));
  });
}

// Every stored record: {runs: the readable ones, bad: the keys of the others}.
export async function loadRuns() {
  if (!db) return { runs: [], bad: [] };
  const [values, keys] = await Promise.all([request('readonly', (s) => s.getAll()), request('readonly', (s) => s.getAllKeys())]);
  const runs = [];
  const bad = [];
  values.forEach((v, i) => {
    const run = checkRun(v);
    if (run) runs.push(run); else bad.push(keys[i]);
  });
  return { runs, bad };
}

// Write one run. Resolves to null, or the error (a full disk: isQuotaError).
export async function saveRun(run) {
  if (!db) return problem ? null : new Error('no database');
  try { await request('readwrite', (s) => s.put(run)); return null; } catch (e) { return e || new Error('write failed'); }
}

export async function deleteRuns(keys) {
  if (!db || !keys.length) return null;
  try { await request('readwrite', (s) => { let last; for (const k of keys) last = s.delete(k); return last; }); return null; } catch (e) { return e; }
}

export async function clearRuns() {
  if (!db) return null;
  try { await request('readwrite', (s) => s.clear()); return null; } catch (e) { return e; }
}

// --- what a record may hold -------------------------------------------

const plain = (v) => !!v && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
const finite = (v) => typeof v === 'number' && Number.isFinite(v);
const numberOrNull = (v) => v === null || v === undefined || finite(v);
const shortText = (v, max) => typeof v === 'string' && v.length <= max;
// A setting's value: text, a number, true/false, null, or a small JSON
// object or list of those (a schedule, a group, a layer list).
function settingValue(v, depth = 0) {
  if (v === null || typeof v === 'boolean' || finite(v)) return true;
  if (typeof v === 'string') return v.length <= 2000;
  if (depth > 4) return false;
  if (Array.isArray(v)) return v.length <= 64 && v.every((x) => settingValue(x, depth + 1));
  if (plain(v)) return Object.keys(v).length <= 64 && Object.entries(v).every(([k, x]) => k.length <= 64 && settingValue(x, depth + 1));
  return false;
}
const EPOCH_FIELDS = ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'val_perplexity', 'seconds', 'learning_rate'];
const points = (v) => Array.isArray(v) && v.length <= 5000 && v.every((p) => Array.isArray(p) && p.length === 2 && finite(p[0]) && finite(p[1]));

/** A record as the page writes it, copied field by field; null if any field is not. */
export function checkRun(r) {
  if (!plain(r)) return null;
  if (!shortText(r.id, 64) || !r.id) return null;
  if (!Number.isInteger(r.number) || r.number < 1 || r.number > 1e6) return null;
  if (!TASKS.includes(r.task) || !STATUSES.includes(r.status)) return null;
  if (!finite(r.started) || !finite(r.duration) || r.duration < 0) return null;
  if (!plain(r.settings) || !Object.keys(r.settings).every((k) => k.length <= 64) || !Object.values(r.settings).every((v) => settingValue(v))) return null;
  if (!plain(r.initial) || !Object.values(r.initial).every((v) => settingValue(v))) return null;
  if (!shortText(r.backend, 200)) return null;
  const d = r.dataset;
  if (!plain(d) || !shortText(d.name, 40) || !shortText(d.kind, 20) || !shortText(d.fingerprint, 32) || !numberOrNull(d.rows) || !numberOrNull(d.classes) || !numberOrNull(d.characters)) return null;
  const p = r.progress;
  if (!plain(p) || !finite(p.epoch) || !finite(p.epochs) || !finite(p.step)) return null;
  if (!Array.isArray(r.epochs) || r.epochs.length > 100000) return null;
  if (!r.epochs.every((e) => plain(e) && finite(e.epoch) && EPOCH_FIELDS.every((k) => numberOrNull(e[k])) && (e.partial === undefined || typeof e.partial === 'boolean'))) return null;
  if (!plain(r.curve) || !points(r.curve.loss) || !points(r.curve.val)) return null;
  return {
    id: r.id, number: r.number, task: r.task, status: r.status, started: r.started, duration: r.duration,
    settings: r.settings, initial: r.initial, backend: r.backend,
    dataset: { name: d.name, kind: d.kind, fingerprint: d.fingerprint, rows: d.rows ?? null, classes: d.classes ?? null, characters: d.characters ?? null },
    progress: { epoch: p.epoch, epochs: p.epochs, step: p.step },
    epochs: r.epochs.map((e) => ({ epoch: e.epoch, ...Object.fromEntries(EPOCH_FIELDS.map((k) => [k, e[k] ?? null])), ...(e.partial ? { partial: true } : {}) })),
    curve: { loss: r.curve.loss, val: r.curve.val },
  };
}
