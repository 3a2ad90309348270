// The model: the layer editor, the summary with its lints, and
// refreshModel, which sends the form and asks the engine again.
import { t, th, engineText } from '../i18n.js';
import { html, setHtml } from '../html.js';
import { engineModule } from './engine-instance.js';
import { awaitingImages, state } from './state.js';
import { ACTIVATIONS, CATALOGUE, PADDINGS } from './catalogue.js';
import { $ } from './dom.js';
import { refreshImageInsides } from './filters.js';
import { refreshInsides } from './insides.js';
import { drawModelGraph } from './model-graph.js';
import { projectorStale } from './projector.js';
import { applySettings, readForm } from './settings.js';
import { DEFAULT_PRESET } from './settings-table.js';
import { refreshStatus } from './status.js';
import { call } from './worker-client.js';

// A preset's layers as the engine builds them (src/presets.rs); null for
// 'custom' or an unknown name.
const presetLayers = (name, s, n) => (name ? engineModule.preset_layers(name, s.num_words, s.max_len, n, s.mask) : null);

function currentLayers() {
  const n = state.dataReport ? Math.max(state.dataReport.classes.length, 2) : 2;
  return state.settings.preset === 'custom' ? state.customLayers : presetLayers(state.settings.preset, state.settings, n);
}

// The add-layer menu for each kind of data, in the catalogue's order.
const menuOf = (kind) => CATALOGUE.layers.filter((k) => k.menu[kind] != null).sort((a, b) => a.menu[kind] - b.menu[kind]).map((k) => k.class);
const LAYER_TYPES = { text: menuOf('text'), images: menuOf('images') };
// Sizes Keras writes as one number or a pair: shown as "3" or "3×5".
const PAIRS = new Set(['kernel_size', 'strides', 'pool_size']);
const pairText = (v) => (Array.isArray(v) ? (v[0] === v[1] ? String(v[0]) : v.join('×')) : String(v));
function parsePair(raw) {
  const parts = raw.trim().split(/\s*[x×X,]\s*/).map(Number);
  if (!(parts.length === 1 || parts.length === 2) || !parts.every((v) => Number.isInteger(v) && v >= 1)) return null;
  return parts.length === 1 ? parts[0] : parts;
}
// The fields the editor shows for each kind: [key, label key, a new layer's value].
const LAYER_FIELDS = Object.fromEntries(CATALOGUE.layers.map((k) => [k.class, k.fields.filter((f) => f.editor).map((f) => [f.key, f.editor.label, f.editor.default])]));

export function renderLayerEditor() {
  const layers = currentLayers();
  const editable = state.settings.preset === 'custom';
  // A graph's layers keep their places (the wiring names them by place);
  // their settings stay editable.
  const wired = editable && !!state.customWiring;
  const off = editable ? '' : html` disabled`;
  const rows = (layers || []).map((l, i) => {
    const fields = (LAYER_FIELDS[l.type] || []).map(([key, label, def]) => {
      // (An f32 from the engine, 0.10000000149…, reads as the 0.1 it was.)
      const v = l[key] ?? def;
      if (typeof def === 'boolean') return html`<label><input type="checkbox" data-i="${i}" data-k="${key}"${v ? html` checked` : ''}${off}> ${th('field.' + label)}</label> `;
      if (key === 'activation' || key === 'padding') return html`<label>${th('field.' + label)} <select data-i="${i}" data-k="${key}" translate="no"${off}>${(key === 'padding' ? PADDINGS : ACTIVATIONS).map((a) => html`<option${a === v ? html` selected` : ''}>${a}</option>`)}</select></label> `;
      return html`<label>${th('field.' + label)} <input type="text" data-i="${i}" data-k="${key}" value="${PAIRS.has(key) ? pairText(v) : typeof v === 'number' ? Number(v.toPrecision(6)) : v}"${off}></label> `;
    });
    const tools = editable && !wired ? html`<button data-act="up" data-i="${i}" aria-label="${t('model.up', { n: i + 1 })}">↑</button><button data-act="down" data-i="${i}" aria-label="${t('model.down', { n: i + 1 })}">↓</button><button data-act="del" data-i="${i}" aria-label="${t('model.remove', { n: i + 1 })}">✕</button>` : '';
    return html`<div class="layer"><b translate="no">${i + 1}. ${l.type}</b> ${fields}${tools}</div>`;
  });
  setHtml($('layer-editor'), html`${rows}${wired ? html`<p class="hint" id="graph-edit-hint">${th('model.graph_hint')}</p>` : editable
    ? html`<div class="row"><select id="add-layer-type" translate="no" aria-label="${t('model.add')}">${LAYER_TYPES[state.dataKind].map((x) => html`<option>${x}</option>`)}</select><button id="add-layer">${th('model.add')}</button></div>`
    : html`<p class="hint">${th('model.edit_hint')}</p>`}`);
}

