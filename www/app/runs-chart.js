// The picked runs' curves on one canvas. The engine's line charts give a
// series a colour; here each run also has its own dash pattern and marker
// shape (by its number, the same in the chart, the legend and the table),
// so no run is told from another by colour alone.
import { html } from '../html.js';

// Okabe and Ito's palette, which colour-blind readers can tell apart (yellow,
// too pale on white, left out; a brown in its place).
export const COLOURS = [
  { rgb: [0, 114, 178], name: 'blue' }, { rgb: [213, 94, 0], name: 'vermilion' }, { rgb: [0, 158, 115], name: 'green' },
  { rgb: [204, 121, 167], name: 'pink' }, { rgb: [230, 159, 0], name: 'orange' }, { rgb: [86, 180, 233], name: 'sky' },
  { rgb: [0, 0, 0], name: 'black' }, { rgb: [140, 100, 50], name: 'brown' },
];
export const DASHES = [
  { dash: [], name: 'solid' }, { dash: [10, 5], name: 'dashed' }, { dash: [2, 4], name: 'dotted' },
  { dash: [12, 4, 2, 4], name: 'dash_dot' }, { dash: [20, 6], name: 'long_dash' }, { dash: [6, 3, 2, 3, 2, 3], name: 'dash_dot_dot' },
];
export const MARKERS = ['circle', 'square', 'triangle', 'diamond', 'cross', 'plus'];

// Run n's look: 24 runs before a colour and dash come back together.
export function styleOf(number) {
  const i = Math.max(0, number - 1);
  return { colour: COLOURS[i % COLOURS.length], dash: DASHES[i % DASHES.length], marker: MARKERS[i % MARKERS.length] };
}
const rgb = (c) => `rgb(${c.rgb.join(',')})`;

function marker(ctx, kind, x, y, r) {
  ctx.beginPath();
  if (kind === 'circle') ctx.arc(x, y, r, 0, 2 * Math.PI);
  else if (kind === 'square') ctx.rect(x - r, y - r, 2 * r, 2 * r);
  else if (kind === 'triangle') { ctx.moveTo(x, y - r * 1.2); ctx.lineTo(x + r * 1.1, y + r * 0.8); ctx.lineTo(x - r * 1.1, y + r * 0.8); ctx.closePath(); }
  else if (kind === 'diamond') { ctx.moveTo(x, y - r * 1.3); ctx.lineTo(x + r * 1.1, y); ctx.lineTo(x, y + r * 1.3); ctx.lineTo(x - r * 1.1, y); ctx.closePath(); }
  else if (kind === 'cross') { ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r); ctx.moveTo(x + r, y - r); ctx.lineTo(x - r, y + r); }
  else { ctx.moveTo(x - r * 1.2, y); ctx.lineTo(x + r * 1.2, y); ctx.moveTo(x, y - r * 1.2); ctx.lineTo(x, y + r * 1.2); }
  if (kind === 'cross' || kind === 'plus') { ctx.lineWidth = 2; ctx.stroke(); } else { ctx.fill(); ctx.lineWidth = 1; ctx.strokeStyle = '#fff'; ctx.stroke(); }
}

// The style as a small picture for the legend and the table: a canvas
// (painted by paintSwatches once it is in the page) with the run's number.
export const swatch = (number) => html`<canvas class="run-swatch" width="76" height="28" data-swatch="${number}" aria-hidden="true"></canvas>`;
export function paintSwatches(root) {
  for (const c of root.querySelectorAll('canvas.run-swatch[data-swatch]')) {
    const style = styleOf(Number(c.dataset.swatch));
    const ctx = c.getContext('2d');
    ctx.setTransform(2, 0, 0, 2, 0, 0);
    ctx.clearRect(0, 0, 38, 14);
    const colour = rgb(style.colour);
    ctx.strokeStyle = colour;
    ctx.fillStyle = colour;
    ctx.lineWidth = 2.25;
    ctx.setLineDash(style.dash.dash);
    ctx.beginPath(); ctx.moveTo(1, 7); ctx.lineTo(37, 7); ctx.stroke();
    ctx.setLineDash([]);
    marker(ctx, style.marker, 19, 7, 3.5);
  }
}

function niceStep(range, count) {
  const raw = range / Math.max(count, 1);
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
}
const decimalsOf = (step) => Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));

/**
 * Draw `series` ([{style, points: [[x, y]]}]) on the canvas at its CSS size.
 * opts: {xLabel, yLabel, yMin, yMax (bounds the axis may not pass), integerX, empty (text when nothing to draw)}.
 */
