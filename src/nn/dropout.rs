//! Dropout, inverted: while training each value is kept with probability
//! 1 − rate and scaled by 1/(1 − rate), so inference needs no change.

use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{Field, FieldKind, ForwardCtx, KerasConfig, Layer, Menu, TokenIds};
use crate::autodiff::{Graph, Var};
use crate::backend::Backend;
use crate::error::{Message, Result};
use crate::msg;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dropout {
    pub rate: f32,
}

impl Layer for Dropout {
    const CLASS: &'static str = "Dropout";
    const MENU: Menu = Menu { text: Some(20), images: Some(9) };
    fn fields() -> Vec<Field> {
        vec![Field::new("rate", FieldKind::Rate).required().shown("rate", json!(0.2))]
    }
    fn from_keras(c: &KerasConfig) -> Result<Self> {
        Ok(Dropout { rate: c.f32_or("rate", 0.0) })
    }
    fn keras_config(&self, _inputs: &[&[usize]]) -> Value {
        json!({"rate": self.rate, "noise_shape": null, "seed": null})
    }
    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, Message> {
        if !(0.0..1.0).contains(&self.rate) {
            return Err(msg!("layer.dropout", value = self.rate));
        }
        Ok(inputs[0].to_vec())
    }
    fn mask_out(&self, masks: &[bool]) -> bool {
        masks[0]
    }
    fn forward<B: Backend>(&self, g: &mut Graph<B>, _w: &[Var], xs: &[Var], masks: &[Option<Var>], ctx: &mut ForwardCtx) -> (Var, Option<Var>) {
        let x = xs[0];
        (dropout(g, x, self.rate, ctx), masks[0])
    }
    fn describe(&self) -> String {
        format!("Dropout({})", self.rate)
    }
    fn token_ids(&self) -> TokenIds {
        TokenIds::Accepts
    }
}

/// x with inverted dropout at `rate` while training; x itself otherwise.
pub(crate) fn dropout<B: Backend>(g: &mut Graph<B>, x: Var, rate: f32, ctx: &mut ForwardCtx) -> Var {
    if !ctx.training || rate == 0.0 {
        return x;
    }
    let shape = g.shape(x);
    let m = g.backend.upload(&shape, &keep_mask(ctx.rng, shape.iter().product(), rate));
    let m = g.constant(m);
    g.mul(x, m)
}

/// Inverted dropout's multipliers for `n` values: 1/(1 − rate) where a
/// value is kept, 0 where it is dropped.
pub(crate) fn keep_mask(rng: &mut rand_chacha::ChaCha8Rng, n: usize, rate: f32) -> Vec<f32> {
    let keep = 1.0 - rate;
    (0..n).map(|_| if rng.gen::<f32>() < keep { 1.0 / keep } else { 0.0 }).collect()
}