$('layer-editor').addEventListener('change', (e) => {
  const input = e.target;
  if (input.dataset.i === undefined || !state.customLayers) return;
  const l = state.customLayers[Number(input.dataset.i)];
  const k = input.dataset.k;
  if (input.type === 'checkbox') l[k] = input.checked;
  else if (k === 'activation' || k === 'padding') l[k] = input.value;
  else if (PAIRS.has(k)) {
    const v = parsePair(input.value);
    input.classList.toggle('invalid', v === null);
    input.title = v === null ? t('model.bad_pair') : '';
    if (v === null) return;
    l[k] = v;
  } else {
    const v = Number(input.value);
    const bad = !Number.isFinite(v) || v <= 0 || (k !== 'rate' && !Number.isInteger(v)) || (k === 'rate' && v >= 1);
    input.classList.toggle('invalid', bad);
    input.title = bad ? (k === 'rate' ? t('model.bad_rate') : t('model.bad_count')) : '';
    if (bad) return;
    l[k] = v;
  }
  refreshModel();
});
$('layer-editor').addEventListener('click', (e) => {
  const t = e.target;
  if (state.customWiring) return;
  if (t.id === 'add-layer') {
    const type = $('add-layer-type').value;
    const l = { type };
    for (const [key, , def] of (LAYER_FIELDS[type] || [])) l[key] = def;
    fitToData(l);
    const at = Math.max(state.customLayers.length - 1, 0);
    state.customLayers.splice(at, 0, l);
  } else if (t.dataset.act) {
    const i = Number(t.dataset.i);
    if (t.dataset.act === 'del') state.customLayers.splice(i, 1);
    if (t.dataset.act === 'up' && i > 0) [state.customLayers[i - 1], state.customLayers[i]] = [state.customLayers[i], state.customLayers[i - 1]];
    if (t.dataset.act === 'down' && i < state.customLayers.length - 1) [state.customLayers[i + 1], state.customLayers[i]] = [state.customLayers[i], state.customLayers[i + 1]];
  } else return;
  refreshModel();
});

// A token layer reads the data's words (and, with learned positions, its
// length): those sizes follow the data settings, not the editor.
function fitToData(l) {
  if (l.type === 'Embedding') l.input_dim = state.settings.num_words;
  if (l.type === 'TokenAndPositionEmbedding') { l.vocabulary_size = state.settings.num_words; l.sequence_length = state.settings.max_len; }
}

export async function refreshModel() {
  const previous = state.settings.preset;
  readForm();
  if (state.settings.preset === 'custom' && !state.customLayers) {
    // Start the custom list from the preset the user was looking at (or
    // the data's default one, coming from 'custom' itself).
    const n = state.dataReport ? state.dataReport.classes.length : 2;
    state.customLayers = presetLayers(previous, state.settings, n) || presetLayers(DEFAULT_PRESET[state.dataKind], state.settings, n);
    state.customWiring = null;
    state.settings.layers = state.customLayers;
  }
  if (state.settings.preset === 'custom') {
    // Keep the embeddings' rows (and positions) in step with the data.
    for (const l of state.customLayers) fitToData(l);
  }
  renderLayerEditor();
  if (!(await applySettings())) return;
  if (awaitingImages()) {
    // Without images the engine cannot know the input's shape.
    summary = null;
    summaryError = null;
  } else {
    try {
      summary = await call('summary');
      summaryError = null;
    } catch (e) {
      summary = null;
      summaryError = e;
    }
  }
  renderSummary();
  await refreshStatus();
  refreshInsides(true);
  refreshImageInsides(true);
  projectorStale();
}

let summary = null;
let summaryError = null;
export function renderSummary() {
  if (!summary && !summaryError && awaitingImages()) {
    setHtml($('model-summary'), html`<p class="hint">${th('model.wait_images')}</p>`);
    setHtml($('model-lints'), html``);
    drawModelGraph($('model-graph'), null, 'graph.wait');
    return;
  }
  if (summaryError) {
    setHtml($('model-summary'), html`<p class="err">${engineText(summaryError)}</p>`);
    setHtml($('model-lints'), html``);
    drawModelGraph($('model-graph'), null, 'graph.invalid');
    return;
  }
  if (!summary) { drawModelGraph($('model-graph'), null, 'graph.wait'); return; }
  const s = summary;
  // A graph (an uploaded functional model) lists what each layer reads, as Keras's summary does.
  const graph = s.rows.some((r, i) => (r.inputs || []).join() !== (i ? s.rows[i - 1].name : 'input'));
  const reads = (r) => (graph ? html`<td class="reads" translate="no">${r.inputs.join(', ')}</td>` : '');
  const rows = s.rows.map((r) => html`<tr><td translate="no">${r.name} (${r.class_name})</td><td>(None, ${r.output_shape.join(', ')})</td><td>${r.params.toLocaleString()}</td>${reads(r)}</tr>`);
  drawModelGraph($('model-graph'), s.rows);
  setHtml($('model-summary'), html`<div class="table-scroll"><table><tr><th>${th('summary.layer')}</th><th>${th('summary.shape')}</th><th>${th('summary.params')}</th>${graph ? html`<th class="reads">${th('summary.inputs')}</th>` : ''}</tr>${rows}<tr><td><b>${th('summary.total')}</b></td><td></td><td><b>${s.total_params.toLocaleString()}</b></td>${graph ? html`<td></td>` : ''}</tr></table></div>`);
  setHtml($('model-lints'), html`${s.lints.map((l, i) => html`<div class="lint">⚠ ${th('model.lint', { layer: l.layer, message: engineText(l.message) })} ${l.fix ? html`<button data-fix="${l.fix}" data-lint="${i}">${th('model.fix_mask')}</button>` : ''}</div>`)}`);
  // Shown beside the download button, before anything is downloaded.
  const tfjs = s.tfjs_incompatibilities || [];
  setHtml($('tfjs-warnings'), tfjs.length ? html`<p class="lint">⚠ ${th('keep.tfjs_heading')}</p><ul>${tfjs.map((m) => html`<li>${engineText(m)}</li>`)}</ul>` : html``);
}
$('model-lints').addEventListener('click', (e) => {
  if (e.target.dataset.fix !== 'mask_zero') return;
  $('mask').checked = true;
  if (state.customLayers) for (const l of state.customLayers) if (l.type === 'Embedding') l.mask_zero = true;
  refreshModel();
});
