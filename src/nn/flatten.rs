//! Flatten: [time, d] → [time·d].

use serde::{Deserialize, Serialize};

use crate::autodiff::{Graph, Var};
use crate::backend::Backend;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Flatten {}

pub fn output_shape(input: &[usize]) -> Result<Vec<usize>, String> {
    Ok(vec![input.iter().product()])
}

pub fn forward<B: Backend>(g: &mut Graph<B>, x: Var) -> Var {
    let shape = g.shape(x);
    g.reshape(x, &[shape[0], shape[1..].iter().product()])
}
