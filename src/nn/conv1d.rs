//! Conv1D with valid padding and a stride, as Keras: kernel [k, in, filters]
//! (Glorot uniform over fan_in = k·in, fan_out = k·filters), bias [filters].
//! Computed as im2col (each output step's window as one row) times the
//! kernel read as a [k·in, filters] matrix: one matrix product per batch.

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{expect_sequence, init, Activation, WeightSpec};
use crate::autodiff::{Graph, Var};
use crate::backend::cpu::conv_out_len;
use crate::backend::Backend;

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

impl Conv1D {
    pub fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>, String> {
        let (t, _) = expect_sequence("Conv1D", input)?;
        if self.kernel_size == 0 || self.strides == 0 {
            return Err("kernel size and stride must be at least 1".into());
        }
        if t < self.kernel_size {
            return Err(format!("kernel size {} is longer than the sequence ({} steps); lower it or raise max length", self.kernel_size, t));
        }
        Ok(vec![conv_out_len(t, self.kernel_size, self.strides), self.filters])
    }
    pub fn weights(&self, input: &[usize]) -> Vec<WeightSpec> {
        vec![
            WeightSpec::trainable("kernel", vec![self.kernel_size, input[1], self.filters]),
            WeightSpec::trainable("bias", vec![self.filters]),
        ]
    }
    pub fn init(&self, input: &[usize], rng: &mut ChaCha8Rng) -> Vec<Vec<f32>> {
        let (k, c, f) = (self.kernel_size, input[1], self.filters);
        vec![init::glorot_uniform(rng, k * c, k * f, k * c * f), vec![0.0; f]]
    }
    pub fn forward<B: Backend>(&self, g: &mut Graph<B>, w: &[Var], x: Var) -> Var {
        let shape = g.shape(x);
        let (b, steps, c) = (shape[0], shape[1], shape[2]);
        let out_t = conv_out_len(steps, self.kernel_size, self.strides);
        let cols = g.im2col(x, self.kernel_size, self.strides);
        let kernel = g.reshape(w[0], &[self.kernel_size * c, self.filters]);
        let y = g.matmul_bias(cols, kernel, w[1]);
        let y = g.activation(y, self.activation);
        g.reshape(y, &[b, out_t, self.filters])
    }
}
