// An attention heat map on a canvas, one head's weights over a text's
// tokens: each row a token (the query), its columns the tokens it attends
// to, darker where it attends more, labelled with the tokens on the left
// and on top. Pointing at a row (or moving through the rows with the arrow
// keys) brings out what that token attends to. The generation task's view
// (gpt-attention.js, causal: only the lower triangle) and the classifier's
// explanation (explain-attention.js) both draw with it.

// Room for the labels, left (queries) and on top (keys).
export const MARGIN = 64;

// A token as a label: spaces and line breaks made visible, long ones cut.
export const tokenLabel = (s) => {
  const v = s.replace(/ /g, '␣').replace(/\n/g, '↵').replace(/\t/g, '⇥');
  return v.length > 8 ? v.slice(0, 7) + '…' : v;
};

// Weight 0 → near white, 1 → deep blue (the square root shows small weights).
export function weightColour(w) {
  const v = Math.sqrt(Math.max(0, Math.min(1, w)));
  return `rgb(${Math.round(250 - 230 * v)}, ${Math.round(250 - 190 * v)}, ${Math.round(250 - 100 * v)})`;
}

// Where each canvas's last map lies: {n, cell}, for the pointer.
const layout = new WeakMap();

// One head's map. `weights` is [query][key]; `causal` leaves the cells of
// a key after its query blank; `focus` (a row, or −1) is the token pointed
// at: the other rows fade and its row is outlined.
export function drawAttention(canvas, tokens, weights, { causal = false, focus = -1 } = {}) {
  // Drawn at the size it is shown, in CSS pixels on a bitmap of device
  // pixels: on a phone the map is narrower than its 560 px, and scaling
  // the whole bitmap down would shrink the 11 px labels with it.
  const shown = Math.round(canvas.getBoundingClientRect().width);
  const side = shown > 0 ? Math.min(shown, Number(canvas.dataset.side || canvas.width)) : canvas.width;
  canvas.dataset.side ||= String(canvas.width);
  const dpr = window.devicePixelRatio || 1;
  const px = Math.round(side * dpr);
  if (canvas.width !== px) { canvas.width = px; canvas.height = px; }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(px / side, 0, 0, px / side, 0, 0);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, side, side);
  const n = tokens.length;
  const margin = MARGIN;
  const size = side - margin - 6;
  const cell = size / Math.max(n, 1);
  layout.set(canvas, { n, cell, side });
  const every = Math.max(1, Math.ceil(11 / cell));
  ctx.font = '11px ui-monospace, Menlo, Consolas, monospace';
  ctx.textBaseline = 'middle';
  for (let i = 0; i < n; i++) {
    // The focused token's label is always drawn, in the accent colour.
    if (i % every && i !== focus) continue;
    const text = tokenLabel(tokens[i]);
    ctx.fillStyle = i === focus ? '#b2182b' : '#1f2430';
    ctx.textAlign = 'right';
    ctx.fillText(text, margin - 4, margin + (i + 0.5) * cell);
    // One character stands upright above its column; longer tokens turn.
    const x = margin + (i + 0.5) * cell;
    ctx.fillStyle = '#1f2430';
    if ([...text].length <= 1) {
      ctx.textAlign = 'center';
      ctx.fillText(text, x, margin - 9);
      continue;
    }
    ctx.save();
    ctx.translate(x, margin - 4);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'left';
    ctx.fillText(text, 0, 0);
    ctx.restore();
  }
  for (let q = 0; q < n; q++) {
    ctx.globalAlpha = focus >= 0 && q !== focus ? 0.3 : 1;
    for (let k = 0; k < n; k++) {
      if (causal && k > q) continue;
      ctx.fillStyle = weightColour(weights[q][k]);
      ctx.fillRect(margin + k * cell, margin + q * cell, Math.ceil(cell), Math.ceil(cell));
    }
  }
  ctx.globalAlpha = 1;
  ctx.strokeStyle = '#c4c9d2';
  ctx.strokeRect(margin - 0.5, margin - 0.5, n * cell + 1, n * cell + 1);
  if (focus >= 0 && focus < n) {
    ctx.strokeStyle = '#b2182b';
    ctx.lineWidth = 2;
    ctx.strokeRect(margin - 1, margin + focus * cell - 1, n * cell + 2, cell + 2);
    ctx.lineWidth = 1;
  }
}

// Calls `onFocus(row)` as the pointer moves over a row (its label or its
// cells), `onFocus(-1)` when it leaves; the arrow keys step through the
// rows while the canvas has the keyboard's focus, Escape lets go.
export function followRows(canvas, onFocus) {
  let row = -1;
  const set = (r) => { if (r !== row) { row = r; onFocus(r); } };
  canvas.addEventListener('pointermove', (e) => {
    const at = layout.get(canvas);
    if (!at || !at.n) return;
    const box = canvas.getBoundingClientRect();
    const x = ((e.clientX - box.left) * at.side) / box.width;
    const y = ((e.clientY - box.top) * at.side) / box.height;
    const q = Math.floor((y - MARGIN) / at.cell);
    set(q >= 0 && q < at.n && x <= MARGIN + at.n * at.cell ? q : -1);
  });
  canvas.addEventListener('pointerleave', () => set(-1));
  canvas.addEventListener('blur', () => set(-1));
  canvas.addEventListener('keydown', (e) => {
    const at = layout.get(canvas);
    if (!at || !at.n) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      set(Math.max(0, Math.min(at.n - 1, row < 0 ? 0 : row + (e.key === 'ArrowDown' ? 1 : -1))));
    } else if (e.key === 'Escape') {
      set(-1);
    }
  });
  // Drawn at the size it is shown: a new size (a phone turned, a window
  // widened) draws it again, the row pointed at kept.
  let width = 0;
  new ResizeObserver(([entry]) => {
    const w = Math.round(entry.contentRect.width);
    if (w && width && w !== width && layout.get(canvas)) onFocus(row);
    width = w || width;
  }).observe(canvas);
  // The map was redrawn for other tokens: the row pointed at is gone.
  return () => { row = -1; };
}
