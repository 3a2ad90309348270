//! MultiHeadAttention, Keras 3's layer standing alone in a functional
//! model: `query` attends over `value` (and `key`, the value when not
//! given), each projected by its own EinsumDense kernels, heads × key_dim
//! for queries and keys and heads × value_dim for values, and the heads'
//! outputs projected back to the query's features (or `output_shape`):
//!   y = softmax(q·kᵀ/√key_dim + masks) · v · Wo + bo
//! `use_causal_mask` is a call argument in Keras (written in the layer's
//! inbound node, where io/tfjs/ puts and finds it); gradlab keeps it
//! with the layer. Masks combine as Keras combines them, each input's
//! own: a padded query row attends to nothing (its weights are all 0, its
//! output the bias), a key padded in the value's or the key's mask is
//! attended by no row; an input without a mask masks nothing. The output
//! carries the query's mask. The weights of the last forward pass are kept
//! for pictures.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::attention::{Dims, Heads};
use super::keras::initializer;
use super::{Field, FieldKind, ForwardCtx, KerasConfig, Layer, WeightSpec};
use crate::autodiff::{Graph, Var};
use crate::backend::Backend;
use crate::error::{Message, Result};
use crate::msg;

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultiHeadAttention {
    pub num_heads: usize,
    pub key_dim: usize,
    /// Defaults to key_dim.
    #[serde(default)]
    pub value_dim: Option<usize>,
    #[serde(default)]
    pub dropout: f32,
    #[serde(default = "yes")]
    pub use_bias: bool,
    /// The output's features; the query's when not given.
    #[serde(default)]
    pub output_shape: Option<usize>,
    #[serde(default)]
    pub use_causal_mask: bool,
}

impl MultiHeadAttention {
    fn heads(&self) -> Heads {
        Heads { prefix: "", heads: self.num_heads, key_dim: self.key_dim, value_dim: self.value_dim.unwrap_or(self.key_dim), use_bias: self.use_bias, dropout: self.dropout }
    }
    /// The inputs as (query, key, value) shapes: Keras's call order is
    /// (query, value, key).
    fn dims(inputs: &[&[usize]], output: Option<usize>) -> Dims {
        let last = |s: &[usize]| *s.last().unwrap();
        let (q, v) = (last(inputs[0]), last(inputs[1]));
        let k = inputs.get(2).map(|s| last(s)).unwrap_or(v);
        Dims { query: q, key: k, value: v, output: output.unwrap_or(q) }
    }
}

