//! Layer normalisation on the CPU: statistics per row over the last axis,
//! accumulated in f64 so rows far from zero keep their variance exact.

use super::halves::halves;
use super::CpuTensor;

/// (mean, 1 / √(var + eps)) of each row of a [rows, c] view.
fn row_stats(row: &[f32], eps: f32) -> (f32, f32) {
    let c = row.len() as f64;
    let mean = row.iter().map(|&v| v as f64).sum::<f64>() / c;
    let var = row.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / c;
    (mean as f32, (1.0 / (var + eps as f64).sqrt()) as f32)
}

pub fn layer_norm(x: &CpuTensor, gamma: &CpuTensor, beta: &CpuTensor, eps: f32) -> CpuTensor {
    let c = *x.shape().last().unwrap();
    assert!(gamma.data().len() == c && beta.data().len() == c, "layer_norm: gamma {:?} and beta {:?} for {} features", gamma.shape(), beta.shape(), c);
    let (g, b) = (gamma.data(), beta.data());
    let mut out = x.data().to_vec();
    // Rows are independent: two halves, each in a thread for large tensors.
    halves(&mut out, c.max(1), |_, part| {
        for row in part.chunks_mut(c.max(1)) {
            let (mean, inv) = row_stats(row, eps);
            for j in 0..c {
                row[j] = (row[j] - mean) * inv * g[j] + b[j];
            }
        }
    });
    CpuTensor::new(x.shape(), out)
}

/// With x̂ the normalised row and g = dy · γ:
///   dx = (g − mean(g) − x̂ · mean(g · x̂)) / σ,  dγ = Σ dy · x̂,  dβ = Σ dy.
pub fn layer_norm_backward(x: &CpuTensor, gamma: &CpuTensor, eps: f32, dy: &CpuTensor) -> (CpuTensor, CpuTensor, CpuTensor) {
    assert_eq!(x.shape(), dy.shape(), "layer_norm_backward: x {:?}, d y {:?}", x.shape(), dy.shape());
    let c = *x.shape().last().unwrap();
    let gm = gamma.data();
    let mut dgamma = vec![0.0f64; c];
    let mut dbeta = vec![0.0f64; c];
    let mut dx = vec![0.0f32; x.data().len()];
    for ((row, grow), drow) in x.data().chunks(c).zip(dy.data().chunks(c)).zip(dx.chunks_mut(c)) {
        let (mean, inv) = row_stats(row, eps);
        let (mut mean_g, mut mean_gx) = (0.0f64, 0.0f64);
        for j in 0..c {
            let xhat = (row[j] - mean) * inv;
            let g = grow[j] * gm[j];
            mean_g += g as f64;
            mean_gx += (g * xhat) as f64;
            dgamma[j] += (grow[j] * xhat) as f64;
            dbeta[j] += grow[j] as f64;
        }
        let (mean_g, mean_gx) = ((mean_g / c as f64) as f32, (mean_gx / c as f64) as f32);
        for j in 0..c {
            let xhat = (row[j] - mean) * inv;
            drow[j] = (grow[j] * gm[j] - mean_g - xhat * mean_gx) * inv;
        }
    }
    let to32 = |v: Vec<f64>| v.into_iter().map(|x| x as f32).collect::<Vec<f32>>();
    (CpuTensor::new(x.shape(), dx), CpuTensor::new(&[c], to32(dgamma)), CpuTensor::new(&[c], to32(dbeta)))
}
