//! LSTM, as Keras: gates in the order i, f, c, o; kernel [in, 4u] (Glorot
//! uniform), recurrent kernel [u, 4u] (orthogonal), bias [4u] (zeros, with
//! the forget gate's quarter set to 1: `unit_forget_bias`).
//!
//! The input projection x·W + b is one matrix product over every time step
//! at once; each step then adds h·U and runs the fused cell (all four gates
//! in one backend call). Masked steps carry the state through unchanged.

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::activation::GateActivation;
use super::keras::initializer;
use super::{expect_sequence, init, Field, FieldKind, ForwardCtx, GateTrace, KerasConfig, Layer, Menu, WeightSpec};
use crate::autodiff::{Graph, Var};
use crate::backend::Backend;
use crate::error::{Message, Result};

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
}

impl Layer for Lstm {
    const CLASS: &'static str = "LSTM";
    const MENU: Menu = Menu { text: Some(14), images: None };
    fn fields() -> Vec<Field> {
        vec![
            Field::new("units", FieldKind::Count).required().shown("units", json!(32)),
            Field::new("return_sequences", FieldKind::Bool).shown("return_sequences", json!(false)),
            Field::new("recurrent_activation", FieldKind::Gate),
        ]
    }
    fn from_keras(c: &KerasConfig) -> Result<Self> {
        c.check_recurrent(&["sigmoid", "hard_sigmoid"])?;
        let recurrent_activation = if c.str("recurrent_activation") == Some("hard_sigmoid") { GateActivation::HardSigmoid } else { GateActivation::Sigmoid };
        Ok(Lstm { units: c.need("units")?, return_sequences: c.flag("return_sequences"), recurrent_activation })
    }
    fn keras_config(&self, _inputs: &[&[usize]]) -> Value {
        json!({
            "units": self.units, "activation": "tanh", "recurrent_activation": self.recurrent_activation.keras_name(), "use_bias": true,
            "return_sequences": self.return_sequences, "return_state": false, "go_backwards": false, "stateful": false, "unroll": false,
            "unit_forget_bias": true, "dropout": 0.0, "recurrent_dropout": 0.0, "implementation": 2,
            "kernel_initializer": initializer("GlorotUniform"), "recurrent_initializer": initializer("Orthogonal"),
            "bias_initializer": initializer("Zeros")})
    }
    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, Message> {
        let (t, _) = expect_sequence("LSTM", inputs[0])?;
        Ok(if self.return_sequences { vec![t, self.units] } else { vec![self.units] })
    }
    fn weights(&self, inputs: &[&[usize]]) -> Vec<WeightSpec> {
        let (d, u) = (inputs[0][1], self.units);
        vec![
            WeightSpec::trainable("kernel", vec![d, 4 * u]),
            WeightSpec::trainable("recurrent_kernel", vec![u, 4 * u]),
            WeightSpec::trainable("bias", vec![4 * u]),
        ]
    }
    fn init(&self, inputs: &[&[usize]], rng: &mut ChaCha8Rng) -> Vec<Vec<f32>> {
        let (d, u) = (inputs[0][1], self.units);
        let kernel = init::glorot_uniform(rng, d, 4 * u, d * 4 * u);
        let recurrent = init::orthogonal(rng, u, 4 * u);
        let mut bias = vec![0.0; 4 * u];
        bias[u..2 * u].iter_mut().for_each(|b| *b = 1.0);
        vec![kernel, recurrent, bias]
    }
    fn mask_out(&self, masks: &[bool]) -> bool {
        masks[0] && self.return_sequences
    }
    fn forward<B: Backend>(&self, g: &mut Graph<B>, w: &[Var], xs: &[Var], masks: &[Option<Var>], _ctx: &mut ForwardCtx) -> (Var, Option<Var>) {
        let (x, mask) = (xs[0], masks[0]);
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
    fn describe(&self) -> String {
        format!("LSTM({}{})", self.units, if self.return_sequences { ", return_sequences" } else { "" })
    }
    fn recurrent(&self) -> bool {
        true
    }
    /// Each step uses every weight.
    fn weight_uses(&self, input: &[usize], _output: &[usize]) -> usize {
        input.first().copied().unwrap_or(1)
    }
    fn has_gates(&self) -> bool {
        true
    }
    /// The cell replayed step by step on the CPU (the tape's fused cell
    /// keeps no gates): z = x_t·W + h·U + b in Keras's gate order i, f, c, o.
    fn gates(&self, x: &[f32], input: &[usize], weights: &[Vec<f32>], mask: Option<&[f32]>) -> Option<GateTrace> {
        let (steps, d) = (input[0], input[1]);
        let u = self.units;
        let (kernel, recurrent, bias) = (&weights[0], &weights[1], &weights[2]);
        let gate = |v: f32| self.recurrent_activation.f(v);
        let (mut h, mut c) = (vec![0.0f32; u], vec![0.0f32; u]);
        let mut trace = GateTrace { units: u, ..GateTrace::default() };
        for t in 0..steps {
            if mask.is_some_and(|m| m[t] == 0.0) {
                continue;
            }
            let mut z = bias.clone();
            for (k, &xv) in x[t * d..(t + 1) * d].iter().enumerate() {
                for (zj, &wv) in z.iter_mut().zip(&kernel[k * 4 * u..(k + 1) * 4 * u]) {
                    *zj += xv * wv;
                }
            }
            for (k, &hv) in h.iter().enumerate() {
                for (zj, &wv) in z.iter_mut().zip(&recurrent[k * 4 * u..(k + 1) * 4 * u]) {
                    *zj += hv * wv;
                }
            }
            let i: Vec<f32> = z[..u].iter().map(|&v| gate(v)).collect();
            let f: Vec<f32> = z[u..2 * u].iter().map(|&v| gate(v)).collect();
            let o: Vec<f32> = z[3 * u..].iter().map(|&v| gate(v)).collect();
            for j in 0..u {
                c[j] = f[j] * c[j] + i[j] * z[2 * u + j].tanh();
                h[j] = o[j] * c[j].tanh();
            }
            trace.steps.push(t);
            trace.input.push(i);
            trace.forget.push(f);
            trace.output.push(o);
            trace.hidden.push(h.clone());
        }
        Some(trace)
    }
}
