// Why the model answered (issue 18): each token of a typed text, or each
// pixel of the drawing pad's input, coloured by its share of the predicted
// class's log-odds, by integrated gradients or by occlusion (#explain-method),
// with integrated gradients' completeness check. The engine computes them in
// the worker (explain_text, explain_image); this module only draws. A
// Transformer's attention maps sit beside the tokens (explain-attention.js).
import { t, th, engineText } from '../i18n.js';
import { html, setHtml } from '../html.js';
import { $ } from './dom.js';

// The last explanation shown: {kind: 'text' | 'image', value} or {error}.
let shown = null;

const method = () => ($('explain-method').value === 'occlusion' ? 'occlusion' : 'integrated_gradients');

// A signed number a learner can read: +0.123, −0.0042, +1.2e-5.
export function signed(v) {
  const a = Math.abs(v);
  const s = a !== 0 && a < 0.001 ? a.toExponential(1) : a < 1 ? a.toPrecision(2) : a.toFixed(2);
  return (v < 0 ? '−' : '+') + s;
}
const plain = (v) => {
  const a = Math.abs(v);
  return a !== 0 && a < 0.001 ? v.toExponential(1) : a < 1 ? v.toPrecision(3) : v.toFixed(3);
};

// The completeness check of integrated gradients, in words.
export function completeness(v, id = 'explain-completeness') {
  const sum = v.integrated_gradients.reduce((a, b) => a + b, 0);
  const change = v.score - v.baseline_score;
  const pct = Math.abs(change) > 0 ? (100 * v.completeness_error) / Math.abs(change) : 0;
  return html`<p id="${id}" class="hint">${th('explain.completeness', {
    sum: plain(sum), change: plain(change), score: plain(v.score), baseline: plain(v.baseline_score),
    error: plain(v.completeness_error), pct: pct < 0.01 ? '< 0.01' : pct.toFixed(2), steps: v.steps,
  })}</p>`;
}

// Five strengths a side, each a class (the page's policy allows no style attribute).
const level = (v, max) => (max > 0 ? Math.max(1, Math.min(5, Math.ceil((5 * Math.abs(v)) / max))) : 1);

function textView(v) {
  const values = v[method()];
  const max = Math.max(...values.map(Math.abs), 0);
  const toks = v.tokens.map(([w, id], i) => {
    const a = values[i];
    const side = a > 0 ? 'pos' : a < 0 ? 'neg' : 'zero';
    const mark = a > 0 ? '▲' : a < 0 ? '▼' : '·';
    // The number is in the title for a pointer, read aloud after the word
    // (visually hidden) and listed in the table below.
    return html`<span class="xtok ${side} lv${level(a, max)}" data-a="${a}" title="${signed(a)}" translate="no"><span class="mark" aria-hidden="true">${mark}</span><span class="w">${w}</span><span class="visually-hidden"> ${signed(a)}</span></span>`;
  });
  const rows = v.tokens.map(([w], i) => html`<tr><td translate="no">${w}</td><td>${signed(v.integrated_gradients[i])}</td><td>${signed(v.occlusion[i])}</td></tr>`);
  return html`<p>${th('explain.why', { label: v.label })}</p>
    <div class="xtoks" role="group" aria-label="${t('explain.tokens_aria')}">${v.tokens.length ? toks : html`<span class="hint">${th('predict.no_tokens')}</span>`}</div>
    <p class="hint legend-line"><span class="xtok pos lv4"><span class="mark">▲</span>${t('explain.pushes_for')}</span> <span class="xtok neg lv4"><span class="mark">▼</span>${t('explain.pushes_against')}</span></p>
    ${completeness(v)}
    <p class="hint">${th(method() === 'occlusion' ? 'explain.about_occlusion' : 'explain.about_ig')}</p>
    <details class="xtable"><summary>${th('explain.table')}</summary>
      <table><tr><th>${th('explain.token')}</th><th>${th('explain.ig')}</th><th>${th('explain.occlusion')}</th></tr>${rows}</table>
    </details>`;
}

// The model's input in grey, the attribution map over it: red where a pixel
// pushed toward the answer, blue where it pushed away, stronger where more.
export function paintImage(canvas, v, which = method()) {
  const values = v[which];
  const { height: h, width: w } = v;
  const scale = Math.max(1, Math.floor(160 / Math.max(h, w)));
  canvas.width = w * scale;
  canvas.height = h * scale;
  const ctx = canvas.getContext('2d');
  const max = Math.max(...values.map(Math.abs), 0);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const g = 40 + 150 * Math.min(1, Math.max(0, v.input[i]));
      const a = max > 0 ? Math.min(1, Math.abs(values[i]) / max) : 0;
      const c = values[i] >= 0 ? [220, 40, 40] : [40, 110, 230];
      const mix = (k) => Math.round(g * (1 - a) + c[k] * a);
      ctx.fillStyle = `rgb(${mix(0)},${mix(1)},${mix(2)})`;
      ctx.fillRect(x * scale, y * scale, scale, scale);
    }
  }
}

function imageView(v) {
  const values = v[method()];
  const pos = values.filter((a) => a > 0).reduce((a, b) => a + b, 0);
  const neg = values.filter((a) => a < 0).reduce((a, b) => a + b, 0);
  const alt = t('explain.image_alt', { label: v.label, h: v.height, w: v.width, pos: signed(pos), neg: signed(neg) });
  return html`<p>${th('explain.why', { label: v.label })}</p>
    <div class="seen"><canvas id="explain-image" role="img" aria-label="${alt}"></canvas>
    <span class="hint">${th(method() === 'occlusion' ? 'explain.image_about_occlusion' : 'explain.image_about_ig')}</span></div>
    <p class="visually-hidden">${alt}</p>
    ${completeness(v)}`;
}

export function renderExplain() {
  const out = $('explain-output');
  if (!shown) { setHtml(out, html``); return; }
  if (shown.error !== undefined) { setHtml(out, html`<p class="hint">${th('explain.failed', { message: engineText(shown.error) })}</p>`); return; }
  setHtml(out, shown.kind === 'image' ? imageView(shown.value) : textView(shown.value));
  if (shown.kind === 'image') paintImage($('explain-image'), shown.value);
}

// What to show: an explanation, an engine error, or nothing (null).
export function showExplanation(kind, answer) {
  shown = answer && (answer.error !== undefined ? { error: answer.error } : { kind, value: answer.value });
  renderExplain();
}

$('explain-method').addEventListener('change', renderExplain);
