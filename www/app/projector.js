// The embedding projector (issue 18): the current text model's Embedding
// rows of its most frequent words, placed in 2-D by PCA in the worker
// (projector) or by t-SNE, stepped there a few iterations a call and drawn
// as it settles (tsne_start, tsne_step), each point coloured and shaped by
// the class the word alone leans to; a search that lists a word's nearest
// neighbours by cosine (neighbours). Drawn again while training, at most
// once a second and only while the panel is on screen, so clusters can be
// watched forming (t-SNE moves on from its last picture).
import { t, th, engineText } from '../i18n.js';
import { html, setHtml } from '../html.js';
import { isImageModel, state } from './state.js';
import { $ } from './dom.js';
import { visible as visibleToken } from './gpt-generate.js';
import { throttle } from './throttle.js';
import { call } from './worker-client.js';

const COLOURS = ['#2f6fdf', '#d0502a', '#1e8c4a', '#8a3fb5', '#b8860b', '#17808a', '#c2357a', '#555d6b'];
const SHAPES = ['●', '■', '▲', '◆', '✚', '▼', '★', '⬟'];
const LABELLED = 40; // the most frequent words get a label
const TSNE_MOST = 1000; // the engine's tsne::MAX_POINTS
const TSNE_SLICE_MS = 30; // worker time a t-SNE call may take, so training goes on between

let data = null;        // the engine's answer, with .labels
let error = null;       // why there is none
let labels = [];        // class labels in the prediction's order
let hovered = -1;
let found = -1;         // the searched word's point
let visible = false;
let dirty = true;
let busy = false;
let again = false;
let timer = null;
let tsneRun = 0;        // the t-SNE run being stepped; a newer one stops it

const canvas = $('projector-canvas');
const method = () => $('projector-method').value;
// The generation task's projector places the language model's tokens
// (the engine's lm_ commands), each coloured by its kind: it has no classes.
const lm = () => state.task === 'generate';
const imageOnly = () => !lm() && isImageModel();
const command = (name) => (lm() ? `lm_${name}` : name);
const KINDS = ['letter', 'digit', 'punctuation', 'space', 'han', 'other']; // explain::words::TOKEN_KINDS
// A token as it can be seen: spaces, line ends and tabs by signs.
const seen = (w) => (lm() ? visibleToken(w) : w);

// `resume`: t-SNE moves on from its last picture (while training) rather
// than starting from PCA's.
export async function refreshProjector(resume = false) {
  if (imageOnly()) { data = null; error = null; dirty = false; render(); return; }
  if (method() === 'tsne') return runTsne(resume);
  tsneRun++;
  if (busy) { again = true; return; }
  busy = true;
  dirty = false;
  const words = Number($('projector-words').value) || 300;
  let map = null, names = [], why = null;
  try {
    map = await call(command('projector'), words, Number($('projector-dims').value) || 2);
    names = await classLabels(map);
  } catch (e) {
    why = e.engine ?? e.message;
  } finally {
    busy = false;
  }
  // Switched to t-SNE meanwhile: its run draws.
  if (method() !== 'pca') return;
  [data, labels, error] = [map, names, why];
  render();
  searchWord();
  if (again) { again = false; refreshProjector(); }
}

// The class labels in the engine's order: a prediction's probabilities
// (a language model's tokens are named by kind when drawn).
async function classLabels(map) {
  if (lm()) return [];
  const p = await call('predict', map.points.length ? map.points[0].word : 'a').catch(() => null);
  return p ? p.probabilities.map(([l]) => l) : [];
}

