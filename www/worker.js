// The training worker: owns the engine (WebLab, and WebLanguageLab for the
// generation task) so training never blocks the page. It answers requests {id, cmd, args} with {id, ok, value | error} and
// streams {event: 'progress' | 'evaluation' | 'stopped'} while training.
import { loadEngine } from './engine.js';
import { COMMANDS } from './protocol.js';
import { readBundle } from './bundle-reader.js';

// The engine: the relaxed-SIMD build where the browser has it (engine.js).
let WebLab = null;
let WebLanguageLab = null;
let open_gpu = null;
let engine = null;

let lab = null;
let lm = null;         // the generation task's lab
let running = false;   // a training loop is active
let stopRequested = false;

const ready = loadEngine().then(({ module, info }) => {
  ({ WebLab, WebLanguageLab, open_gpu } = module);
  engine = info;
  lab = new WebLab();
  lm = new WebLanguageLab();
});

const post = (msg) => self.postMessage(msg);

// What failed, for the page: the engine's typed error ({kind, code, field,
// line, params, message, english}) as it is, anything else as text.
const errorOf = (e) => (e && typeof e === 'object' && typeof e.kind === 'string' && e.message && typeof e.message === 'object' ? e : String(e && e.message || e));

// WebGPU is opened once, the first time the user picks gpu or auto; both
// tasks' labs are told what was found (an adapter, or why there is none)
// and share the one device.
let gpuAsked = null;
function attachGpu(h) {
  lm.attach_gpu(h && h.share());
  lab.attach_gpu(h);
}
function askForGpu() {
  if (!gpuAsked) {
    gpuAsked = ('gpu' in navigator)
      ? adapterName().then(open_gpu).then(attachGpu, () => attachGpu(undefined))
      : Promise.resolve(attachGpu(undefined));
  }
  return gpuAsked;
}

// Browsers often leave an adapter's description empty; vendor and
// architecture (e.g. "google swiftshader") still say what it is.
async function adapterName() {
  try {
    const a = await navigator.gpu.requestAdapter();
    const info = (a && a.info) || {};
    return [info.vendor, info.architecture].filter(Boolean).join(' ') || 'WebGPU adapter';
  } catch { return 'WebGPU adapter'; }
}

// One slice: on the GPU the run trains on its own copy while the lab stays
// usable, then the copy read back is handed to the lab.
// `toEpochEnd` stops it at the end of an epoch (the Epoch button: a short
// epoch must not run into the next within one slice's budget).
async function slice(budget, maxBatches, toEpochEnd) {
  const gpuSlice = lab.gpu_slice_begin();
  if (!gpuSlice) return lab.train_slice(budget, maxBatches, toEpochEnd);
  const done = await gpuSlice.run(budget, maxBatches, toEpochEnd);
  return lab.gpu_slice_end(done);
}
// The generation task's slice, on the GPU as the classifier's is (the lab
// stops a GPU slice where a sample over time is due and draws it between
// slices, from the copy read back).
async function lmSlice(budget, maxSteps, toEpochEnd) {
  const gpuSlice = lm.gpu_slice_begin(maxSteps);
  if (!gpuSlice) return lm.train_slice(budget, maxSteps, toEpochEnd);
  const done = await gpuSlice.run(budget, maxSteps, toEpochEnd);
  return lm.gpu_slice_end(done);
}
const tick = () => new Promise((r) => setTimeout(r, 0));

function evaluationIfNew(prog) {
  if (prog.new_epochs && prog.new_epochs.length) {
    post({ event: 'evaluation', value: lab.evaluation() });
  }
}

// Train in slices of ~40 ms so pause messages get through between them:
// `next` runs and posts one slice and says whether the run ends there.
async function runSlices(mode, next) {
  running = true;
  stopRequested = false;
  post({ event: 'running', value: mode });
  try {
    for (;;) {
      if (await next()) break;
      await tick();
      if (stopRequested) break;
    }
  } catch (e) {
    post({ event: 'error', error: errorOf(e), fatal: e instanceof WebAssembly.RuntimeError });
  } finally {
    running = false;
    post({ event: 'stopped' });
  }
}

function trainLoop(mode) {
  return runSlices(mode, async () => {
    const prog = await slice(40, mode === 'batch' ? 1 : 1e9, mode === 'epoch');
    post({ event: 'progress', value: prog });
    evaluationIfNew(prog);
    return prog.done || mode === 'batch' || (mode === 'epoch' && prog.new_epochs.length > 0);
  });
}

// The generation task's run: 'batch' is one step, 'epoch' runs to the end
// of the epoch (slices of 40 ms, so a pause gets through).
function lmTrainLoop(mode) {
  let startEpoch = null;
  return runSlices(mode, async () => {
    if (startEpoch === null) {
      // The epoch it starts in, from a slice of no steps (which also brings
      // the untrained model's sample, the first time).
      const first = lm.train_slice(0, 0, false);
      post({ event: 'steps', value: first });
      startEpoch = first.epoch;
    }
    const prog = mode === 'batch' ? await lmSlice(40, 1, false) : await lmSlice(40, 1e9, mode === 'epoch');
    post({ event: 'steps', value: prog });
    return prog.done || mode === 'batch' || (mode === 'epoch' && prog.epoch > startEpoch);
  });
}

// A t-SNE run stepped for about `ms` of this thread's time, then its frame.
function tsneStep(owner, ms) {
  const start = performance.now();
  while (owner.tsne_advance(1) && performance.now() - start < ms);
  return owner.tsne_frame();
}

// top-k and top-p: a number, or off (null → undefined: the engine's None).
const opt = (v) => (v === null || v === undefined ? undefined : v);

