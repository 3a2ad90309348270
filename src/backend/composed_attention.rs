//! Attention composed of a backend's general ops, as it would run without
//! the fused `AttentionOps`: the yardstick for what fusing bought
//! (`gradlab gpu-bench` times both on the CPU and the GPU), and a second
//! definition the fused op is checked against (the tests below).
//!
//! The backend has 2-D products only, so each (sample, head) is a block of
//! its own: its rows are gathered out of the interleaved [time, heads·d]
//! layout, multiplied, and the blocks' products stacked into one head-major
//! tensor [batch·heads·tq, tk]. Scale, mask and softmax (and in the
//! backward pass the softmax's gradient) run once over the whole stack,
//! as an unfused framework runs them; the results are gathered back to
//! [batch, time, heads·d]. The scores and their gradient make full trips
//! through memory between passes, which the fused op never does.

use super::{AttentionShape, Backend, MASKED_SCORE};

/// The index tensors and the mask of one attention shape, built once (a
/// framework would cache them too), so that timing covers the work only.
pub struct ComposedAttention<B: Backend> {
    pub shape: AttentionShape,
    /// Per block (b, h): the rows of its queries in q viewed as
    /// [batch·tq·heads, dk] (and in d out, viewed the same way).
    q_rows: Vec<B::Tensor>,
    /// Per block: the rows of its keys and values in k and v viewed as
    /// [batch·tk·heads, d].
    k_rows: Vec<B::Tensor>,
    /// Per block: its rows of a head-major [batch·heads·t, ·] stack.
    q_block: Vec<B::Tensor>,
    /// Head-major rows back to the interleaved order, for tq and for tk.
    q_back: B::Tensor,
    k_back: B::Tensor,
    /// The causal mask over the whole stack, added to the scores.
    mask: Option<B::Tensor>,
}

/// The ids, as f32 (the backend's integer convention), of rows `t` of
/// head `h` of sample `b` in a [batch·t·heads, d] view.
fn interleaved_rows(b: usize, h: usize, t: usize, heads: usize) -> Vec<f32> {
    (0..t).map(|i| ((b * t + i) * heads + h) as f32).collect()
}

/// For each row of the interleaved [batch·t·heads, d] view, its row in
/// the head-major [batch·heads·t, d] stack.
fn back_rows(batch: usize, t: usize, heads: usize) -> Vec<f32> {
    let mut ids = vec![0.0; batch * t * heads];
    for b in 0..batch {
        for h in 0..heads {
            for i in 0..t {
                ids[(b * t + i) * heads + h] = ((b * heads + h) * t + i) as f32;
            }
        }
    }
    ids
}

impl<B: Backend> ComposedAttention<B> {
    pub fn new(be: &B, shape: AttentionShape) -> Self {
        let AttentionShape { batch, tq, tk, heads, .. } = shape;
        let (mut q_rows, mut k_rows, mut q_block) = (Vec::new(), Vec::new(), Vec::new());
        for b in 0..batch {
            for h in 0..heads {
                q_rows.push(be.upload(&[tq], &interleaved_rows(b, h, tq, heads)));
                k_rows.push(be.upload(&[tk], &interleaved_rows(b, h, tk, heads)));
                let first = (b * heads + h) * tq;
                q_block.push(be.upload(&[tq], &(first..first + tq).map(|r| r as f32).collect::<Vec<_>>()));
            }
        }
        let mask = shape.causal.then(|| {
            let rows = batch * heads * tq;
            let data: Vec<f32> = (0..rows * tk).map(|at| if at % tk > (at / tk) % tq { MASKED_SCORE } else { 0.0 }).collect();
            be.upload(&[rows, tk], &data)
        });
        ComposedAttention {
            shape,
            q_rows,
            k_rows,
            q_block,
            q_back: be.upload(&[batch * tq * heads], &back_rows(batch, tq, heads)),
            k_back: be.upload(&[batch * tk * heads], &back_rows(batch, tk, heads)),
            mask,
        }
    }

    /// [batch, t, heads·d] viewed as [batch·t·heads, d].
    fn rows_of(&self, be: &B, x: &B::Tensor) -> B::Tensor {
        let s = be.shape(x);
        be.reshape(x, &[s[0] * s[1] * self.shape.heads, s[2] / self.shape.heads])
    }

    /// The blocks' [t, d] tensors stacked head-major → [blocks·t, d].
    fn stack(&self, be: &B, blocks: &[B::Tensor]) -> B::Tensor {
        let [t, d] = be.shape(&blocks[0])[..] else { unreachable!("blocks are 2-D") };
        let flat: Vec<B::Tensor> = blocks.iter().map(|x| be.reshape(x, &[1, t * d])).collect();
        be.reshape(&be.time_stack(&flat.iter().collect::<Vec<_>>()), &[blocks.len() * t, d])
    }

    /// A head-major stack [batch·heads·t, d] back to [batch, t, heads·d].
    fn unstack(&self, be: &B, x: &B::Tensor, back: &B::Tensor, t: usize) -> B::Tensor {
        let d = be.shape(x)[1];
        be.reshape(&be.gather_rows(x, back), &[self.shape.batch, t, self.shape.heads * d])
    }

