//! Stochastic gradient descent, with optional (Nesterov) momentum, as Keras:
//! m ← μ·m − η·g;  p ← p + m  (Nesterov: p ← p + μ·m − η·g).

/// One element's update. `m` is the velocity (unused when μ = 0).
#[inline]
pub fn update(p: &mut f32, g: f32, m: &mut f32, lr: f32, momentum: f32, nesterov: bool) {
    if momentum == 0.0 {
        *p -= lr * g;
        return;
    }
    *m = momentum * *m - lr * g;
    if nesterov {
        *p += momentum * *m - lr * g;
    } else {
        *p += *m;
    }
}
