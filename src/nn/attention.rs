//! Multi-head self-attention as Keras's `MultiHeadAttention` computes it,
//! the sublayer the Transformer blocks are built from:
//!   q = x·Wq + bq, k = x·Wk + bk, v = x·Wv + bv   (per head, [d, heads, dim])
//!   o = softmax(q·kᵀ/√key_dim + masks) · v        (fused: Backend::attention)
//!   y = o·Wo + bo                                  (Wo [heads, value_dim, d])
//! Weights keep Keras's EinsumDense shapes and order (query, key, value,
//! attention_output; kernel then bias), so a model file is Keras's. Their
//! row-major layout is already the matrices the products need: [d, heads,
//! dim] read as [d, heads·dim], heads side by side as the fused attention
//! reads them.

use rand_chacha::ChaCha8Rng;

use super::dropout::keep_mask;
use super::{init, ForwardCtx, WeightSpec};
use crate::autodiff::{Graph, Var};
use crate::backend::Backend;

/// The sizes of one multi-head attention; `prefix` names its weights as
/// the enclosing Keras layer does ("self_attention_layer/query/kernel").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Heads {
    pub prefix: &'static str,
    pub heads: usize,
    pub key_dim: usize,
    pub value_dim: usize,
    pub use_bias: bool,
    /// Dropout on the attention weights while training.
    pub dropout: f32,
}

/// Weight names under each prefix Keras's layers use, in Keras's order.
macro_rules! names {
    ($p:literal) => {
        [concat!($p, "/query/kernel"), concat!($p, "/query/bias"), concat!($p, "/key/kernel"), concat!($p, "/key/bias"), concat!($p, "/value/kernel"), concat!($p, "/value/bias"), concat!($p, "/attention_output/kernel"), concat!($p, "/attention_output/bias")]
    };
}

fn names(prefix: &str) -> [&'static str; 8] {
    match prefix {
        "self_attention_layer" => names!("self_attention_layer"),
        "self_attention" => names!("self_attention"),
        _ => ["query/kernel", "query/bias", "key/kernel", "key/bias", "value/kernel", "value/bias", "attention_output/kernel", "attention_output/bias"],
    }
}

impl Heads {
    /// Its weights for inputs of `d` features, as Keras lays them out.
    pub fn weights(&self, d: usize) -> Vec<WeightSpec> {
        self.weights_qkv(Dims { query: d, key: d, value: d, output: d })
    }

    /// Its weights when the query, key and value have their own feature
    /// sizes (a standalone MultiHeadAttention), as Keras lays them out.
    pub fn weights_qkv(&self, d: Dims) -> Vec<WeightSpec> {
        let (h, k, v) = (self.heads, self.key_dim, self.value_dim);
        let n = names(self.prefix);
        let mut out = Vec::new();
        let shapes = [(vec![d.query, h, k], vec![h, k]), (vec![d.key, h, k], vec![h, k]), (vec![d.value, h, v], vec![h, v]), (vec![h, v, d.output], vec![d.output])];
        for (i, (kernel, bias)) in shapes.into_iter().enumerate() {
            out.push(WeightSpec::trainable(n[2 * i], kernel));
            if self.use_bias {
                out.push(WeightSpec::trainable(n[2 * i + 1], bias));
            }
        }
        out
    }

    /// Keras's initialisers: Glorot-uniform kernels, zero biases. Keras 3's
    /// EinsumDense takes the fans from its equation, not from the kernel's
    /// rank: a projection [d, heads, dim] has fan_in d and fan_out heads·dim,
    /// the output [heads, dim, out] fan_in heads·dim and fan_out out — as if
    /// each were the 2-D matrix it multiplies by. (The convolution rule, with
    /// the leading axis as a receptive field, gives limits up to 3× smaller.)
    pub fn init(&self, d: usize, rng: &mut ChaCha8Rng) -> Vec<Vec<f32>> {
        self.init_qkv(Dims { query: d, key: d, value: d, output: d }, rng)
    }
    pub fn init_qkv(&self, d: Dims, rng: &mut ChaCha8Rng) -> Vec<Vec<f32>> {
        self.weights_qkv(d)
            .iter()
            .map(|w| match w.shape[..] {
                [a, b, c] if w.name.ends_with("attention_output/kernel") => init::glorot_uniform(rng, a * b, c, a * b * c),
                [a, b, c] => init::glorot_uniform(rng, a, b * c, a * b * c),
                _ => vec![0.0; w.shape.iter().product()],
            })
            .collect()
    }