// A t-SNE run: started (from PCA's picture, or with `resume` from the
// last one when it placed the same words), then stepped and drawn until it
// ends or a newer run starts.
async function runTsne(resume) {
  const mine = ++tsneRun;
  dirty = false;
  const words = Math.min(Number($('projector-words').value) || 300, TSNE_MOST);
  const perplexity = Number($('projector-perplexity').value.trim() || NaN);
  let first, names;
  try {
    first = await call(command('tsne_start'), words, Number($('projector-dims').value) || 2, perplexity, resume);
    names = await classLabels(first);
  } catch (e) {
    if (mine !== tsneRun) return;
    data = null;
    error = e.engine ?? e.message;
    render();
    return;
  }
  if (mine !== tsneRun) return;
  [data, labels, error] = [first, names, null];
  render();
  searchWord();
  while (!data.done) {
    let frame;
    try { frame = await call(command('tsne_step'), TSNE_SLICE_MS); } catch (e) { if (mine === tsneRun) { error = e.engine ?? e.message; render(); } return; }
    if (mine !== tsneRun) return;
    data = frame;
    draw();
    renderTsneStatus();
  }
  render();
}

function renderTsneStatus() {
  const el = $('projector-tsne-status');
  const tsne = method() === 'tsne';
  el.hidden = !tsne;
  $('projector-tsne-hint').hidden = !tsne;
  $('projector-perplexity-label').hidden = !tsne;
  if (!tsne) return;
  const capped = Number($('projector-words').value) > TSNE_MOST ? ` ${t('projector.tsne_capped', { n: TSNE_MOST })}` : '';
  if (!data || data.iteration === undefined) { el.textContent = capped.trim(); return; }
  const kl = data.kl_divergence == null ? '–' : data.kl_divergence.toFixed(4);
  const args = { perplexity: data.perplexity, i: data.iteration, max: data.max_iter, kl };
  el.textContent = data.done ? t('projector.tsne_done', args) + capped
    : t('projector.tsne_status', args) + (data.exaggerated ? t('projector.tsne_exaggerated') : '') + capped;
}

// The 3-D view's turn (radians about the vertical axis, then tilt).
const view = { yaw: 0.6, pitch: 0.35 };
const solid = () => data && data.points.length && data.points[0].coords.length === 3;

// Each point's place on the canvas: [x, y, scale] (scale 1 in 2-D; in 3-D
// nearer points larger, by perspective after the turn).
function layout() {
  const W = canvas.width, H = canvas.height, m = 36;
  if (!solid()) {
    const xs = data.points.map((p) => p.coords[0]);
    const ys = data.points.map((p) => p.coords[1]);
    const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
    const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
    const sx = (W - 2 * m) / ((x1 - x0) || 1), sy = (H - 2 * m) / ((y1 - y0) || 1);
    return data.points.map((p) => [m + (p.coords[0] - x0) * sx, H - m - (p.coords[1] - y0) * sy, 1]);
  }
  // Each axis stretched to fill, as the 2-D view's are (the first
  // component's spread would otherwise flatten the other two), turned, then
  // seen from a distance of 3.
  const span = [0, 1, 2].map((a) => { const v = data.points.map((p) => p.coords[a]); return [Math.min(...v), Math.max(...v)]; });
  const half = Math.min(W, H) / 2 - m;
  return data.points.map((p) => turn(p.coords.map((v, a) => 0.65 * ((2 * (v - span[a][0])) / ((span[a][1] - span[a][0]) || 1) - 1)), W, H, half));
}

function turn([x, y, z], W, H, half) {
  const [cy, sy, cp, sp] = [Math.cos(view.yaw), Math.sin(view.yaw), Math.cos(view.pitch), Math.sin(view.pitch)];
  const x1 = x * cy + z * sy, z1 = -x * sy + z * cy;
  const y2 = y * cp - z1 * sp, z2 = y * sp + z1 * cp;
  const f = 3 / (3 + z2);
  return [W / 2 + x1 * f * half, H / 2 - y2 * f * half, f];
}

function shape(ctx, k, x, y, r) {
  ctx.beginPath();
  switch (k % 4) {
    case 0: ctx.arc(x, y, r, 0, 2 * Math.PI); break;
    case 1: ctx.rect(x - r, y - r, 2 * r, 2 * r); break;
    case 2: ctx.moveTo(x, y - r * 1.2); ctx.lineTo(x + r * 1.1, y + r * 0.9); ctx.lineTo(x - r * 1.1, y + r * 0.9); ctx.closePath(); break;
    default: ctx.moveTo(x, y - r * 1.3); ctx.lineTo(x + r * 1.1, y); ctx.lineTo(x, y + r * 1.3); ctx.lineTo(x - r * 1.1, y); ctx.closePath();
  }
  ctx.fill();
}

