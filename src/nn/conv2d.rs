//! Conv2D, channels-last as Keras: kernel [kh, kw, in, filters] (Glorot
//! uniform over fan_in = kh·kw·in, fan_out = kh·kw·filters), bias
//! [filters], valid or same padding, a stride per axis. Computed as
//! im2col (each output pixel's patch as one row) times the kernel read as a
//! [kh·kw·in, filters] matrix, so the work is one large matrix product.

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use serde_json::{json, Value};

use super::keras::{initializer, padding_name};
use super::{expect_image, init, Activation, Field, FieldKind, ForwardCtx, KerasConfig, Layer, Menu, Pair, WeightSpec};
use crate::autodiff::{Graph, Var};
use crate::backend::{Backend, Padding, Window2d};
use crate::error::{Message, Result};
use crate::msg;

fn ones() -> Pair {
    Pair([1, 1])
}
fn linear() -> Activation {
    Activation::Linear
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conv2D {
    pub filters: usize,
    pub kernel_size: Pair,
    #[serde(default = "ones")]
    pub strides: Pair,
    #[serde(default)]
    pub padding: Padding,
    #[serde(default = "linear")]
    pub activation: Activation,
}

impl Conv2D {
    pub fn new(filters: usize, kernel: usize, padding: Padding, activation: Activation) -> Self {
        Conv2D { filters, kernel_size: Pair([kernel, kernel]), strides: ones(), padding, activation }
    }
    /// The window over one image of shape `input` [h, w, c].
    fn window(&self, batch: usize, input: &[usize]) -> std::result::Result<Window2d, Message> {
        Window2d::new(&[batch, input[0], input[1], input[2]], self.kernel_size.0, self.strides.0, self.padding)
    }
}

impl Layer for Conv2D {
    const CLASS: &'static str = "Conv2D";
    const ALIASES: &'static [&'static str] = &["Convolution2D"];
    const MENU: Menu = Menu { text: None, images: Some(1) };
    fn fields() -> Vec<Field> {
        vec![
            Field::new("filters", FieldKind::Count).required().shown("filters", json!(16)),
            Field::new("kernel_size", FieldKind::Pair).required().shown("kernel", json!(3)),
            Field::new("strides", FieldKind::Pair).shown("strides", json!(1)),
            Field::new("padding", FieldKind::Padding).shown("padding", json!("same")),
            Field::new("activation", FieldKind::Activation).shown("activation", json!("relu")),
        ]
    }
    fn from_keras(c: &KerasConfig) -> Result<Self> {
        if c.str("data_format").is_some_and(|f| f != "channels_last") {
            return Err(c.bad(msg!("file.channels_last")));
        }
        if c.pair("dilation_rate").is_some_and(|p| p.0 != [1, 1]) || c.usize("groups").unwrap_or(1) != 1 {
            return Err(c.bad(msg!("file.dilation_groups")));
        }
        if c.is_false("use_bias") {
            return Err(c.bad(msg!("file.conv_no_bias", layer = Self::CLASS)));
        }
        Ok(Conv2D {
            filters: c.need("filters")?,
            kernel_size: c.pair("kernel_size").ok_or_else(|| c.bad(msg!("file.missing_key", key = "kernel_size")))?,
            strides: c.pair("strides").unwrap_or(Pair([1, 1])),
            padding: c.padding()?,
            activation: c.activation("activation")?,
        })
    }
    fn keras_config(&self, _inputs: &[&[usize]]) -> Value {
        json!({
            "filters": self.filters, "kernel_size": self.kernel_size.0, "strides": self.strides.0, "padding": padding_name(self.padding), "data_format": "channels_last",
            "dilation_rate": [1, 1], "groups": 1, "activation": self.activation.keras_name(), "use_bias": true,
            "kernel_initializer": initializer("GlorotUniform"), "bias_initializer": initializer("Zeros")})
    }
    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, Message> {
        let input = inputs[0];
        expect_image("Conv2D", input)?;
        if self.filters == 0 {
            return Err(msg!("layer.filters"));
        }
        let w = self.window(1, input)?;
        Ok(vec![w.oh, w.ow, self.filters])
    }
    fn weights(&self, inputs: &[&[usize]]) -> Vec<WeightSpec> {
        let [kh, kw] = self.kernel_size.0;
        vec![WeightSpec::trainable("kernel", vec![kh, kw, inputs[0][2], self.filters]), WeightSpec::trainable("bias", vec![self.filters])]
    }
    fn init(&self, inputs: &[&[usize]], rng: &mut ChaCha8Rng) -> Vec<Vec<f32>> {
        let [kh, kw] = self.kernel_size.0;
        let (c, f) = (inputs[0][2], self.filters);
        vec![init::glorot_uniform(rng, kh * kw * c, kh * kw * f, kh * kw * c * f), vec![0.0; f]]
    }
    fn forward<B: Backend>(&self, g: &mut Graph<B>, w: &[Var], xs: &[Var], _masks: &[Option<Var>], _ctx: &mut ForwardCtx) -> (Var, Option<Var>) {
        let x = xs[0];
        let shape = g.shape(x);
        let win = self.window(shape[0], &shape[1..]).expect("shapes are checked when the model is built");
        let cols = g.im2col_2d(x, win);
        let kernel = g.reshape(w[0], &[win.kh * win.kw * win.c, self.filters]);
        let y = g.matmul_bias(cols, kernel, w[1]);
        let y = g.activation(y, self.activation);
        (g.reshape(y, &win.output_shape(self.filters)), None)
    }
    fn image_filters(&self) -> bool {
        true
    }
    fn describe(&self) -> String {
        let [a, b] = self.kernel_size.0;
        let strides = if self.strides.0 != [1, 1] { format!(", strides {}×{}", self.strides.0[0], self.strides.0[1]) } else { String::new() };
        let padding = if self.padding == Padding::Same { ", same" } else { "" };
        format!("Conv2D({}, {}×{}, {}{}{})", self.filters, a, b, self.activation.keras_name(), strides, padding)
    }
    fn activation(&self) -> Option<Activation> {
        Some(self.activation)
    }
    fn set_activation(&mut self, a: Activation) {
        self.activation = a;
    }
}
