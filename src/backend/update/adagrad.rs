//! Adagrad, as Keras (accumulator starts at 0.1):
//!   a ← a + g²;  p ← p − η·g/√(a + ε)

/// Keras's `initial_accumulator_value`.
pub const INITIAL_ACCUMULATOR: f32 = 0.1;

#[inline]
/// `g2` is g² (for an Embedding, the sum of its per-token gradients' squares).
pub fn update(p: &mut f32, g: f32, g2: f32, acc: &mut f32, lr: f32, eps: f32) {
    *acc += g2;
    *p -= lr * g / (*acc + eps).sqrt();
}
