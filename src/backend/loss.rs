//! Loss functions, each with its gradient beside it. A loss here scores one
//! row (one sample) of predictions against its target; backends average the
//! rows over the batch, as Keras does (`sum_over_batch_size`).
//!
//! Categorical cross-entropy after a softmax layer is not computed here: the
//! model fuses the two into the backend's `softmax_cross_entropy` (stable,
//! and what Keras itself does when the output comes from a softmax).

use serde::{Deserialize, Serialize};

/// Keras's `epsilon()`: probabilities are clipped to [ε, 1 − ε].
pub const EPSILON: f32 = 1e-7;
/// Keras's default Huber δ.
pub const HUBER_DELTA: f32 = 1.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    BinaryCrossentropy,
    MeanSquaredError,
    MeanAbsoluteError,
    Huber,
}

impl Loss {
    pub const ALL: [Loss; 6] = [
        Loss::CategoricalCrossentropy,
        Loss::SparseCategoricalCrossentropy,
        Loss::BinaryCrossentropy,
        Loss::MeanSquaredError,
        Loss::MeanAbsoluteError,
        Loss::Huber,
    ];

    pub fn keras_name(self) -> &'static str {
        match self {
            Loss::CategoricalCrossentropy => "categorical_crossentropy",
            Loss::SparseCategoricalCrossentropy => "sparse_categorical_crossentropy",
            Loss::BinaryCrossentropy => "binary_crossentropy",
            Loss::MeanSquaredError => "mean_squared_error",
            Loss::MeanAbsoluteError => "mean_absolute_error",
            Loss::Huber => "huber",
        }
    }

    pub fn from_name(name: &str) -> Option<Loss> {
        let n = name.to_ascii_lowercase().replace('-', "_");
        let n = match n.as_str() {
            "mse" => "mean_squared_error",
            "mae" => "mean_absolute_error",
            "cce" | "crossentropy" => "categorical_crossentropy",
            "bce" => "binary_crossentropy",
            other => other,
        };
        let n = n.to_string();
        Loss::ALL.into_iter().find(|l| l.keras_name() == n)
    }

    pub fn is_categorical(self) -> bool {
        matches!(self, Loss::CategoricalCrossentropy | Loss::SparseCategoricalCrossentropy)
    }

    /// The loss of one row: `pred` and `target` have the row's width
    /// (sparse targets are expanded to one-hot before this is called).
    pub fn row_value(self, pred: &[f32], target: &[f32]) -> f32 {
        let n = pred.len().max(1) as f32;
        match self {
            Loss::CategoricalCrossentropy | Loss::SparseCategoricalCrossentropy => {
                // Keras renormalises the row, then clips.
                let s: f32 = pred.iter().sum();
                -pred.iter().zip(target).map(|(&p, &t)| t * (p / s).clamp(EPSILON, 1.0 - EPSILON).ln()).sum::<f32>()
            }
            Loss::BinaryCrossentropy => {
                pred.iter()
                    .zip(target)
                    .map(|(&p, &t)| {
                        let p = p.clamp(EPSILON, 1.0 - EPSILON);
                        -(t * p.ln() + (1.0 - t) * (1.0 - p).ln())
                    })
                    .sum::<f32>()
                    / n
            }
            Loss::MeanSquaredError => pred.iter().zip(target).map(|(&p, &t)| (p - t) * (p - t)).sum::<f32>() / n,
            Loss::MeanAbsoluteError => pred.iter().zip(target).map(|(&p, &t)| (p - t).abs()).sum::<f32>() / n,
            Loss::Huber => pred.iter().zip(target).map(|(&p, &t)| huber(p - t)).sum::<f32>() / n,
        }
    }

    /// d row_value / d pred, written into `out`.
    pub fn row_grad(self, pred: &[f32], target: &[f32], out: &mut [f32]) {
        let n = pred.len().max(1) as f32;
        match self {
            Loss::CategoricalCrossentropy | Loss::SparseCategoricalCrossentropy => {
                let s: f32 = pred.iter().sum();
                let live = |p: f32| {
                    let q = p / s;
                    q > EPSILON && q < 1.0 - EPSILON
                };
                // L = −Σ t_k log(p_k / s): through p_j directly and through s.
                let through_s: f32 = pred.iter().zip(target).filter(|(&p, _)| live(p)).map(|(_, &t)| t).sum::<f32>() / s;
                for ((o, &p), &t) in out.iter_mut().zip(pred).zip(target) {
                    *o = through_s - if live(p) { t / p } else { 0.0 };
                }
            }
            Loss::BinaryCrossentropy => {
                for ((o, &p), &t) in out.iter_mut().zip(pred).zip(target) {
                    *o = if p > EPSILON && p < 1.0 - EPSILON { (-(t / p) + (1.0 - t) / (1.0 - p)) / n } else { 0.0 };
                }
            }
            Loss::MeanSquaredError => {
                for ((o, &p), &t) in out.iter_mut().zip(pred).zip(target) {
                    *o = 2.0 * (p - t) / n;
                }
            }
            Loss::MeanAbsoluteError => {
                for ((o, &p), &t) in out.iter_mut().zip(pred).zip(target) {
                    *o = if p > t { 1.0 / n } else if p < t { -1.0 / n } else { 0.0 };
                }
            }
            Loss::Huber => {
                for ((o, &p), &t) in out.iter_mut().zip(pred).zip(target) {
                    let e = p - t;
                    *o = (if e.abs() <= HUBER_DELTA { e } else { HUBER_DELTA * e.signum() }) / n;
                }
            }
        }
    }
}

/// Huber's loss of one error: quadratic near zero, linear beyond δ.
pub fn huber(e: f32) -> f32 {
    if e.abs() <= HUBER_DELTA {
        0.5 * e * e
    } else {
        HUBER_DELTA * (e.abs() - 0.5 * HUBER_DELTA)
    }
}
