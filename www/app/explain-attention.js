// A Transformer classifier's attention beside the attributions of a typed
// text (issues 17 §5 and 18): each block's and head's weights over the
// tokens the model read, padding left out (the engine's `attention`, which
// `gradlab attention` gives too), drawn by attention-map.js. Pointing at a
// token's row lists what it attends to. Models without attention show
// nothing here.
import { t, th, engineText } from '../i18n.js';
import { html, setHtml } from '../html.js';
import { $ } from './dom.js';
import { call } from './worker-client.js';
import { drawAttention, followRows, tokenLabel } from './attention-map.js';

let view = null; // the engine's {tokens, layers}, {error}, or null (hidden)
let focus = -1;  // the row pointed at, or −1

// The engine's maps for `text`, or {error}; null where the model has no
// attention (the view stays hidden).
export async function attentionOf(text) {
  try { return await call('attention', text); } catch (e) {
    return e.code === 'attention.no_layer' ? null : { error: e.engine ?? e.message };
  }
}

// Show an answer of attentionOf (or null: hide the view).
let answers = 0;
export function showAttention(answer) {
  view = answer;
  // Counted, so one can tell a hidden view from an answer not yet come.
  $('explain-attention').dataset.answers = String(++answers);
  focus = -1;
  letGo();
  fillMenus();
  renderExplainAttention();
}

const picked = (id) => Math.max(0, Number($(id).value) || 0);

function fillMenus() {
  const layers = (view && view.layers) || [];
  const lsel = $('explain-attention-layer');
  const hsel = $('explain-attention-head');
  const li = Math.min(picked('explain-attention-layer'), Math.max(layers.length - 1, 0));
  lsel.replaceChildren(...layers.map((l, i) => new Option(t('xatt.layer_n', { n: i + 1 }), String(i))));
  lsel.value = String(li);
  const heads = layers[li] ? layers[li].heads.length : 0;
  const hi = Math.min(picked('explain-attention-head'), Math.max(heads - 1, 0));
  hsel.replaceChildren(...Array.from({ length: heads }, (_, i) => new Option(t('att.head_n', { n: i + 1 }), String(i))));
  hsel.value = String(hi);
}

const weight = (w) => w.toFixed(2);

// What a token attends to, strongest first, as words.
function attendsTo(tokens, row, q, count) {
  const order = row.map((w, k) => k).sort((a, b) => row[b] - row[a]).slice(0, count);
  return html`<span translate="no">${tokens[q]}</span> → ${order.map((k, i) => html`${i ? ', ' : ''}<span translate="no">${tokens[k]}</span> ${weight(row[k])}`)}`;
}

// The view again: menus kept, map, readout and text alternative redrawn.
export function renderExplainAttention() {
  const box = $('explain-attention');
  box.hidden = !view;
  if (!view) return;
  const canvas = $('explain-attention-map');
  const msg = $('explain-attention-message');
  const drawn = !view.error && view.layers.length > 0;
  canvas.hidden = !drawn;
  $('explain-attention-legend').hidden = !drawn;
  if (!drawn) {
    msg.textContent = view.error ? engineText(view.error) : t('att.none');
    setHtml($('explain-attention-hover'), html``);
    setHtml($('explain-attention-summary'), html``);
    return;
  }
  const { li, hi, weights, tokens } = current();
  const n = tokens.length;
  msg.textContent = t('att.reading', { n });
  canvas.setAttribute('aria-label', t('xatt.alt', { layer: li + 1, head: hi + 1, n }));
  // The text alternative: for each token, the three it attends to most.
  setHtml($('explain-attention-summary'), html`<p>${t('xatt.alt', { layer: li + 1, head: hi + 1, n })}</p><ul>${tokens.map((_, q) => html`<li>${attendsTo(tokens, weights[q], q, 3)}</li>`)}</ul>`);
  drawFocus();
}

function current() {
  const li = picked('explain-attention-layer');
  const hi = picked('explain-attention-head');
  return { li, hi, weights: view.layers[li].heads[hi], tokens: view.tokens.map((x) => x.text) };
}

// The map with the row pointed at brought out, and that row's weights in
// words (every one, in the tokens' order).
function drawFocus() {
  if (!view || view.error || !view.layers.length) return;
  const { li, hi, weights, tokens } = current();
  const canvas = $('explain-attention-map');
  drawAttention(canvas, tokens, weights, { focus });
  canvas.dataset.layer = String(li);
  canvas.dataset.head = String(hi);
  const hover = $('explain-attention-hover');
  hover.dataset.row = String(focus);
  if (focus >= 0 && focus < tokens.length) {
    setHtml(hover, html`${th('xatt.row', { token: html`<b translate="no">${tokenLabel(tokens[focus])}</b>` })} ${weights[focus].map((w, k) => html`<span class="xatt-w" data-k="${k}"><span translate="no">${tokens[k]}</span> ${weight(w)}</span>`)}`);
  } else {
    setHtml(hover, html`${th('xatt.point')}`);
  }
}

$('explain-attention-layer').addEventListener('change', () => { fillMenus(); renderExplainAttention(); });
$('explain-attention-head').addEventListener('change', renderExplainAttention);
const letGo = followRows($('explain-attention-map'), (row) => { focus = row; drawFocus(); });
