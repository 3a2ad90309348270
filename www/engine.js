// Which of the engine's two wasm builds to run, for the page and the worker.
// gradlab_relaxed.js is built with relaxed SIMD: its matrix product does one
// fused multiply-add per step (f32x4.relaxed_madd), about 1.4× faster than
// gradlab.js, the plain wasm SIMD build. A browser without relaxed SIMD
// cannot load a module that uses it at all, so a 49-byte module with one
// function using f32x4.relaxed_madd asks first. ?wasm=simd128 forces the
// plain build; if the relaxed one fails to load, the plain one is used.
const RELAXED_SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 28, 1, 26, 0,
  67, 0, 0, 0, 0, 253, 19, 67, 0, 0, 0, 0, 253, 19, 67, 0, 0, 0, 0, 253, 19, 253, 133, 2, 11]);

export const relaxedSimdAvailable = WebAssembly.validate(RELAXED_SIMD_PROBE);

// In the page, its own address; in the worker, the worker script's (the page
// passes ?wasm=simd128 on). Node (the bench, ./lab) has no location.
export const plainAsked = typeof location !== 'undefined' && new URL(location.href).searchParams.get('wasm') === 'simd128';

// The engine's module, initialised, and what was chosen and why.
export async function loadEngine() {
  const info = { build: null, relaxed_simd_available: relaxedSimdAvailable, plain_asked: plainAsked, relaxed_failed: null };
  let module = null;
  if (relaxedSimdAvailable && !plainAsked) {
    try {
      module = await import('./gradlab_relaxed.js');
      await module.default();
    } catch (e) {
      info.relaxed_failed = String((e && e.message) || e);
      module = null;
    }
  }
  if (!module) {
    module = await import('./gradlab.js');
    await module.default();
  }
  info.build = module.simd_build();
  return { module, info };
}
