// Element-wise kernels over flat f32 arrays: activations and their
// gradients, sums, products, scaling, fills and the bias broadcast.
// Every entry point handles `n` elements, one per invocation.

struct Params {
    n: u32,
    // Which operation (see `apply` and `binary`).
    op: u32,
    // The width of the last axis, for the bias broadcast.
    d: u32,
    _pad: u32,
    // A scalar operand: the scale factor or the fill value.
    s: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> in0: array<f32>;
@group(0) @binding(2) var<storage, read> in1: array<f32>;
@group(0) @binding(3) var<storage, read> in2: array<f32>;
@group(0) @binding(4) var<storage, read_write> out0: array<f32>;

// Activation codes, in the order of the Rust `Activation` enum.
const LINEAR: u32 = 0u;
const RELU: u32 = 1u;
const LEAKY_RELU: u32 = 2u;
const ELU: u32 = 3u;
const GELU: u32 = 4u;
const SIGMOID: u32 = 5u;
const TANH: u32 = 6u;
const SOFTPLUS: u32 = 7u;
const SWISH: u32 = 8u;
// Further unary operations.
const SCALE: u32 = 20u;
const NONZERO: u32 = 21u;

const LEAKY_SLOPE: f32 = 0.2;

// erf to 1.2e-7 (Numerical Recipes' erfc Chebyshev fit): WGSL has none.
fn erf(x: f32) -> f32 {
    let z = abs(x);
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
    return sign(x) * (1.0 - r);
}

fn softplus(x: f32) -> f32 {
    if (x > 20.0) {
        return x;
    }
    if (x < -20.0) {
        return exp(x);
    }
    return log(1.0 + exp(x));
}

fn apply(op: u32, x: f32) -> f32 {
    switch op {
        case RELU: { return max(x, 0.0); }
        case LEAKY_RELU: { return select(LEAKY_SLOPE * x, x, x >= 0.0); }
        case ELU: { return select(exp(x) - 1.0, x, x > 0.0); }
        case GELU: { return 0.5 * x * (1.0 + erf(x * 0.70710678)); }
        case SIGMOID: { return sigmoid(x); }
        case TANH: { return stable_tanh(x); }
        case SOFTPLUS: { return softplus(x); }
        case SWISH: { return x * sigmoid(x); }
        case SCALE: { return x * p.s; }
        case NONZERO: { return select(0.0, 1.0, x != 0.0); }
        default: { return x; }
    }
}

// f'(x), given x and y = f(x).
fn derivative(op: u32, x: f32, y: f32) -> f32 {
    switch op {
        case RELU: { return select(0.0, 1.0, x > 0.0); }
        case LEAKY_RELU: { return select(LEAKY_SLOPE, 1.0, x >= 0.0); }
        case ELU: { return select(y + 1.0, 1.0, x > 0.0); }
        case GELU: {
            let cdf = 0.5 * (1.0 + erf(x * 0.70710678));
            return cdf + x * 0.39894228 * exp(-0.5 * x * x);
        }
        case SIGMOID: { return y * (1.0 - y); }
        case TANH: { return 1.0 - y * y; }
        case SOFTPLUS: { return sigmoid(x); }
        case SWISH: {
            let s = sigmoid(x);
            return s + x * s * (1.0 - s);
        }
        default: { return 1.0; }
    }
}

// out0 = op(in0)
@compute @workgroup_size(256)
fn unary(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wg, nwg, lid);
    if (i < p.n) {
        out0[i] = apply(p.op, in0[i]);
    }
}

// out0 = in0 + in1 (op 0) or in0 · in1 (op 1)
@compute @workgroup_size(256)
fn binary(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wg, nwg, lid);
    if (i < p.n) {
        out0[i] = select(in0[i] + in1[i], in0[i] * in1[i], p.op == 1u);
    }
}

// out0 += in0, in place
@compute @workgroup_size(256)
fn add_assign(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wg, nwg, lid);
    if (i < p.n) {
        out0[i] += in0[i];
    }
}

// out0 = s
@compute @workgroup_size(256)
fn fill(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wg, nwg, lid);
    if (i < p.n) {
        out0[i] = p.s;
    }
}

// out0 = dy · f'(x) with x = in0, y = in1, dy = in2
@compute @workgroup_size(256)
fn activation_backward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wg, nwg, lid);
    if (i < p.n) {
        out0[i] = in2[i] * derivative(p.op, in0[i], in1[i]);
    }
}

// out0 = x + bias, the bias (in1, length d) broadcast along the last axis
@compute @workgroup_size(256)
fn add_bias(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wg, nwg, lid);
    if (i < p.n) {
        out0[i] = in0[i] + in1[i % p.d];
    }
}
