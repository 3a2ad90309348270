// Attention: for a text, each layer's and head's weights, drawn as a heat
// map (attention-map.js), one row a token (the query) and its columns the
// tokens it attends to. The model is causal: a token sees only itself and
// those before it, so the upper triangle stays empty.
import { t, engineText } from '../i18n.js';
import { state } from './state.js';
import { $ } from './dom.js';
import { call } from './worker-client.js';
import { drawAttention, followRows } from './attention-map.js';

let view = null;        // the engine's {tokens, layers}, or {error}
let busy = false;
let at = 0;
let focus = -1;         // the row pointed at, or −1
let generated = '';     // the last prompt and its continuation

// A generation ended: the map reads the prompt and what the model wrote.
export function attendToGenerated(text) {
  generated = text;
  if (!$('attention-text').value.trim()) refreshAttention();
}
// A new model or text: the last generation is another model's.
export function forgetGenerated() { generated = ''; }

// The text the map reads: the field's, the last generation, or the start of
// the training text (of the prompt, for a model loaded without text).
function attentionText() {
  const typed = $('attention-text').value;
  if (typed.trim()) return typed;
  if (generated.trim()) return generated;
  const text = state.lmText || $('prompt-input').value || '';
  return text.slice(0, Math.min(48, state.lmSettings ? state.lmSettings.context : 48));
}

// Ask the engine again; while training at most every 3 s (live = false).
export async function refreshAttention(force = true) {
  if (state.task !== 'generate') return;
  if (!force && performance.now() - at < 3000) return;
  if (busy) return;
  if (!state.lmReport) { view = null; renderAttention(); return; }
  const text = attentionText();
  if (!text.trim()) { view = null; renderAttention(); return; }
  busy = true;
  at = performance.now();
  try { view = await call('lm_attention', text); } catch (e) { view = { error: e.engine ?? e.message }; } finally { busy = false; }
  focus = -1;
  letGo();
  fillMenus();
  renderAttention();
}

// The menus and the map again (a language switch: the menus' words).
export function redrawAttention() { fillMenus(); renderAttention(); }

function fillMenus() {
  const layers = (view && view.layers) || [];
  const lsel = $('attention-layer');
  const hsel = $('attention-head');
  const li = Math.min(Math.max(0, Number(lsel.value) || 0), Math.max(layers.length - 1, 0));
  lsel.replaceChildren(...layers.map((l, i) => new Option(t('att.layer_n', { n: i + 1, name: l.name }), String(i))));
  lsel.value = String(li);
  const heads = layers[li] ? layers[li].heads.length : 0;
  const hi = Math.min(Math.max(0, Number(hsel.value) || 0), Math.max(heads - 1, 0));
  hsel.replaceChildren(...Array.from({ length: heads }, (_, i) => new Option(t('att.head_n', { n: i + 1 }), String(i))));
  hsel.value = String(hi);
}

export function renderAttention() {
  const canvas = $('attention-map');
  const msg = $('attention-message');
  // Nothing to draw: no empty frame either.
  const drawn = !!(view && !view.error);
  canvas.hidden = !drawn;
  $('attention-legend').hidden = !drawn;
  if (!drawn) {
    msg.textContent = view ? engineText(view.error) : t(state.lmReport ? 'att.none' : 'gen.wait_text');
    canvas.setAttribute('aria-label', t('att.empty'));
    return;
  }
  const li = Number($('attention-layer').value) || 0;
  const hi = Number($('attention-head').value) || 0;
  const layer = view.layers[li];
  const weights = layer && layer.heads[hi];
  if (!weights) { msg.textContent = t('att.none'); return; }
  const tokens = view.tokens.map((x) => x.text);
  const n = tokens.length;
  msg.textContent = t('att.reading', { n });
  drawAttention(canvas, tokens, weights, { causal: true, focus });
  canvas.setAttribute('aria-label', t('att.alt', { layer: li + 1, head: hi + 1, n }));
}

$('attention-layer').addEventListener('change', () => { fillMenus(); renderAttention(); });
$('attention-head').addEventListener('change', renderAttention);
let textTimer = null;
$('attention-text').addEventListener('input', () => { clearTimeout(textTimer); textTimer = setTimeout(() => refreshAttention(), 300); });
const letGo = followRows($('attention-map'), (row) => { focus = row; renderAttention(); });
