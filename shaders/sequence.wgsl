// Moving rows and windows of sequences: strided copies (time and column
// slices, stacking), the embedding lookup, the 1-D convolution's windows
// and pooling over time.

struct Params {
    // Meaning per entry point; see each one.
    a: u32,
    b: u32,
    c: u32,
    d: u32,
    e: u32,
    f: u32,
    g: u32,
    h: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> in0: array<f32>;
@group(0) @binding(2) var<storage, read> in1: array<f32>;
@group(0) @binding(4) var<storage, read_write> out0: array<f32>;

// (batch row, step, channel) of flat index i in a [a, b, c] tensor.
fn btc(i: u32) -> vec3<u32> {
    return vec3<u32>(i / (p.c * p.b), (i / p.c) % p.b, i % p.c);
}

// For rows r < a and columns j < b:
//   out0[r·c + d + j] (= or +=) in0[r·e + f + j], adding when g = 1.
// A time slice, its gradient, a step of a stack and column slices are all
// this one copy with different strides.
@compute @workgroup_size(256)
fn strided_copy(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wg, nwg, lid);
    if (i >= p.a * p.b) {
        return;
    }
    let r = i / p.b;
    let j = i % p.b;
    let v = in0[r * p.e + p.f + j];
    let at = r * p.c + p.d + j;
    if (p.g == 1u) {
        out0[at] += v;
    } else {
        out0[at] = v;
    }
}

// Embedding lookup: out0[i, j] = table[ids[i], j] for n = a ids of width b
// (table = in0, ids = in1).
@compute @workgroup_size(256)
fn gather_rows(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wg, nwg, lid);
    if (i >= p.a * p.b) {
        return;
    }
    let row = u32(in1[i / p.b]);
    out0[i] = in0[row * p.b + i % p.b];
}

// Windows of x [batch = a, time = b, channels = c] with kernel d and
// stride e → [batch · out_time (f), d · c].
@compute @workgroup_size(256)
fn im2col_1d(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wg, nwg, lid);
    let width = p.d * p.c;
    if (i >= p.a * p.f * width) {
        return;
    }
    let w = i / width;
    let k = i % width;
    let bi = w / p.f;
    let j = w % p.f;
    out0[i] = in0[(bi * p.b + j * p.e) * p.c + k];
}

// The gradient of im2col_1d: each input element sums the window entries
// that read it (one invocation per element, so no two threads write the same
// place). Shapes as im2col_1d; in0 holds the windows.
@compute @workgroup_size(256)
fn col2im_1d(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wg, nwg, lid);
    if (i >= p.a * p.b * p.c) {
        return;
    }
    let at = btc(i);
    let bi = at.x;
    let t = at.y;
    let ch = at.z;
    let width = p.d * p.c;
    var s = 0.0;
    // Windows j with j·stride ≤ t < j·stride + kernel.
    for (var j = 0u; j < p.f; j++) {
        let start = j * p.e;
        if (start > t) {
            break;
        }
        let pos = t - start;
        if (pos < p.d) {
            s += in0[(bi * p.f + j) * width + pos * p.c + ch];
        }
    }
    out0[i] = s;
}

// Max over time of x [batch = a, time = b, d = c] → [a, c].
@compute @workgroup_size(256)
fn max_over_time(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wg, nwg, lid);
    if (i >= p.a * p.c) {
        return;
    }
    let bi = i / p.c;
    let j = i % p.c;
    var m = in0[bi * p.b * p.c + j];
    for (var t = 1u; t < p.b; t++) {
        m = max(m, in0[(bi * p.b + t) * p.c + j]);
    }
    out0[i] = m;
}

// The gradient of max_over_time (x = in0, dy = in1) goes to the first step
// holding the maximum; one invocation per element of x.
@compute @workgroup_size(256)
fn max_over_time_backward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wg, nwg, lid);
    if (i >= p.a * p.b * p.c) {
        return;
    }
    let at = btc(i);
    let bi = at.x;
    let t = at.y;
    let j = at.z;
    var best = 0u;
    for (var s = 1u; s < p.b; s++) {
        if (in0[(bi * p.b + s) * p.c + j] > in0[(bi * p.b + best) * p.c + j]) {
            best = s;
        }
    }
    out0[i] = select(0.0, in1[bi * p.c + j], best == t);
}

// How many steps of row bi count (mask in1 when d = 1), at least 1, as the
// CPU backend: an empty text averages to zero.
fn step_count(bi: u32) -> f32 {
    if (p.d == 0u) {
        return f32(p.b);
    }
    var n = 0.0;
    for (var t = 0u; t < p.b; t++) {
        n += in1[bi * p.b + t];
    }
    return max(n, 1.0);
}

fn step_weight(bi: u32, t: u32) -> f32 {
    if (p.d == 0u) {
        return 1.0;
    }
    return in1[bi * p.b + t];
}

// Mean over the steps of x [a, b, c] whose mask is 1 → [a, c].
@compute @workgroup_size(256)
fn mean_over_time(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wg, nwg, lid);
    if (i >= p.a * p.c) {
        return;
    }
    let bi = i / p.c;
    let j = i % p.c;
    var s = 0.0;
    for (var t = 0u; t < p.b; t++) {
        if (step_weight(bi, t) != 0.0) {
            s += in0[(bi * p.b + t) * p.c + j];
        }
    }
    out0[i] = s / step_count(bi);
}

// The gradient of mean_over_time: dy (in0, [a, c]) spread over the counted
// steps of [a, b, c].
@compute @workgroup_size(256)
fn mean_over_time_backward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wg, nwg, lid);
    if (i >= p.a * p.b * p.c) {
        return;
    }
    let at = btc(i);
    let bi = at.x;
    let t = at.y;
    let j = at.z;
    out0[i] = in0[bi * p.c + j] * step_weight(bi, t) / step_count(bi);
}
