//! The wasm-only SIMD kernels, run in Node by wasm-bindgen-test-runner:
//!   cargo test --release --target wasm32-unknown-unknown --no-default-features --test wasm_kernels
#![cfg(target_arch = "wasm32")]

use gradlab::backend::cpu::{matmul_rows, matmul_rows_bias, simd_build};
use wasm_bindgen_test::wasm_bindgen_test;

fn naive(a: &[f32], b: &[f32], m: usize, k: usize, n: usize, ta: bool, tb: bool) -> Vec<f32> {
    let mut c = vec![0.0f32; m * n];
    for i in 0..m {
        for j in 0..n {
            let mut s = 0.0f64;
            for p in 0..k {
                let x = if ta { a[p * m + i] } else { a[i * k + p] };
                let y = if tb { b[j * k + p] } else { b[p * n + j] };
                s += x as f64 * y as f64;
            }
            c[i * n + j] = s as f32;
        }
    }
    c
}

#[wasm_bindgen_test]
fn simd_matmul_matches_a_plain_loop() {
    let mut seed = 1u32;
    let mut rand = move || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
    };
    for &(m, k, n) in &[(1, 1, 1), (4, 1, 8), (3, 5, 2), (4, 4, 4), (7, 64, 33), (32, 64, 256), (5, 700, 3), (9, 3, 17), (8, 16, 8), (3, 0, 5), (300, 200, 20)] {
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a: Vec<f32> = (0..m * k).map(|_| rand()).collect();
            let b: Vec<f32> = (0..k * n).map(|_| rand()).collect();
            let got = matmul_rows(&a, &b, m, k, n, ta, tb);
            let want = naive(&a, &b, m, k, n, ta, tb);
            assert_eq!(got.len(), want.len(), "{}x{}x{} ta={} tb={}: output length", m, k, n, ta, tb);
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() <= 1e-4 * (1.0 + w.abs()), "{}x{}x{} ta={} tb={}: {} vs {}", m, k, n, ta, tb, g, w);
            }
            let bias: Vec<f32> = (0..n).map(|j| j as f32 - 2.5).collect();
            let got = matmul_rows_bias(&a, &b, m, k, n, ta, tb, Some(&bias));
            assert_eq!(got.len(), want.len(), "bias {}x{}x{} ta={} tb={}: output length", m, k, n, ta, tb);
            for (idx, (g, w)) in got.iter().zip(&want).enumerate() {
                let w = w + bias[idx % n];
                assert!((g - w).abs() <= 1e-4 * (1.0 + w.abs()), "bias {}x{}x{} ta={} tb={}: {} vs {}", m, k, n, ta, tb, g, w);
            }
        }
    }
}

/// `./lab test` runs this file twice: the plain-SIMD build, and the
/// relaxed-SIMD one with GRADLAB_EXPECT_RELAXED_SIMD set; each must be what
/// it claims, or the second run would test the first build again.
#[wasm_bindgen_test]
fn the_build_has_the_simd_it_was_asked_for() {
    let want = if option_env!("GRADLAB_EXPECT_RELAXED_SIMD").is_some() { "relaxed-simd" } else { "simd128" };
    assert_eq!(simd_build(), want);
}
