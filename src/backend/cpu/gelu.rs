//! GELU's loops. Its erfc and exponential are some sixty operations a
//! value, a quarter of a `gpt` step natively when done four at a time, as
//! x86-64's baseline (SSE2) allows: where the CPU has AVX2, the same loops
//! are compiled for its eight lanes. Without FMA, so that every value is
//! what SSE2 and wasm compute, bit for bit. Large tensors are done in two
//! threads (halves.rs).

use super::super::activation::{gelu, gelu_df};
use super::halves::halves;
use super::CpuTensor;

pub fn forward(x: &CpuTensor) -> CpuTensor {
    let mut out = x.data().to_vec();
    halves(&mut out, 1, |_, part| {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2.
            unsafe { avx2::forward(part) };
            return;
        }
        part.iter_mut().for_each(|v| *v = gelu(*v));
    });
    CpuTensor::new(x.shape(), out)
}

pub fn backward(x: &CpuTensor, dy: &CpuTensor) -> CpuTensor {
    assert_eq!(x.shape(), dy.shape(), "gelu backward: {:?} and {:?}", x.shape(), dy.shape());
    let mut out = dy.data().to_vec();
    halves(&mut out, 1, |first, part| {
        let x = &x.data()[first..first + part.len()];
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2.
            unsafe { avx2::backward(x, part) };
            return;
        }
        part.iter_mut().zip(x).for_each(|(g, &v)| *g *= gelu_df(v));
    });
    CpuTensor::new(x.shape(), out)
}

// Plain loops, not iterator adapters: a closure here gets AVX2, and the
// standard library's `fold` that would call it does not, so it would not
// be inlined (a call per value, three times slower than SSE2).
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{gelu, gelu_df};

    /// Each value x becomes gelu(x).
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn forward(x: &mut [f32]) {
        for v in x.iter_mut() {
            *v = gelu(*v);
        }
    }
    /// Each gradient g becomes g·gelu'(x).
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn backward(x: &[f32], dy: &mut [f32]) {
        for (g, &v) in dy.iter_mut().zip(x) {
            *g *= gelu_df(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Large enough for two threads, and (on a CPU with AVX2) the eight-lane
    /// loops: every value bit for bit the portable function's.
    #[test]
    fn every_path_gives_the_portable_values() {
        let n = 300_001;
        let xs: Vec<f32> = (0..n).map(|i| (i as f32 / n as f32) * 16.0 - 8.0).collect();
        let gs: Vec<f32> = (0..n).map(|i| ((i % 7) as f32) - 3.0).collect();
        let x = CpuTensor::new(&[n], xs.clone());
        let dy = CpuTensor::new(&[n], gs.clone());
        let y = forward(&x);
        let dx = backward(&x, &dy);
        for i in 0..n {
            assert_eq!(y.data()[i].to_bits(), gelu(xs[i]).to_bits(), "gelu({})", xs[i]);
            assert_eq!(dx.data()[i].to_bits(), (gs[i] * gelu_df(xs[i])).to_bits(), "gelu'({})", xs[i]);
        }
    }
}
