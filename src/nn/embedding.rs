//! Embedding: token ids [time] → vectors [time, output_dim].
//!
//! With `mask_zero`, id 0 is padding: the layer emits a mask [batch, time]
//! (1 for tokens, 0 for padding) that recurrent layers use to skip padded
//! steps and average pooling uses to average only real tokens.

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
pub struct Embedding {
    pub input_dim: usize,
    pub output_dim: usize,
    #[serde(default)]
    pub mask_zero: bool,
}

impl Layer for Embedding {
    const CLASS: &'static str = "Embedding";
    const MENU: Menu = Menu { text: Some(10), images: None };
    fn fields() -> Vec<Field> {
        vec![
            // The page sets input_dim from the vocabulary size.
            Field::new("input_dim", FieldKind::Count).required(),
            Field::new("output_dim", FieldKind::Count).required().shown("dim", json!(64)),
            Field::new("mask_zero", FieldKind::Bool).shown("mask_zero", json!(true)),
        ]
    }
    fn from_keras(c: &KerasConfig) -> Result<Self> {
        Ok(Embedding { input_dim: c.need("input_dim")?, output_dim: c.need("output_dim")?, mask_zero: c.flag("mask_zero") })
    }
    fn keras_config(&self, inputs: &[&[usize]]) -> Value {
        json!({
            "input_dim": self.input_dim, "output_dim": self.output_dim, "mask_zero": self.mask_zero, "input_length": inputs[0][0],
            "embeddings_initializer": initializer("RandomUniform"), "embeddings_regularizer": null, "activity_regularizer": null, "embeddings_constraint": null})
    }
    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, Message> {
        match inputs[0] {
            [t] => Ok(vec![*t, self.output_dim]),
            input => Err(msg!("layer.embedding_first", shape = format!("{:?}", input))),
        }
    }
    fn weights(&self, _inputs: &[&[usize]]) -> Vec<WeightSpec> {
        vec![WeightSpec::trainable("embeddings", vec![self.input_dim, self.output_dim])]
    }
    fn init(&self, _inputs: &[&[usize]], rng: &mut ChaCha8Rng) -> Vec<Vec<f32>> {
        vec![init::uniform(rng, self.input_dim * self.output_dim, 0.05)]
    }
    fn mask_out(&self, _masks: &[bool]) -> bool {
        self.mask_zero
    }
    /// The input holds token ids [batch, time] (as whole f32 values).
    fn forward<B: Backend>(&self, g: &mut Graph<B>, w: &[Var], xs: &[Var], _masks: &[Option<Var>], _ctx: &mut ForwardCtx) -> (Var, Option<Var>) {
        let ids = xs[0];
        let y = g.gather(w[0], ids);
        let mask = if self.mask_zero {
            let m = g.backend.nonzero(g.value(ids));
            Some(g.constant(m))
        } else {
            None
        };
        (y, mask)
    }
    fn describe(&self) -> String {
        format!("Embedding({}, {}{})", self.input_dim, self.output_dim, if self.mask_zero { ", mask_zero" } else { "" })
    }
    fn token_ids(&self) -> TokenIds {
        TokenIds::Reads
    }
    fn vocabulary(&self) -> Option<usize> {
        Some(self.input_dim)
    }
    /// A table lookup: no arithmetic on the weights.
    fn weight_uses(&self, _input: &[usize], _output: &[usize]) -> usize {
        0
    }
}
