//! BatchNormalization over the last axis (channels), as Keras: gamma,
//! beta, and the non-trainable moving_mean and moving_variance.
//! Training normalises with the batch's mean and (biased) variance and moves
//! the statistics toward them: moving = moving·momentum + batch·(1 − momentum).
//! Inference normalises with the moving statistics.

use serde::{Deserialize, Serialize};

use super::{ForwardCtx, WeightSpec};
use crate::autodiff::{Graph, Var};
use crate::backend::Backend;

fn momentum() -> f32 {
    0.99
}
fn epsilon() -> f32 {
    1e-3
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchNormalization {
    #[serde(default = "momentum")]
    pub momentum: f32,
    #[serde(default = "epsilon")]
    pub epsilon: f32,
}

impl Default for BatchNormalization {
    fn default() -> Self {
        BatchNormalization { momentum: momentum(), epsilon: epsilon() }
    }
}

impl BatchNormalization {
    pub fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>, String> {
        if !(0.0..=1.0).contains(&self.momentum) {
            return Err(format!("momentum {} must be in [0, 1]", self.momentum));
        }
        if !(self.epsilon > 0.0 && self.epsilon.is_finite()) {
            return Err(format!("epsilon {} must be a positive number", self.epsilon));
        }
        Ok(input.to_vec())
    }
    pub fn weights(&self, input: &[usize]) -> Vec<WeightSpec> {
        let c = *input.last().unwrap();
        vec![
            WeightSpec::trainable("gamma", vec![c]),
            WeightSpec::trainable("beta", vec![c]),
            WeightSpec::state("moving_mean", vec![c]),
            WeightSpec::state("moving_variance", vec![c]),
        ]
    }
    pub fn init(&self, input: &[usize]) -> Vec<Vec<f32>> {
        let c = *input.last().unwrap();
        vec![vec![1.0; c], vec![0.0; c], vec![0.0; c], vec![1.0; c]]
    }
    pub fn forward<B: Backend>(&self, g: &mut Graph<B>, w: &[Var], x: Var, ctx: &ForwardCtx) -> Var {
        let (gamma, beta, moving_mean, moving_var) = (w[0], w[1], w[2], w[3]);
        if !ctx.training {
            return g.batch_norm(x, gamma, beta, moving_mean, moving_var, self.epsilon, false);
        }
        let be = g.backend;
        let (mean, var) = be.moments(g.value(x));
        let keep = self.momentum;
        let moved_mean = be.add(&be.scale(g.value(moving_mean), keep), &be.scale(&mean, 1.0 - keep));
        let moved_var = be.add(&be.scale(g.value(moving_var), keep), &be.scale(&var, 1.0 - keep));
        g.assign(moving_mean, moved_mean);
        g.assign(moving_var, moved_var);
        let (mean, var) = (g.constant(mean), g.constant(var));
        g.batch_norm(x, gamma, beta, mean, var, self.epsilon, true)
    }
}
