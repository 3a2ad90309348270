//! Embedding: token ids [time] → vectors [time, output_dim].
//!
//! With `mask_zero`, id 0 is padding: the layer emits a mask [batch, time]
//! (1 for tokens, 0 for padding) that recurrent layers use to skip padded
//! steps and average pooling uses to average only real tokens.

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{init, WeightSpec};
use crate::autodiff::{Graph, Var};
use crate::backend::Backend;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Embedding {
    pub input_dim: usize,
    pub output_dim: usize,
    #[serde(default)]
    pub mask_zero: bool,
}

impl Embedding {
    pub fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>, String> {
        match input {
            [t] => Ok(vec![*t, self.output_dim]),
            _ => Err(format!("Embedding must be the first layer (it reads token ids [time]) but receives shape {:?}", input)),
        }
    }
    pub fn weights(&self) -> Vec<WeightSpec> {
        vec![WeightSpec::trainable("embeddings", vec![self.input_dim, self.output_dim])]
    }
    pub fn init(&self, rng: &mut ChaCha8Rng) -> Vec<Vec<f32>> {
        vec![init::uniform(rng, self.input_dim * self.output_dim, 0.05)]
    }
    /// `ids` holds token ids [batch, time] (as whole f32 values).
    pub fn forward<B: Backend>(&self, g: &mut Graph<B>, w: &[Var], ids: Var) -> (Var, Option<Var>) {
        let y = g.gather(w[0], ids);
        let mask = if self.mask_zero {
            let m = g.backend.nonzero(g.value(ids));
            Some(g.constant(m))
        } else {
            None
        };
        (y, mask)
    }
}
