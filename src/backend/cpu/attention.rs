//! Scaled dot-product attention on the CPU, one (sample, head) at a time:
//! the head's queries, keys and values are copied out of the interleaved
//! [time, heads·d] layout into contiguous rows, and its four products
//! (scores, weighted values, and in the backward pass their gradients) go
//! through the engine's matrix product (matrixmultiply natively, the SIMD
//! kernel in wasm). What lies between them (the mask, softmax, dropout) is
//! a pass over the head's [tq, tk] scores.

use super::halves::halves_of;
use super::matmul::product;
use super::CpuTensor;
use crate::backend::{AttentionShape, MASKED_SCORE};

/// Rows `t` of head `h` from a [time, heads·d] slice of one sample, as a
/// [t, d] matrix.
fn head_rows(x: &[f32], t: usize, heads: usize, d: usize, h: usize) -> CpuTensor {
    let mut out = Vec::with_capacity(t * d);
    for i in 0..t {
        out.extend_from_slice(&x[i * heads * d + h * d..][..d]);
    }
    CpuTensor::new(&[t, d], out)
}

/// Writes a head's [t, d] rows back into its columns of a [time, heads·d]
/// slice.
fn put_head_rows(x: &mut [f32], rows: &CpuTensor, heads: usize, h: usize) {
    let d = rows.shape()[1];
    for (i, row) in rows.data().chunks_exact(d).enumerate() {
        x[i * heads * d + h * d..][..d].copy_from_slice(row);
    }
}

pub fn attention(q: &CpuTensor, k: &CpuTensor, v: &CpuTensor, mask: Option<&CpuTensor>, drop: Option<&CpuTensor>, heads: usize, causal: bool) -> (CpuTensor, CpuTensor) {
    let s = AttentionShape::of(q.shape(), k.shape(), v.shape(), heads, causal);
    let (tq, tk, dk, dv) = (s.tq, s.tk, s.dk, s.dv);
    let mask = mask.map(|m| {
        assert_eq!(m.shape(), [s.batch, tq + tk], "attention: mask {:?} for queries {:?} and keys {:?}", m.shape(), q.shape(), k.shape());
        m.data()
    });
    let drop = drop.map(|d| {
        assert_eq!(d.shape(), s.probs_shape(), "attention: dropout {:?}", d.shape());
        d.data()
    });
    let mut out = vec![0.0f32; s.batch * tq * heads * dv];
    let mut probs = vec![0.0f32; s.batch * heads * tq * tk];
    // The samples in two halves, each in a thread for a large batch: every
    // (sample, head) is computed alone, so the values do not change.
    let (o, p) = (tq * heads * dv, heads * tq * tk);
    halves_of(vec![&mut out, &mut probs], &[o, p], s.batch, s.batch * p, |first, mut parts| {
        let (outs, probs) = parts.split_at_mut(1);
        let (outs, probs) = (&mut *outs[0], &mut *probs[0]);
        for (i, (ob, pb)) in outs.chunks_exact_mut(o.max(1)).zip(probs.chunks_exact_mut(p.max(1))).enumerate() {
            let b = first + i;
            let (qb, kb, vb) = (&q.data()[b * tq * heads * dk..][..tq * heads * dk], &k.data()[b * tk * heads * dk..][..tk * heads * dk], &v.data()[b * tk * heads * dv..][..tk * heads * dv]);
            attend(qb, kb, vb, mask.map(|m| m[b * (tq + tk)..(b + 1) * (tq + tk)].split_at(tq)), drop.map(|d| &d[b * p..(b + 1) * p]), &s, ob, pb);
        }
    });
    (CpuTensor::new(&[s.batch, tq, heads * dv], out), CpuTensor::new(&s.probs_shape(), probs))
}

