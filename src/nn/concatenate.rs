//! Concatenate, as Keras's merge layer on its default axis, the last: the
//! inputs' features side by side at each position (all other sizes
//! equal). Keras 3 gives the output a mask when any input has one, an
//! unmasked input counting as all true; in a gradlab model every mask is
//! the input's padding mask, so that is the mask when every input has it
//! and all true (none) otherwise.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{merged_mask, ForwardCtx, KerasConfig, Layer};
use crate::autodiff::{Graph, Var};
use crate::backend::Backend;
use crate::error::{Message, Result};
use crate::msg;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Concatenate {}

impl Layer for Concatenate {
    const CLASS: &'static str = "Concatenate";
    const INPUTS: usize = 2;
    const MAX_INPUTS: usize = usize::MAX;
    fn from_keras(c: &KerasConfig) -> Result<Self> {
        match c.get("axis").and_then(|a| a.as_i64()) {
            None | Some(-1) => Ok(Concatenate {}),
            Some(axis) => Err(c.bad(msg!("file.concat_axis", axis = axis))),
        }
    }
    fn keras_config(&self, _inputs: &[&[usize]]) -> Value {
        json!({"axis": -1})
    }
    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, Message> {
        let first = inputs[0];
        if first.is_empty() {
            return Err(msg!("layer.needs_axis", layer = Self::CLASS));
        }
        let lead = &first[..first.len() - 1];
        if let Some(other) = inputs.iter().find(|s| s.is_empty() || &s[..s.len() - 1] != lead) {
            return Err(msg!("layer.concat_shapes", first = format!("{:?}", first), other = format!("{:?}", other)));
        }
        let mut out = lead.to_vec();
        out.push(inputs.iter().map(|s| s[s.len() - 1]).sum());
        Ok(out)
    }
    fn mask_out(&self, masks: &[bool]) -> bool {
        masks.iter().all(|&m| m)
    }
    fn forward<B: Backend>(&self, g: &mut Graph<B>, _w: &[Var], xs: &[Var], masks: &[Option<Var>], _ctx: &mut ForwardCtx) -> (Var, Option<Var>) {
        let shape = g.shape(xs[0]);
        let rows: usize = shape[..shape.len() - 1].iter().product();
        let flat: Vec<Var> = xs
            .iter()
            .map(|&x| {
                let d = *g.shape(x).last().unwrap();
                g.reshape(x, &[rows, d])
            })
            .collect();
        let y = g.concat_cols(&flat);
        let mut out = shape[..shape.len() - 1].to_vec();
        out.push(g.shape(y)[1]);
        let y = g.reshape(y, &out);
        (y, merged_mask(g, masks))
    }
    fn tfjs_merges_masks(&self) -> bool {
        true
    }
    fn tfjs_reads_mask(&self) -> bool {
        true
    }
    fn describe(&self) -> String {
        "Concatenate".into()
    }
}
