//! Pooling over images [h, w, c]: MaxPooling2D and AveragePooling2D with a
//! window, strides (the window's size unless given, as Keras) and padding;
//! GlobalAveragePooling2D and GlobalMaxPooling2D over all pixels → [c].

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::keras::padding_name;
use super::{expect_image, Field, FieldKind, ForwardCtx, KerasConfig, Layer, Menu, Pair};
use crate::autodiff::{Graph, Var};
use crate::backend::{Backend, Padding, PoolKind, Window2d};
use crate::error::{Message, Result};

fn two() -> Pair {
    Pair([2, 2])
}

/// The settings shared by MaxPooling2D and AveragePooling2D.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pooling2D {
    #[serde(default = "two")]
    pub pool_size: Pair,
    /// None: the pool size (Keras's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strides: Option<Pair>,
    #[serde(default)]
    pub padding: Padding,
}

impl Default for Pooling2D {
    fn default() -> Self {
        Pooling2D { pool_size: two(), strides: None, padding: Padding::Valid }
    }
}

impl Pooling2D {
    fn window(&self, batch: usize, input: &[usize]) -> std::result::Result<Window2d, Message> {
        let strides = self.strides.unwrap_or(self.pool_size);
        Window2d::new(&[batch, input[0], input[1], input[2]], self.pool_size.0, strides.0, self.padding)
    }
    fn from_keras(c: &KerasConfig) -> Result<Self> {
        Ok(Pooling2D { pool_size: c.pair("pool_size").unwrap_or(two()), strides: c.pair("strides"), padding: c.padding()? })
    }
    fn keras_config(&self) -> Value {
        json!({"pool_size": self.pool_size.0, "strides": self.strides.unwrap_or(self.pool_size).0, "padding": padding_name(self.padding), "data_format": "channels_last"})
    }
    fn output_shape(&self, layer: &str, input: &[usize]) -> std::result::Result<Vec<usize>, Message> {
        expect_image(layer, input)?;
        let w = self.window(1, input)?;
        Ok(vec![w.oh, w.ow, input[2]])
    }
    fn forward<B: Backend>(&self, g: &mut Graph<B>, x: Var, kind: PoolKind) -> Var {
        let shape = g.shape(x);
        let win = self.window(shape[0], &shape[1..]).expect("shapes are checked when the model is built");
        g.pool_2d(x, win, kind)
    }
    fn describe(&self, class: &str) -> String {
        let [a, b] = self.pool_size.0;
        let strides = self.strides.filter(|s| *s != self.pool_size).map(|s| format!(", strides {}×{}", s.0[0], s.0[1])).unwrap_or_default();
        let padding = if self.padding == Padding::Same { ", same" } else { "" };
        format!("{}({}×{}{}{})", class, a, b, strides, padding)
    }
    fn fields() -> Vec<Field> {
        vec![
            Field::new("pool_size", FieldKind::Pair).shown("pool", json!(2)),
            Field::new("strides", FieldKind::Pair),
            Field::new("padding", FieldKind::Padding),
        ]
    }
}

/// The largest value of each channel in each window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MaxPooling2D(pub Pooling2D);

/// The mean of each channel in each window (padding cells not counted).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AveragePooling2D(pub Pooling2D);

/// One pooling layer's `Layer` implementation, for each kind of pooling.
macro_rules! window_pooling {
    ($ty:ident, $class:literal, $alias:literal, $kind:expr, $rank:literal) => {
        impl Layer for $ty {
            const CLASS: &'static str = $class;
            const ALIASES: &'static [&'static str] = &[$alias];
            const MENU: Menu = Menu { text: None, images: Some($rank) };
            fn fields() -> Vec<Field> {
                Pooling2D::fields()
            }
            fn from_keras(c: &KerasConfig) -> Result<Self> {
                Pooling2D::from_keras(c).map($ty)
            }
            fn keras_config(&self, _inputs: &[&[usize]]) -> Value {
                self.0.keras_config()
            }
            fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, Message> {
                self.0.output_shape($class, inputs[0])
            }
            fn forward<B: Backend>(&self, g: &mut Graph<B>, _w: &[Var], xs: &[Var], _masks: &[Option<Var>], _ctx: &mut ForwardCtx) -> (Var, Option<Var>) {
                (self.0.forward(g, xs[0], $kind), None)
            }
            fn describe(&self) -> String {
                self.0.describe($class)
            }
        }
    };
}
window_pooling!(MaxPooling2D, "MaxPooling2D", "MaxPool2D", PoolKind::Max, 2);
window_pooling!(AveragePooling2D, "AveragePooling2D", "AvgPool2D", PoolKind::Average, 3);

/// The mean of each channel over all pixels.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GlobalAveragePooling2D {}

/// The largest value of each channel over all pixels.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GlobalMaxPooling2D {}

/// Pixels as time steps: [batch, h·w, c], then pooled over "time".
fn global_forward<B: Backend>(g: &mut Graph<B>, x: Var, kind: PoolKind) -> Var {
    let s = g.shape(x);
    let seq = g.reshape(x, &[s[0], s[1] * s[2], s[3]]);
    match kind {
        PoolKind::Max => g.max_over_time(seq),
        PoolKind::Average => g.mean_over_time(seq, None),
    }
}

macro_rules! global_pooling {
    ($ty:ident, $class:literal, $alias:literal, $kind:expr, $rank:literal) => {
        impl Layer for $ty {
            const CLASS: &'static str = $class;
            const ALIASES: &'static [&'static str] = &[$alias];
            const MENU: Menu = Menu { text: None, images: Some($rank) };
            fn from_keras(_c: &KerasConfig) -> Result<Self> {
                Ok($ty {})
            }
            fn keras_config(&self, _inputs: &[&[usize]]) -> Value {
                json!({"data_format": "channels_last", "keepdims": false})
            }
            fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, Message> {
                expect_image($class, inputs[0])?;
                Ok(vec![inputs[0][2]])
            }
            fn forward<B: Backend>(&self, g: &mut Graph<B>, _w: &[Var], xs: &[Var], _masks: &[Option<Var>], _ctx: &mut ForwardCtx) -> (Var, Option<Var>) {
                (global_forward(g, xs[0], $kind), None)
            }
        }
    };
}
global_pooling!(GlobalAveragePooling2D, "GlobalAveragePooling2D", "GlobalAvgPool2D", PoolKind::Average, 4);
global_pooling!(GlobalMaxPooling2D, "GlobalMaxPooling2D", "GlobalMaxPool2D", PoolKind::Max, 5);
