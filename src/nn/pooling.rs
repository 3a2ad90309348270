//! Global pooling over time: [time, d] → [d].
//!
//! `GlobalMaxPooling1D` takes the maximum of each feature (ignoring any
//! mask, as Keras). `GlobalAveragePooling1D` averages only the unmasked
//! steps when a mask arrives, as Keras.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{expect_sequence, ForwardCtx, KerasConfig, Layer, Menu};
use crate::autodiff::{Graph, Var};
use crate::backend::Backend;
use crate::error::{Message, Result};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GlobalMaxPooling1D {}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GlobalAveragePooling1D {}

fn output_shape(class: &str, input: &[usize]) -> std::result::Result<Vec<usize>, Message> {
    let (_, d) = expect_sequence(class, input)?;
    Ok(vec![d])
}

impl Layer for GlobalMaxPooling1D {
    const CLASS: &'static str = "GlobalMaxPooling1D";
    const ALIASES: &'static [&'static str] = &["GlobalMaxPool1D"];
    const MENU: Menu = Menu { text: Some(17), images: None };
    fn from_keras(_c: &KerasConfig) -> Result<Self> {
        Ok(GlobalMaxPooling1D {})
    }
    fn keras_config(&self, _inputs: &[&[usize]]) -> Value {
        json!({"data_format": "channels_last"})
    }
    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, Message> {
        output_shape(Self::CLASS, inputs[0])
    }
    fn forward<B: Backend>(&self, g: &mut Graph<B>, _w: &[Var], xs: &[Var], _masks: &[Option<Var>], _ctx: &mut ForwardCtx) -> (Var, Option<Var>) {
        (g.max_over_time(xs[0]), None)
    }
}

impl Layer for GlobalAveragePooling1D {
    const CLASS: &'static str = "GlobalAveragePooling1D";
    const ALIASES: &'static [&'static str] = &["GlobalAvgPool1D"];
    const MENU: Menu = Menu { text: Some(18), images: None };
    fn from_keras(_c: &KerasConfig) -> Result<Self> {
        Ok(GlobalAveragePooling1D {})
    }
    fn keras_config(&self, _inputs: &[&[usize]]) -> Value {
        json!({"data_format": "channels_last"})
    }
    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, Message> {
        output_shape(Self::CLASS, inputs[0])
    }
    /// The mean of the unmasked steps (of all steps without a mask).
    fn forward<B: Backend>(&self, g: &mut Graph<B>, _w: &[Var], xs: &[Var], masks: &[Option<Var>], _ctx: &mut ForwardCtx) -> (Var, Option<Var>) {
        (g.mean_over_time(xs[0], masks[0]), None)
    }
    /// TensorFlow.js's GlobalAveragePooling1D ignores the mask.
    fn tfjs_masked_mean(&self, receives_mask: bool) -> bool {
        receives_mask
    }
}