const className = (k) => (lm() ? t(`projector.kind_${KINDS[k] ?? 'other'}`) : labels[k] ?? t('projector.class_n', { n: k }));
const pct = (v) => `${(100 * v).toFixed(1)} %`;

function draw() {
  // As many canvas pixels as it has on screen, so its words stay readable
  // on a phone (720×480 while hidden).
  const shown = Math.round(canvas.getBoundingClientRect().width);
  const width = shown > 0 ? Math.max(300, Math.min(960, shown)) : 720;
  if (canvas.width !== width) { canvas.width = width; canvas.height = Math.round(width * (width < 500 ? 0.9 : 0.66)); }
  const ctx = canvas.getContext('2d');
  const W = canvas.width, H = canvas.height;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  if (!data || !data.points.length) return;
  const at = layout();
  ctx.strokeStyle = '#dde1e8';
  ctx.fillStyle = '#5d6677';
  ctx.font = '13px system-ui, sans-serif';
  const ratios = data.explained_variance_ratio;  // PCA's; t-SNE has none
  if (solid()) {
    // Three axes through the middle (PCA's numbered by component).
    const half = Math.min(W, H) / 2 - 36;
    const o = turn([0, 0, 0], W, H, half);
    for (let a = 0; a < 3; a++) {
      const e = turn([0, 1, 2].map((b) => (b === a ? 0.7 : 0)), W, H, half);
      ctx.beginPath(); ctx.moveTo(o[0], o[1]); ctx.lineTo(e[0], e[1]); ctx.stroke();
      if (ratios) ctx.fillText(String(a + 1), e[0] + 3, e[1] - 3);
    }
  } else {
    ctx.beginPath(); ctx.moveTo(30, H - 30); ctx.lineTo(W - 10, H - 30); ctx.moveTo(30, H - 30); ctx.lineTo(30, 10); ctx.stroke();
  }
  ctx.textAlign = 'right';
  if (!ratios) {
    ctx.fillText(t('projector.tsne_axis'), W - 12, H - 12);
  } else if (solid()) {
    ctx.fillText(t('projector.axes3', { a: pct(ratios[0] || 0), b: pct(ratios[1] || 0), c: pct(ratios[2] || 0) }), W - 12, H - 12);
  } else {
    ctx.fillText(t('projector.axis', { n: 1, share: pct(ratios[0] || 0) }), W - 12, H - 12);
    ctx.save(); ctx.translate(16, 14); ctx.rotate(-Math.PI / 2); ctx.textAlign = 'right'; ctx.fillText(t('projector.axis', { n: 2, share: pct(ratios[1] || 0) }), 0, 0); ctx.restore();
  }
  ctx.textAlign = 'left';
  // The points, the least frequent first so the frequent ones stay on top
  // (in 3-D the farthest first); a weak leaning paler.
  const order = data.points.map((_, i) => data.points.length - 1 - i);
  if (solid()) order.sort((a, b) => at[a][2] - at[b][2]);
  for (const i of order) {
    const p = data.points[i];
    ctx.globalAlpha = 0.35 + 0.65 * Math.min(1, Math.max(0, (p.probability - 0.5) * 2));
    ctx.fillStyle = COLOURS[p.class % COLOURS.length];
    shape(ctx, p.class, at[i][0], at[i][1], 4 * at[i][2]);
  }
  ctx.globalAlpha = 1;
  ctx.font = '12px system-ui, sans-serif';
  const label = (i, strong) => {
    const [x, y] = at[i];
    const w = seen(data.points[i].word);
    ctx.fillStyle = strong ? '#000' : '#1f2430';
    if (strong) {
      ctx.strokeStyle = '#000'; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.arc(x, y, 8, 0, 2 * Math.PI); ctx.stroke();
      ctx.font = 'bold 14px system-ui, sans-serif';
    }
    const tx = Math.min(x + 6, W - ctx.measureText(w).width - 4);
    ctx.fillText(w, tx, y - 6);
    ctx.font = '12px system-ui, sans-serif';
  };
  for (let i = 0; i < Math.min(LABELLED, data.points.length); i++) label(i, false);
  for (const i of [found, hovered]) if (i >= 0 && i < data.points.length) label(i, true);
}

