//! Dropout, inverted: while training each value is kept with probability
//! 1 − rate and scaled by 1/(1 − rate), so inference needs no change.

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::ForwardCtx;
use crate::autodiff::{Graph, Var};
use crate::backend::Backend;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dropout {
    pub rate: f32,
}

impl Dropout {
    pub fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>, String> {
        if !(0.0..1.0).contains(&self.rate) {
            return Err(format!("dropout rate {} must be in [0, 1)", self.rate));
        }
        Ok(input.to_vec())
    }
    pub fn forward<B: Backend>(&self, g: &mut Graph<B>, x: Var, ctx: &mut ForwardCtx) -> Var {
        if !ctx.training || self.rate == 0.0 {
            return x;
        }
        let shape = g.shape(x);
        let keep = 1.0 - self.rate;
        let n: usize = shape.iter().product();
        let mask: Vec<f32> = (0..n).map(|_| if ctx.rng.gen::<f32>() < keep { 1.0 / keep } else { 0.0 }).collect();
        let m = g.backend.upload(&shape, &mask);
        let m = g.constant(m);
        g.mul(x, m)
    }
}
