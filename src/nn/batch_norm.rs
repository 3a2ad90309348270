//! BatchNormalization over the last axis (channels), as Keras: gamma,
//! beta, and the non-trainable moving_mean and moving_variance.
//! Training normalises with the batch's mean and (biased) variance and moves
//! the statistics toward them: moving = moving·momentum + batch·(1 − momentum).
//! Inference normalises with the moving statistics.

use serde::{Deserialize, Serialize};

use serde_json::{json, Value};

use super::keras::initializer;
use super::{Field, FieldKind, ForwardCtx, KerasConfig, Layer, Menu, WeightSpec};
use crate::autodiff::{Graph, Var};
use crate::backend::Backend;
use crate::error::{Message, Result};
use crate::msg;

fn momentum() -> f32 {
    0.99
}
fn epsilon() -> f32 {
    1e-3
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchNormalization {
    #[serde(default = "momentum")]
    pub momentum: f32,
    #[serde(default = "epsilon")]
    pub epsilon: f32,
}

impl Default for BatchNormalization {
    fn default() -> Self {
        BatchNormalization { momentum: momentum(), epsilon: epsilon() }
    }
}

impl Layer for BatchNormalization {
    const CLASS: &'static str = "BatchNormalization";
    const MENU: Menu = Menu { text: None, images: Some(6) };
    fn fields() -> Vec<Field> {
        vec![Field::new("momentum", FieldKind::Fraction), Field::new("epsilon", FieldKind::Positive)]
    }
    fn from_keras(c: &KerasConfig) -> Result<Self> {
        let axis = c.get("axis").map(|a| if let Value::Array(v) = a { v.first().cloned().unwrap_or(Value::Null) } else { a.clone() });
        if axis.and_then(|a| a.as_i64()).is_some_and(|a| a != -1 && a != 3) {
            return Err(c.bad(msg!("file.last_axis_only")));
        }
        if c.is_false("center") || c.is_false("scale") {
            return Err(c.bad(msg!("file.center_scale")));
        }
        Ok(BatchNormalization { momentum: c.f32_or("momentum", 0.99), epsilon: c.f32_or("epsilon", 1e-3) })
    }
    fn keras_config(&self, _inputs: &[&[usize]]) -> Value {
        json!({
            "axis": -1, "momentum": self.momentum, "epsilon": self.epsilon, "center": true, "scale": true,
            "beta_initializer": initializer("Zeros"), "gamma_initializer": initializer("Ones"),
            "moving_mean_initializer": initializer("Zeros"), "moving_variance_initializer": initializer("Ones")})
    }
    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, Message> {
        if !(0.0..=1.0).contains(&self.momentum) {
            return Err(msg!("layer.momentum", value = self.momentum));
        }
        if !(self.epsilon > 0.0 && self.epsilon.is_finite()) {
            return Err(msg!("layer.epsilon", value = self.epsilon));
        }
        Ok(inputs[0].to_vec())
    }
    fn weights(&self, inputs: &[&[usize]]) -> Vec<WeightSpec> {
        let c = *inputs[0].last().unwrap();
        vec![
            WeightSpec::trainable("gamma", vec![c]),
            WeightSpec::trainable("beta", vec![c]),
            WeightSpec::state("moving_mean", vec![c]),
            WeightSpec::state("moving_variance", vec![c]),
        ]
    }
    fn init(&self, inputs: &[&[usize]], _rng: &mut rand_chacha::ChaCha8Rng) -> Vec<Vec<f32>> {
        let c = *inputs[0].last().unwrap();
        vec![vec![1.0; c], vec![0.0; c], vec![0.0; c], vec![1.0; c]]
    }
    fn mask_out(&self, masks: &[bool]) -> bool {
        masks[0]
    }
    fn forward<B: Backend>(&self, g: &mut Graph<B>, w: &[Var], xs: &[Var], masks: &[Option<Var>], ctx: &mut ForwardCtx) -> (Var, Option<Var>) {
        let x = xs[0];
        let (gamma, beta, moving_mean, moving_var) = (w[0], w[1], w[2], w[3]);
        if !ctx.training {
            return (g.batch_norm(x, gamma, beta, moving_mean, moving_var, self.epsilon, false), masks[0]);
        }
        let be = g.backend;
        let (mean, var) = be.moments(g.value(x));
        let keep = self.momentum;
        let moved_mean = be.add(&be.scale(g.value(moving_mean), keep), &be.scale(&mean, 1.0 - keep));
        let moved_var = be.add(&be.scale(g.value(moving_var), keep), &be.scale(&var, 1.0 - keep));
        g.assign(moving_mean, moved_mean);
        g.assign(moving_var, moved_var);
        let (mean, var) = (g.constant(mean), g.constant(var));
        (g.batch_norm(x, gamma, beta, mean, var, self.epsilon, true), masks[0])
    }
}
