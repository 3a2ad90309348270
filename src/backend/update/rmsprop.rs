//! RMSprop, as Keras (no momentum, not centred):
//!   v ← ρ·v + (1 − ρ)·g²;  p ← p − η·g/√(v + ε)

#[inline]
/// `g2` is g² (for an Embedding, the sum of its per-token gradients' squares).
pub fn update(p: &mut f32, g: f32, g2: f32, v: &mut f32, lr: f32, rho: f32, eps: f32) {
    *v = rho * *v + (1.0 - rho) * g2;
    *p -= lr * g / (*v + eps).sqrt();
}
