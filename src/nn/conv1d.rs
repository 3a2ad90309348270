//! Conv1D with valid padding and a stride, as Keras: kernel [k, in, filters]
//! (Glorot uniform over fan_in = k·in, fan_out = k·filters), bias [filters].
//! Computed as im2col (each output step's window as one row) times the
//! kernel read as a [k·in, filters] matrix: one matrix product per batch.

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use serde_json::{json, Value};

use super::keras::initializer;
use super::{expect_sequence, init, Activation, Field, FieldKind, ForwardCtx, KerasConfig, Layer, Menu, WeightSpec};
use crate::autodiff::{Graph, Var};
use crate::backend::window::conv_out_len;
use crate::backend::Backend;
use crate::error::{Message, Result};
use crate::msg;

fn one() -> usize {
    1
}
fn linear() -> Activation {
    Activation::Linear
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conv1D {
    pub filters: usize,
    pub kernel_size: usize,
    #[serde(default = "one")]
    pub strides: usize,
    #[serde(default = "linear")]
    pub activation: Activation,
}

impl Layer for Conv1D {
    const CLASS: &'static str = "Conv1D";
    const MENU: Menu = Menu { text: Some(16), images: None };
    fn fields() -> Vec<Field> {
        vec![
            Field::new("filters", FieldKind::Count).required().shown("filters", json!(64)),
            Field::new("kernel_size", FieldKind::Count).required().shown("kernel", json!(5)),
            Field::new("strides", FieldKind::Count),
            Field::new("activation", FieldKind::Activation).shown("activation", json!("relu")),
        ]
    }
    fn from_keras(c: &KerasConfig) -> Result<Self> {
        if let Some(p) = c.str("padding") {
            if p != "valid" {
                return Err(c.bad(msg!("file.padding_valid", padding = crate::error::printable(p, 40))));
            }
        }
        if c.usize("dilation_rate").unwrap_or(1) != 1 {
            return Err(c.bad(msg!("file.dilation")));
        }
        if c.is_false("use_bias") {
            return Err(c.bad(msg!("file.conv_no_bias", layer = Self::CLASS)));
        }
        Ok(Conv1D { filters: c.need("filters")?, kernel_size: c.need("kernel_size")?, strides: c.usize("strides").unwrap_or(1), activation: c.activation("activation")? })
    }
    fn keras_config(&self, _inputs: &[&[usize]]) -> Value {
        json!({
            "filters": self.filters, "kernel_size": [self.kernel_size], "strides": [self.strides], "padding": "valid", "data_format": "channels_last",
            "dilation_rate": [1], "activation": self.activation.keras_name(), "use_bias": true,
            "kernel_initializer": initializer("GlorotUniform"), "bias_initializer": initializer("Zeros")})
    }
    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, Message> {
        let (t, _) = expect_sequence("Conv1D", inputs[0])?;
        if self.kernel_size == 0 || self.strides == 0 {
            return Err(msg!("layer.kernel_stride"));
        }
        if t < self.kernel_size {
            return Err(msg!("layer.kernel_too_long", kernel = self.kernel_size, steps = t));
        }
        Ok(vec![conv_out_len(t, self.kernel_size, self.strides), self.filters])
    }
    fn weights(&self, inputs: &[&[usize]]) -> Vec<WeightSpec> {
        vec![
            WeightSpec::trainable("kernel", vec![self.kernel_size, inputs[0][1], self.filters]),
            WeightSpec::trainable("bias", vec![self.filters]),
        ]
    }
    fn init(&self, inputs: &[&[usize]], rng: &mut ChaCha8Rng) -> Vec<Vec<f32>> {
        let (k, c, f) = (self.kernel_size, inputs[0][1], self.filters);
        vec![init::glorot_uniform(rng, k * c, k * f, k * c * f), vec![0.0; f]]
    }
    fn forward<B: Backend>(&self, g: &mut Graph<B>, w: &[Var], xs: &[Var], _masks: &[Option<Var>], _ctx: &mut ForwardCtx) -> (Var, Option<Var>) {
        let x = xs[0];
        let shape = g.shape(x);
        let (b, steps, c) = (shape[0], shape[1], shape[2]);
        let out_t = conv_out_len(steps, self.kernel_size, self.strides);
        let cols = g.im2col(x, self.kernel_size, self.strides);
        let kernel = g.reshape(w[0], &[self.kernel_size * c, self.filters]);
        let y = g.matmul_bias(cols, kernel, w[1]);
        let y = g.activation(y, self.activation);
        (g.reshape(y, &[b, out_t, self.filters]), None)
    }
    fn describe(&self) -> String {
        format!("Conv1D({}, {}, {})", self.filters, self.kernel_size, self.activation.keras_name())
    }
    fn activation(&self) -> Option<Activation> {
        Some(self.activation)
    }
    fn set_activation(&mut self, a: Activation) {
        self.activation = a;
    }
    fn counts_padding(&self) -> bool {
        true
    }
}
