// Layer normalisation over the last axis of x viewed as [rows, c]: one
// invocation per row, which owns the row's statistics and every value it
// writes. Statistics are two passes (the mean, then squared deviations
// from it), as the CPU backend (src/backend/cpu_norm.rs) computes them.

struct Params {
    rows: u32,
    c: u32,
    eps: f32,
    _pad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x_in: array<f32>;
@group(0) @binding(2) var<storage, read> dy_in: array<f32>;
@group(0) @binding(3) var<storage, read> gamma_in: array<f32>;
@group(0) @binding(5) var<storage, read> beta_in: array<f32>;
@group(0) @binding(4) var<storage, read_write> out0: array<f32>;

// (mean, 1 / √(var + ε)) of row r.
fn row_stats(r: u32) -> vec2<f32> {
    let base = r * p.c;
    var sum = 0.0;
    for (var j = 0u; j < p.c; j++) {
        sum += x_in[base + j];
    }
    let mean = sum / f32(p.c);
    var sq = 0.0;
    for (var j = 0u; j < p.c; j++) {
        let d = x_in[base + j] - mean;
        sq += d * d;
    }
    return vec2<f32>(mean, 1.0 / sqrt(sq / f32(p.c) + p.eps));
}

@compute @workgroup_size(256)
fn forward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let r = flat_index(wg, nwg, lid);
    if (r >= p.rows) {
        return;
    }
    let s = row_stats(r);
    let base = r * p.c;
    for (var j = 0u; j < p.c; j++) {
        out0[base + j] = (x_in[base + j] - s.x) * s.y * gamma_in[j] + beta_in[j];
    }
}

// d x = (g − mean(g) − x̂ · mean(g · x̂)) / σ with g = dy · γ.
@compute @workgroup_size(256)
fn backward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let r = flat_index(wg, nwg, lid);
    if (r >= p.rows) {
        return;
    }
    let s = row_stats(r);
    let base = r * p.c;
    var mean_g = 0.0;
    var mean_gx = 0.0;
    for (var j = 0u; j < p.c; j++) {
        let g = dy_in[base + j] * gamma_in[j];
        mean_g += g;
        mean_gx += g * (x_in[base + j] - s.x) * s.y;
    }
    mean_g /= f32(p.c);
    mean_gx /= f32(p.c);
    for (var j = 0u; j < p.c; j++) {
        let xhat = (x_in[base + j] - s.x) * s.y;
        out0[base + j] = (dy_in[base + j] * gamma_in[j] - mean_g - xhat * mean_gx) * s.y;
    }
}

// dy · x̂ per value: summed over rows, d γ.
@compute @workgroup_size(256)
fn xhat_dy(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let r = flat_index(wg, nwg, lid);
    if (r >= p.rows) {
        return;
    }
    let s = row_stats(r);
    let base = r * p.c;
    for (var j = 0u; j < p.c; j++) {
        out0[base + j] = dy_in[base + j] * (x_in[base + j] - s.x) * s.y;
    }
}