export function drawRunsChart(canvas, series, opts) {
  const box = canvas.getBoundingClientRect();
  const cssW = Math.max(280, Math.round(box.width || 720));
  const cssH = Math.max(60, Math.round(box.height || 320));
  const dpr = Math.min(3, window.devicePixelRatio || 1);
  if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(cssH * dpr)) {
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, cssW, cssH);
  ctx.font = '12px system-ui, sans-serif';
  const drawn = series.filter((s) => s.points.length);
  if (!drawn.length) {
    ctx.fillStyle = '#5d6677';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    wrapText(ctx, opts.empty || '', cssW / 2, cssH / 2, cssW - 40, 16);
    return;
  }
  const all = drawn.flatMap((s) => s.points);
  let xMax = Math.max(...all.map((p) => p[0]));
  // Epochs counted from 1 start the axis at 1 (0 would be an empty band).
  const xMin = opts.integerX && Math.min(...all.map((p) => p[0])) >= 1 && xMax > 1 ? 1 : 0;
  let yLo = Math.min(...all.map((p) => p[1]));
  let yHi = Math.max(...all.map((p) => p[1]));
  const pad = (yHi - yLo) * 0.08 || Math.abs(yHi) * 0.1 || 0.5;
  yLo -= pad; yHi += pad;
  if (opts.yMin !== undefined) yLo = Math.max(yLo, opts.yMin);
  if (opts.yMax !== undefined) yHi = Math.min(yHi, opts.yMax);
  if (yHi <= yLo) yHi = yLo + 1;
  const left = 58, right = 14, top = 14, bottom = 42;
  const w = cssW - left - right, h = cssH - top - bottom;
  const yStep = niceStep(yHi - yLo, Math.max(2, Math.floor(h / 45)));
  yLo = Math.floor(yLo / yStep) * yStep;
  yHi = Math.ceil(yHi / yStep) * yStep;
  if (opts.yMin !== undefined) yLo = Math.max(yLo, opts.yMin);
  if (opts.yMax !== undefined) yHi = Math.min(yHi, opts.yMax);
  let xStep = niceStep(Math.max(xMax - xMin, 1e-9), Math.max(2, Math.floor(w / 70)));
  if (opts.integerX) xStep = Math.max(1, Math.round(xStep));
  xMax = Math.max(xMin + xStep, xMin + Math.ceil((xMax - xMin) / xStep - 1e-9) * xStep);
  // A few pixels inside the frame at both ends, so the end markers show whole.
  const X = (x) => left + 8 + ((x - xMin) / (xMax - xMin)) * (w - 16);
  const Y = (y) => top + (1 - (y - yLo) / (yHi - yLo)) * h;

  // Grid, ticks and labels.
  ctx.strokeStyle = '#e6e9ef';
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  ctx.fillStyle = '#5d6677';
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  const yd = decimalsOf(yStep);
  for (let v = yLo, i = 0; v <= yHi + yStep * 1e-6 && i < 50; v = yLo + (++i) * yStep) {
    const y = Math.round(Y(v)) + 0.5;
    ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(left + w, y); ctx.stroke();
    ctx.fillText(v.toFixed(yd), left - 6, y);
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const xd = decimalsOf(xStep);
  for (let v = xMin, i = 0; v <= xMax + xStep * 1e-6 && i < 50; v = xMin + (++i) * xStep) {
    const x = Math.round(X(v)) + 0.5;
    ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + h); ctx.stroke();
    ctx.fillText(v.toFixed(xd), x, top + h + 5);
  }
  ctx.strokeStyle = '#9aa3b2';
  ctx.strokeRect(left + 0.5, top + 0.5, w, h);
  ctx.fillStyle = '#1f2430';
  ctx.fillText(opts.xLabel || '', left + w / 2, top + h + 22);
  ctx.save();
  ctx.translate(14, top + h / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = 'middle';
  ctx.fillText(opts.yLabel || '', 0, 0);
  ctx.restore();

  // The runs: a line in the run's colour and dash, its marker at the points.
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, w, h);
  ctx.clip();
  for (const s of drawn) {
    const c = rgb(s.style.colour);
    ctx.strokeStyle = c;
    ctx.fillStyle = c;
    ctx.lineWidth = 2.25;
    ctx.lineJoin = 'round';
    ctx.setLineDash(s.style.dash.dash);
    ctx.beginPath();
    s.points.forEach(([x, y], i) => (i ? ctx.lineTo(X(x), Y(y)) : ctx.moveTo(X(x), Y(y))));
    ctx.stroke();
    ctx.setLineDash([]);
    const every = Math.max(1, Math.ceil(s.points.length / 24));
    s.points.forEach(([x, y], i) => {
      if (i % every === 0 || i === s.points.length - 1) { ctx.fillStyle = c; ctx.strokeStyle = c; marker(ctx, s.style.marker, X(x), Y(y), 4); }
    });
  }
  ctx.restore();
}

function wrapText(ctx, text, x, y, width, lineHeight) {
  // Words, or single CJK characters (which a line may break between).
  const words = text.match(/[\u3000-\u9fff\uff00-\uffef]|[^\s\u3000-\u9fff\uff00-\uffef]+|\s+/g) || [];
  const lines = [];
  let line = '';
  for (const word of words) {
    const next = line + word;
    if (ctx.measureText(next).width > width && line.trim()) { lines.push(line.trim()); line = word.trimStart(); } else line = next;
  }
  if (line.trim()) lines.push(line.trim());
  lines.forEach((l, i) => ctx.fillText(l, x, y + (i - (lines.length - 1) / 2) * lineHeight));
}
