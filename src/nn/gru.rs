//! GRU, as Keras 3's default (`reset_after=True`): gates in the order
//! z (update), r (reset), h (candidate); kernel [in, 3u], recurrent kernel
//! [u, 3u], bias [2, 3u] (row 0 for the input part, row 1 for the
//! recurrent part). The reset gate scales the recurrent part after U:
//!   h̃ = tanh(x·W_h + b_h + r ⊙ (h·U_h + b'_h));  h = z ⊙ h_prev + (1 − z) ⊙ h̃

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::keras::initializer;
use super::{expect_sequence, init, Field, FieldKind, ForwardCtx, KerasConfig, Layer, Menu, WeightSpec};
use crate::autodiff::{Graph, Var};
use crate::backend::Backend;
use crate::error::{Message, Result};
use crate::msg;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gru {
    pub units: usize,
    #[serde(default)]
    pub return_sequences: bool,
}

impl Layer for Gru {
    const CLASS: &'static str = "GRU";
    const MENU: Menu = Menu { text: Some(15), images: None };
    fn fields() -> Vec<Field> {
        vec![
            Field::new("units", FieldKind::Count).required().shown("units", json!(32)),
            Field::new("return_sequences", FieldKind::Bool).shown("return_sequences", json!(false)),
        ]
    }
    fn from_keras(c: &KerasConfig) -> Result<Self> {
        c.check_recurrent(&["sigmoid"])?;
        if c.is_false("reset_after") {
            return Err(c.bad(msg!("file.gru_reset_after")));
        }
        Ok(Gru { units: c.need("units")?, return_sequences: c.flag("return_sequences") })
    }
    fn keras_config(&self, _inputs: &[&[usize]]) -> Value {
        json!({
            "units": self.units, "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": true,
            "return_sequences": self.return_sequences, "return_state": false, "go_backwards": false, "stateful": false, "unroll": false,
            "reset_after": true, "dropout": 0.0, "recurrent_dropout": 0.0, "implementation": 2,
            "kernel_initializer": initializer("GlorotUniform"), "recurrent_initializer": initializer("Orthogonal"),
            "bias_initializer": initializer("Zeros")})
    }
    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, Message> {
        let (t, _) = expect_sequence("GRU", inputs[0])?;
        Ok(if self.return_sequences { vec![t, self.units] } else { vec![self.units] })
    }
    fn weights(&self, inputs: &[&[usize]]) -> Vec<WeightSpec> {
        let (d, u) = (inputs[0][1], self.units);
        vec![
            WeightSpec::trainable("kernel", vec![d, 3 * u]),
            WeightSpec::trainable("recurrent_kernel", vec![u, 3 * u]),
            WeightSpec::trainable("bias", vec![2, 3 * u]),
        ]
    }
    fn init(&self, inputs: &[&[usize]], rng: &mut ChaCha8Rng) -> Vec<Vec<f32>> {
        let (d, u) = (inputs[0][1], self.units);
        vec![init::glorot_uniform(rng, d, 3 * u, d * 3 * u), init::orthogonal(rng, u, 3 * u), vec![0.0; 6 * u]]
    }
    fn mask_out(&self, masks: &[bool]) -> bool {
        masks[0] && self.return_sequences
    }
    fn forward<B: Backend>(&self, g: &mut Graph<B>, w: &[Var], xs: &[Var], masks: &[Option<Var>], _ctx: &mut ForwardCtx) -> (Var, Option<Var>) {
        let (x, mask) = (xs[0], masks[0]);
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
    fn describe(&self) -> String {
        format!("GRU({}{})", self.units, if self.return_sequences { ", return_sequences" } else { "" })
    }
    fn recurrent(&self) -> bool {
        true
    }
    /// Each step uses every weight.
    fn weight_uses(&self, input: &[usize], _output: &[usize]) -> usize {
        input.first().copied().unwrap_or(1)
    }
    fn tfjs_incompatibility(&self) -> Option<Message> {
        Some(msg!("tfjs.gru", layer = self.describe()))
    }
}
