//! Speed figures for the GPU backend beside the CPU backend: matrix
//! products (square and the shapes an LSTM step needs) and training
//! throughput. A benchmark, not a test: it prints, it asserts nothing.

use super::GpuBackend;
use crate::backend::{Backend, CpuBackend};
use crate::clock::now_seconds;

/// Seconds per call of `f`, the best of three runs of enough calls to take
/// ~0.2 s each; `sync` waits for queued work.
fn time_per_call(mut f: impl FnMut(), sync: impl Fn()) -> f64 {
    f();
    sync();
    let start = now_seconds();
    f();
    sync();
    let once = (now_seconds() - start).max(1e-6);
    let reps = ((0.2 / once) as usize).clamp(1, 1000);
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let start = now_seconds();
        for _ in 0..reps {
            f();
        }
        sync();
        best = best.min((now_seconds() - start) / reps as f64);
    }
    best
}

/// GFLOP/s of op(A)·op(B) with A m×k and B k×n on a backend.
pub fn matmul_gflops<B: Backend>(be: &B, m: usize, k: usize, n: usize, trans_a: bool, sync: impl Fn()) -> f64 {
    let a_data: Vec<f32> = (0..m * k).map(|i| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5).collect();
    let b_data: Vec<f32> = (0..k * n).map(|i| ((i * 104729) % 1000) as f32 / 1000.0 - 0.5).collect();
    let a = be.upload(&if trans_a { [k, m] } else { [m, k] }, &a_data);
    let b = be.upload(&[k, n], &b_data);
    let secs = time_per_call(
        || {
            std::hint::black_box(be.matmul(&a, &b, trans_a, false));
        },
        sync,
    );
    2.0 * (m * k * n) as f64 / secs / 1e9
}

/// One line of the product table: (label, m, k, n, Aᵀ?).
pub type Shape = (String, usize, usize, usize, bool);

/// The square sizes asked for, then the products of an LSTM(64) layer over
/// 100 steps at batch `batch`: the input projection for all steps at once,
/// one recurrent step, and the weight gradient.
pub fn shapes(squares: &[usize], batch: usize) -> Vec<Shape> {
    let mut v: Vec<Shape> = squares.iter().map(|&n| (format!("{n}×{n}×{n}"), n, n, n, false)).collect();
    let (t, d, h4) = (100, 64, 256);
    v.push((format!("LSTM input  {}×{}×{}", batch * t, d, h4), batch * t, d, h4, false));
    v.push((format!("LSTM step   {}×{}×{}", batch, d, h4), batch, d, h4, false));
    v.push((format!("LSTM dW  ({}ᵀ)×{}×{}", batch * t, d, h4), d, batch * t, h4, true));
    v
}

/// (label, gpu GFLOP/s, cpu GFLOP/s) for each shape.
pub fn matmul_table(gpu: &GpuBackend, shapes: &[Shape]) -> Vec<(String, f64, f64)> {
    shapes
        .iter()
        .map(|(label, m, k, n, ta)| {
            let g = matmul_gflops(gpu, *m, *k, *n, *ta, || gpu.sync());
            let c = matmul_gflops(&CpuBackend, *m, *k, *n, *ta, || {});
            (label.clone(), g, c)
        })
        .collect()
}
