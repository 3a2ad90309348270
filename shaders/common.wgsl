// Pieces shared by the kernels. The Rust side prepends this file to each
// kernel's source (WGSL has no #include).

// The flat index of this invocation in a 1-D launch of 256-wide workgroups
// spread over a 2-D grid (one dimension stops at 65,535 workgroups).
fn flat_index(wg: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>) -> u32 {
    return (wg.y * nwg.x + wg.x) * 256u + lid.x;
}

// exp(-2|x|) never overflows, so tanh stays finite for any x (a driver's
// tanh may compute e^{2x} and return NaN for large x).
fn stable_tanh(x: f32) -> f32 {
    let e = exp(-2.0 * abs(x));
    return sign(x) * (1.0 - e) / (1.0 + e);
}

fn sigmoid(x: f32) -> f32 {
    if (x >= 0.0) {
        return 1.0 / (1.0 + exp(-x));
    }
    let e = exp(x);
    return e / (1.0 + e);
}

// The recurrent gates: sigmoid (0) or Keras 2's hard sigmoid (1).
fn gate_f(kind: u32, x: f32) -> f32 {
    if (kind == 1u) {
        return clamp(0.2 * x + 0.5, 0.0, 1.0);
    }
    return sigmoid(x);
}

// The gate's derivative from its output y.
fn gate_dy(kind: u32, y: f32) -> f32 {
    if (kind == 1u) {
        return select(0.0, 0.2, y > 0.0 && y < 1.0);
    }
    return y * (1.0 - y);
}
