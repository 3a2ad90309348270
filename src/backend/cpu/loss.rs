//! The CPU backend's losses (mean over the batch, as Keras) and the fused
//! softmax with cross-entropy.

use super::super::loss::Loss;
use super::super::activation::fast_exp;
use super::halves::halves;
use super::softmax::{exp_shifted_sum, row_max, softmax_into};
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
    if sparse {
        // A class index per row: each exponential once, no one-hot rows (a
        // language model's are as wide as its vocabulary), and no copy of
        // the logits: the softmax is written beside them.
        // Every row is written below only if every row has its target.
        assert_eq!(target.data.len(), b, "softmax cross-entropy: {} targets for {} rows", target.data.len(), b);
        let len = b * n;
        let mut probs: Vec<f32> = Vec::with_capacity(len);
        let unit = n.max(1);
        let totals = halves(&mut probs.spare_capacity_mut()[..len], unit, |first, part| {
            let mut total = 0.0f64;
            let rows = logits.data[first * unit..first * unit + part.len()].chunks_exact(unit);
            for ((out, row), &c) in part.chunks_exact_mut(unit).zip(rows).zip(&target.data[first..]) {
                let x = row[c as usize];
                let (max, sum) = softmax_into(row, out);
                total -= (x - max - sum.ln()) as f64;
            }
            total
        });
        // SAFETY: the halves wrote every one of the b whole rows.
        unsafe { probs.set_len(len) };
        let total: f64 = totals.iter().sum();
        return (CpuTensor::new(&logits.shape, probs), CpuTensor::new(&[1], vec![(total / b.max(1) as f64) as f32]));
    }
    let mut probs = logits.data.to_vec();
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
        // (p − one-hot) / b, in two threads for a language model's rows.
        assert_eq!(target.data.len(), b, "softmax cross-entropy: {} targets for {} rows", target.data.len(), b);
        let unit = n.max(1);
        let len = b * n;
        let mut d: Vec<f32> = Vec::with_capacity(len);
        halves(&mut d.spare_capacity_mut()[..len], unit, |first, part| {
            for (o, &p) in part.iter_mut().zip(&probs.data[first * unit..]) {
                o.write(p * inv_b);
            }
            for (row, &c) in part.chunks_exact_mut(unit).zip(&target.data[first..]) {
                // SAFETY: the row was written just above.
                unsafe { *row[c as usize].assume_init_mut() -= inv_b };
            }
        });
        // SAFETY: every value was written above.
        unsafe { d.set_len(len) };
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
