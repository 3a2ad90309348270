//! keras_hub's `TransformerEncoder`: bidirectional self-attention (every
//! token sees every other, padding masked) and a feed-forward network,
//! post-LN by default as BERT (see transformer_block.rs). The block of a
//! BERT-style classifier.

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::transformer_block::{Block, Order};
use super::{Field, ForwardCtx, KerasConfig, Layer, Menu, WeightSpec};
use crate::autodiff::{Graph, Var};
use crate::backend::Backend;
use crate::error::{Message, Result};
use crate::msg;

/// keras_hub's weight order: attention, its norm, the feed-forward norm,
/// then the two Dense layers.
const ORDER: Order = Order { prefix: "self_attention_layer", attention_norm: 0, feedforward_norm: 1, intermediate: 2, output: 3 };

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransformerEncoder {
    #[serde(flatten)]
    pub block: Block,
}

impl Layer for TransformerEncoder {
    const CLASS: &'static str = "TransformerEncoder";
    /// A whole block, its sizes in the editor: after the token layers.
    const MENU: Menu = Menu { text: Some(13), images: None };
    fn fields() -> Vec<Field> {
        Block::fields()
    }
    fn from_keras(c: &KerasConfig) -> Result<Self> {
        Ok(TransformerEncoder { block: Block::from_keras(c)? })
    }
    fn keras_config(&self, _inputs: &[&[usize]]) -> Value {
        self.block.keras_config()
    }
    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, Message> {
        self.block.output_shape(Self::CLASS, inputs[0])
    }
    fn weights(&self, inputs: &[&[usize]]) -> Vec<WeightSpec> {
        self.block.weights(inputs[0], &ORDER)
    }
    fn init(&self, inputs: &[&[usize]], rng: &mut ChaCha8Rng) -> Vec<Vec<f32>> {
        self.block.init(inputs[0], &ORDER, rng)
    }
    fn mask_out(&self, masks: &[bool]) -> bool {
        masks[0]
    }
    fn forward<B: Backend>(&self, g: &mut Graph<B>, w: &[Var], xs: &[Var], masks: &[Option<Var>], ctx: &mut ForwardCtx) -> (Var, Option<Var>) {
        (self.block.forward(g, w, xs[0], masks[0], false, &ORDER, ctx), masks[0])
    }
    fn describe(&self) -> String {
        self.block.describe(Self::CLASS)
    }
    fn attends(&self) -> bool {
        true
    }
    fn tfjs_incompatibility(&self) -> Option<Message> {
        Some(msg!("tfjs.keras_hub", layer = self.describe(), class = Self::CLASS))
    }
}
