// Generating: the prompt, temperature, top-k and top-p, the output streamed
// a few tokens at a time (the stop button ends the loop), and the next
// token's ten most likely candidates as bars, recomputed by the engine from
// its cached logits as the temperature slider moves.
import { t, th, engineText } from '../i18n.js';
import { html, setHtml } from '../html.js';
import { state } from './state.js';
import { numCheck, translate } from './checks.js';
import { $, fieldError } from './dom.js';
import { attendToGenerated } from './gpt-attention.js';
import { call } from './worker-client.js';

const MAX_TOKENS = 400;   // tokens one press of the button generates
const PIECE = 4;          // tokens a call: the output streams in small pieces

let generating = false;
let stopAsked = false;
let begun = false;        // the engine holds a generation (its logits) for the prompt
let candidates = [];
let problem = null;       // the engine's refusal, or a field's

// {temperature, topK, topP} from the form, or null (the field is marked).
function sampling() {
  const temperature = Number($('temperature').value);
  $('temperature-value').textContent = temperature.toFixed(2);
  const read = (id, parse) => {
    const raw = $(id).value.trim();
    if (!raw) { fieldError(id, null); return [undefined, null]; }
    const [v, err] = parse(raw);
    fieldError(id, err && translate(err));
    return [v ?? undefined, err];
  };
  const [topK, e1] = read('top-k', numCheck(1, 100_000, true));
  const [topP, e2] = read('top-p', numCheck(0.01, 1, false));
  if (e1 || e2) return null;
  return { temperature, topK, topP };
}

export function renderCandidates() {
  const el = $('next-token-chart');
  if (!candidates.length) { setHtml(el, html`<p class="hint">${th(state.lmReport ? 'gen.no_candidates' : 'gen.wait_text')}</p>`); return; }
  const top = candidates[0].probability;
  setHtml(el, html`${candidates.map((c) => html`<div class="bar${c.probability === top ? ' top' : ''}" title="${t('gen.candidate_title', { id: c.id, p: (100 * c.probability).toFixed(2) })}"><span>${visible(c.text)}</span><div class="fill" data-style="width: ${(100 * c.probability).toFixed(2)}%"></div><span>${(100 * c.probability).toFixed(1)}%</span></div>`)}`);
}
// Spaces and line breaks made visible in a token.
export const visible = (s) => s.replace(/ /g, '␣').replace(/\n/g, '↵').replace(/\t/g, '⇥');

function renderProblem() {
  setHtml($('generate-errors'), problem ? html`<p class="err">${engineText(problem)}</p>` : html``);
}

// Start a generation after the prompt (the engine computes the first
// candidates); the output shows the prompt as the model read it.
async function begin() {
  const s = sampling();
  if (!s || !state.lmReport) return false;
  const prompt = $('prompt-input').value;
  try {
    const g = await call('lm_begin_generation', prompt, s.temperature, s.topK, s.topP, state.lmSettings.seed);
    candidates = g.candidates;
    problem = g.unknown ? { code: 'lm.prompt_unknown', params: { count: String(g.unknown) } } : null;
    begun = true;
  } catch (e) {
    candidates = [];
    problem = e.engine ?? e.message;
    begun = false;
  }
  renderProblem();
  renderCandidates();
  return begun;
}

// The candidates for the prompt as it stands (after typing, training, a
// new text); not while a generation streams.
let previewTimer = null;
export function refreshPreview() {
  clearTimeout(previewTimer);
  if (generating) return;
  if (!state.lmReport) { begun = false; candidates = []; renderCandidates(); return; }
  // Not once a generation has started meanwhile: beginning again would
  // send the engine back to the prompt in the middle of the stream.
  previewTimer = setTimeout(() => { if (!generating) begin(); }, 150);
}

// The temperature (or top-k, top-p) moved: the bars from the cached
// logits; calls do not pile up behind a fast slider.
let busy = false;
let again = false;
async function reshape() {
  const s = sampling();
  if (!s || !state.lmReport) return;
  if (busy) { again = true; return; }
  busy = true;
  try {
    if (!begun) await begin();
    else {
      try { candidates = await call('lm_candidates', s.temperature, s.topK, s.topP); problem = null; } catch (e) { problem = e.engine ?? e.message; if (e.code === 'lm.no_generation') begun = false; }
      renderProblem();
      renderCandidates();
    }
  } finally {
    busy = false;
    if (again) { again = false; reshape(); }
  }
}

async function generate() {
  if (generating || !state.lmReport) return;
  generating = true;
  clearTimeout(previewTimer);
  stopAsked = false;
  updateGenerateButtons();
  const out = $('generate-output');
  const prompt = $('prompt-input').value;
  setHtml(out, html`<span class="prompt">${prompt}</span><span class="generated"></span>`);
  const sink = out.querySelector('.generated');
  setStatus({ key: 'gen.generating' });
  let made = 0;
  try {
    if (!(await begin())) { setStatus(null); return; }
    while (!stopAsked && made < MAX_TOKENS) {
      const piece = await call('lm_generate_next', PIECE);
      made += piece.ids.length;
      sink.append(piece.text);
      candidates = piece.candidates;
      renderCandidates();
      out.scrollTop = out.scrollHeight;
    }
    setStatus({ key: stopAsked ? 'gen.stopped' : 'gen.done', params: { n: made } });
    attendToGenerated(prompt + sink.textContent);
  } catch (e) {
    problem = e.engine ?? e.message;
    renderProblem();
    setStatus(null);
  } finally {
    generating = false;
    // The engine's generation has moved on past the prompt.
    begun = false;
    updateGenerateButtons();
  }
}

let status = null;
function setStatus(s) { status = s; renderStatus(); }
function renderStatus() { $('generate-status').textContent = status ? t(status.key, status.params) : ''; }

export function updateGenerateButtons() {
  $('generate-btn').disabled = generating || !state.lmReport;
  $('stop-btn').disabled = !generating;
}

// What a language switch draws again.
export function renderGenerate() {
  sampling();
  renderCandidates();
  renderProblem();
  renderStatus();
  updateGenerateButtons();
}

$('generate-btn').addEventListener('click', generate);
$('stop-btn').addEventListener('click', () => { stopAsked = true; });
$('temperature').addEventListener('input', reshape);
for (const id of ['top-k', 'top-p']) $(id).addEventListener('change', reshape);
$('prompt-input').addEventListener('input', () => { begun = false; refreshPreview(); });
