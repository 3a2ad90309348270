// Reductions: the column sums a bias gradient needs, and partial sums of
// squares for gradient norms and finiteness checks.

struct Params {
    // rows × cols for sum_rows; n values for sum_squares.
    rows: u32,
    cols: u32,
    n: u32,
    // Where this tensor's partial sums start in the output.
    offset: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> in0: array<f32>;
@group(0) @binding(4) var<storage, read_write> out0: array<f32>;

// out0[j] = Σ_r in0[r, j]: one invocation per column, walking the rows, so
// each column's sum is added in the same order as on the CPU.
@compute @workgroup_size(256)
fn sum_rows(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let j = flat_index(wg, nwg, lid);
    if (j >= p.cols) {
        return;
    }
    var s = 0.0;
    for (var r = 0u; r < p.rows; r++) {
        s += in0[r * p.cols + j];
    }
    out0[j] = s;
}

var<workgroup> partial: array<f32, 256>;

// 64 workgroups each fold a strided share of Σ x² and write one partial
// sum at out0[offset + workgroup]; the host adds the 64 in f64.
@compute @workgroup_size(256)
fn sum_squares(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    var s = 0.0;
    for (var i = wg.x * 256u + lid.x; i < p.n; i += 64u * 256u) {
        let v = in0[i];
        s += v * v;
    }
    partial[lid.x] = s;
    workgroupBarrier();
    for (var half = 128u; half > 0u; half /= 2u) {
        if (lid.x < half) {
            partial[lid.x] += partial[lid.x + half];
        }
        workgroupBarrier();
    }
    if (lid.x == 0u) {
        out0[p.offset + wg.x] = partial[0];
    }
}
