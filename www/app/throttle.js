// At most one call every `ms`, each in a task of its own: the first as soon
// as the page is free, and the last one asked for always made (after the
// wait). A small model trains dozens of epochs a second; redrawing a panel
// for each made main-thread tasks of up to 90 ms.
export function throttle(fn, ms) {
  let last = -Infinity;
  let timer = null;
  const run = () => { timer = null; last = performance.now(); fn(); };
  // Even when due now, a task of its own: called from a worker message's
  // handler, the drawing would add to that task.
  const call = () => {
    if (timer !== null) return;
    timer = setTimeout(run, Math.max(0, last + ms - performance.now()));
  };
  // Without waiting out the interval (a run stopped: its final state).
  call.flush = () => { if (timer !== null) clearTimeout(timer); timer = setTimeout(run, 0); };
  call.cancel = () => { if (timer !== null) clearTimeout(timer); timer = null; };
  return call;
}