function render() {
  const panel = $('projector-body');
  const msg = $('projector-message');
  if (imageOnly()) {
    panel.hidden = true;
    msg.textContent = t('projector.text_only');
    return;
  }
  panel.hidden = false;
  msg.textContent = error ? engineText(error) : data ? '' : t('projector.none');
  renderTsneStatus();
  draw();
  if (!data) { setHtml($('projector-legend'), html``); setHtml($('projector-summary'), html``); canvas.setAttribute('aria-label', t('projector.empty')); return; }
  const used = [...new Set(data.points.map((p) => p.class))].sort((a, b) => a - b);
  const classes = labels.length && !lm() ? labels.map((_, k) => k) : used;
  setHtml($('projector-legend'), html`${classes.map((k) => html`<li><span class="pshape c${k % COLOURS.length}" aria-hidden="true">${SHAPES[k % 4]}</span> <span translate="no">${className(k)}</span></li>`)}`);
  const shares = (k) => pct((data.explained_variance_ratio || []).slice(0, k).reduce((a, b) => a + b, 0));
  const summary = solid() && data.explained_variance_ratio ? t('projector.alt3', { n: data.points.length, share: shares(3) })
    : data.explained_variance_ratio ? t('projector.alt', { n: data.points.length, share: shares(2) })
    : t(solid() ? 'projector.alt_tsne3' : 'projector.alt_tsne', { n: data.points.length, perplexity: data.perplexity, i: data.iteration, max: data.max_iter });
  canvas.setAttribute('aria-label', summary);
  // Words and labels are the data's: kept out of translation.
  const leaning = classes.map((k) => {
    const top = data.points.filter((p) => p.class === k).sort((a, b) => b.probability - a.probability).slice(0, 8).map((p) => seen(p.word));
    return html` ${th(lm() ? 'projector.kind_list' : 'projector.leaning', { label: html`<span translate="no">${className(k)}</span>`, words: html`<span translate="no">${top.join(', ') || '–'}</span>` })}`;
  });
  setHtml($('projector-summary'), html`${summary}${leaning}`);
  renderHover();
}

function renderHover() {
  const el = $('projector-hover');
  if (!data || hovered < 0) { el.textContent = t('projector.hover'); return; }
  const p = data.points[hovered];
  setHtml(el, th(lm() ? 'projector.point_lm' : 'projector.point', { word: html`<b translate="no">${seen(p.word)}</b>`, label: html`<span translate="no">${className(p.class)}</span>`, share: pct(p.probability) }));
}

// In 3-D a drag turns the picture.
let drag = null;
canvas.addEventListener('pointerdown', (e) => { if (solid()) { drag = [e.clientX, e.clientY]; canvas.setPointerCapture(e.pointerId); } });
canvas.addEventListener('pointerup', () => { drag = null; });
function turnBy(dyaw, dpitch) {
  view.yaw += dyaw;
  view.pitch = Math.max(-1.5, Math.min(1.5, view.pitch + dpitch));
  draw();
}

