// The settings, one row each, as TensorFlow Playground's state.ts lists
// its state: everything else derives from this table. settings.js reads the
// form into state.settings and writes it back, and its messages name a
// field by the row's label; links.js writes the address (its keys in the
// table's order) and reads a link or stored settings back through the same
// rows; app.js wires each row's control to what its change sets off.
//
// A row:
//   id       the form element (none: the layer list, which the editor keeps)
//   key      the key in the engine's Settings (none: the backend, kept in its menu)
//   address  the key in the address (none: not in links, nor checked in storage)
//   label    the field's name (an i18n key), in the form's and the links' messages
//   parse    text (a link's, or a stored value's format) → [value, problem]
//   format   value → the address's text, which parse reads back (as it
//            is by default: the address writes numbers and words as text)
//   read     the element (and the settings read so far) → [value, problem]
//   write    a value → the element
//   typed    a field the user types: its problem is shown beside it
//   image    an image setting: in the address only for image data, its
//            problems also shown beside the image fields
//   only     (settings) → whether it goes into the address at all
//   optional null means "inferred": not in the address, not checked
//   change   what a change of the control sets off (app.js's CHANGES)
//   parts    a group's rows (augmentation, cleaning), each keyed in the group
import { $ } from './dom.js';
import { bool, checkLayers, checkWiring, numCheck, oneOf, parseShape, zeroOne } from './checks.js';
import { state } from './state.js';

export const SCHEDULES = {
  constant: { kind: 'constant' },
  step: { kind: 'step', every: 100, gamma: 0.5 },
  exponential: { kind: 'exponential', decay_steps: 100, rate: 0.96 },
  cosine: { kind: 'cosine', warmup: 50, decay_steps: 1000, alpha: 0.0 },
  plateau: { kind: 'reduce_on_plateau', factor: 0.5, patience: 1, min_lr: 1e-6 },
};
const scheduleName = (s) => Object.keys(SCHEDULES).find((k) => SCHEDULES[k].kind === (s && s.kind));

// The preset each kind of data starts with.
export const DEFAULT_PRESET = { text: 'lstm', images: 'image-cnn' };

// How a row sits in the form, as functions of its element's id.
// A number typed in a text field; the form shows f32 settings
// (0.20000000298…) as the decimal the user typed.
const number = (min, max, int = false) => () => {
  const parse = numCheck(min, max, int);
  return { parse, typed: true, read: (el) => parse(el.value), write: (el, v) => { el.value = Number(Number(v).toPrecision(6)); } };
};
const whole = (min, max) => number(min, max, true);
// A menu: the form's value as it is; a link's must be one of its options.
// (The generation task's options, such as the gpt preset, are not the classifier's.)
const optionValues = (id) => [...$(id).options].filter((o) => o.dataset.task !== 'generate').map((o) => o.value).filter(Boolean);
const menu = (id) => ({ parse: oneOf(() => optionValues(id)), read: (el) => [el.value, null], write: (el, v) => { el.value = v; } });
const tick = () => ({ parse: bool, read: (el) => [el.checked, null], write: (el, v) => { el.checked = !!v; } });
// The schedule menu names one of SCHEDULES.
const schedule = () => ({
  parse: (v) => { const [k, err] = oneOf(() => Object.keys(SCHEDULES))(v); return err ? [null, err] : [SCHEDULES[k], null]; },
  format: scheduleName,
  read: (el) => [SCHEDULES[el.value], null],
  write: (el, v) => { el.value = scheduleName(v) || 'constant'; },
});
// "8x8x1"; blank: the engine infers it from the data.
const shape = () => ({
  parse: parseShape,
  format: (v) => (Array.isArray(v) ? v.join('x') : String(v)),
  typed: true,
  optional: true,
  read: (el) => parseShape(el.value),
  write: (el, v) => { el.value = Array.isArray(v) ? v.join('x') : ''; },
});
// Grey or RGB, a menu; grayscale in the settings and the address.
const colour = () => ({ parse: bool, read: (el) => [el.value !== 'rgb', null], write: (el, v) => { el.value = v === false ? 'rgb' : 'gray'; } });
// The label column's menu lists the data's columns; blank: detected (and
// then not in the address).
const column = () => ({ parse: oneOf(() => ['first', 'last']), optional: true, read: (el) => [el.value || null, null], write: (el, v) => { el.value = v || ''; } });
// The layer list, when the preset is 'custom': the editor's (model.js).
const layers = () => ({
  parse: checkLayers,
  format: (v) => (typeof v === 'string' ? v : JSON.stringify(v)),
  only: (s) => s.preset === 'custom',
  read: (el, s) => [s.preset === 'custom' ? state.customLayers : null, null],
  write: (el, v, s) => { if (s.preset === 'custom') state.customLayers = v; },
});
// An uploaded graph's wiring, while the custom layers are its layers (the
// editor keeps it: settings change, the list does not).
const wiring = () => ({
  parse: checkWiring,
  format: (v) => (typeof v === 'string' ? v : JSON.stringify(v)),
  optional: true,
  only: (s) => s.preset === 'custom' && s.wiring != null,
  read: (el, s) => [s.preset === 'custom' && state.customLayers ? state.customWiring : null, null],
  write: (el, v, s) => { state.customWiring = s.preset === 'custom' ? v ?? null : null; },
});

