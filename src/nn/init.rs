//! Keras's default initialisers. Each fills a fresh Vec from the seeded
//! generator; the model uploads it to its backend.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// Keras's `RandomUniform(-0.05, 0.05)`, the Embedding default.
pub fn uniform(rng: &mut ChaCha8Rng, n: usize, limit: f32) -> Vec<f32> {
    (0..n).map(|_| rng.gen_range(-limit..limit)).collect()
}

/// Glorot (Xavier) uniform: U(−l, l) with l = √(6 / (fan_in + fan_out)).
pub fn glorot_uniform(rng: &mut ChaCha8Rng, fan_in: usize, fan_out: usize, n: usize) -> Vec<f32> {
    let limit = (6.0 / (fan_in + fan_out).max(1) as f64).sqrt() as f32;
    uniform(rng, n, limit)
}

/// Keras's `Orthogonal` for a [rows, cols] matrix: QR of a normal matrix
/// (with sign fix so the result is uniformly distributed), transposed when
/// there are fewer rows than columns. Row-major output.
pub fn orthogonal(rng: &mut ChaCha8Rng, rows: usize, cols: usize) -> Vec<f32> {
    let (tall, short) = (rows.max(cols), rows.min(cols));
    // Columns of a tall × short normal matrix, orthonormalised by modified
    // Gram–Schmidt (equivalent to Q of QR with a positive R diagonal).
    let mut q: Vec<Vec<f64>> = (0..short).map(|_| (0..tall).map(|_| StandardNormal.sample(rng)).collect()).collect();
    for j in 0..short {
        for k in 0..j {
            let dot: f64 = (0..tall).map(|i| q[j][i] * q[k][i]).sum();
            for i in 0..tall {
                q[j][i] -= dot * q[k][i];
            }
        }
        let norm = q[j].iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-12);
        q[j].iter_mut().for_each(|v| *v /= norm);
    }
    let mut out = vec![0.0f32; rows * cols];
    for r in 0..rows {
        for c in 0..cols {
            // Q is tall × short; Keras transposes it when rows < cols.
            out[r * cols + c] = if rows >= cols { q[c][r] } else { q[r][c] } as f32;
        }
    }
    out
}
