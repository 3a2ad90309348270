// The form: read into state.settings and written back, row by row of the
// settings table (settings-table.js), each field's problem shown beside it
// and named by its row's label; the settings sent to the engine
// (applySettings) and kept, in storage and in the address (persist).
import { t } from '../i18n.js';
import { html, setHtml } from '../html.js';
import { state } from './state.js';
import { translate } from './checks.js';
import { $, fieldError } from './dom.js';
import { settingsToHash } from './links.js';
import { SETTINGS } from './settings-table.js';
import { refreshStatus } from './status.js';
import { STORE_SETTINGS } from './storage.js';
import { call } from './worker-client.js';

// Read the form into `state.settings`; returns the list of field errors.
// A field that fails keeps its setting as it was.
export function readForm() {
  // The generation task's form is gpt-settings.js's; the shared fields then hold its values.
  if (state.task === 'generate') return [];
  const errors = [];
  const imageErrors = [];
  const s = { ...state.settings };
  const read = (r, settings) => {
    const [v, err] = r.read(r.id && $(r.id), settings);
    const text = err && translate(err);
    if (r.typed) fieldError(r.id, text);
    if (!err) return [true, v];
    const line = t('form.error', { field: t(r.label), error: text });
    errors.push(line);
    if (r.image) imageErrors.push(line);
    return [false];
  };
  for (const r of SETTINGS) {
    if (!r.key) continue;
    if (r.parts) {
      const old = state.settings[r.key] || {};
      const group = {};
      for (const part of r.parts) {
        const [ok, v] = read(part, s);
        if (ok) group[part.key] = v;
        else if (part.key in old) group[part.key] = old[part.key];
      }
      s[r.key] = group;
    } else {
      const [ok, v] = read(r, s);
      if (ok) s[r.key] = v;
    }
  }
  state.settings = s;
  setHtml($('setup-errors'), html`${errors.map((e) => html`<div class="err">${e}</div>`)}`);
  setHtml($('image-errors'), html`${imageErrors.map((e) => html`<div class="err">${e}</div>`)}`);
  return errors;
}

export function writeForm() {
  const s = state.settings;
  for (const r of SETTINGS) {
    if (!r.key) continue;
    // A group's missing part reads as 0 (off).
    if (r.parts) for (const part of r.parts) part.write($(part.id), (s[r.key] || {})[part.key] || 0);
    else r.write(r.id && $(r.id), s[r.key], s);
  }
}

export function persist() {
  try { localStorage.setItem(STORE_SETTINGS, JSON.stringify(state.settings)); } catch { /* storage full or disabled */ }
  // Only when it changed: replacing a history entry also stores the form's
  // state in it, which takes over a second with a huge paste in the box.
  const hash = settingsToHash(state.settings);
  if (hash !== location.hash) history.replaceState(null, '', hash);
}

// Send the settings to the engine. A rejected field is shown beside it.
export async function applySettings() {
  if (state.task === 'generate') return false;
  const errors = readForm();
  if (errors.length) { refreshStatus(); return false; }
  try {
    await call('set_settings', state.settings);
    persist();
    return true;
  } catch (e) {
    setHtml($('setup-errors'), html`<div class="err">${e.message}</div>`);
    // A refused image setting is also shown beside the image fields.
    if (/^(image|augment)_/.test(e.field || '')) setHtml($('image-errors'), html`<div class="err">${e.message}</div>`);
    return false;
  } finally {
    refreshStatus();
  }
}
