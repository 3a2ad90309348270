//! Optimizers, kept apart from layers (as in Burn): an optimizer sees only a
//! list of parameter tensors and their gradients. The element-wise rule of
//! each lives in its own file; the backend applies it over whole tensors.

pub mod schedule;

use serde::{Deserialize, Serialize};

use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::msg;
pub use schedule::Schedule;
// The element-wise rules are the backend's (it applies them to whole
// tensors); an optimizer chooses one per step.
pub use crate::backend::update::{adagrad, adam, rmsprop, sgd, UpdateRule};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    Sgd,
    Adam,
    AdamW,
    RmsProp,
    Adagrad,
}

impl OptimizerKind {
    pub const ALL: [OptimizerKind; 5] = [OptimizerKind::Sgd, OptimizerKind::Adam, OptimizerKind::AdamW, OptimizerKind::RmsProp, OptimizerKind::Adagrad];

    pub fn name(self) -> &'static str {
        match self {
            OptimizerKind::Sgd => "sgd",
            OptimizerKind::Adam => "adam",
            OptimizerKind::AdamW => "adamw",
            OptimizerKind::RmsProp => "rmsprop",
            OptimizerKind::Adagrad => "adagrad",
        }
    }
    pub fn from_name(name: &str) -> Option<Self> {
        let n = name.to_ascii_lowercase();
        OptimizerKind::ALL.into_iter().find(|k| k.name() == n)
    }
    /// Keras's default learning rate for each optimizer.
    pub fn default_lr(self) -> f32 {
        match self {
            OptimizerKind::Sgd => 0.01,
            _ => 0.001,
        }
    }
}

/// Everything that defines an optimizer, with Keras's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimizerConfig {
    pub kind: OptimizerKind,
    pub learning_rate: f32,
    /// SGD momentum μ.
    pub momentum: f32,
    pub nesterov: bool,
    pub beta1: f32,
    pub beta2: f32,
    /// ε̂ of Adam, ε of RMSprop and Adagrad.
    pub epsilon: f32,
    /// RMSprop's ρ.
    pub rho: f32,
    /// AdamW's decoupled weight decay λ.
    pub weight_decay: f32,
    /// Clip gradients so that their global L2 norm is at most this.
    pub clip_norm: Option<f32>,
}

impl OptimizerConfig {
    pub fn new(kind: OptimizerKind) -> Self {
        OptimizerConfig {
            kind,
            learning_rate: kind.default_lr(),
            momentum: 0.0,
            nesterov: false,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-7,
            rho: 0.9,
            weight_decay: if kind == OptimizerKind::AdamW { 0.004 } else { 0.0 },
            clip_norm: None,
        }
    }

    pub fn validate(&self) -> Result<()> {
        let finite_pos = |v: f32| v.is_finite() && v > 0.0;
        if !finite_pos(self.learning_rate) || self.learning_rate > 1e3 {
            return Err(Error::setting("learning_rate", msg!("optim.learning_rate", value = self.learning_rate)));
        }
        if !(0.0..1.0).contains(&self.momentum) {
            return Err(Error::setting("momentum", msg!("value.in_unit_open", value = self.momentum)));
        }
        for (name, v) in [("beta1", self.beta1), ("beta2", self.beta2), ("rho", self.rho)] {
            if !(0.0..1.0).contains(&v) {
                return Err(Error::setting(name, msg!("value.in_unit_open", value = v)));
            }
        }
        if !finite_pos(self.epsilon) {
            return Err(Error::setting("epsilon", msg!("optim.epsilon", value = self.epsilon)));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(Error::setting("weight_decay", msg!("value.non_negative", value = self.weight_decay)));
        }
        if let Some(c) = self.clip_norm {
            if !finite_pos(c) {
                return Err(Error::setting("clip_norm", msg!("value.positive", value = c)));
            }
        }
        Ok(())
    }

    /// How many state tensors ("slots") the rule keeps per parameter.
    pub fn slot_count(&self) -> usize {
        match self.kind {
            OptimizerKind::Sgd => usize::from(self.momentum != 0.0),
            OptimizerKind::Adam | OptimizerKind::AdamW => 2,
            OptimizerKind::RmsProp | OptimizerKind::Adagrad => 1,
        }
    }

    fn slot_init(&self) -> f32 {
        if self.kind == OptimizerKind::Adagrad {
            adagrad::INITIAL_ACCUMULATOR
        } else {
            0.0
        }
    }

