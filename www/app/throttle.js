// At most one call every `ms`: the first at once, the last one asked for
// always made (after the wait). A small model trains dozens of epochs a
// second, and redrawing a panel for each made main-thread tasks of up to
// 90 ms; drawn twice a second, the page shows the same and stays quick.
export function throttle(fn, ms) {
  let last = -Infinity;
  let timer = null;
  const run = () => { timer = null; last = performance.now(); fn(); };
  const call = () => {
    if (timer !== null) return;
    const wait = last + ms - performance.now();
    if (wait <= 0) run();
    else timer = setTimeout(run, wait);
  };
  // Now, and nothing left waiting (a run stopped: its final state at once).
  call.flush = () => { if (timer !== null) clearTimeout(timer); run(); };
  call.cancel = () => { if (timer !== null) clearTimeout(timer); timer = null; };
  return call;
}
