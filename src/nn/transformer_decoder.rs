//! keras_hub's `TransformerDecoder` without an encoder sequence (as GPT
//! uses it): causal self-attention (each token sees itself and the tokens
//! before it) and a feed-forward network; pre-LN with `normalize_first`,
//! as GPT-2 (see transformer_block.rs). The block of a language model.

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::transformer_block::{Block, Order};
use super::{Field, ForwardCtx, KerasConfig, Layer, WeightSpec};
use crate::autodiff::{Graph, Var};
use crate::backend::Backend;
use crate::error::{Message, Result};
use crate::msg;

/// keras_hub's weight order: attention, its norm, the two Dense layers,
/// then the feed-forward norm.
const ORDER: Order = Order { prefix: "self_attention", attention_norm: 0, intermediate: 1, output: 2, feedforward_norm: 3 };

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransformerDecoder {
    #[serde(flatten)]
    pub block: Block,
}

impl Layer for TransformerDecoder {
    const CLASS: &'static str = "TransformerDecoder";
    fn fields() -> Vec<Field> {
        Block::fields()
    }
    fn from_keras(c: &KerasConfig) -> Result<Self> {
        // With an encoder sequence keras_hub adds cross-attention, which a
        // sequential model cannot feed.
        if c.get("encoder_sequence_shape").is_some_and(|v| !v.is_null()) {
            return Err(c.bad(msg!("file.cross_attention")));
        }
        Ok(TransformerDecoder { block: Block::from_keras(c)? })
    }
    fn keras_config(&self, inputs: &[&[usize]]) -> Value {
        let mut c = self.block.keras_config();
        let mut shape: Vec<Value> = vec![Value::Null];
        shape.extend(inputs[0].iter().map(|&n| Value::from(n)));
        c["decoder_sequence_shape"] = Value::Array(shape);
        c["encoder_sequence_shape"] = Value::Null;
        c
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
        (self.block.forward(g, w, xs[0], masks[0], true, &ORDER, ctx), masks[0])
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
