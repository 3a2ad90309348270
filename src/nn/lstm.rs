//! LSTM, as Keras: gates in the order i, f, c, o; kernel [in, 4u] (Glorot
//! uniform), recurrent kernel [u, 4u] (orthogonal), bias [4u] (zeros, with
//! the forget gate's quarter set to 1: `unit_forget_bias`).
//!
//! The input projection x·W + b is one matrix product over every time step
//! at once; each step then adds h·U and runs the fused cell (all four gates
//! in one backend call). Masked steps carry the state through unchanged.

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::activation::GateActivation;
use super::{expect_sequence, init, WeightSpec};
use crate::autodiff::{Graph, Var};
use crate::backend::Backend;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lstm {
    pub units: usize,
    #[serde(default)]
    pub return_sequences: bool,
    /// The gates' activation: Keras's sigmoid by default; TensorFlow.js
    /// models arrive with hard_sigmoid.
    #[serde(default)]
    pub recurrent_activation: GateActivation,
}

impl Lstm {
    pub fn new(units: usize, return_sequences: bool) -> Self {
        Lstm { units, return_sequences, recurrent_activation: GateActivation::Sigmoid }
    }

    pub fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>, String> {
        let (t, _) = expect_sequence("LSTM", input)?;
        Ok(if self.return_sequences { vec![t, self.units] } else { vec![self.units] })
    }
    pub fn weights(&self, input: &[usize]) -> Vec<WeightSpec> {
        let (d, u) = (input[1], self.units);
        vec![
            WeightSpec::trainable("kernel", vec![d, 4 * u]),
            WeightSpec::trainable("recurrent_kernel", vec![u, 4 * u]),
            WeightSpec::trainable("bias", vec![4 * u]),
        ]
    }
    pub fn init(&self, input: &[usize], rng: &mut ChaCha8Rng) -> Vec<Vec<f32>> {
        let (d, u) = (input[1], self.units);
        let kernel = init::glorot_uniform(rng, d, 4 * u, d * 4 * u);
        let recurrent = init::orthogonal(rng, u, 4 * u);
        let mut bias = vec![0.0; 4 * u];
        bias[u..2 * u].iter_mut().for_each(|b| *b = 1.0);
        vec![kernel, recurrent, bias]
    }
    pub fn forward<B: Backend>(&self, g: &mut Graph<B>, w: &[Var], x: Var, mask: Option<Var>) -> (Var, Option<Var>) {
        let shape = g.shape(x);
        let (b, steps, d, u) = (shape[0], shape[1], shape[2], self.units);
        let flat = g.reshape(x, &[b * steps, d]);
        let proj = g.matmul_bias(flat, w[0], w[2]);
        let proj = g.reshape(proj, &[b, steps, 4 * u]);
        let zero = g.backend.zeros(&[b, 2 * u]);
        let mut hc = g.constant(zero);
        let mut outputs = Vec::with_capacity(if self.return_sequences { steps } else { 0 });
        for t in 0..steps {
            let xt = g.time_slice(proj, t);
            let z = if t == 0 {
                xt // h₀ = 0, so h·U adds nothing
            } else {
                let h = g.cols_slice(hc, 0, u);
                let rec = g.matmul(h, w[1]);
                g.add(xt, rec)
            };
            hc = g.lstm_cell(z, hc, mask.map(|m| (m, t)), self.recurrent_activation);
            if self.return_sequences {
                outputs.push(g.cols_slice(hc, 0, u));
            }
        }
        if self.return_sequences {
            (g.time_stack(&outputs), mask)
        } else {
            (g.cols_slice(hc, 0, u), None)
        }
    }
}
