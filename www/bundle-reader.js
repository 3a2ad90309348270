// Reading a bundle (gradlab-bundle.json, app/bundle.js): the file's text
// parsed, its form checked and its base64 parts (the weights, any image
// files) decoded, in the training worker, so that a bundle of tens of
// megabytes never holds the page. No DOM here: the worker imports it. The
// page then checks the settings as a link's are checked and asks the
// engine to try the whole on a lab of its own.
//
// readBundle(file) → {bundle} with the weights and image files as bytes,
// or {problem: {key, params}}, the page adding the file's name.

export const BUNDLE_FORMAT = 'gradlab-bundle';
export const BUNDLE_VERSION = 1;

export function fromBase64(text) {
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

const problem = (key, params = {}) => ({ problem: { key, params } });
const part = (field, why) => problem('bundle.damaged', { field: { key: 'bundle.part.' + field }, why: { key: 'bundle.why.' + why } });
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export async function readBundle(file) {
  let text;
  try { text = await file.text(); } catch { return problem('bundle.unreadable'); }
  let b;
  try { b = JSON.parse(text); } catch { return problem('bundle.not_json'); }
  text = null;
  if (!b || typeof b !== 'object' || Array.isArray(b) || b.format !== BUNDLE_FORMAT) return problem('bundle.not_bundle');
  if (b.version !== BUNDLE_VERSION) return problem('bundle.version', { version: b.version ?? '–', want: BUNDLE_VERSION });
  if (b.task !== 'classify' && b.task !== 'generate') return part('task', 'task');
  if (b.task === 'classify' && b.kind !== 'text' && b.kind !== 'images') return part('kind', 'kind');
  if (!(typeof b.data === 'string' || (b.data === null && b.task === 'classify' && b.kind === 'images'))) return part('data', 'data');
  if (!b.settings || typeof b.settings !== 'object' || Array.isArray(b.settings)) return part('settings', 'settings');
  if (b.task === 'classify' && b.backend !== undefined && !['auto', 'cpu', 'gpu'].includes(b.backend)) return part('backend', 'backend');
  let model = null;
  if (b.model !== null && b.model !== undefined) {
    if (typeof b.model !== 'object' || typeof b.model.json !== 'string' || typeof b.model.weights !== 'string') return part('model', 'model');
    let manifest;
    try { manifest = JSON.parse(b.model.json).weightsManifest; } catch { return part('model_json', 'model_json'); }
    let weights;
    try { weights = fromBase64(b.model.weights); } catch { return part('weights', 'base64'); }
    // float32 weights: 4 bytes a value of each shape in the manifest.
    const want = (Array.isArray(manifest) ? manifest : []).flatMap((g) => g.weights || []).reduce((n, w) => n + 4 * (w.shape || []).reduce((a, d) => a * d, 1), 0);
    if (weights.length !== want) return problem('bundle.weights_size', { got: weights.length, want });
    model = { json: b.model.json, weights };
  }
  // Image files: each its path (its label's folder), type and bytes (a
  // file the page cannot decode is named by the engine's report, as a
  // dropped one is).
  let files;
  if (b.files !== undefined) {
    const ok = b.task === 'classify' && b.kind === 'images' && b.data === null && Array.isArray(b.files)
      && b.files.every((f) => f && typeof f.path === 'string' && typeof f.type === 'string' && typeof f.data === 'string' && f.data.length % 4 === 0 && BASE64.test(f.data));
    if (!ok) return part('files', 'files');
    files = b.files.map((f) => ({ path: f.path, type: f.type, bytes: fromBase64(f.data) }));
  }
  return { bundle: { ...b, model, ...(files ? { files } : {}) } };
}
