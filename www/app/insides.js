// Inside the model: histograms and an LSTM's gates.
import { t, canvasWords, engineText } from '../i18n.js';
import { html, setHtml } from '../html.js';
import { engineModule } from './engine-instance.js';
import { state } from './state.js';
import { $ } from './dom.js';
import { call } from './worker-client.js';

const { draw_insides, draw_gates, insides_canvas_height } = engineModule;

// Histograms of weights, activations and gradients, and an LSTM's gates.
// While training they refresh at most every 1.5 s (the engine computes them
// between training slices).
let insidesAt = 0;
let insidesBusy = false;
let insidesView = null;
// Drawn only when the pictures are on screen: the histograms and an
// LSTM's gates take the page's thread for 50–70 ms on a slow machine, too
// long to spend unseen (every 1.5 s while training, and again when it
// pauses). Out of view they are marked stale and drawn when they come
// into view.
let onScreen = false;
let stale = false;
new IntersectionObserver((entries) => {
  onScreen = entries.some((e) => e.isIntersecting);
  if (onScreen && stale) { stale = false; refreshInsides(true); }
}).observe($('insides-chart').parentElement);

export async function refreshInsides(force) {
  if (!onScreen) { stale = true; return; }
  if (!force && (!$('insides-live').checked || performance.now() - insidesAt < 1500)) return;
  if (insidesBusy || !state.settings || state.task === 'generate') return;
  if (!state.canTrain) { insidesView = null; renderInsides(); return; }
  insidesBusy = true;
  insidesAt = performance.now();
  const layer = $('gate-layer').value === '' ? -1 : Number($('gate-layer').value);
  const example = Math.max(1, Math.floor(Number($('gate-example').value)) || 1) - 1;
  try {
    // The engine shows the chosen LSTM, or the model's first one.
    insidesView = await call('insides', example, layer);
  } catch (e) {
    insidesView = { error: e.engine ?? e.message };
  } finally {
    insidesBusy = false;
  }
  renderInsides();
}

export function renderInsides() {
  const v = insidesView;
  const msg = $('insides-message');
  const chart = $('insides-chart');
  if (!v || v.error) {
    msg.textContent = v ? engineText(v.error) : t('insides.wait');
    chart.hidden = true; $('gate-heatmap').hidden = true;
    return;
  }
  msg.textContent = '';
  chart.hidden = false;
  const height = insides_canvas_height(v.insides.layers.length);
  if (chart.height !== height) chart.height = height;
  const words = canvasWords('insides.', ['weights', 'activations', 'gradients', 'examples', 'of_step', 'no_step', 'step', 'no_weights', 'not_yet', 'zeros']);
  draw_insides('insides-chart', v.insides, words);
  const m = (h) => (h ? h.mean.toFixed(3) : '–');
  chart.setAttribute('aria-label', t('insides.alt', { step: v.insides.step, layers: v.insides.layers.map((l) => t('insides.alt_layer', { name: l.name, wm: m(l.weights), ws: l.weights ? l.weights.std.toFixed(3) : '–', am: m(l.activations) })).join('; ') }));
  // The LSTM layer choice follows the model.
  const options = v.lstm_layers.map(([i]) => String(i)).join();
  const current = [...$('gate-layer').options].map((o) => o.value).join();
  if (options !== current) setHtml($('gate-layer'), html`${v.lstm_layers.map(([i, name]) => html`<option value="${i}">${name}</option>`)}`);
  $('gate-layer').disabled = !v.lstm_layers.length;
  const ex = v.example;
  if (ex) $('gate-layer').value = String(ex.layer);
  $('gate-heatmap').hidden = !ex;
  if (!ex) {
    $('gate-heatmap').setAttribute('aria-label', t('gates.none'));
    $('gate-example-info').textContent = v.lstm_layers.length ? '' : t('gates.none');
    $('gate-example-text').textContent = '';
    return;
  }
  $('gate-example-info').textContent = t('gates.example_text', { index: ex.index + 1, count: ex.count, line: ex.line, label: ex.label });
  $('gate-example-text').textContent = ex.text;
  const gwords = canvasWords('gates.', ['input_gate', 'forget_gate', 'output_gate', 'units']);
  draw_gates('gate-heatmap', ex.gates, ex.tokens, gwords);
  const mean = (rows) => (rows.flat().reduce((a, b) => a + b, 0) / Math.max(1, rows.flat().length)).toFixed(2);
  $('gate-heatmap').setAttribute('aria-label', t('gates.alt', { layer: ex.gates.layer, steps: ex.gates.steps.length, i: mean(ex.gates.input), f: mean(ex.gates.forget), o: mean(ex.gates.output) }));
}
$('insides-refresh').onclick = () => refreshInsides(true);
$('gate-layer').addEventListener('change', () => refreshInsides(true));
$('gate-example').addEventListener('change', () => refreshInsides(true));
