//! GRU, as Keras 3's default (`reset_after=True`): gates in the order
//! z (update), r (reset), h (candidate); kernel [in, 3u], recurrent kernel
//! [u, 3u], bias [2, 3u] (row 0 for the input part, row 1 for the
//! recurrent part). The reset gate scales the recurrent part after U:
//!   h̃ = tanh(x·W_h + b_h + r ⊙ (h·U_h + b'_h));  h = z ⊙ h_prev + (1 − z) ⊙ h̃

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{expect_sequence, init, WeightSpec};
use crate::autodiff::{Graph, Var};
use crate::backend::Backend;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gru {
    pub units: usize,
    #[serde(default)]
    pub return_sequences: bool,
}

impl Gru {
    pub fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>, String> {
        let (t, _) = expect_sequence("GRU", input)?;
        Ok(if self.return_sequences { vec![t, self.units] } else { vec![self.units] })
    }
    pub fn weights(&self, input: &[usize]) -> Vec<WeightSpec> {
        let (d, u) = (input[1], self.units);
        vec![
            WeightSpec::trainable("kernel", vec![d, 3 * u]),
            WeightSpec::trainable("recurrent_kernel", vec![u, 3 * u]),
            WeightSpec::trainable("bias", vec![2, 3 * u]),
        ]
    }
    pub fn init(&self, input: &[usize], rng: &mut ChaCha8Rng) -> Vec<Vec<f32>> {
        let (d, u) = (input[1], self.units);
        vec![init::glorot_uniform(rng, d, 3 * u, d * 3 * u), init::orthogonal(rng, u, 3 * u), vec![0.0; 6 * u]]
    }
    pub fn forward<B: Backend>(&self, g: &mut Graph<B>, w: &[Var], x: Var, mask: Option<Var>) -> (Var, Option<Var>) {
        let shape = g.shape(x);
        let (b, steps, d, u) = (shape[0], shape[1], shape[2], self.units);
        let bias = g.reshape(w[2], &[1, 6 * u]);
        let b_in = g.cols_slice(bias, 0, 3 * u);
        let b_in = g.reshape(b_in, &[3 * u]);
        let b_rec = g.cols_slice(bias, 3 * u, 3 * u);
        let b_rec = g.reshape(b_rec, &[3 * u]);
        let flat = g.reshape(x, &[b * steps, d]);
        let proj = g.matmul_bias(flat, w[0], b_in);
        let proj = g.reshape(proj, &[b, steps, 3 * u]);
        let zero = g.backend.zeros(&[b, u]);
        let mut h = g.constant(zero);
        let mut outputs = Vec::new();
        for t in 0..steps {
            let xt = g.time_slice(proj, t);
            let hz = g.matmul_bias(h, w[1], b_rec);
            h = g.gru_cell(xt, hz, h, mask.map(|m| (m, t)));
            if self.return_sequences {
                outputs.push(h);
            }
        }
        if self.return_sequences {
            (g.time_stack(&outputs), mask)
        } else {
            (h, None)
        }
    }
}
