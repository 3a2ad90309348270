// The engine the page draws with (the worker loads its own): the same
// build the worker trains with (relaxed SIMD where the browser has it), so
// only one is fetched. Loaded once; the top-level await makes every module
// that imports it wait until it is ready.
import { loadEngine } from '../engine.js';

export const { module: engineModule } = await loadEngine();
