//! Learning-rate schedules. The per-step ones follow Keras's
//! `LearningRateSchedule`s (a function of the update count); reduce-on-plateau
//! follows Keras's `ReduceLROnPlateau` callback (a function of the epochs'
//! validation loss).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Message, Result};
use crate::msg;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Schedule {
    Constant,
    /// η·γ^⌊step / every⌋.
    Step { every: u64, gamma: f32 },
    /// η·rate^(step / decay_steps), as Keras's `ExponentialDecay`.
    Exponential { decay_steps: u64, rate: f32 },
    /// Linear warm-up from 0 to η over `warmup` steps, then a half cosine
    /// from η down to α·η over `decay_steps`, as Keras's
    /// `CosineDecay(0.0, decay_steps, alpha, warmup_target=η, warmup_steps=warmup)`
    /// (so the first update's rate is 0 when there is a warm-up).
    Cosine { warmup: u64, decay_steps: u64, alpha: f32 },
    /// Multiply η by `factor` when the validation loss has not improved for
    /// `patience` epochs, never below `min_lr`.
    ReduceOnPlateau { factor: f32, patience: usize, min_lr: f32 },
}

impl Schedule {
    /// Refuse settings Keras refuses or that cannot work: no step counts of
    /// 0 (a division by zero), decay factors that are not finite and
    /// positive, and a plateau factor outside (0, 1), as `ReduceLROnPlateau`.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: Message| Err(Error::setting("schedule", what));
        let positive = |v: f32| v.is_finite() && v > 0.0;
        match *self {
            Schedule::Constant => Ok(()),
            Schedule::Step { every, gamma } if every == 0 || !positive(gamma) => bad(msg!("schedule.step", every = every, gamma = gamma)),
            Schedule::Exponential { decay_steps, rate } if decay_steps == 0 || !positive(rate) => bad(msg!("schedule.exponential", steps = decay_steps, rate = rate)),
            Schedule::Cosine { decay_steps, alpha, .. } if decay_steps == 0 || !(0.0..=1.0).contains(&alpha) => bad(msg!("schedule.cosine", steps = decay_steps, alpha = alpha)),
            Schedule::ReduceOnPlateau { factor, min_lr, .. } if !(factor > 0.0 && factor < 1.0) || !(min_lr >= 0.0 && min_lr.is_finite()) => bad(msg!("schedule.plateau", factor = factor)),
            _ => Ok(()),
        }
    }
}

/// A schedule with the state reduce-on-plateau needs.
#[derive(Debug, Clone)]
pub struct ScheduleState {
    pub schedule: Schedule,
    plateau_scale: f32,
    best: f32,
    wait: usize,
}

impl ScheduleState {
    pub fn new(schedule: Schedule) -> Self {
        ScheduleState { schedule, plateau_scale: 1.0, best: f32::INFINITY, wait: 0 }
    }

    /// The rate for update number `step` (counted from 0).
    pub fn lr(&self, base: f32, step: u64) -> f32 {
        match self.schedule {
            Schedule::Constant => base,
            Schedule::Step { every, gamma } => base * gamma.powi((step / every.max(1)) as i32),
            Schedule::Exponential { decay_steps, rate } => base * rate.powf(step as f32 / decay_steps.max(1) as f32),
            Schedule::Cosine { warmup, decay_steps, alpha } => {
                if step < warmup {
                    base * (step as f32 / warmup as f32)
                } else {
                    let t = ((step - warmup) as f32 / decay_steps.max(1) as f32).min(1.0);
                    let cos = 0.5 * (1.0 + (std::f32::consts::PI * t).cos());
                    base * ((1.0 - alpha) * cos + alpha)
                }
            }
            Schedule::ReduceOnPlateau { min_lr, .. } => (base * self.plateau_scale).max(min_lr.min(base)),
        }
    }

    /// Tell the schedule an epoch ended with this validation (or training) loss.
    pub fn on_epoch_end(&mut self, monitored_loss: f32) {
        if let Schedule::ReduceOnPlateau { factor, patience, .. } = self.schedule {
            if monitored_loss < self.best {
                self.best = monitored_loss;
                self.wait = 0;
            } else {
                self.wait += 1;
                if self.wait >= patience {
                    self.plateau_scale *= factor;
                    self.wait = 0;
                }
            }
        }
    }

    pub fn reset(&mut self) {
        *self = ScheduleState::new(self.schedule.clone());
    }
}