    /// (out [batch, tq, heads·dv], probabilities [batch, heads, tq, tk]).
    pub fn forward(&self, be: &B, q: &B::Tensor, k: &B::Tensor, v: &B::Tensor) -> (B::Tensor, B::Tensor) {
        let (qr, kr, vr) = (self.rows_of(be, q), self.rows_of(be, k), self.rows_of(be, v));
        let scores: Vec<B::Tensor> = self.q_rows.iter().zip(&self.k_rows).map(|(qi, ki)| be.matmul(&be.gather_rows(&qr, qi), &be.gather_rows(&kr, ki), false, true)).collect();
        let mut scores = be.scale(&self.stack(be, &scores), self.shape.scale());
        if let Some(m) = &self.mask {
            scores = be.add(&scores, m);
        }
        let probs = be.softmax(&scores);
        let outs: Vec<B::Tensor> = self.q_block.iter().zip(&self.k_rows).map(|(pi, ki)| be.matmul(&be.gather_rows(&probs, pi), &be.gather_rows(&vr, ki), false, false)).collect();
        let out = self.unstack(be, &self.stack(be, &outs), &self.q_back, self.shape.tq);
        let s = &self.shape;
        (out, be.reshape(&probs, &s.probs_shape()))
    }

    /// (d q, d k, d v) from d out and the forward pass's probabilities.
    pub fn backward(&self, be: &B, q: &B::Tensor, k: &B::Tensor, v: &B::Tensor, probs: &B::Tensor, dout: &B::Tensor) -> (B::Tensor, B::Tensor, B::Tensor) {
        let s = &self.shape;
        let (qr, kr, vr, dor) = (self.rows_of(be, q), self.rows_of(be, k), self.rows_of(be, v), self.rows_of(be, dout));
        let probs = be.reshape(probs, &[s.batch * s.heads * s.tq, s.tk]);
        let (mut dp, mut dv) = (Vec::new(), Vec::new());
        for ((qi, ki), pi) in self.q_rows.iter().zip(&self.k_rows).zip(&self.q_block) {
            let (dob, vb, pb) = (be.gather_rows(&dor, qi), be.gather_rows(&vr, ki), be.gather_rows(&probs, pi));
            dp.push(be.matmul(&dob, &vb, false, true));
            dv.push(be.matmul(&pb, &dob, true, false));
        }
        let ds = be.scale(&be.softmax_backward(&probs, &self.stack(be, &dp)), s.scale());
        let (mut dq, mut dk) = (Vec::new(), Vec::new());
        for ((qi, ki), pi) in self.q_rows.iter().zip(&self.k_rows).zip(&self.q_block) {
            let (dsb, qb, kb) = (be.gather_rows(&ds, pi), be.gather_rows(&qr, qi), be.gather_rows(&kr, ki));
            dq.push(be.matmul(&dsb, &kb, false, false));
            dk.push(be.matmul(&dsb, &qb, true, false));
        }
        (self.unstack(be, &self.stack(be, &dq), &self.q_back, s.tq), self.unstack(be, &self.stack(be, &dk), &self.k_back, s.tk), self.unstack(be, &self.stack(be, &dv), &self.k_back, s.tk))
    }

    /// Kernel launches (GPU dispatches; CPU passes) of a forward and a
    /// backward pass, counted from the code above: per block, the gathers,
    /// the products and the copies into a stack; once, the passes over the
    /// whole stack and the gathers back.
    pub fn launches(&self) -> (usize, usize) {
        let blocks = self.q_rows.len();
        let forward = blocks * (2 + 1 + 1) + 2 + usize::from(self.mask.is_some()) + blocks * (2 + 1 + 1) + 1;
        let backward = blocks * (3 + 2 + 2) + 2 + blocks * (3 + 2 + 2) + 3;
        (forward, backward)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::prelude::*;
    use crate::backend::CpuBackend;

    fn values(n: usize, seed: usize) -> Vec<f32> {
        (0..n).map(|i| (((i * 7919 + seed * 104_729) % 1000) as f32 / 1000.0 - 0.5) * 2.0).collect()
    }

    fn max_diff(a: &[f32], b: &[f32]) -> f32 {
        assert_eq!(a.len(), b.len());
        a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
    }

    /// The composition and the fused op agree, causal or not, with tq ≠ tk
    /// and dk ≠ dv: so the benchmark compares the same computation.
    #[test]
    fn the_composition_computes_what_the_fused_op_does() {
        let be = CpuBackend;
        for (batch, tq, tk, heads, dk, dv, causal) in [(2, 5, 5, 3, 4, 6, true), (3, 4, 7, 2, 5, 3, false)] {
            let q = be.upload(&[batch, tq, heads * dk], &values(batch * tq * heads * dk, 1));
            let k = be.upload(&[batch, tk, heads * dk], &values(batch * tk * heads * dk, 2));
            let v = be.upload(&[batch, tk, heads * dv], &values(batch * tk * heads * dv, 3));
            let dout = be.upload(&[batch, tq, heads * dv], &values(batch * tq * heads * dv, 4));
            let composed = ComposedAttention::new(&be, AttentionShape::of(be.shape(&q), be.shape(&k), be.shape(&v), heads, causal));
            let (out, probs) = be.attention(&q, &k, &v, None, None, heads, causal);
            let (cout, cprobs) = composed.forward(&be, &q, &k, &v);
            assert_eq!(be.shape(&cout), be.shape(&out));
            assert!(max_diff(&be.download(&cout), &be.download(&out)) < 1e-5);
            assert!(max_diff(&be.download(&cprobs), &be.download(&probs)) < 1e-6);
            if causal {
                // Weight above the diagonal is 0 in both: the mask was applied.
                assert_eq!(be.download(&cprobs)[1], 0.0);
            }
            let fused = be.attention_backward(&q, &k, &v, &probs, None, heads, &dout);
            let comp = composed.backward(&be, &q, &k, &v, &cprobs, &dout);
            for (c, f) in [(&comp.0, &fused.0), (&comp.1, &fused.1), (&comp.2, &fused.2)] {
                assert_eq!(be.shape(c), be.shape(f));
                assert!(max_diff(&be.download(c), &be.download(f)) < 1e-5, "{:?}", max_diff(&be.download(c), &be.download(f)));
            }
        }
    }
}
