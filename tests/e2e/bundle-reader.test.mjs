// The worker's bundle reader (www/bundle-reader.js) in Node: each damaged
// part named by the key the page says in both languages, and the base64
// parts (weights, image files) decoded to their bytes. The page's side —
// the settings, the engine's try, nothing changed — is share.test.mjs's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUNDLE_FORMAT, BUNDLE_VERSION, readBundle } from '../../www/bundle-reader.js';
import en from '../../www/lang/en.js';

const file = (text) => ({ text: async () => text });
const read = (b) => readBundle(file(typeof b === 'string' ? b : JSON.stringify(b)));
const good = { format: BUNDLE_FORMAT, version: BUNDLE_VERSION, task: 'classify', kind: 'text', data: 'spam\tbuy now\n', settings: { epochs: 2 }, model: null };
// A model.json whose manifest holds one float32 [2] weight, and its 8 bytes.
const json = JSON.stringify({ weightsManifest: [{ weights: [{ name: 'w', shape: [2], dtype: 'float32' }] }] });
const weights = Buffer.from(new Float32Array([1.5, -2]).buffer).toString('base64');

test('a good bundle comes back whole, its weights and image files as bytes', async () => {
  const { bundle, problem } = await read({ ...good, model: { json, weights } });
  assert.equal(problem, undefined);
  assert.equal(bundle.data, good.data);
  assert.deepEqual(bundle.settings, good.settings);
  assert.deepEqual([...new Float32Array(bundle.model.weights.buffer)], [1.5, -2]);
  const png = Buffer.from([137, 80, 78, 71, 0, 255]);
  const images = await read({ ...good, kind: 'images', data: null, files: [{ path: 'cats/1.png', type: 'image/png', data: png.toString('base64') }] });
  assert.deepEqual([...images.bundle.files[0].bytes], [...png]);
  assert.equal(images.bundle.files[0].path, 'cats/1.png');
  const { bundle: alone } = await read({ ...good, task: 'generate', kind: 'text', data: '', model: { json, weights } });
  assert.equal(alone.data, '', 'a language model saved without text');
});

test('each damaged part is named, with a key both languages have', async () => {
  const cases = [
    ['{"format": "gradlab-bundle", ', 'bundle.not_json'],
    [{ ...good, format: 'other' }, 'bundle.not_bundle'],
    [[1, 2], 'bundle.not_bundle'],
    [{ ...good, version: 7 }, 'bundle.version'],
    [{ ...good, task: 'dance' }, 'bundle.damaged', 'task'],
    [{ ...good, kind: 'audio' }, 'bundle.damaged', 'kind'],
    [{ ...good, data: 5 }, 'bundle.damaged', 'data'],
    [{ ...good, data: null }, 'bundle.damaged', 'data'],
    [{ ...good, settings: [] }, 'bundle.damaged', 'settings'],
    [{ ...good, backend: 'tpu' }, 'bundle.damaged', 'backend'],
    [{ ...good, model: { json } }, 'bundle.damaged', 'model'],
    [{ ...good, model: { json: '{', weights } }, 'bundle.damaged', 'model_json'],
    [{ ...good, model: { json, weights: '@@@@' } }, 'bundle.damaged', 'weights'],
    [{ ...good, model: { json, weights: weights.slice(0, 8) } }, 'bundle.weights_size'],
    [{ ...good, files: [] }, 'bundle.damaged', 'files'],
    [{ ...good, kind: 'images', data: null, files: [{ path: 'a.png', type: 'image/png', data: 'not base64!' }] }, 'bundle.damaged', 'files'],
    [{ ...good, kind: 'images', data: null, files: [{ path: 'a.png', data: 'AAAA' }] }, 'bundle.damaged', 'files'],
  ];
  for (const [b, key, field] of cases) {
    const { problem, bundle } = await read(b);
    assert.equal(bundle, undefined, JSON.stringify(b).slice(0, 80));
    assert.equal(problem.key, key, JSON.stringify(b).slice(0, 80));
    assert.ok(en[key], `${key} has an English template`);
    if (field) {
      assert.equal(problem.params.field.key, 'bundle.part.' + field);
      assert.ok(en[problem.params.field.key] && en[problem.params.why.key], `${field}: both of its words exist`);
    }
  }
  const unreadable = await readBundle({ text: async () => { throw new Error('gone'); } });
  assert.equal(unreadable.problem.key, 'bundle.unreadable');
});
