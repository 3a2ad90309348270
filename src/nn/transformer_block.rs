//! What keras_hub's `TransformerEncoder` and `TransformerDecoder` share: a
//! self-attention sublayer and a position-wise feed-forward sublayer, each
//! wrapped in a residual connection and a layer normalisation, after it
//! (post-LN, the original Transformer and BERT) or before it
//! (`normalize_first`, pre-LN, as GPT-2):
//!   post-LN: x = LN₁(x + Drop(MHA(x)));   x = LN₂(x + Drop(FFN(x)))
//!   pre-LN:  x = x + Drop(MHA(LN₁(x)));   x = x + Drop(FFN(LN₂(x)))
//! with FFN(x) = Dense(d)(act(Dense(intermediate_dim)(x))) at every
//! position, key_dim = d / num_heads (rounded down, as keras_hub), and one
//! dropout rate for the attention weights and both residual branches.

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::attention::Heads;
use super::dropout::dropout;
use super::keras::initializer;
use super::{expect_sequence, init, Activation, Field, FieldKind, ForwardCtx, KerasConfig, WeightSpec};
use crate::autodiff::{Graph, Var};
use crate::backend::Backend;
use crate::error::{Message, Result};
use crate::msg;

fn epsilon() -> f32 {
    1e-5
}

fn relu() -> Activation {
    Activation::Relu
}

/// A block's config, with keras_hub's keys and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Block {
    pub intermediate_dim: usize,
    pub num_heads: usize,
    #[serde(default)]
    pub dropout: f32,
    #[serde(default = "relu")]
    pub activation: Activation,
    #[serde(default = "epsilon")]
    pub layer_norm_epsilon: f32,
    #[serde(default)]
    pub normalize_first: bool,
}

/// Where each part's weights sit in the layer's list, which keras_hub
/// orders differently in the encoder and the decoder: after the
/// attention's eight, the four parts' (weight, bias) pairs in the order of
/// these positions (0 to 3). `prefix` names the attention's weights.
#[derive(Debug, Clone, Copy)]
pub struct Order {
    pub prefix: &'static str,
    pub attention_norm: usize,
    pub feedforward_norm: usize,
    pub intermediate: usize,
    pub output: usize,
}

impl Block {
    pub fn fields() -> Vec<Field> {
        vec![
            Field::new("intermediate_dim", FieldKind::Count).required().shown("ffn", json!(128)),
            Field::new("num_heads", FieldKind::Count).required().shown("heads", json!(4)),
            Field::new("dropout", FieldKind::Rate).shown("rate", json!(0.1)),
            Field::new("activation", FieldKind::Activation),
            Field::new("layer_norm_epsilon", FieldKind::Positive),
            Field::new("normalize_first", FieldKind::Bool),
        ]
    }

    pub fn from_keras(c: &KerasConfig) -> Result<Block> {
        let block = Block {
            intermediate_dim: c.need("intermediate_dim")?,
            num_heads: c.need("num_heads")?,
            dropout: c.f32_or("dropout", 0.0),
            activation: if c.get("activation").is_some() { c.activation("activation")? } else { relu() },
            layer_norm_epsilon: c.f32_or("layer_norm_epsilon", epsilon()),
            normalize_first: c.flag("normalize_first"),
        };
        Ok(block)
    }

    pub fn keras_config(&self) -> Value {
        json!({
            "intermediate_dim": self.intermediate_dim, "num_heads": self.num_heads, "dropout": self.dropout,
            "activation": self.activation.keras_name(), "layer_norm_epsilon": self.layer_norm_epsilon,
            "kernel_initializer": initializer("GlorotUniform"), "bias_initializer": initializer("Zeros"),
            "normalize_first": self.normalize_first})
    }

    /// The attention sublayer for inputs of `d` features.
    fn heads(&self, d: usize, order: &Order) -> Heads {
        let key_dim = d / self.num_heads.max(1);
        Heads { prefix: order.prefix, heads: self.num_heads, key_dim, value_dim: key_dim, use_bias: true, dropout: self.dropout }
    }

    pub fn output_shape(&self, layer: &str, input: &[usize]) -> std::result::Result<Vec<usize>, Message> {
        let (_, d) = expect_sequence(layer, input)?;
        if self.num_heads == 0 || self.intermediate_dim == 0 {
            return Err(msg!("layer.block_sizes", layer = layer));
        }
        if d < self.num_heads {
            return Err(msg!("layer.heads_wider", layer = layer, heads = self.num_heads, dim = d));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(msg!("layer.dropout", value = self.dropout));
        }
        if !(self.layer_norm_epsilon > 0.0 && self.layer_norm_epsilon.is_finite()) {
            return Err(msg!("layer.epsilon", value = self.layer_norm_epsilon));
        }
        Ok(input.to_vec())
    }