/// One sample of `attention`: its outputs and its heads' probabilities.
#[allow(clippy::too_many_arguments)]
fn attend(qb: &[f32], kb: &[f32], vb: &[f32], mask: Option<(&[f32], &[f32])>, drop: Option<&[f32]>, s: &AttentionShape, out: &mut [f32], probs: &mut [f32]) {
    let (tq, tk, dk, dv, heads, causal) = (s.tq, s.tk, s.dk, s.dv, s.heads, s.causal);
    let scale = s.scale();
    for h in 0..heads {
        let (qh, kh, vh) = (head_rows(qb, tq, heads, dk, h), head_rows(kb, tk, heads, dk, h), head_rows(vb, tk, heads, dv, h));
        let scores = product(&qh, &kh, false, true, None);
        let at = h * tq * tk;
        let p = &mut probs[at..at + tq * tk];
        for (i, (row, srow)) in p.chunks_exact_mut(tk).zip(scores.data().chunks_exact(tk)).enumerate() {
            if mask.is_some_and(|(rows, keys)| rows[i] == 0.0 || !keys.iter().take(if causal { i + 1 } else { tk }).any(|&m| m != 0.0)) {
                continue; // a padding query, or one with no key to see: probabilities and output stay 0
            }
            // Keras's combined mask: the causal one (keys up to i) and
            // the padding of keys (a padding query was skipped above).
            // One select per score, so the loop vectorises.
            let visible = if causal { i + 1 } else { tk };
            match mask {
                Some((_, keys)) => {
                    for (j, ((pj, &sj), &mj)) in row.iter_mut().zip(srow).zip(keys).enumerate() {
                        *pj = if j < visible && mj != 0.0 { sj * scale } else { MASKED_SCORE };
                    }
                }
                None => {
                    for (j, (pj, &sj)) in row.iter_mut().zip(srow).enumerate() {
                        *pj = if j < visible { sj * scale } else { MASKED_SCORE };
                    }
                }
            }
            super::softmax::softmax_in_place(row);
        }
        // The weights the values get: the probabilities, after dropout.
        let weights = match drop {
            Some(d) => p.iter().zip(&d[at..at + tq * tk]).map(|(a, b)| a * b).collect(),
            None => p.to_vec(),
        };
        let oh = product(&CpuTensor::new(&[tq, tk], weights), &vh, false, false, None);
        put_head_rows(out, &oh, heads, h);
    }
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
    let mut dq = vec![0.0f32; q.data().len()];
    let mut dk_all = vec![0.0f32; k.data().len()];
    let mut dv_all = vec![0.0f32; v.data().len()];
    // The samples in two halves, as in the forward pass.
    let (nq, nk, nv, p) = (tq * heads * dk, tk * heads * dk, tk * heads * dv, heads * tq * tk);
    halves_of(vec![&mut dq, &mut dk_all, &mut dv_all], &[nq, nk, nv], s.batch, s.batch * p, |first, mut parts| {
        let (dqs, rest) = parts.split_at_mut(1);
        let (dks, dvs) = rest.split_at_mut(1);
        let (dqs, dks, dvs) = (&mut *dqs[0], &mut *dks[0], &mut *dvs[0]);
        for (i, ((dqb, dkb), dvb)) in dqs.chunks_exact_mut(nq.max(1)).zip(dks.chunks_exact_mut(nk.max(1))).zip(dvs.chunks_exact_mut(nv.max(1))).enumerate() {
            let b = first + i;
            let inputs = [&q.data()[b * nq..][..nq], &k.data()[b * nk..][..nk], &v.data()[b * nv..][..nv], &dout.data()[b * tq * heads * dv..][..tq * heads * dv]];
            attend_backward(inputs, &probs.data()[b * p..][..p], drop.map(|d| &d[b * p..][..p]), &s, [dqb, dkb, dvb]);
        }
    });
    (CpuTensor::new(q.shape(), dq), CpuTensor::new(k.shape(), dk_all), CpuTensor::new(v.shape(), dv_all))
}

/// One sample of `attention_backward`: from its query, key, value and
/// output gradient rows and its probabilities, its dQ, dK and dV.
fn attend_backward([qb, kb, vb, ob]: [&[f32]; 4], probs: &[f32], drop: Option<&[f32]>, s: &AttentionShape, [dq, dk_all, dv_all]: [&mut [f32]; 3]) {
    let (tq, tk, dk, dv, heads) = (s.tq, s.tk, s.dk, s.dv, s.heads);
    let scale = s.scale();
    for h in 0..heads {
        let (qh, kh, vh, doh) = (head_rows(qb, tq, heads, dk, h), head_rows(kb, tk, heads, dk, h), head_rows(vb, tk, heads, dv, h), head_rows(ob, tq, heads, dv, h));
        let at = h * tq * tk;
        let p = &probs[at..at + tq * tk];
        let d = drop.map(|d| &d[at..at + tq * tk]);
        let weights = match d {
            Some(d) => p.iter().zip(d).map(|(a, b)| a * b).collect(),
            None => p.to_vec(),
        };
        let dvh = product(&CpuTensor::new(&[tq, tk], weights), &doh, true, false, None);
        let mut ds = product(&doh, &vh, false, true, None).data().to_vec();
        if let Some(d) = d {
            ds.iter_mut().zip(d).for_each(|(g, m)| *g *= m);
        }
        for (grow, prow) in ds.chunks_exact_mut(tk).zip(p.chunks_exact(tk)) {
            let pdp: f32 = grow.iter().zip(prow).map(|(g, p)| g * p).sum();
            grow.iter_mut().zip(prow).for_each(|(g, &p)| *g = p * (*g - pdp) * scale);
        }
        let ds = CpuTensor::new(&[tq, tk], ds);
        let dqh = product(&ds, &kh, false, false, None);
        let dkh = product(&ds, &qh, true, false, None);
        put_head_rows(dq, &dqh, heads, h);
        put_head_rows(dk_all, &dkh, heads, h);
        put_head_rows(dv_all, &dvh, heads, h);
    }
}
