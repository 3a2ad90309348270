// The page's throttle (www/app/throttle.js), in Node: what the training
// panels rely on to stay under 50 ms a task while epochs stream in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { throttle } from '../../www/app/throttle.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('the first call runs in a task of its own, at once; calls within the interval become one trailing call', async () => {
  const times = [];
  const t0 = performance.now();
  const draw = throttle(() => times.push(performance.now() - t0), 100);
  draw();
  assert.equal(times.length, 0, 'ran inside the caller\'s task');
  await sleep(10);
  assert.equal(times.length, 1);
  for (let i = 0; i < 20; i++) { draw(); await sleep(2); }
  assert.equal(times.length, 1, 'a call within the interval ran early');
  await sleep(120);
  assert.equal(times.length, 2, 'the last call asked for was dropped');
  assert.ok(times[1] - times[0] >= 95, `two runs ${times[1] - times[0]} ms apart`);
  await sleep(150);
  assert.equal(times.length, 2, 'ran with nothing asked');
});

test('flush runs without waiting out the interval; cancel drops what waits', async () => {
  let n = 0;
  const draw = throttle(() => { n += 1; }, 1000);
  draw();
  await sleep(30);
  assert.equal(n, 1);
  draw();
  draw.flush();
  await sleep(30);
  assert.equal(n, 2, 'flush waited for the interval');
  draw();
  draw.cancel();
  await sleep(30);
  assert.equal(n, 2, 'a cancelled call ran');
  draw();
  await sleep(1100);
  assert.equal(n, 3, 'after a cancel, the next call did not run');
});
