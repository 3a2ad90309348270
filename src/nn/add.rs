//! Add, as Keras's merge layer: the element-wise sum of two or more inputs
//! of one shape — a residual connection, x + f(x). Its output carries a
//! padding mask only when every input does (Keras 3 then ORs them; in a
//! gradlab model every mask is the input's padding mask, so they agree).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{merged_mask, ForwardCtx, KerasConfig, Layer};
use crate::autodiff::{Graph, Var};
use crate::backend::Backend;
use crate::error::{Message, Result};
use crate::msg;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Add {}

impl Layer for Add {
    const CLASS: &'static str = "Add";
    const INPUTS: usize = 2;
    const MAX_INPUTS: usize = usize::MAX;
    fn from_keras(_c: &KerasConfig) -> Result<Self> {
        Ok(Add {})
    }
    fn keras_config(&self, _inputs: &[&[usize]]) -> Value {
        json!({})
    }
    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, Message> {
        if let Some(other) = inputs.iter().find(|s| *s != &inputs[0]) {
            return Err(msg!("layer.add_shapes", first = format!("{:?}", inputs[0]), other = format!("{:?}", other)));
        }
        Ok(inputs[0].to_vec())
    }
    fn mask_out(&self, masks: &[bool]) -> bool {
        masks.iter().all(|&m| m)
    }
    fn forward<B: Backend>(&self, g: &mut Graph<B>, _w: &[Var], xs: &[Var], masks: &[Option<Var>], _ctx: &mut ForwardCtx) -> (Var, Option<Var>) {
        let y = xs[1..].iter().fold(xs[0], |acc, &x| g.add(acc, x));
        (y, merged_mask(g, masks))
    }
    fn tfjs_merges_masks(&self) -> bool {
        true
    }
    fn describe(&self) -> String {
        "Add".into()
    }
}