const commands = {
  engine: () => engine,
  default_settings: () => WebLab.default_settings(),
  settings: () => lab.settings(),
  set_settings: (s) => lab.set_settings(s),
  load_data: (text) => lab.load_data(text),
  summary: () => lab.summary(),
  missing: () => lab.missing(),
  progress: () => lab.progress(),
  evaluation: () => lab.evaluation(),
  insides: (example, layer) => lab.insides(example, layer),
  reset: () => { stopRequested = true; lab.reset(); },
  predict: (text) => lab.predict(text),
  // Why the model answered: each token's (or pixel's) share of the predicted
  // class's log-odds, and the words of an Embedding placed by PCA.
  explain_text: (text) => lab.explain_text(text),
  // A Transformer's attention maps over a text's tokens (beside the attributions).
  attention: (text) => lab.attention(text),
  projector: (words, components) => lab.projector(words, components),
  neighbours: (word, count) => lab.neighbours(word, count),
  // The projector's t-SNE, a few iterations a call, so training goes on between.
  tsne_start: (words, dims, perplexity, resume) => lab.tsne_start(words, dims, perplexity, Boolean(resume)),
  tsne_step: (ms) => tsneStep(lab, ms),
  export_model: () => lab.export_model(),
  import_model: (json, weights) => lab.import_model(json, weights),
  train: (mode) => { if (!running) trainLoop(mode); return true; },
  pause: () => { stopRequested = true; return true; },
  set_backend: async (choice) => { if (choice !== 'cpu') await askForGpu(); return lab.set_backend(choice); },
  // Images: a pixel CSV, decoded files, what augmentation makes of them,
  // predictions from the drawing pad, and pictures of a trained CNN.
  load_image_csv: (text) => lab.load_image_csv(text),
  load_image_files: (files) => lab.load_image_files(files),
  augment_preview: (count, variants) => lab.augment_preview(count, variants),
  predict_image: (pixels, width, height) => lab.predict_image(pixels, width, height),
  explain_image: (pixels, width, height) => lab.explain_image(pixels, width, height),
  explain_validation_image: (index) => lab.explain_validation_image(index),
  filters: () => lab.filters(),
  feature_maps: (index) => lab.feature_maps(index),
  has_images: () => lab.has_images(),
  // The generation task.
  lm_default_settings: () => WebLanguageLab.default_settings(),
  lm_settings: () => lm.settings(),
  lm_set_settings: (s) => lm.set_settings(s),
  lm_load_text: (text) => lm.load_text(text),
  lm_train: (mode) => { if (!running) lmTrainLoop(mode); return true; },
  lm_reset: () => { stopRequested = true; lm.reset(); },
  lm_validation: () => lm.validation(),
  lm_begin_generation: (prompt, temperature, topK, topP, seed) => lm.begin_generation(prompt, temperature, opt(topK), opt(topP), BigInt(seed)),
  lm_candidates: (temperature, topK, topP) => lm.candidates(temperature, opt(topK), opt(topP)),
  lm_generate_next: (count) => lm.generate_next(count),
  lm_attention: (text) => lm.attention(text),
  // The projector over the language model's tokens.
  lm_projector: (words, components) => lm.projector(words, components),
  lm_neighbours: (token, count) => lm.neighbours(token, count),
  lm_tsne_start: (words, dims, perplexity, resume) => lm.tsne_start(words, dims, perplexity, Boolean(resume)),
  lm_tsne_step: (ms) => tsneStep(lm, ms),
  lm_export_model: () => lm.export_model(),
  lm_import_model: (json, weights, alone) => lm.import_model(json, weights, !!alone),
  lm_set_backend: async (choice) => { if (choice !== 'cpu') await askForGpu(); return lm.set_backend(choice); },
  lm_backend: () => lm.backend(),
  // A bundle (bundle.js) tried on a lab of its own before the page takes it,
  // so a bad one changes nothing: null, or {part: 'settings' | 'data' |
  // 'model', error}.
  check_bundle: (task, settings, kind, text, json, weights) => checkBundle(task, settings, kind, text, json, weights),
  // A bundle file read here, not on the page: {bundle} or {problem}.
  read_bundle: (file) => readBundle(file),
};

function checkBundle(task, settings, kind, text, json, weights) {
  const scratch = task === 'generate' ? new WebLanguageLab() : new WebLab();
  const part = (name, f) => { try { f(); return null; } catch (e) { return { part: name, error: errorOf(e) }; } };
  try {
    return part('settings', () => scratch.set_settings(settings))
      || (text ? part('data', () => (task === 'generate' ? scratch.load_text(text) : kind === 'images' ? scratch.load_image_csv(text) : scratch.load_data(text))) : null)
      || (json ? part('model', () => (task === 'generate' ? scratch.import_model(json, weights, false) : scratch.import_model(json, weights))) : null);
  } finally {
    scratch.free();
  }
}

self.onmessage = async (e) => {
  const { id, cmd, args } = e.data;
  try {
    await ready;
    // Only the protocol's commands (never, say, an inherited property).
    if (!COMMANDS.includes(cmd) || !Object.hasOwn(commands, cmd)) throw new Error('unknown command ' + cmd);
    const f = commands[cmd];
    const value = await f(...(args || []));
    post({ id, ok: true, value });
  } catch (err) {
    // A Rust panic surfaces as a RuntimeError ("unreachable"): the module is
    // unusable afterwards, so the page restarts this worker.
    post({ id, ok: false, error: errorOf(err), fatal: err instanceof WebAssembly.RuntimeError });
  }
};
