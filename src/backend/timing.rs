//! Timing a backend's matrix product, for the benchmarks (the command
//! line's and the page's). Not a test: it measures, it asserts nothing.

use super::Backend;
use crate::clock::now_seconds;

/// Seconds per call of `f`: calls are batched until a batch takes at least
/// 0.1 s (the wasm clock counts milliseconds), and the best of three such
/// batches counts. `sync` waits for work a backend has only queued.
pub fn seconds_per_call(mut f: impl FnMut(), sync: impl Fn()) -> f64 {
    f();
    sync();
    let batch = |reps: usize, f: &mut dyn FnMut()| {
        let start = now_seconds();
        for _ in 0..reps {
            f();
        }
        sync();
        now_seconds() - start
    };
    let mut reps = 1;
    while reps < 100_000 && batch(reps, &mut f) < 0.1 {
        reps *= 2;
    }
    (0..3).map(|_| batch(reps, &mut f) / reps as f64).fold(f64::INFINITY, f64::min)
}

/// GFLOP/s of op(A)·B with A m×k and B k×n on a backend.
pub fn matmul_gflops<B: Backend>(be: &B, m: usize, k: usize, n: usize, trans_a: bool, sync: impl Fn()) -> f64 {
    let a_data: Vec<f32> = (0..m * k).map(|i| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5).collect();
    let b_data: Vec<f32> = (0..k * n).map(|i| ((i * 104_729) % 1000) as f32 / 1000.0 - 0.5).collect();
    let a = be.upload(&if trans_a { [k, m] } else { [m, k] }, &a_data);
    let b = be.upload(&[k, n], &b_data);
    let secs = seconds_per_call(
        || {
            std::hint::black_box(be.matmul(&a, &b, trans_a, false));
        },
        sync,
    );
    2.0 * (m * k * n) as f64 / secs / 1e9
}
