//! Adagrad, as Keras (accumulator starts at 0.1):
//!   a ← a + g²;  p ← p − η·g/√(a + ε)

/// Keras's `initial_accumulator_value`.
pub const INITIAL_ACCUMULATOR: f32 = 0.1;

#[inline]
pub fn update(p: &mut f32, g: f32, acc: &mut f32, lr: f32, eps: f32) {
    *acc += g * g;
    *p -= lr * g / (*acc + eps).sqrt();
}
