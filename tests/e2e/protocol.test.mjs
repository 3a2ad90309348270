// The worker's protocol (www/protocol.js) against its two sides, read as
// text: the worker's table of commands and the events it posts, and every
// call the page's modules make. Runs in Node, without a browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { COMMANDS, EVENTS } from '../../www/protocol.js';

const www = path.resolve(import.meta.dirname, '../../www');
const read = (f) => fs.readFileSync(path.join(www, f), 'utf8');
const pageFiles = ['app.js', ...fs.readdirSync(path.join(www, 'app')).filter((f) => f.endsWith('.js')).map((f) => `app/${f}`)];

test('the worker answers exactly the commands of the protocol', () => {
  const worker = read('worker.js');
  const table = worker.match(/\nconst commands = \{\n([\s\S]*?)\n\};/);
  assert.ok(table, 'worker.js has no `const commands = {…};` table');
  const offered = [...table[1].matchAll(/^ {2}([a-z_]+): /gm)].map((m) => m[1]);
  assert.ok(offered.length >= 20, `only ${offered.length} commands read from worker.js`);
  assert.deepEqual([...offered].sort(), [...COMMANDS].sort());
  assert.equal(new Set(COMMANDS).size, COMMANDS.length, 'a command is listed twice');
});

test('the worker posts only the protocol\'s events, and the page handles those that carry news', () => {
  const posted = [...read('worker.js').matchAll(/post\(\{ event: '([a-z]+)'/g)].map((m) => m[1]);
  assert.ok(posted.length >= 4, 'no events read from worker.js');
  for (const e of posted) assert.ok(EVENTS.includes(e), `worker.js posts '${e}', which protocol.js does not list`);
  const handled = new Set(pageFiles.flatMap((f) => [...read(f).matchAll(/m\.event === '([a-z]+)'/g)].map((m) => m[1])));
  for (const e of ['progress', 'evaluation', 'error', 'stopped']) assert.ok(handled.has(e), `no page module handles the '${e}' event`);
});

test('every engine call the page makes is a command of the protocol', () => {
  const calls = pageFiles.flatMap((f) => [...read(f).matchAll(/\b(?:call\(|loadCall\(load, )'([a-z_]+)'/g)].map((m) => [f, m[1]]));
  assert.ok(calls.length >= 20, `only ${calls.length} calls found in the page's modules`);
  for (const [f, cmd] of calls) assert.ok(COMMANDS.includes(cmd), `${f} calls '${cmd}', which the worker does not offer`);
});
