//! keras_hub's `TokenAndPositionEmbedding`: token ids [time] → each
//! token's learned vector plus its position's learned vector,
//! [time, embedding_dim]. A Transformer has no order of its own (attention
//! sees a set); the position vectors give it one. Inputs shorter than
//! `sequence_length` use the first positions, as keras_hub slices them.
//! With `mask_zero`, id 0 is padding and the layer emits a mask, as
//! Embedding does.

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::keras::initializer;
use super::{init, Field, FieldKind, ForwardCtx, KerasConfig, Layer, Menu, TokenIds, WeightSpec};
use crate::autodiff::{Graph, Var};
use crate::backend::Backend;
use crate::error::{Message, Result};
use crate::msg;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenAndPositionEmbedding {
    pub vocabulary_size: usize,
    pub sequence_length: usize,
    pub embedding_dim: usize,
    #[serde(default)]
    pub mask_zero: bool,
}

impl Layer for TokenAndPositionEmbedding {
    const CLASS: &'static str = "TokenAndPositionEmbedding";
    const MENU: Menu = Menu { text: Some(12), images: None };
    fn fields() -> Vec<Field> {
        vec![
            // The page sets the vocabulary and the length from the data.
            Field::new("vocabulary_size", FieldKind::Count).required(),
            Field::new("sequence_length", FieldKind::Count).required(),
            Field::new("embedding_dim", FieldKind::Count).required().shown("dim", json!(64)),
            Field::new("mask_zero", FieldKind::Bool).shown("mask_zero", json!(true)),
        ]
    }
    fn from_keras(c: &KerasConfig) -> Result<Self> {
        Ok(TokenAndPositionEmbedding {
            vocabulary_size: c.need("vocabulary_size")?,
            sequence_length: c.need("sequence_length")?,
            embedding_dim: c.need("embedding_dim")?,
            mask_zero: c.flag("mask_zero"),
        })
    }
    fn keras_config(&self, _inputs: &[&[usize]]) -> Value {
        let mut uniform = initializer("RandomUniform");
        uniform["config"] = json!({"seed": null, "minval": -0.05, "maxval": 0.05});
        json!({
            "vocabulary_size": self.vocabulary_size, "sequence_length": self.sequence_length, "embedding_dim": self.embedding_dim,
            "embeddings_initializer": uniform, "tie_weights": true, "mask_zero": self.mask_zero})
    }
    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, Message> {
        match inputs[0] {
            [t] if *t > self.sequence_length => Err(msg!("layer.longer_than_positions", time = t, positions = self.sequence_length)),
            [t] => Ok(vec![*t, self.embedding_dim]),
            input => Err(msg!("layer.embedding_first", shape = format!("{:?}", input))),
        }
    }
    fn weights(&self, _inputs: &[&[usize]]) -> Vec<WeightSpec> {
        vec![
            WeightSpec::trainable("token_embedding/embeddings", vec![self.vocabulary_size, self.embedding_dim]),
            WeightSpec::trainable("position_embedding/embeddings", vec![self.sequence_length, self.embedding_dim]),
        ]
    }
    fn init(&self, _inputs: &[&[usize]], rng: &mut ChaCha8Rng) -> Vec<Vec<f32>> {
        let d = self.embedding_dim;
        vec![init::uniform(rng, self.vocabulary_size * d, 0.05), init::uniform(rng, self.sequence_length * d, 0.05)]
    }
    fn mask_out(&self, _masks: &[bool]) -> bool {
        self.mask_zero
    }
    /// The input holds token ids [batch, time] (as whole f32 values).
    fn forward<B: Backend>(&self, g: &mut Graph<B>, w: &[Var], xs: &[Var], _masks: &[Option<Var>], _ctx: &mut ForwardCtx) -> (Var, Option<Var>) {
        let ids = xs[0];
        let shape = g.shape(ids);
        let (b, t, d) = (shape[0], shape[1], self.embedding_dim);
        let tokens = g.gather(w[0], ids);
        // The first t position vectors, as one row of t·d values added to
        // each sample's t·d.
        let positions = g.reshape(w[1], &[1, self.sequence_length * d]);
        let positions = if t == self.sequence_length { positions } else { g.cols_slice(positions, 0, t * d) };
        let positions = g.reshape(positions, &[t * d]);
        let flat = g.reshape(tokens, &[b, t * d]);
        let y = g.add_bias(flat, positions);
        let y = g.reshape(y, &[b, t, d]);
        let mask = self.mask_zero.then(|| {
            let m = g.backend.nonzero(g.value(ids));
            g.constant(m)
        });
        (y, mask)
    }
    fn describe(&self) -> String {
        format!("TokenAndPositionEmbedding({}, {}, {} positions{})", self.vocabulary_size, self.embedding_dim, self.sequence_length, if self.mask_zero { ", mask_zero" } else { "" })
    }
    fn token_ids(&self) -> TokenIds {
        TokenIds::Reads
    }
    fn vocabulary(&self) -> Option<usize> {
        Some(self.vocabulary_size)
    }
    /// Table lookups and an addition: no products with the weights.
    fn weight_uses(&self, _input: &[usize], _output: &[usize]) -> usize {
        0
    }
    fn tfjs_incompatibility(&self) -> Option<Message> {
        Some(msg!("tfjs.keras_hub", layer = self.describe(), class = Self::CLASS))
    }
}