    /// Self-attention over x [batch, time, d]: `w` its weights in
    /// `weights` order, `mask` the padding mask [batch, time] x carries.
    pub fn forward<B: Backend>(&self, g: &mut Graph<B>, w: &[Var], x: Var, mask: Option<Var>, causal: bool, ctx: &mut ForwardCtx) -> Var {
        self.forward_qkv(g, w, [x, x, x], [mask, mask], causal, ctx)
    }

    /// Attention of `query` [batch, tq, dq] over `key` and `value` [batch,
    /// tk, dk] and [batch, tk, dv]. `masks` are the query's padding mask
    /// [batch, tq] (a padding query attends to nothing) and the keys'
    /// [batch, tk] (a padding key is attended by no query), either absent.
    pub fn forward_qkv<B: Backend>(&self, g: &mut Graph<B>, w: &[Var], [query, key, value]: [Var; 3], [query_mask, key_mask]: [Option<Var>; 2], causal: bool, ctx: &mut ForwardCtx) -> Var {
        let (qs, ks, vs) = (g.shape(query), g.shape(key), g.shape(value));
        let (b, tq, tk) = (qs[0], qs[1], ks[1]);
        let (h, kd, vd) = (self.heads, self.key_dim, self.value_dim);
        // The attention_output kernel [heads, value_dim, output].
        let out = g.shape(w[if self.use_bias { 6 } else { 3 }])[2];
        let mut next = 0;
        let mut project = |g: &mut Graph<B>, input: Var, from: usize, to: usize| -> Var {
            let kernel = g.reshape(w[next], &[from, to]);
            let y = if self.use_bias {
                let bias = g.reshape(w[next + 1], &[to]);
                next += 2;
                g.matmul_bias(input, kernel, bias)
            } else {
                next += 1;
                g.matmul(input, kernel)
            };
            y
        };
        // One product for a self-attention's rows; each input's own otherwise.
        let rows = |g: &mut Graph<B>, x: Var, s: &[usize]| g.reshape(x, &[s[0] * s[1], s[2]]);
        let qr = rows(g, query, &qs);
        let kr = if key == query { qr } else { rows(g, key, &ks) };
        let vr = if value == query { qr } else if value == key { kr } else { rows(g, value, &vs) };
        let q = project(g, qr, qs[2], h * kd);
        let k = project(g, kr, ks[2], h * kd);
        let v = project(g, vr, vs[2], h * vd);
        let (q, k, v) = (g.reshape(q, &[b, tq, h * kd]), g.reshape(k, &[b, tk, h * kd]), g.reshape(v, &[b, tk, h * vd]));
        let drop = (ctx.training && self.dropout > 0.0).then(|| {
            let m = g.backend.upload(&[b, h, tq, tk], &keep_mask(ctx.rng, b * h * tq * tk, self.dropout));
            g.constant(m)
        });
        // The fused attention reads both masks side by side, [batch, tq + tk];
        // an absent one keeps every position.
        let mask = (query_mask.is_some() || key_mask.is_some()).then(|| {
            let mut all = |m: Option<Var>, t: usize| m.unwrap_or_else(|| g.constant(g.backend.full(&[b, t], 1.0)));
            let (qm, km) = (all(query_mask, tq), all(key_mask, tk));
            g.concat_cols(&[qm, km])
        });
        let o = g.attention(q, k, v, mask, drop, h, causal);
        let o = g.reshape(o, &[b * tq, h * vd]);
        let y = project(g, o, h * vd, out);
        g.reshape(y, &[b, tq, out])
    }
}

/// The feature sizes a multi-head attention reads and writes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dims {
    pub query: usize,
    pub key: usize,
    pub value: usize,
    pub output: usize,
}
