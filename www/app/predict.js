// Predicting typed text (the drawing pad's image: drawing.js).
import { th } from '../i18n.js';
import { html, setHtml } from '../html.js';
import { isImageModel, state } from './state.js';
import { $ } from './dom.js';
import { predictPad } from './drawing.js';
import { showExplanation } from './explain.js';
import { attentionOf, showAttention } from './explain-attention.js';
import { probabilityBars } from './pixels.js';
import { call } from './worker-client.js';

let predictTimer = null;
let asked = 0; // the latest text asked about: an older answer is not shown
export async function predictNow() {
  if (state.task === 'generate') return;
  if (isImageModel()) { showAttention(null); predictPad(); return; }
  const text = $('predict-input').value;
  const out = $('predict-output');
  const mine = ++asked;
  if (!text.trim()) { setHtml(out, html``); showExplanation('text', null); showAttention(null); return; }
  try {
    const p = await call('predict', text);
    const bars = probabilityBars(p.probabilities);
    const toks = p.tokens.length
      ? p.tokens.map(([w, id, oov]) => html`<span class="tok${oov ? ' oov' : ''}" title="id ${id}" translate="no">${w}</span>`)
      : html`<span class="hint">${th('predict.no_tokens')}</span>`;
    setHtml(out, html`<p>${th('predict.label', { label: p.label })}</p><div class="bars" translate="no">${bars}</div><p class="hint">${th('predict.tokens')}</p><div>${toks}</div>`);
  } catch (e) {
    setHtml(out, html`<p class="hint">${e.message}</p>`);
    if (mine === asked) { showExplanation('text', null); showAttention(null); }
    return;
  }
  // Why: after the prediction, so a failed explanation leaves it shown.
  let answer;
  try { answer = { value: await call('explain_text', text) }; } catch (e) { answer = { error: e.engine ?? e.message }; }
  if (mine === asked) showExplanation('text', answer);
  // A Transformer's attention beside it (nothing for other models).
  const maps = await attentionOf(text);
  if (mine === asked) showAttention(maps);
}
$('predict-input').addEventListener('input', () => { clearTimeout(predictTimer); predictTimer = setTimeout(predictNow, 150); });
