// The model as a graph: one box per layer, top to bottom, with its output
// shape; a Transformer block drawn open (its attention, feed-forward,
// additions and normalisations) with each residual path as a curved line
// beside the sublayer it goes around, into the "add" it joins. Drawn from
// the engine's summary rows (each with the layer's config as built), so it
// shows the model the engine made. HTML boxes and CSS lines, no SVG: the
// page allows no svg element (tests/e2e/security.test.mjs); the drawing is
// role="img" with the same content as a list of sentences for readers.
import { t, th, language } from '../i18n.js';
import { html, setHtml } from '../html.js';

const BLOCKS = new Set(['TransformerEncoder', 'TransformerDecoder']);
const shapeText = (shape) => `(None, ${shape.join(', ')})`;

// A block's sublayer groups, each [its sublayers…] then the add it ends in
// and around which a residual path goes. Post-LN (BERT, keras_hub's
// default): x = LN(x + MHA(x)); pre-LN (GPT-2): x = x + MHA(LN(x)).
function blockGroups(c, width) {
  const heads = c.num_heads;
  const attention = { key: c.type === 'TransformerDecoder' ? 'graph.causal_attention' : 'graph.attention', detail: t('graph.heads', { heads, key: Math.floor(width / Math.max(heads, 1)) }) };
  const ffn = { key: 'graph.ffn', detail: t('graph.ffn_sizes', { d: width, ffn: c.intermediate_dim }), act: c.activation };
  const norm = { key: 'graph.norm' };
  return c.normalize_first
    ? [{ subs: [norm, attention], add: 'graph.add' }, { subs: [norm, ffn], add: 'graph.add' }]
    : [{ subs: [attention], add: 'graph.add_norm' }, { subs: [ffn], add: 'graph.add_norm' }];
}

const edge = html`<div class="mg-edge"></div>`;

function sublayer(s) {
  return html`<div class="mg-row"><div class="mg-node mg-sub"><span>${t(s.key)}</span>${s.detail ? html`<span class="mg-shape">${s.detail}${s.act ? html`, <span translate="no">${s.act}</span>` : ''}</span>` : ''}</div></div>`;
}

function block(r, n) {
  const groups = blockGroups(r.config, r.output_shape[r.output_shape.length - 1]);
  const parts = groups.map((g) => html`<div class="mg-res">${edge}${g.subs.map((s, k) => html`${k ? edge : ''}${sublayer(s)}`)}${edge}<div class="mg-row"><div class="mg-add">⊕ ${t(g.add)}</div></div><div class="residual" title="${t('graph.residual_title', { from: t(g.subs[0].key), into: t(g.add) })}"></div></div>`);
  return html`<div class="mg-block" data-class="${r.class_name}"><div class="mg-head"><span><b translate="no">${r.class_name}</b> · ${t('graph.block', { n })}</span><span class="mg-shape">${shapeText(r.output_shape)}</span></div>${parts}</div>`;
}

// In a graph (an uploaded functional model) a layer may read others than
// the one above it: the box names itself and what it reads.
const readsOthers = (rows, i) => (rows[i].inputs || []).join() !== (i ? rows[i - 1].name : 'input');
const isGraph = (rows) => rows.some((_, i) => readsOthers(rows, i));

const plain = (r, graph) => html`<div class="mg-row"><div class="mg-node mg-layer" data-class="${r.class_name}"><span><b translate="no">${r.class_name}</b>${graph ? html` <span class="mg-name" translate="no">${r.name}</span>` : ''}</span><span class="mg-shape">${shapeText(r.output_shape)}</span>${graph ? html`<span class="mg-reads">${th('graph.reads', { inputs: html`<span translate="no">${r.inputs.join(' + ')}</span>` })}</span>` : ''}</div></div>`;

// The same content as sentences, for the text alternative.
function sentences(rows) {
  let n = 0;
  return rows.map((r, i) => {
    const name = html`<span translate="no">${r.class_name}</span>`;
    if (!BLOCKS.has(r.class_name) && readsOthers(rows, i)) return th('graph.alt_graph_layer', { i: i + 1, name, layer: html`<span translate="no">${r.name}</span>`, shape: shapeText(r.output_shape), inputs: html`<span translate="no">${r.inputs.join(', ')}</span>` });
    if (!BLOCKS.has(r.class_name)) return th('graph.alt_layer', { i: i + 1, name, shape: shapeText(r.output_shape) });
    const groups = blockGroups(r.config, r.output_shape[r.output_shape.length - 1]);
    const steps = groups.map((g) => [...g.subs.map((s) => t(s.key)), t(g.add)].join(' → ')).join(t('graph.sep'));
    const paths = groups.map((g) => t('graph.alt_residual', { from: t(g.subs[0].key), into: t(g.add) })).join(t('graph.sep'));
    return th('graph.alt_block', { i: i + 1, name, n: ++n, shape: shapeText(r.output_shape), steps, paths });
  });
}

const drawn = new WeakMap();

// Draw `rows` (the engine's summary rows; null: none yet, with `hint` a
// text key saying why) into `el`. Drawn again only when the model or the
// language changed, not for every refresh of the summary.
export function drawModelGraph(el, rows, hint = 'graph.wait') {
  const key = JSON.stringify([language(), rows ? rows.map((r) => [r.class_name, r.output_shape, r.config, r.inputs]) : hint]);
  if (drawn.get(el) === key) return;
  drawn.set(el, key);
  if (!rows || !rows.length) { setHtml(el, html`<p class="hint">${th(hint)}</p>`); return; }
  let n = 0;
  const graph = isGraph(rows);
  const items = rows.map((r, i) => html`${i ? edge : ''}${BLOCKS.has(r.class_name) ? block(r, ++n) : plain(r, graph)}`);
  const blocks = n;
  const text = `${el.id}-text`;
  setHtml(el, html`<div class="mg" role="img" aria-label="${t('graph.alt_label', { layers: rows.length, blocks, paths: 2 * blocks })}" aria-describedby="${text}">${items}</div>
    <ol id="${text}" class="visually-hidden">${sentences(rows).map((s) => html`<li>${s}</li>`)}</ol>
    <p class="mg-legend hint"><span><span class="mg-key mg-key-flow"></span> ${th('graph.flow')}</span> <span><span class="mg-key mg-key-res"></span> ${th('graph.residual')}</span></p>`);
}