const row = (id, key, address, label, kind, change, more = {}) => ({ id, key, address, label, format: (v) => v, ...kind(id), change, ...more });
// A group: one settings key (an object) and one address key over its parts,
// whose values the address joins with commas.
function group(key, address, label, parts, change, more = {}) {
  parts = parts.map((p) => ({ ...p, change, image: more.image }));
  return {
    key, address, label, parts, change, ...more,
    parse: (v) => {
      const values = String(v).split(',');
      if (values.length !== parts.length) return [null, { key: 'settings.aug_form' }];
      const out = {};
      for (const [i, part] of parts.entries()) {
        const [x, err] = part.parse(values[i]);
        if (err) return [null, { key: 'settings.part', params: { part: { key: part.label }, error: err } }];
        out[part.key] = x;
      }
      return [out, null];
    },
    format: (v) => (v && typeof v === 'object' ? parts.map((p) => p.format(v[p.key])).join(',') : v),
  };
}
const flip = () => ({ ...tick(), parse: zeroOne, format: (v) => (v ? 1 : 0) });

// Rows of the page rather than of the engine's Settings (no key): what a
// link says besides the settings. `extra` is what the address is asked to
// carry beyond them (settingsToHash's second argument: {run, backend}).
// The built-in sample the task's data is, unmodified (samples.js keeps it);
// pasted or edited data names none. A link's sample is loaded once the
// settings are (app.js).
export const sampleIds = (task) => [...$('sample-select').options].filter((o) => o.dataset.task === task).map((o) => o.value);
export const sampleRow = (task) => () => ({
  parse: oneOf(() => sampleIds(task)),
  optional: true,
  read: () => [state.sample[task] ?? null, null],
  write: (el, v) => { state.link.sample = v; },
});
// run=1: a copied link offers to run what it holds (reproduce.js).
export const runRow = () => ({
  parse: (v) => (v === '1' ? [true, null] : [null, { key: 'settings.run_one' }]),
  format: () => '1',
  optional: true,
  read: (el, s, extra = {}) => [extra.run ? true : null, null],
  write: (el, v) => { state.link.run = v; },
});
// The backend menu; a link to run pins what 'auto' picked here, so the
// run is repeated where it ran.
const backendMenu = (id) => ({ ...menu(id), read: (el, s, extra = {}) => [extra.run && el.value === 'auto' && extra.backend ? extra.backend : el.value, null] });

// In the order the address has always listed them.
export const SETTINGS = [
  row('model-preset', 'preset', 'model', 'model.preset', menu, 'model'),
  row('learning-rate', 'learning_rate', 'lr', 'setup.learning_rate', number(1e-7, 10), 'model'),
  row('batch-size', 'batch_size', 'bs', 'setup.batch_size', whole(1, 4096), 'model'),
  row('epochs', 'epochs', 'epochs', 'setup.epochs', whole(1, 1000), 'model'),
  row('val-split', 'val_split', 'val', 'setup.val_split', number(0, 0.5), 'model'),
  row('num-words', 'num_words', 'words', 'setup.num_words', whole(2, 1_000_000), 'model'),
  row('max-len', 'max_len', 'len', 'setup.max_len', whole(1, 2000), 'model'),
  row('padding', 'padding', 'pad', 'setup.padding', menu, 'model'),
  row('truncating', 'truncating', 'trunc', 'setup.truncating', menu, 'model'),
  row('seed', 'seed', 'seed', 'setup.seed', whole(0, 2 ** 32), 'model'),
  row('loss', 'loss', 'loss', 'setup.loss', menu, 'model'),
  row('optimizer', 'optimizer', 'opt', 'setup.optimizer', menu, 'model'),
  row('mask', 'mask', 'mask', 'model.mask', tick, 'model'),
  row('scaling', 'scaling', 'scale', 'prep.scaling', menu, 'reread', { image: true }),
  group('augmentation', 'aug', 'prep.title', [
    row('aug-shift', 'shift', null, 'prep.shift', number(0, 0.5)),
    row('aug-rotation', 'rotation', null, 'prep.rotation', number(0, 180)),
    row('aug-zoom', 'zoom', null, 'prep.zoom', number(0, 0.9)),
    row('aug-flip', 'flip', null, 'prep.flip', flip),
  ], 'augment', { image: true }),
  row('image-shape', 'image_shape', 'shape', 'image.shape', shape, 'shape', { image: true }),
  row('image-size', 'image_size', 'size', 'image.size', whole(4, 128), 'decode', { image: true }),
  row('image-colour', 'grayscale', 'gray', 'image.colour', colour, 'decode', { image: true }),
  row('schedule', 'schedule', 'sched', 'setup.schedule', schedule, 'model'),
  row('backend-select', null, 'backend', 'setup.compute', backendMenu, 'backend'),
  row(null, 'layers', 'layers', 'settings.layers', layers, null),
  row(null, 'wiring', 'wires', 'settings.wiring', wiring, null),
  // How the text is read: in the address only when not the default (links
  // made before these were in it read as they did), so that a link to a
  // sample reads it as the run did.
  row('label-column', 'label_column', 'col', 'data.label_column', column, 'data'),
  group('cleaning', 'clean', 'data.cleaning', [
    row('clean-html', 'strip_html', null, 'clean.html', flip),
    row('clean-urls', 'strip_urls', null, 'clean.urls', flip),
    row('clean-unicode', 'normalize_unicode', null, 'clean.unicode', flip),
    row('clean-whitespace', 'normalize_whitespace', null, 'clean.whitespace', flip),
    row('clean-empty', 'drop_empty', null, 'clean.empty', flip),
    row('clean-duplicates', 'drop_duplicates', null, 'clean.duplicates', flip),
  ], 'data', { only: (s) => Object.values(s.cleaning || {}).some(Boolean) }),
  // What the data is, and whether to offer running it.
  row(null, null, 'sample', 'data.sample', sampleRow('classify'), null),
  row(null, null, 'run', 'settings.run', runRow, null),
];

// Each control of the form, a group's parts in its place.
export const CONTROLS = SETTINGS.flatMap((r) => r.parts || [r]).filter((r) => r.id);
