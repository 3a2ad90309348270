//! The CPU backend's losses (mean over the batch, as Keras) and the fused
//! softmax with cross-entropy.

use super::super::loss::Loss;
use super::super::activation::fast_exp;
use super::halves::halves;
use super::softmax::{exp_shifted_sum, row_max, softmax_in_place};
use super::CpuTensor;

pub fn loss(loss: Loss, pred: &CpuTensor, target: &CpuTensor) -> CpuTensor {
    let (b, n) = pred.rows_cols();
    let t = dense_target(loss, pred, target);
    let mut total = 0.0f64;
    for (pr, tr) in pred.data.chunks_exact(n.max(1)).zip(t.chunks_exact(n.max(1))) {
        total += loss.row_value(pr, tr) as f64;
    }
    CpuTensor::new(&[1], vec![(total / b.max(1) as f64) as f32])
}

pub fn loss_backward(loss: Loss, pred: &CpuTensor, target: &CpuTensor) -> CpuTensor {
    let (b, n) = pred.rows_cols();
    let t = dense_target(loss, pred, target);
    let mut out = vec![0.0f32; pred.data.len()];
    let inv_b = 1.0 / b.max(1) as f32;
    for ((o, pr), tr) in out.chunks_exact_mut(n.max(1)).zip(pred.data.chunks_exact(n.max(1))).zip(t.chunks_exact(n.max(1))) {
        loss.row_grad(pr, tr, o);
        o.iter_mut().for_each(|g| *g *= inv_b);
    }
    CpuTensor::new(&pred.shape, out)
}

pub fn softmax_cross_entropy(logits: &CpuTensor, target: &CpuTensor, sparse: bool) -> (CpuTensor, CpuTensor) {
    let (b, n) = logits.rows_cols();
    let mut probs = logits.data.to_vec();
    if sparse {
        // A class index per row: each exponential once, and no one-hot
        // rows (a language model's are as wide as its vocabulary).
        let totals = halves(&mut probs, n.max(1), |first, part| {
            let mut total = 0.0f64;
            for (row, &c) in part.chunks_exact_mut(n.max(1)).zip(&target.data[first..]) {
                let x = row[c as usize];
                let (max, sum) = softmax_in_place(row);
                total -= (x - max - sum.ln()) as f64;
            }
            total
        });
        let total: f64 = totals.iter().sum();
        return (CpuTensor::new(&logits.shape, probs), CpuTensor::new(&[1], vec![(total / b.max(1) as f64) as f32]));
    }
    let t = target.data.to_vec();
    let mut total = 0.0f64;
    for (row, tr) in probs.chunks_exact_mut(n.max(1)).zip(t.chunks_exact(n.max(1))) {
        let max = row_max(row);
        let lse = row.iter().map(|&v| fast_exp(v - max)).sum::<f32>().ln() + max;
        total -= row.iter().zip(tr).map(|(&x, &y)| (y * (x - lse)) as f64).sum::<f64>();
        softmax_row(row);
    }
    (CpuTensor::new(&logits.shape, probs), CpuTensor::new(&[1], vec![(total / b.max(1) as f64) as f32]))
}

pub fn softmax_cross_entropy_backward(probs: &CpuTensor, target: &CpuTensor, sparse: bool) -> CpuTensor {
    let (b, n) = probs.rows_cols();
    let inv_b = 1.0 / b.max(1) as f32;
    if sparse {
        let mut d: Vec<f32> = probs.data.iter().map(|&p| p * inv_b).collect();
        for (r, &c) in target.data.iter().enumerate() {
            d[r * n + c as usize] -= inv_b;
        }
        return CpuTensor::new(&probs.shape, d);
    }
    let t = target.data.to_vec();
    CpuTensor::new(&probs.shape, probs.data.iter().zip(t.iter()).map(|(&p, &y)| (p - y) * inv_b).collect())
}

pub(super) fn softmax_row(row: &mut [f32]) {
    let max = row_max(row);
    let sum = exp_shifted_sum(row, max);
    for v in row.iter_mut() {
        *v /= sum;
    }
}

fn one_hot(indices: &CpuTensor, n: usize) -> Vec<f32> {
    let mut t = vec![0.0f32; indices.data.len() * n];
    for (r, &c) in indices.data.iter().enumerate() {
        t[r * n + c as usize] = 1.0;
    }
    t
}

fn dense_target(loss: Loss, pred: &CpuTensor, target: &CpuTensor) -> Vec<f32> {
    if loss == Loss::SparseCategoricalCrossentropy {
        one_hot(target, *pred.shape.last().unwrap())
    } else {
        assert_eq!(pred.data.len(), target.data.len(), "{:?}: prediction {:?}, target {:?}", loss, pred.shape, target.shape);
        target.data.to_vec()
    }
}
