//! Scaled dot-product attention on the CPU, one (sample, head) at a time:
//! the head's keys and values are copied out of the interleaved
//! [time, heads·d] layout into contiguous rows, so every inner loop runs
//! over adjacent floats (which the compiler turns into SIMD, in wasm too).

use super::CpuTensor;
use crate::backend::{AttentionShape, MASKED_SCORE};

/// Rows `t` of head `h` from a [time, heads·d] slice of one sample.
fn head_rows(x: &[f32], t: usize, heads: usize, d: usize, h: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(t * d);
    for i in 0..t {
        out.extend_from_slice(&x[i * heads * d + h * d..][..d]);
    }
    out
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// acc += w · x.
fn axpy(acc: &mut [f32], w: f32, x: &[f32]) {
    for (a, v) in acc.iter_mut().zip(x) {
        *a += w * v;
    }
}

/// Whether query i may see key j (sample b), by Keras's combined mask.
fn allowed(s: &AttentionShape, mask: Option<&[f32]>, b: usize, i: usize, j: usize) -> bool {
    if s.causal && j > i {
        return false;
    }
    match mask {
        Some(m) => m[b * s.tk + i] != 0.0 && m[b * s.tk + j] != 0.0,
        None => true,
    }
}

pub fn attention(q: &CpuTensor, k: &CpuTensor, v: &CpuTensor, mask: Option<&CpuTensor>, drop: Option<&CpuTensor>, heads: usize, causal: bool) -> (CpuTensor, CpuTensor) {
    let s = AttentionShape::of(q.shape(), k.shape(), v.shape(), heads, causal);
    let (tq, tk, dk, dv) = (s.tq, s.tk, s.dk, s.dv);
    let mask = mask.map(|m| {
        assert_eq!(m.shape(), [s.batch, tk], "attention: mask {:?} for keys {:?}", m.shape(), k.shape());
        assert_eq!(tq, tk, "attention: a padding mask is for self-attention");
        m.data()
    });
    let drop = drop.map(|d| {
        assert_eq!(d.shape(), s.probs_shape(), "attention: dropout {:?}", d.shape());
        d.data()
    });
    let scale = s.scale();
    let mut out = vec![0.0f32; s.batch * tq * heads * dv];
    let mut probs = vec![0.0f32; s.batch * heads * tq * tk];
    for b in 0..s.batch {
        let (qb, kb, vb) = (&q.data()[b * tq * heads * dk..], &k.data()[b * tk * heads * dk..], &v.data()[b * tk * heads * dv..]);
        for h in 0..heads {
            let (kh, vh) = (head_rows(kb, tk, heads, dk, h), head_rows(vb, tk, heads, dv, h));
            for i in 0..tq {
                let qi = &qb[i * heads * dk + h * dk..][..dk];
                let row_at = ((b * heads + h) * tq + i) * tk;
                let p = &mut probs[row_at..row_at + tk];
                if mask.is_some_and(|m| m[b * tk + i] == 0.0) {
                    continue; // a padding query: probabilities and output stay 0
                }
                let mut max = f32::NEG_INFINITY;
                for j in 0..tk {
                    let score = if allowed(&s, mask, b, i, j) { dot(qi, &kh[j * dk..][..dk]) * scale } else { MASKED_SCORE };
                    p[j] = score;
                    max = max.max(score);
                }
                let mut sum = 0.0;
                for pj in p.iter_mut() {
                    *pj = (*pj - max).exp();
                    sum += *pj;
                }
                for pj in p.iter_mut() {
                    *pj /= sum;
                }
                let o = &mut out[(b * tq + i) * heads * dv + h * dv..][..dv];
                for j in 0..tk {
                    let w = p[j] * drop.map_or(1.0, |d| d[row_at + j]);
                    if w != 0.0 {
                        axpy(o, w, &vh[j * dv..][..dv]);
                    }
                }
            }
        }
    }
    (CpuTensor::new(&[s.batch, tq, heads * dv], out), CpuTensor::new(&s.probs_shape(), probs))
}

/// With P the probabilities, D the dropout multipliers and S the scores:
///   dV = (P∘D)ᵀ dO,  dP = (dO Vᵀ)∘D,  dS = P∘(dP − rowsum(dP∘P)),
///   dQ = dS K / √dk,  dK = dSᵀ Q / √dk.
#[allow(clippy::too_many_arguments)]
pub fn attention_backward(q: &CpuTensor, k: &CpuTensor, v: &CpuTensor, probs: &CpuTensor, drop: Option<&CpuTensor>, heads: usize, dout: &CpuTensor) -> (CpuTensor, CpuTensor, CpuTensor) {
    let s = AttentionShape::of(q.shape(), k.shape(), v.shape(), heads, false);
    let (tq, tk, dk, dv) = (s.tq, s.tk, s.dk, s.dv);
    assert_eq!(probs.shape(), s.probs_shape(), "attention_backward: probabilities {:?}", probs.shape());
    assert_eq!(dout.shape(), [s.batch, tq, heads * dv], "attention_backward: d out {:?}", dout.shape());
    let drop = drop.map(|d| d.data());
    let scale = s.scale();
    let mut dq = vec![0.0f32; q.data().len()];
    let mut dk_all = vec![0.0f32; k.data().len()];
    let mut dv_all = vec![0.0f32; v.data().len()];
    let mut ds = vec![0.0f32; tk];
    for b in 0..s.batch {
        let (qb, kb, vb, ob) = (&q.data()[b * tq * heads * dk..], &k.data()[b * tk * heads * dk..], &v.data()[b * tk * heads * dv..], &dout.data()[b * tq * heads * dv..]);
        for h in 0..heads {
            let (kh, vh) = (head_rows(kb, tk, heads, dk, h), head_rows(vb, tk, heads, dv, h));
            // This head's gradients of K and V, contiguous, written back below.
            let mut dkh = vec![0.0f32; tk * dk];
            let mut dvh = vec![0.0f32; tk * dv];
            for i in 0..tq {
                let row_at = ((b * heads + h) * tq + i) * tk;
                let p = &probs.data()[row_at..row_at + tk];
                let doi = &ob[i * heads * dv + h * dv..][..dv];
                let qi = &qb[i * heads * dk + h * dk..][..dk];
                let mut pdp = 0.0;
                for j in 0..tk {
                    let d = drop.map_or(1.0, |d| d[row_at + j]);
                    if p[j] * d != 0.0 {
                        axpy(&mut dvh[j * dv..][..dv], p[j] * d, doi);
                    }
                    ds[j] = dot(doi, &vh[j * dv..][..dv]) * d;
                    pdp += ds[j] * p[j];
                }
                let dqi = &mut dq[(b * tq + i) * heads * dk + h * dk..][..dk];
                for j in 0..tk {
                    let g = p[j] * (ds[j] - pdp) * scale;
                    if g != 0.0 {
                        axpy(dqi, g, &kh[j * dk..][..dk]);
                        axpy(&mut dkh[j * dk..][..dk], g, qi);
                    }
                }
            }
            for j in 0..tk {
                dk_all[(b * tk + j) * heads * dk + h * dk..][..dk].copy_from_slice(&dkh[j * dk..][..dk]);
                dv_all[(b * tk + j) * heads * dv + h * dv..][..dv].copy_from_slice(&dvh[j * dv..][..dv]);
            }
        }
    }
    (CpuTensor::new(q.shape(), dq), CpuTensor::new(k.shape(), dk_all), CpuTensor::new(v.shape(), dv_all))
}
