// The page's strings: both languages have the same keys with the same
// {placeholders}, and every key the page or its script (app.js, app/*.js) uses exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import en from '../../www/lang/en.js';
import zh from '../../www/lang/zh.js';

const root = path.resolve(import.meta.dirname, '../..');
const placeholders = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('English and Chinese have the same keys and placeholders', () => {
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
  for (const k of Object.keys(en)) {
    assert.deepEqual(placeholders(zh[k]), placeholders(en[k]), `placeholders of ${k}`);
    assert.ok(zh[k].trim() && en[k].trim(), `empty string for ${k}`);
  }
});

test('every key the page uses is defined', () => {
  const html = fs.readFileSync(path.join(root, 'index.html'), 'utf8');
  // The page's script: www/app.js and its modules in www/app/.
  const app = ['www/app.js', ...fs.readdirSync(path.join(root, 'www/app')).filter((f) => f.endsWith('.js')).sort().map((f) => `www/app/${f}`)]
    .map((f) => fs.readFileSync(path.join(root, f), 'utf8')).join('\n');
  const used = new Set([
    ...[...html.matchAll(/data-i18n(?:-html|-placeholder|-aria|-title)?="([^"]+)"/g)].map((m) => m[1]),
    ...[...app.matchAll(/\bth?\('([a-z_.]+)'/g)].map((m) => m[1]),
    // Messages kept as {key, params} and translated when shown.
    ...[...app.matchAll(/\bkey: '([a-z_.]+)'/g)].map((m) => m[1]),
    ...[...app.matchAll(/source: '([a-z_.]+)'/g)].map((m) => m[1]),
    // The settings table's labels: row(id, key, address, label, …) and group(key, address, label, …).
    ...[...app.matchAll(/\brow\((?:[^,()]+,){3}\s*'([a-z_.]+)'/g)].map((m) => m[1]),
    ...[...app.matchAll(/\bgroup\((?:[^,()]+,){2}\s*'([a-z_.]+)'/g)].map((m) => m[1]),
  ]);
  assert.ok(used.size > 150, `only ${used.size} keys found: is the scan broken?`);
  const missing = [...used].filter((k) => !k.endsWith('.') && !(k in en));
  assert.deepEqual(missing, []);
  // Keys built from a prefix at run time.
  for (const prefix of ['act.', 'report.clean.', 'delimiter.', 'column.', 'field.', 'loss.', 'insides.', 'gates.', 'settings.source.']) {
    assert.ok(Object.keys(en).some((k) => k.startsWith(prefix)), prefix);
  }
});

test('no English text is left in index.html outside the string files', () => {
  const html = fs.readFileSync(path.join(root, 'index.html'), 'utf8')
    .replace(/<head>[\s\S]*<\/head>/, '').replace(/<!--[\s\S]*?-->/g, '').replace(/<math>[\s\S]*?<\/math>/g, '')
    .replace(/<script[\s\S]*?<\/script>/g, '').replace(/<[^>]+>/g, ' ');
  const words = html.match(/[A-Za-z]{3,}/g) || [];
  const names = new Set(['gradlab', 'English', 'Adam', 'AdamW', 'SGD', 'RMSprop', 'Adagrad', 'Nesterov', 'cpu']);
  assert.deepEqual(words.filter((w) => !names.has(w)), []);
});
