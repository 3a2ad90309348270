// The data report, in the current language: for text the classes,
// rejected lines, lengths and the tokenizer's preview; for images the
// shape, the scaling and a gallery.
import { t, th, engineText } from '../i18n.js';
import { html, setHtml } from '../html.js';
import { state } from './state.js';
import { $ } from './dom.js';
import { paintPixels, pxCanvas, shapeText } from './pixels.js';
import { MAX_STORED } from './storage.js';

// The report of the last paste, in the current language.
export function renderReport() {
  if (state.dataKind === 'images') { renderImageReport(); return; }
  const el = $('parse-report');
  if (state.dataError) { setHtml(el, html`<p class="err">${engineText(state.dataError)}</p>`); return; }
  const r = state.dataReport;
  if (!r) { setHtml(el, state.lastData.trim() ? html`` : html`<p class="hint">${th('data.none')}</p>`); return; }
  const notStored = state.lastData.length > MAX_STORED;
  const classes = r.classes.map((c) => html`<tr><td translate="no">${c.label}</td><td>${c.count}</td></tr>`);
  const rejected = r.rejected.map((x) => html`<li>${th('report.line', { line: x.line, reason: engineText(x.reason) })}</li>`);
  const warn = html`${r.warnings.map((w) => html`<p class="warn">⚠ ${engineText(w)}</p>`)}${notStored && html`<p class="warn">⚠ ${th('data.too_big_to_keep')}</p>`}`;
  const maxCount = Math.max(...r.lengths.histogram.map((h) => h[1]), 1);
  const histo = r.lengths.histogram.map((h) => html`<div data-style="height: ${Math.max(2, 50 * h[1] / maxCount)}px" title="${t('report.bin', { words: h[0], n: h[1] })}"></div>`);
  const cl = r.cleaning;
  const cleaning = [['html', cl.html_changed], ['urls', cl.urls_changed], ['unicode', cl.unicode_changed], ['whitespace', cl.whitespace_changed], ['empty', cl.empty_dropped], ['duplicates', cl.duplicates_dropped]]
    .filter(([, n]) => n > 0).map(([k, n]) => `${t('report.clean.' + k)}: ${n}`).join(', ');
  const preview = r.preview.map((p) => {
    const toks = p.tokens.map(([w, id, oov]) => html`<span class="tok${oov ? ' oov' : ''}" title="id ${id}${oov ? ' ' + t('report.oov') : ''}">${w}</span>`);
    const pads = p.ids.filter((i) => i === 0).length;
    return html`<li translate="no"><b>${p.label}</b> (${th('report.at_line', { line: p.line })}): ${toks}${pads ? html` <span class="tok pad">${th('report.padding', { n: pads })}</span>` : ''}</li>`;
  });
  const format = html`${th('report.format', { delimiter: t('delimiter.' + r.delimiter), column: t('column.' + r.label_column) })}${r.header && th('report.header', { header: r.header.join(' | ') })}`;
  setHtml(el, html`
    <div class="report-grid">
      <div>${th('report.accepted', { n: r.accepted })}${r.rejected_count ? th('report.rejected', { n: r.rejected_count }) : ''}
        <div class="hint">${format}</div>
        ${rejected.length ? html`<ul class="rejected">${rejected}</ul>` : ''}${cleaning && html`<div class="hint">${th('report.cleaning', { changes: cleaning })}</div>`}</div>
      <div><table><tr><th>${th('report.class')}</th><th>${th('report.rows')}</th></tr>${classes}</table></div>
      <div>${th('report.words', { n: r.vocabulary })}<div class="hint">${th('report.lengths', { median: r.lengths.median, p90: r.lengths.p90, max: r.lengths.max, share: (100 * r.lengths.truncated_share).toFixed(0) })}</div><div class="histo" aria-label="${t('report.lengths_label')}">${histo}</div></div>
    </div>${warn}
    <h3>${th('report.tokenizer')}</h3><ul class="preview">${preview}</ul>`);
}

// The report of the last images.
function renderImageReport() {
  const el = $('parse-report');
  const skipped = state.skippedFiles.length ? html`<p class="warn">⚠ ${th('image.skipped', { n: state.skippedFiles.length })} <span translate="no">${state.skippedFiles.slice(0, 8).join(', ')}${state.skippedFiles.length > 8 ? ', …' : ''}</span></p>` : '';
  if (state.dataError) {
    const msg = state.dataError.page ? t(state.dataError.page, state.dataError.params) : engineText(state.dataError);
    setHtml(el, html`<p class="err">${msg}</p>${skipped}`);
    return;
  }
  const r = state.dataReport;
  if (!r) { setHtml(el, html`<p class="hint">${th(state.imageSource === 'files' ? 'image.none' : 'data.none')}</p>`); return; }
  const files = state.imageSource === 'files';
  const c = r.shape[2];
  const classes = r.classes.map((x) => html`<tr><td translate="no">${x.label}</td><td>${x.count}</td></tr>`);
  const rejected = r.rejected.map((x) => html`<li>${th(files ? 'report.file' : 'report.line', { line: x.line, reason: engineText(x.reason) })}</li>`);
  const more = r.rejected_count > r.rejected.length ? html`<li class="hint">${th('report.more', { n: r.rejected_count - r.rejected.length })}</li>` : '';
  const warn = html`${r.warnings.map((x) => html`<p class="warn">⚠ ${engineText(x)}</p>`)}${state.lastData.length > MAX_STORED && html`<p class="warn">⚠ ${th('data.too_big_to_keep')}</p>`}${files && html`<p class="hint">${th('image.not_kept')}</p>`}`;
  const sc = r.scaling;
  const scaling = sc.kind === 'unit' ? th('image.scaling_unit', { max: Number(sc.max.toPrecision(4)) }) : th('image.scaling_std', { mean: sc.mean.toFixed(2), std: sc.std.toFixed(2) });
  const list = r.preview.map((p) => ({ values: p.pixels, shape: r.shape }));
  const preview = r.preview.map((p, k) => html`<figure>${pxCanvas(k, r.shape, 48, t('image.preview_alt', { label: p.label, line: p.line }))}<figcaption><b translate="no">${p.label}</b><br>${th(files ? 'image.at_file' : 'report.at_line', { line: p.line })}</figcaption></figure>`);
  setHtml(el, html`
    <div class="report-grid">
      <div>${th('image.accepted', { n: r.accepted })}${r.rejected_count ? th('report.rejected', { n: r.rejected_count }) : ''}
        <div class="hint">${th('image.shape_is', { shape: shapeText(r.shape), kind: t(c === 3 ? 'image.rgb' : 'image.gray') })}</div>
        <div class="hint">${scaling}</div>
        ${rejected.length ? html`<ul class="rejected">${rejected}${more}</ul>` : ''}</div>
      <div><table><tr><th>${th('report.class')}</th><th>${th('image.images')}</th></tr>${classes}</table></div>
    </div>${warn}${skipped}
    <h3>${th('image.preview')}</h3><div class="gallery" id="image-preview">${preview}</div>`);
  paintPixels(el, list);
}
