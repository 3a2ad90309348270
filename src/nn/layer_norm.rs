//! LayerNormalization, as Keras: each position's features (the last axis)
//! are normalised by their own mean and biased variance,
//!   y = (x − mean) / √(var + ε) · γ + β,
//! with γ (ones) and β (zeros) of the feature size, ε = 1e-3 by default.
//! Unlike batch normalisation it keeps no statistics and treats training
//! and inference alike; a padding mask passes through (Keras's
//! supports_masking), padded positions being normalised like the rest.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::keras::initializer;
use super::{Field, FieldKind, ForwardCtx, KerasConfig, Layer, Menu, WeightSpec};
use crate::autodiff::{Graph, Var};
use crate::backend::Backend;
use crate::error::{Message, Result};
use crate::msg;

fn epsilon() -> f32 {
    1e-3
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerNormalization {
    #[serde(default = "epsilon")]
    pub epsilon: f32,
}

impl Default for LayerNormalization {
    fn default() -> Self {
        LayerNormalization { epsilon: epsilon() }
    }
}

impl Layer for LayerNormalization {
    const CLASS: &'static str = "LayerNormalization";
    const MENU: Menu = Menu { text: Some(22), images: Some(10) };
    fn fields() -> Vec<Field> {
        vec![Field::new("epsilon", FieldKind::Positive)]
    }
    fn from_keras(c: &KerasConfig) -> Result<Self> {
        // Keras writes the axis as -1 or a list of axes.
        let axes: Vec<i64> = match c.get("axis") {
            None | Some(Value::Null) => vec![-1],
            Some(Value::Array(a)) => a.iter().map(|v| v.as_i64().unwrap_or(0)).collect(),
            Some(v) => vec![v.as_i64().unwrap_or(0)],
        };
        if axes != [-1] {
            // The same words as BatchNormalization's, which the page translates.
            return Err(c.bad(msg!("file.last_axis_only")));
        }
        if c.is_false("center") || c.is_false("scale") {
            return Err(c.bad(msg!("file.center_scale")));
        }
        if c.flag("rms_scaling") {
            return Err(c.bad(msg!("file.unsupported_flag", flag = "rms_scaling")));
        }
        Ok(LayerNormalization { epsilon: c.f32_or("epsilon", epsilon()) })
    }
    fn keras_config(&self, _inputs: &[&[usize]]) -> Value {
        json!({
            "axis": -1, "epsilon": self.epsilon, "center": true, "scale": true,
            "beta_initializer": initializer("Zeros"), "gamma_initializer": initializer("Ones"),
            "beta_regularizer": null, "gamma_regularizer": null, "beta_constraint": null, "gamma_constraint": null})
    }
    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, Message> {
        if !(self.epsilon > 0.0 && self.epsilon.is_finite()) {
            return Err(msg!("layer.epsilon", value = self.epsilon));
        }
        if inputs[0].is_empty() {
            return Err(msg!("layer.needs_axis", layer = Self::CLASS));
        }
        Ok(inputs[0].to_vec())
    }
    fn weights(&self, inputs: &[&[usize]]) -> Vec<WeightSpec> {
        let c = *inputs[0].last().unwrap();
        vec![WeightSpec::trainable("gamma", vec![c]), WeightSpec::trainable("beta", vec![c])]
    }
    fn init(&self, inputs: &[&[usize]], _rng: &mut rand_chacha::ChaCha8Rng) -> Vec<Vec<f32>> {
        let c = *inputs[0].last().unwrap();
        vec![vec![1.0; c], vec![0.0; c]]
    }
    fn mask_out(&self, masks: &[bool]) -> bool {
        masks[0]
    }
    fn forward<B: Backend>(&self, g: &mut Graph<B>, w: &[Var], xs: &[Var], masks: &[Option<Var>], _ctx: &mut ForwardCtx) -> (Var, Option<Var>) {
        (g.layer_norm(xs[0], w[0], w[1], self.epsilon), masks[0])
    }
}