    /// The attention's eight weights, then the two normalisations' and the
    /// two Dense layers' (kernel, bias) at the places `order` gives.
    pub fn weights(&self, input: &[usize], order: &Order) -> Vec<WeightSpec> {
        let d = input[1];
        let f = self.intermediate_dim;
        let mut w = self.heads(d, order).weights(d);
        let norm = |name: &str| {
            let (g, b) = match name {
                "self_attention_layer_norm" => ("self_attention_layer_norm/gamma", "self_attention_layer_norm/beta"),
                _ => ("feedforward_layer_norm/gamma", "feedforward_layer_norm/beta"),
            };
            [WeightSpec::trainable(g, vec![d]), WeightSpec::trainable(b, vec![d])]
        };
        let parts: [(usize, [WeightSpec; 2]); 4] = [
            (order.attention_norm, norm("self_attention_layer_norm")),
            (order.feedforward_norm, norm("feedforward_layer_norm")),
            (order.intermediate, [WeightSpec::trainable("feedforward_intermediate_dense/kernel", vec![d, f]), WeightSpec::trainable("feedforward_intermediate_dense/bias", vec![f])]),
            (order.output, [WeightSpec::trainable("feedforward_output_dense/kernel", vec![f, d]), WeightSpec::trainable("feedforward_output_dense/bias", vec![d])]),
        ];
        let mut sorted = parts.to_vec();
        sorted.sort_by_key(|(at, _)| *at);
        for (_, pair) in sorted {
            w.extend(pair);
        }
        w
    }

    pub fn init(&self, input: &[usize], order: &Order, rng: &mut ChaCha8Rng) -> Vec<Vec<f32>> {
        let d = input[1];
        let mut out = self.heads(d, order).init(d, rng);
        let mut parts: Vec<(usize, [Vec<f32>; 2])> = vec![
            (order.attention_norm, [vec![1.0; d], vec![0.0; d]]),
            (order.feedforward_norm, [vec![1.0; d], vec![0.0; d]]),
        ];
        // The Dense kernels draw in keras_hub's build order: intermediate, then output.
        let f = self.intermediate_dim;
        parts.push((order.intermediate, [init::glorot_uniform(rng, d, f, d * f), vec![0.0; f]]));
        parts.push((order.output, [init::glorot_uniform(rng, f, d, f * d), vec![0.0; d]]));
        parts.sort_by_key(|(at, _)| *at);
        for (_, pair) in parts {
            out.extend(pair);
        }
        out
    }

    /// The block over x [batch, time, d] with its padding mask; `causal`
    /// for a decoder.
    #[allow(clippy::too_many_arguments)]
    pub fn forward<B: Backend>(&self, g: &mut Graph<B>, w: &[Var], x: Var, mask: Option<Var>, causal: bool, order: &Order, ctx: &mut ForwardCtx) -> Var {
        let shape = g.shape(x);
        let (b, t, d) = (shape[0], shape[1], shape[2]);
        let at = |i: usize| 8 + 2 * i;
        let eps = self.layer_norm_epsilon;
        let norm = |g: &mut Graph<B>, x: Var, i: usize| g.layer_norm(x, w[at(i)], w[at(i) + 1], eps);
        // Attention.
        let heads = self.heads(d, order);
        let a_in = if self.normalize_first { norm(g, x, order.attention_norm) } else { x };
        let a = heads.forward(g, &w[..8], a_in, mask, causal, ctx);
        let a = dropout(g, a, self.dropout, ctx);
        let mut x = g.add(x, a);
        if !self.normalize_first {
            x = norm(g, x, order.attention_norm);
        }
        // Feed-forward, at every position.
        let f_in = if self.normalize_first { norm(g, x, order.feedforward_norm) } else { x };
        let rows = g.reshape(f_in, &[b * t, d]);
        let (i, o) = (at(order.intermediate), at(order.output));
        let hidden = g.matmul_bias(rows, w[i], w[i + 1]);
        let hidden = g.activation(hidden, self.activation);
        let f = g.matmul_bias(hidden, w[o], w[o + 1]);
        let f = g.reshape(f, &[b, t, d]);
        let f = dropout(g, f, self.dropout, ctx);
        let mut x = g.add(x, f);
        if !self.normalize_first {
            x = norm(g, x, order.feedforward_norm);
        }
        x
    }

    pub fn describe(&self, class: &str) -> String {
        format!("{}({} heads, ffn {}, {}{})", class, self.num_heads, self.intermediate_dim, self.activation.keras_name(), if self.normalize_first { ", pre-LN" } else { "" })
    }
}
