//! Dense: y = act(x·W + b) on the last axis, W [in, units] as Keras.

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::keras::initializer;
use super::{init, Activation, Field, FieldKind, ForwardCtx, KerasConfig, Layer, Menu, TokenIds, WeightSpec};
use crate::autodiff::{Graph, Var};
use crate::backend::Backend;
use crate::error::{Message, Result};
use crate::msg;

fn yes() -> bool {
    true
}
fn linear() -> Activation {
    Activation::Linear
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dense {
    pub units: usize,
    #[serde(default = "linear")]
    pub activation: Activation,
    #[serde(default = "yes")]
    pub use_bias: bool,
}

impl Dense {
    pub fn new(units: usize, activation: Activation) -> Self {
        Dense { units, activation, use_bias: true }
    }
}

impl Layer for Dense {
    const CLASS: &'static str = "Dense";
    const MENU: Menu = Menu { text: Some(19), images: Some(8) };
    fn fields() -> Vec<Field> {
        vec![
            Field::new("units", FieldKind::Count).required().shown("units", json!(16)),
            Field::new("activation", FieldKind::Activation).shown("activation", json!("relu")),
            Field::new("use_bias", FieldKind::Bool),
        ]
    }
    fn from_keras(c: &KerasConfig) -> Result<Self> {
        Ok(Dense { units: c.need("units")?, activation: c.activation("activation")?, use_bias: !c.is_false("use_bias") })
    }
    fn keras_config(&self, _inputs: &[&[usize]]) -> Value {
        json!({
            "units": self.units, "activation": self.activation.keras_name(), "use_bias": self.use_bias,
            "kernel_initializer": initializer("GlorotUniform"), "bias_initializer": initializer("Zeros"),
            "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null})
    }
    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, Message> {
        let input = inputs[0];
        if input.is_empty() {
            return Err(msg!("layer.needs_axis", layer = Self::CLASS));
        }
        let mut out = input.to_vec();
        *out.last_mut().unwrap() = self.units;
        Ok(out)
    }
    fn weights(&self, inputs: &[&[usize]]) -> Vec<WeightSpec> {
        let mut w = vec![WeightSpec::trainable("kernel", vec![*inputs[0].last().unwrap(), self.units])];
        if self.use_bias {
            w.push(WeightSpec::trainable("bias", vec![self.units]));
        }
        w
    }
    fn init(&self, inputs: &[&[usize]], rng: &mut ChaCha8Rng) -> Vec<Vec<f32>> {
        let fan_in = *inputs[0].last().unwrap();
        let mut w = vec![init::glorot_uniform(rng, fan_in, self.units, fan_in * self.units)];
        if self.use_bias {
            w.push(vec![0.0; self.units]);
        }
        w
    }
    fn mask_out(&self, masks: &[bool]) -> bool {
        masks[0]
    }
    /// Applied to the last axis of any shape: a sequence is read as rows.
    fn forward<B: Backend>(&self, g: &mut Graph<B>, w: &[Var], xs: &[Var], masks: &[Option<Var>], _ctx: &mut ForwardCtx) -> (Var, Option<Var>) {
        let x = xs[0];
        let shape = g.shape(x);
        let d = *shape.last().unwrap();
        let rows = shape.iter().product::<usize>() / d.max(1);
        let x2 = if shape.len() == 2 { x } else { g.reshape(x, &[rows, d]) };
        let mut y = if self.use_bias { g.matmul_bias(x2, w[0], w[1]) } else { g.matmul(x2, w[0]) };
        y = g.activation(y, self.activation);
        let y = if shape.len() == 2 {
            y
        } else {
            let mut out = shape.clone();
            *out.last_mut().unwrap() = self.units;
            g.reshape(y, &out)
        };
        (y, masks[0])
    }
    fn describe(&self) -> String {
        format!("Dense({}, {})", self.units, self.activation.keras_name())
    }
    fn token_ids(&self) -> TokenIds {
        TokenIds::Accepts
    }
    fn activation(&self) -> Option<Activation> {
        Some(self.activation)
    }
    fn set_activation(&mut self, a: Activation) {
        self.activation = a;
    }
}