impl Layer for MultiHeadAttention {
    const CLASS: &'static str = "MultiHeadAttention";
    const INPUTS: usize = 2;
    const MAX_INPUTS: usize = 3;
    const CALL_ARGS: &'static [&'static str] = &["use_causal_mask"];
    fn fields() -> Vec<Field> {
        vec![
            Field::new("num_heads", FieldKind::Count).required().shown("heads", json!(2)),
            Field::new("key_dim", FieldKind::Count).required().shown("key_dim", json!(16)),
            Field::new("value_dim", FieldKind::Count),
            Field::new("dropout", FieldKind::Rate).shown("rate", json!(0.0)),
            Field::new("use_bias", FieldKind::Bool),
            Field::new("output_shape", FieldKind::Count),
            Field::new("use_causal_mask", FieldKind::Bool),
        ]
    }
    fn from_keras(c: &KerasConfig) -> Result<Self> {
        let axes_ok = match c.get("attention_axes") {
            None | Some(Value::Null) => true,
            Some(Value::Array(a)) => a.len() == 1 && a[0].as_i64() == Some(1),
            Some(v) => v.as_i64() == Some(1),
        };
        if !axes_ok {
            return Err(c.bad(msg!("file.attention_axes")));
        }
        for flag in ["use_gate"] {
            if c.flag(flag) {
                return Err(c.bad(msg!("file.unsupported_flag", flag = flag)));
            }
        }
        if c.get("sliding_window").is_some_and(|v| !v.is_null()) {
            return Err(c.bad(msg!("file.unsupported_flag", flag = "sliding_window")));
        }
        let output_shape = match c.get("output_shape") {
            None | Some(Value::Null) => None,
            Some(Value::Array(a)) if a.len() == 1 => a[0].as_u64().map(|n| n as usize),
            Some(v) => v.as_u64().map(|n| n as usize).or(Some(0)),
        };
        if output_shape == Some(0) {
            return Err(c.bad(msg!("file.attention_output_shape")));
        }
        let key_dim = c.need("key_dim")?;
        Ok(MultiHeadAttention {
            num_heads: c.need("num_heads")?,
            key_dim,
            // Keras writes the default (key_dim) out; gradlab keeps it unset.
            value_dim: c.usize("value_dim").filter(|&v| v != key_dim),
            dropout: c.f32_or("dropout", 0.0),
            use_bias: !c.is_false("use_bias"),
            output_shape,
            use_causal_mask: c.flag("use_causal_mask"),
        })
    }
    fn keras_config(&self, _inputs: &[&[usize]]) -> Value {
        json!({
            "num_heads": self.num_heads, "key_dim": self.key_dim, "value_dim": self.value_dim.unwrap_or(self.key_dim),
            "dropout": self.dropout, "use_bias": self.use_bias, "output_shape": self.output_shape, "attention_axes": [1],
            "kernel_initializer": initializer("GlorotUniform"), "bias_initializer": initializer("Zeros"),
            "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null})
    }
    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, Message> {
        if self.num_heads == 0 || self.key_dim == 0 || self.value_dim == Some(0) || self.output_shape == Some(0) {
            return Err(msg!("layer.attention_sizes", layer = self.describe()));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(msg!("layer.dropout", value = self.dropout));
        }
        for s in inputs {
            super::expect_sequence(Self::CLASS, s)?;
        }
        let (q, v) = (inputs[0], inputs[1]);
        if let Some(k) = inputs.get(2) {
            if k[0] != v[0] {
                return Err(msg!("layer.attention_key_steps", key = k[0], value = v[0]));
            }
        }
        if self.use_causal_mask && q[0] != v[0] {
            return Err(msg!("layer.attention_causal_steps", query = q[0], value = v[0]));
        }
        Ok(vec![q[0], self.output_shape.unwrap_or(q[1])])
    }
    fn weights(&self, inputs: &[&[usize]]) -> Vec<WeightSpec> {
        self.heads().weights_qkv(Self::dims(inputs, self.output_shape))
    }
    fn init(&self, inputs: &[&[usize]], rng: &mut rand_chacha::ChaCha8Rng) -> Vec<Vec<f32>> {
        self.heads().init_qkv(Self::dims(inputs, self.output_shape), rng)
    }
    fn mask_out(&self, masks: &[bool]) -> bool {
        masks[0]
    }
    fn forward<B: Backend>(&self, g: &mut Graph<B>, w: &[Var], xs: &[Var], masks: &[Option<Var>], ctx: &mut ForwardCtx) -> (Var, Option<Var>) {
        let (query, value) = (xs[0], xs[1]);
        let key = xs.get(2).copied().unwrap_or(value);
        // The keys are masked where the value's mask or the key's is 0.
        let key_mask = match (masks[1], masks.get(2).copied().flatten()) {
            (Some(v), Some(k)) if v != k => Some(g.mul(v, k)),
            (v, k) => v.or(k),
        };
        let y = self.heads().forward_qkv(g, w, [query, key, value], [masks[0], key_mask], self.use_causal_mask, ctx);
        (y, masks[0])
    }
    fn call_args(&self) -> Value {
        if self.use_causal_mask { json!({"use_causal_mask": true}) } else { json!({}) }
    }
    fn describe(&self) -> String {
        let causal = if self.use_causal_mask { ", causal" } else { "" };
        format!("MultiHeadAttention({}×{}{})", self.num_heads, self.key_dim, causal)
    }
    fn attends(&self) -> bool {
        true
    }
    fn weight_uses(&self, input: &[usize], _output: &[usize]) -> usize {
        input.first().copied().unwrap_or(1)
    }
    fn tfjs_incompatibility(&self) -> Option<Message> {
        Some(msg!("tfjs.no_attention", layer = self.describe()))
    }
}
