//! Dense: y = act(x·W + b) on the last axis, W [in, units] as Keras.

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{init, Activation, WeightSpec};
use crate::autodiff::{Graph, Var};
use crate::backend::Backend;

fn yes() -> bool {
    true
}
fn linear() -> Activation {
    Activation::Linear
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dense {
    pub units: usize,
    #[serde(default = "linear")]
    pub activation: Activation,
    #[serde(default = "yes")]
    pub use_bias: bool,
}

impl Dense {
    pub fn new(units: usize, activation: Activation) -> Self {
        Dense { units, activation, use_bias: true }
    }
    pub fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>, String> {
        if input.is_empty() {
            return Err("Dense needs at least one input axis".into());
        }
        let mut out = input.to_vec();
        *out.last_mut().unwrap() = self.units;
        Ok(out)
    }
    pub fn weights(&self, input: &[usize]) -> Vec<WeightSpec> {
        let mut w = vec![WeightSpec::trainable("kernel", vec![*input.last().unwrap(), self.units])];
        if self.use_bias {
            w.push(WeightSpec::trainable("bias", vec![self.units]));
        }
        w
    }
    pub fn init(&self, input: &[usize], rng: &mut ChaCha8Rng) -> Vec<Vec<f32>> {
        let fan_in = *input.last().unwrap();
        let mut w = vec![init::glorot_uniform(rng, fan_in, self.units, fan_in * self.units)];
        if self.use_bias {
            w.push(vec![0.0; self.units]);
        }
        w
    }
    /// With `act` the model can ask for logits (linear) when it fuses the
    /// final softmax into the loss.
    pub fn forward<B: Backend>(&self, g: &mut Graph<B>, w: &[Var], x: Var, act: Activation) -> Var {
        let shape = g.shape(x);
        let d = *shape.last().unwrap();
        let rows = shape.iter().product::<usize>() / d.max(1);
        let x2 = if shape.len() == 2 { x } else { g.reshape(x, &[rows, d]) };
        let mut y = if self.use_bias { g.matmul_bias(x2, w[0], w[1]) } else { g.matmul(x2, w[0]) };
        y = g.activation(y, act);
        if shape.len() == 2 {
            y
        } else {
            let mut out = shape.clone();
            *out.last_mut().unwrap() = self.units;
            g.reshape(y, &out)
        }
    }
}