    /// The element-wise rule for update number `t` (from 1) at rate `lr`.
    pub fn rule(&self, lr: f32, t: u64) -> UpdateRule {
        match self.kind {
            OptimizerKind::Sgd => UpdateRule::Sgd { lr, momentum: self.momentum, nesterov: self.nesterov },
            OptimizerKind::Adam | OptimizerKind::AdamW => UpdateRule::Adam {
                alpha: adam::step_size(lr, self.beta1, self.beta2, t),
                beta1: self.beta1,
                beta2: self.beta2,
                eps: self.epsilon,
                decay: if self.kind == OptimizerKind::AdamW { lr * self.weight_decay } else { 0.0 },
            },
            OptimizerKind::RmsProp => UpdateRule::RmsProp { lr, rho: self.rho, eps: self.epsilon },
            OptimizerKind::Adagrad => UpdateRule::Adagrad { lr, eps: self.epsilon },
        }
    }
}

/// An optimizer with its per-parameter state.
pub struct Optimizer<B: Backend> {
    pub config: OptimizerConfig,
    /// Updates applied so far (Keras's `iterations`).
    pub iterations: u64,
    slots: Vec<Vec<B::Tensor>>,
}

impl<B: Backend> Optimizer<B> {
    pub fn new(config: OptimizerConfig) -> Self {
        Optimizer { config, iterations: 0, slots: Vec::new() }
    }

    /// Global L2 norm of a list of gradients.
    pub fn global_norm(backend: &B, grads: &[B::Tensor]) -> f32 {
        crate::backend::ready_now(Self::global_norm_async(backend, grads))
    }

    /// `global_norm`, reading the sums of squares back in one round trip
    /// without blocking.
    pub async fn global_norm_async(backend: &B, grads: &[B::Tensor]) -> f32 {
        let refs: Vec<&B::Tensor> = grads.iter().collect();
        backend.sum_squares_each_async(&refs).await.iter().map(|&s| s as f64).sum::<f64>().sqrt() as f32
    }

    /// Apply one update at rate `lr`. Gradients are clipped first when the
    /// config asks for it; `grad_norm` is their global norm before clipping.
    pub fn step(&mut self, backend: &B, params: &mut [&mut B::Tensor], grads: &[B::Tensor], lr: f32, grad_norm: f32) {
        self.step_with_squares(backend, params, grads, &[], lr, grad_norm)
    }

    /// Whether this optimizer's rule squares gradients (so the trainer keeps
    /// an Embedding's per-token squares for it).
    pub fn wants_token_squares(&self) -> bool {
        self.config.rule(1e-3, 1).squares_gradient()
    }

    /// `step`, with the per-token squared gradients of parameters that are
    /// Embedding tables (`squares[i]` for `params[i]`, None elsewhere; an
    /// empty slice for none at all). See `UpdateRule::apply`.
    pub fn step_with_squares(&mut self, backend: &B, params: &mut [&mut B::Tensor], grads: &[B::Tensor], squares: &[Option<B::Tensor>], lr: f32, grad_norm: f32) {
        assert_eq!(params.len(), grads.len());
        if self.slots.len() != params.len() {
            let init = self.config.slot_init();
            self.slots = params
                .iter()
                .map(|p| (0..self.config.slot_count()).map(|_| backend.full(backend.shape(p), init)).collect())
                .collect();
        }
        self.iterations += 1;
        let rule = self.config.rule(lr, self.iterations);
        let clip = match self.config.clip_norm {
            Some(c) if grad_norm > c => Some(c / grad_norm),
            _ => None,
        };
        for (i, ((p, g), slots)) in params.iter_mut().zip(grads).zip(self.slots.iter_mut()).enumerate() {
            let g2 = squares.get(i).and_then(|s| s.as_ref());
            match clip {
                // A clipped gradient's squares shrink by the square of the scale.
                Some(s) => backend.optimizer_update(&rule, p, &backend.scale(g, s), g2.map(|q| backend.scale(q, s * s)).as_ref(), slots),
                None => backend.optimizer_update(&rule, p, g, g2, slots),
            }
        }
    }

    /// The state tensors, per parameter (empty before the first step).
    pub fn slot_tensors(&self) -> &[Vec<B::Tensor>] {
        &self.slots
    }

    /// An optimizer with the given state, as `slot_tensors` returned it.
    pub fn from_parts(config: OptimizerConfig, iterations: u64, slots: Vec<Vec<B::Tensor>>) -> Self {
        Optimizer { config, iterations, slots }
    }

    /// Forget all state (used when the model is re-initialised).
    pub fn reset(&mut self) {
        self.iterations = 0;
        self.slots.clear();
    }
}