// The point nearest the pointer, within 10 canvas pixels.
canvas.addEventListener('pointermove', (e) => {
  if (!data) return;
  if (drag) {
    turnBy((e.clientX - drag[0]) * 0.01, (e.clientY - drag[1]) * 0.01);
    drag = [e.clientX, e.clientY];
    return;
  }
  const r = canvas.getBoundingClientRect();
  const x = (e.clientX - r.left) * canvas.width / r.width, y = (e.clientY - r.top) * canvas.height / r.height;
  let best = -1, bestD = 100;
  layout().forEach(([px, py], i) => { const d = (px - x) ** 2 + (py - y) ** 2; if (d < bestD) { best = i; bestD = d; } });
  if (best !== hovered) { hovered = best; draw(); renderHover(); }
});
canvas.addEventListener('pointerleave', () => { if (hovered >= 0) { hovered = -1; draw(); renderHover(); } });
// The keyboard: the arrows step through the words, the most frequent first
// (the line under the picture names each); Escape lets go.
canvas.addEventListener('keydown', (e) => {
  if (!data || !data.points.length) return;
  if (e.shiftKey && solid()) {
    const by = { ArrowLeft: [-0.1, 0], ArrowRight: [0.1, 0], ArrowUp: [0, -0.1], ArrowDown: [0, 0.1] }[e.key];
    if (by) { e.preventDefault(); turnBy(...by); }
    return;
  }
  const n = data.points.length;
  const to = { ArrowRight: hovered + 1, ArrowDown: hovered + 1, ArrowLeft: hovered - 1, ArrowUp: hovered - 1, Home: 0, End: n - 1, Escape: -1 }[e.key];
  if (to === undefined) return;
  e.preventDefault();
  hovered = e.key === 'Escape' ? -1 : (to + n) % n;
  draw();
  renderHover();
});

// The search: the word highlighted (if it is among those shown) and its
// nearest neighbours, or the engine's message for a word it does not know.
let searchAsked = 0;
async function searchWord() {
  // Words as the classifier's tokenizer reads them (lower case); a
  // language model's tokens as typed (a word token's leading space aside).
  const typed = $('projector-search').value.trim();
  const word = lm() ? typed : typed.toLowerCase();
  const out = $('projector-neighbours');
  const mine = ++searchAsked;
  found = data && word ? data.points.findIndex((p) => p.word === word || (lm() && p.word.trimStart() === word)) : -1;
  draw();
  if (!word || imageOnly()) { setHtml(out, html``); return; }
  try {
    const list = await call(command('neighbours'), word, 10);
    if (mine !== searchAsked) return;
    setHtml(out, html`<p class="hint">${th('projector.neighbours', { word: html`<b translate="no">${seen(word)}</b>` })}</p><ol translate="no">${list.map(([w, c]) => html`<li><span>${seen(w)}</span> <span class="hint">${c.toFixed(3)}</span></li>`)}</ol>`);
  } catch (e) {
    if (mine === searchAsked) setHtml(out, html`<p class="hint err">${engineText(e.engine ?? e.message)}</p>`);
  }
}
$('projector-search').addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(searchWord, 200); });
$('projector-refresh').addEventListener('click', () => refreshProjector());
$('projector-words').addEventListener('change', () => refreshProjector());
$('projector-method').addEventListener('change', () => { data = null; renderTsneStatus(); refreshProjector(); });
$('projector-dims').addEventListener('change', () => refreshProjector());
$('projector-perplexity').addEventListener('change', () => refreshProjector());

// While training: after an epoch (or a batch, when epochs are long), at
// most once a second (t-SNE every 3 s: it starts again from its picture
// with the new table, and its P costs the worker more), the last state of
// a run always drawn; only while the panel is on screen, otherwise it is
// marked stale and drawn when it comes into view.
const redraw = (ms) => throttle(() => { if (dirty && visible) refreshProjector(true); }, ms);
const whileTraining = { pca: redraw(1000), tsne: redraw(3000) };
export function onProjectorEvent(m) {
  if (imageOnly()) return;
  // A classifier's progress, or the language model's steps.
  if (m.event === (lm() ? 'steps' : 'progress') || m.event === 'stopped') {
    dirty = true;
    if (visible) whileTraining[method()]();
  }
}
new IntersectionObserver((entries) => {
  visible = entries.some((e) => e.isIntersecting);
  if (visible && dirty) refreshProjector();
}).observe($('projector'));

// A new model or new data: drawn again if on screen, else when it comes into view.
export function projectorStale() {
  dirty = true;
  if (visible || imageOnly()) refreshProjector();
}

// Language changes: the words are drawn again from what the page holds.
export function renderProjector() { render(); searchWord(); }
