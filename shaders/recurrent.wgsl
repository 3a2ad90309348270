// One time step of the recurrent cells, every gate of a unit in one
// invocation (one per batch row and unit), forward and backward. The input
// and recurrent matrix products are done before, by the matrix kernel.

struct Params {
    batch: u32,
    // Units (h).
    units: u32,
    // 1 when a mask is bound: mask[batch, steps] at step t.
    has_mask: u32,
    steps: u32,
    t: u32,
    // The gate activation: 0 sigmoid, 1 hard sigmoid.
    gate: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> in_a: array<f32>;
@group(0) @binding(2) var<storage, read> in_b: array<f32>;
@group(0) @binding(3) var<storage, read> mask: array<f32>;
@group(0) @binding(7) var<storage, read> in_c: array<f32>;
@group(0) @binding(8) var<storage, read> in_d: array<f32>;
@group(0) @binding(4) var<storage, read_write> out0: array<f32>;
@group(0) @binding(5) var<storage, read_write> out1: array<f32>;
@group(0) @binding(6) var<storage, read_write> out2: array<f32>;

fn live(bi: u32) -> bool {
    return p.has_mask == 0u || mask[bi * p.steps + p.t] != 0.0;
}

// The LSTM gates (i, f, c̃, o) of unit j from the pre-activations at z.
fn lstm_gates(z: u32, j: u32) -> vec4<f32> {
    let h = p.units;
    return vec4<f32>(
        gate_f(p.gate, in_a[z + j]),
        gate_f(p.gate, in_a[z + h + j]),
        stable_tanh(in_a[z + 2u * h + j]),
        gate_f(p.gate, in_a[z + 3u * h + j]),
    );
}

// The GRU's update gate, reset gate and candidate of unit j in row x.
fn gru_gates(x: u32, j: u32) -> vec3<f32> {
    let h = p.units;
    let zg = sigmoid(in_a[x + j] + in_b[x + j]);
    let rg = sigmoid(in_a[x + h + j] + in_b[x + h + j]);
    let hh = stable_tanh(in_a[x + 2u * h + j] + rg * in_b[x + 2u * h + j]);
    return vec3<f32>(zg, rg, hh);
}

// LSTM (gates i, f, c, o as Keras): z = in_a [batch, 4h], previous state
// in_b [batch, 2h] = [h | c] → out0 [batch, 2h]. A masked row carries its
// state through.
@compute @workgroup_size(256)
fn lstm_cell(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let idx = flat_index(wg, nwg, lid);
    let h = p.units;
    if (idx >= p.batch * h) {
        return;
    }
    let bi = idx / h;
    let j = idx % h;
    let s = bi * 2u * h;
    if (!live(bi)) {
        out0[s + j] = in_b[s + j];
        out0[s + h + j] = in_b[s + h + j];
        return;
    }
    let q = lstm_gates(bi * 4u * h, j);
    let c = q.y * in_b[s + h + j] + q.x * q.z;
    out0[s + h + j] = c;
    out0[s + j] = q.w * stable_tanh(c);
}

// Its gradient: from d state in_c [batch, 2h] to d z (out0) and d previous
// state (out1). The gates are recomputed rather than stored.
@compute @workgroup_size(256)
fn lstm_cell_backward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let idx = flat_index(wg, nwg, lid);
    let h = p.units;
    if (idx >= p.batch * h) {
        return;
    }
    let bi = idx / h;
    let j = idx % h;
    let s = bi * 2u * h;
    let z = bi * 4u * h;
    if (!live(bi)) {
        out1[s + j] = in_c[s + j];
        out1[s + h + j] = in_c[s + h + j];
        out0[z + j] = 0.0;
        out0[z + h + j] = 0.0;
        out0[z + 2u * h + j] = 0.0;
        out0[z + 3u * h + j] = 0.0;
        return;
    }
    let q = lstm_gates(z, j);
    let i = q.x;
    let f = q.y;
    let g = q.z;
    let o = q.w;
    let c_prev = in_b[s + h + j];
    let tc = stable_tanh(f * c_prev + i * g);
    let dh = in_c[s + j];
    let dc = in_c[s + h + j] + dh * o * (1.0 - tc * tc);
    out0[z + j] = dc * g * gate_dy(p.gate, i);
    out0[z + h + j] = dc * c_prev * gate_dy(p.gate, f);
    out0[z + 2u * h + j] = dc * i * (1.0 - g * g);
    out0[z + 3u * h + j] = dh * tc * gate_dy(p.gate, o);
    out1[s + j] = 0.0;
    out1[s + h + j] = dc * f;
}

// GRU (Keras's reset_after=True, gates z, r, h): input part xz = in_a
// [batch, 3h], recurrent part hz = in_b [batch, 3h], previous state in_c
// [batch, h] → out0 [batch, h].
@compute @workgroup_size(256)
fn gru_cell(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let idx = flat_index(wg, nwg, lid);
    let h = p.units;
    if (idx >= p.batch * h) {
        return;
    }
    let bi = idx / h;
    let j = idx % h;
    let hp = in_c[bi * h + j];
    if (!live(bi)) {
        out0[bi * h + j] = hp;
        return;
    }
    let q = gru_gates(bi * 3u * h, j);
    out0[bi * h + j] = q.x * hp + (1.0 - q.x) * q.z;
}

// Its gradient from d h (in_d): d xz (out0), d hz (out1), d h_prev (out2).
@compute @workgroup_size(256)
fn gru_cell_backward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let idx = flat_index(wg, nwg, lid);
    let h = p.units;
    if (idx >= p.batch * h) {
        return;
    }
    let bi = idx / h;
    let j = idx % h;
    let x = bi * 3u * h;
    let g = in_d[bi * h + j];
    if (!live(bi)) {
        out2[bi * h + j] = g;
        for (var k = 0u; k < 3u; k++) {
            out0[x + k * h + j] = 0.0;
            out1[x + k * h + j] = 0.0;
        }
        return;
    }
    let hp = in_c[bi * h + j];
    let q = gru_gates(x, j);
    let zg = q.x;
    let rg = q.y;
    let hh = q.z;
    let d_hh = g * (1.0 - zg) * (1.0 - hh * hh);
    let d_z = g * (hp - hh) * zg * (1.0 - zg);
    let d_r = d_hh * in_b[x + 2u * h + j] * rg * (1.0 - rg);
    out0[x + j] = d_z;
    out0[x + h + j] = d_r;
    out0[x + 2u * h + j] = d_hh;
    out1[x + j] = d_z;
    out1[x + h + j] = d_r;
    out1[x + 2u * h + j] = d_hh * rg;
    out2[bi * h + j] = g * zg;
}
