//! GELU's loops. Its erfc and exponential are some sixty operations a
//! value, a quarter of a `gpt` step natively when done four at a time, as
//! x86-64's baseline (SSE2) allows: where the CPU has AVX2, the same loops
//! are compiled for its eight lanes. Without FMA, so that every value is
//! what SSE2 and wasm compute, bit for bit.

use super::super::activation::{gelu, gelu_df};
use super::tensor::{map, zip_map};
use super::CpuTensor;

pub fn forward(x: &CpuTensor) -> CpuTensor {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2.
        return CpuTensor::new(x.shape(), unsafe { avx2::forward(x.data()) });
    }
    map(x, gelu)
}

pub fn backward(x: &CpuTensor, dy: &CpuTensor) -> CpuTensor {
    assert_eq!(x.shape(), dy.shape(), "gelu backward: {:?} and {:?}", x.shape(), dy.shape());
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2.
        return CpuTensor::new(x.shape(), unsafe { avx2::backward(x.data(), dy.data()) });
    }
    zip_map(x, dy, |x, g| g * gelu_df(x))
}

// Plain loops, not iterator adapters: a closure here gets AVX2, and the
// standard library's `fold` that would call it does not, so it would not
// be inlined (a call per value, three times slower than SSE2).
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{gelu, gelu_df};

    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn forward(x: &[f32]) -> Vec<f32> {
        let mut out = vec![0.0f32; x.len()];
        for (o, &v) in out.iter_mut().zip(x) {
            *o = gelu(v);
        }
        out
    }
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn backward(x: &[f32], dy: &[f32]) -> Vec<f32> {
        let mut out = vec![0.0f32; x.len()];
        for ((o, &v), &g) in out.iter_mut().zip(x).zip(dy) {
            *o = g * gelu_df(v);
        }
        out
    }
}
