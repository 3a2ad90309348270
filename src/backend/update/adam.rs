//! Adam, as Keras computes it, with both bias corrections folded into the
//! step size (Kingma & Ba, the form before their Section 2.1):
//!   m ← m + (g − m)(1 − β₁);  v ← v + (g² − v)(1 − β₂)
//!   α_t = η·√(1 − β₂ᵗ)/(1 − β₁ᵗ);  p ← p − α_t·m/(√v + ε̂)
//! Dropping the corrections makes the first steps far too small (m and v
//! start at zero), which is why the textbook shortcut is wrong.
//!
//! AdamW is Adam plus decoupled weight decay, applied first:
//!   p ← p − η·λ·p  (Keras's default λ = 0.004).

/// α_t for step `t` (counted from 1).
pub fn step_size(lr: f32, beta1: f32, beta2: f32, t: u64) -> f32 {
    let t = t as i32;
    (lr as f64 * (1.0 - (beta2 as f64).powi(t)).sqrt() / (1.0 - (beta1 as f64).powi(t))) as f32
}

/// One element's update. `decay` is η·λ (zero for plain Adam). `g2` is g²,
/// except for an Embedding's table, where Keras squares each token's
/// gradient before adding them up (see `UpdateRule::apply`).
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn update(p: &mut f32, g: f32, g2: f32, m: &mut f32, v: &mut f32, alpha: f32, beta1: f32, beta2: f32, eps: f32, decay: f32) {
    if decay != 0.0 {
        *p -= *p * decay;
    }
    *m += (g - *m) * (1.0 - beta1);
    *v += (g2 - *v) * (1.0 - beta2);
    *p -= *m * alpha / (v.sqrt() + eps);
}
