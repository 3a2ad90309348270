//! Flatten: [time, d] → [time·d] (and [h, w, c] → [h·w·c]).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{ForwardCtx, KerasConfig, Layer, Menu};
use crate::autodiff::{Graph, Var};
use crate::backend::Backend;
use crate::error::{Message, Result};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Flatten {}

impl Layer for Flatten {
    const CLASS: &'static str = "Flatten";
    const MENU: Menu = Menu { text: Some(21), images: Some(7) };
    fn from_keras(_c: &KerasConfig) -> Result<Self> {
        Ok(Flatten {})
    }
    fn keras_config(&self, _inputs: &[&[usize]]) -> Value {
        json!({"data_format": "channels_last"})
    }
    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, Message> {
        Ok(vec![inputs[0].iter().product()])
    }
    fn forward<B: Backend>(&self, g: &mut Graph<B>, _w: &[Var], xs: &[Var], _masks: &[Option<Var>], _ctx: &mut ForwardCtx) -> (Var, Option<Var>) {
        let shape = g.shape(xs[0]);
        (g.reshape(xs[0], &[shape[0], shape[1..].iter().product()]), None)
    }
    fn counts_padding(&self) -> bool {
        true
    }
}
