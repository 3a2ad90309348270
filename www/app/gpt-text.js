// The generation task's text: pasted, dropped or a sample, read by the
// engine (its tokenizer learned, the tail held out, a fresh model built),
// and its report: characters, tokens, vocabulary, the unigram entropy, the
// start of the text as the tokenizer cuts it and, for byte pairs, the first
// merges. Only the newest load reaches the report.
import { t, th, engineText } from '../i18n.js';
import { html, setHtml } from '../html.js';
import { refreshLmBackend } from './backend.js';
import { state } from './state.js';
import { $ } from './dom.js';
import { forgetGenerated, refreshAttention } from './gpt-attention.js';
import { refreshPreview, updateGenerateButtons, visible } from './gpt-generate.js';
import { renderGptSummary, stepsPerEpoch } from './gpt-model.js';
import { lmResetView, setLmTrainStatus } from './gpt-training.js';
import { refreshStatus } from './status.js';
import { MAX_STORED, STORE_LM_TEXT } from './storage.js';
import { call } from './worker-client.js';
import { projectorStale } from './projector.js';

const LM_SAMPLES = {
  shakespeare: { url: 'samples/shakespeare.txt', source: 'data.source.shakespeare' },
  tang: { url: 'samples/tang_poems.txt', source: 'data.source.tang' },
};

let loads = 0;

// A report the engine made (a text read, or the settings cut it again): a
// fresh model, so the history, the generation and the attention start over.
export function textReport(report) {
  state.lmReport = { ...report, batch_size_then: state.lmSettings.batch_size };
  state.lmError = null;
  afterText();
}

function afterText() {
  forgetGenerated();
  projectorStale();
  renderTextReport();
  renderGptSummary();
  lmResetView();
  setLmTrainStatus(null);
  updateGenerateButtons();
  refreshPreview();
  refreshAttention();
  refreshStatus();
}

// Read `text` for generating. A refused text keeps the model the engine
// already has (and its training): the report says why.
export async function loadText(text) {
  const load = ++loads;
  state.lmText = text;
  if (text.length <= MAX_STORED) { try { localStorage.setItem(STORE_LM_TEXT, text); } catch { /* quota */ } }
  setHtml($('text-report'), html`<p class="hint">${th('data.reading')}</p>`);
  let report = null;
  let error = null;
  try { report = await call('lm_load_text', text); } catch (e) { error = e; }
  if (load !== loads) return;
  if (report) { textReport(report); refreshLmBackend(); return; }
  state.lmError = error;
  renderTextReport();
  refreshStatus();
}

export async function loadSample(key) {
  const sample = LM_SAMPLES[key];
  $('sample-source').dataset.i18n = sample.source;
  $('sample-source').textContent = t(sample.source);
  const res = await fetch(sample.url);
  if (!res.ok) return null;
  return res.text();
}

const chip = (c) => {
  const shown = visible(c.text);
  return html`<span class="tok${shown !== c.text ? ' ws' : ''}" title="${t('gen.token_title', { id: c.id })}">${shown}</span>`;
};

export function renderTextReport() {
  const el = $('text-report');
  const r = state.lmReport;
  const err = state.lmError ? html`<p class="err">${engineText(state.lmError)}</p>${r ? html`<p class="hint">${th('gen.kept_model')}</p>` : ''}` : '';
  if (!r) { setHtml(el, state.lmError ? err : html`<p class="hint">${th('gen.no_text')}</p>`); return; }
  const s = state.lmSettings;
  const tokenizer = t('gen.tokenizer.' + s.tokenizer);
  // A model file loaded before any text: it writes now, trains with a text.
  if (r.model_only) {
    setHtml(el, html`${err}<p id="model-only" class="hint">${th('gen.model_only', { tokenizer, vocab: r.vocab_size.toLocaleString(), context: s.context })}</p>`);
    return;
  }
  // The engine writes a merge as GPT-2 does ("Ġ t": Ġ a space, Ċ a line
  // break); the chips show them as the passage's chips do.
  const piece = (p) => visible(p.replace(/Ġ/g, ' ').replace(/Ċ/g, '\n'));
  const merges = r.merges.length
    ? html`<h3>${th('gen.merges', { n: r.merges.length, total: r.merge_count })}</h3><ol class="merges">${r.merges.map((m) => html`<li>${m.split(' ').map((p) => html`<span class="tok">${piece(p)}</span>`)} → <span class="tok">${piece(m.split(' ').join(''))}</span></li>`)}</ol>`
    : '';
  const big = state.lmText.length > MAX_STORED ? html`<p class="warn">⚠ ${th('data.too_big_to_keep')}</p>` : '';
  setHtml(el, html`${err}
    <div class="report-grid">
      <div>${th('gen.report.characters', { n: r.characters.toLocaleString() })}<div class="hint">${th('gen.report.tokens', { train: r.training_tokens.toLocaleString(), val: r.validation_tokens.toLocaleString(), tokenizer })}</div></div>
      <div>${th('gen.report.vocab', { n: r.vocab_size.toLocaleString() })}${r.unigram_entropy != null ? html`<div class="hint">${th('gen.report.entropy', { h: r.unigram_entropy.toFixed(3), ppl: Math.exp(r.unigram_entropy).toFixed(1) })}</div>` : ''}</div>
      <div>${th('gen.report.steps', { n: stepsPerEpoch().toLocaleString(), batch: s.batch_size, context: s.context })}</div>
    </div>${big}
    <h3>${th('gen.report.passage', { n: r.passage.length })}</h3><div class="chips" translate="no">${r.passage.map(chip)}</div>${merges}`);
}
