// The generation task's model: the gpt preset (token and position
// embedding → blocks of causal self-attention and a feed-forward network →
// a softmax over the vocabulary at every position) at the form's sizes, and
// its summary: the engine's count of parameters and of FLOPs per token,
// the drawing of its layers, and the + block / − block buttons.
import { th } from '../i18n.js';
import { html, setHtml } from '../html.js';
import { state } from './state.js';
import { $ } from './dom.js';
import { LM_ROWS } from './gpt-settings.js';
import { drawModelGraph } from './model-graph.js';

// 1234567 → "1.23 M"; the unit follows in the string.
export function compact(v) {
  if (!Number.isFinite(v)) return '–';
  for (const [size, unit] of [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']]) if (Math.abs(v) >= size) return `${(v / size).toPrecision(3)} ${unit}`;
  return `${Math.round(v)} `;
}

export function renderGptSummary() {
  const el = $('gpt-summary');
  const r = state.lmReport;
  const s = state.lmSettings;
  blockButtons();
  drawModelGraph($('gpt-graph'), r && r.layers, 'gen.model_wait');
  if (!r || !s) { setHtml(el, html`<p class="hint">${th('gen.model_wait')}</p>`); return; }
  const rows = [
    ['gen.sum.embedding', th('gen.sum.embedding_is', { vocab: r.vocab_size, context: s.context, d: s.d_model })],
    ['gen.sum.blocks', th('gen.sum.blocks_are', { n: s.layers, heads: s.heads, per: Math.max(1, Math.floor(s.d_model / s.heads)), ffn: s.ffn })],
    ['gen.sum.output', th('gen.sum.output_is', { vocab: r.vocab_size })],
  ].map(([k, v]) => html`<tr><td>${th(k)}</td><td class="left">${v}</td></tr>`);
  setHtml(el, html`<div class="table-scroll"><table class="gpt-table">${rows}</table></div>
    <p>${th('gen.sum.totals', { params: r.parameters.toLocaleString(), flops: compact(r.flops_per_token) })}</p>`);
}

// Steps an epoch at the form's batch size (the report counted them at the
// batch size of its time; a new batch size applies without a new report).
export function stepsPerEpoch() {
  const r = state.lmReport;
  if (!r) return 1;
  const then = r.batch_size_then || state.lmSettings.batch_size;
  return Math.max(1, Math.ceil(r.steps_per_epoch * then / state.lmSettings.batch_size));
}

// + block / − block: the blocks field one up or down, sent as a typed
// change would be (app.js's lmChanged); a button is off where the field's
// own check would refuse the next count.
const BLOCKS = LM_ROWS.find((r) => r.id === 'gpt-layers');
const blocksAfter = (step) => {
  const [n, err] = BLOCKS.read($('gpt-layers'));
  const next = (err ? state.lmSettings.layers : n) + step;
  return BLOCKS.parse(String(next))[1] ? null : next;
};
function blockButtons() {
  $('gpt-add-block').disabled = blocksAfter(1) === null;
  $('gpt-remove-block').disabled = blocksAfter(-1) === null;
}
for (const [id, step] of [['gpt-add-block', 1], ['gpt-remove-block', -1]]) {
  $(id).addEventListener('click', () => {
    const next = blocksAfter(step);
    if (next === null) return;
    BLOCKS.write($('gpt-layers'), next);
    $('gpt-layers').dispatchEvent(new Event('change'));
  });
}
