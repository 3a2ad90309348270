// Softmax along rows, the losses (one invocation per row, then a mean over
// the batch as Keras's `sum_over_batch_size`) and their gradients.

struct Params {
    rows: u32,
    cols: u32,
    // 1 when the target holds class indices [rows] rather than [rows, cols].
    sparse: u32,
    // Which loss, in the order of the Rust `Loss` enum.
    loss: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> in0: array<f32>;
@group(0) @binding(2) var<storage, read> in1: array<f32>;
@group(0) @binding(4) var<storage, read_write> out0: array<f32>;
@group(0) @binding(5) var<storage, read_write> out1: array<f32>;

const CATEGORICAL: u32 = 0u;
const SPARSE_CATEGORICAL: u32 = 1u;
const BINARY: u32 = 2u;
const MSE: u32 = 3u;
const MAE: u32 = 4u;
const HUBER: u32 = 5u;
const EPSILON: f32 = 1e-7;
const HUBER_DELTA: f32 = 1.0;

// The target of row r, column k (in1), dense or sparse.
fn target_at(r: u32, k: u32) -> f32 {
    if (p.sparse == 1u) {
        return select(0.0, 1.0, u32(in1[r]) == k);
    }
    return in1[r * p.cols + k];
}

fn row_max(r: u32) -> f32 {
    var m = in0[r * p.cols];
    for (var k = 1u; k < p.cols; k++) {
        m = max(m, in0[r * p.cols + k]);
    }
    return m;
}

// Σ_k exp(x_k − m) over row r.
fn row_sum_exp(r: u32, m: f32) -> f32 {
    var s = 0.0;
    for (var k = 0u; k < p.cols; k++) {
        s += exp(in0[r * p.cols + k] - m);
    }
    return s;
}

// Σ_k in0[r, k]: a row of probabilities' total.
fn row_sum(r: u32) -> f32 {
    var s = 0.0;
    for (var k = 0u; k < p.cols; k++) {
        s += in0[r * p.cols + k];
    }
    return s;
}

// out0 = softmax(in0) row by row
@compute @workgroup_size(256)
fn softmax(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let r = flat_index(wg, nwg, lid);
    if (r >= p.rows) {
        return;
    }
    let m = row_max(r);
    let s = row_sum_exp(r, m);
    for (var k = 0u; k < p.cols; k++) {
        out0[r * p.cols + k] = exp(in0[r * p.cols + k] - m) / s;
    }
}

// out0 = y ⊙ (dy − ⟨y, dy⟩) with y = in0, dy = in1
@compute @workgroup_size(256)
fn softmax_backward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let r = flat_index(wg, nwg, lid);
    if (r >= p.rows) {
        return;
    }
    var dot = 0.0;
    for (var k = 0u; k < p.cols; k++) {
        dot += in0[r * p.cols + k] * in1[r * p.cols + k];
    }
    for (var k = 0u; k < p.cols; k++) {
        let i = r * p.cols + k;
        out0[i] = in0[i] * (in1[i] - dot);
    }
}

// Softmax and cross-entropy from logits (in0) in one stable pass:
// probabilities to out0, each row's loss to out1.
@compute @workgroup_size(256)
fn softmax_cross_entropy(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let r = flat_index(wg, nwg, lid);
    if (r >= p.rows) {
        return;
    }
    let m = row_max(r);
    let s = row_sum_exp(r, m);
    let lse = log(s) + m;
    var loss = 0.0;
    for (var k = 0u; k < p.cols; k++) {
        let x = in0[r * p.cols + k];
        loss -= target_at(r, k) * (x - lse);
        out0[r * p.cols + k] = exp(x - m) / s;
    }
    out1[r] = loss;
}

// d loss / d logits = (p − y) / rows, element by element
@compute @workgroup_size(256)
fn softmax_cross_entropy_backward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wg, nwg, lid);
    if (i >= p.rows * p.cols) {
        return;
    }
    out0[i] = (in0[i] - target_at(i / p.cols, i % p.cols)) / f32(p.rows);
}

fn huber(e: f32) -> f32 {
    if (abs(e) <= HUBER_DELTA) {
        return 0.5 * e * e;
    }
    return HUBER_DELTA * (abs(e) - 0.5 * HUBER_DELTA);
}

// Each row's loss of predictions in0 against targets in1, to out0[row].
@compute @workgroup_size(256)
fn loss_rows(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let r = flat_index(wg, nwg, lid);
    if (r >= p.rows) {
        return;
    }
    let n = f32(max(p.cols, 1u));
    var total = 0.0;
    if (p.loss == CATEGORICAL || p.loss == SPARSE_CATEGORICAL) {
        // Keras renormalises the row, then clips.
        let s = row_sum(r);
        for (var k = 0u; k < p.cols; k++) {
            total -= target_at(r, k) * log(clamp(in0[r * p.cols + k] / s, EPSILON, 1.0 - EPSILON));
        }
        out0[r] = total;
        return;
    }
    for (var k = 0u; k < p.cols; k++) {
        let y = in0[r * p.cols + k];
        let t = target_at(r, k);
        switch p.loss {
            case BINARY: {
                let q = clamp(y, EPSILON, 1.0 - EPSILON);
                total -= t * log(q) + (1.0 - t) * log(1.0 - q);
            }
            case MSE: { total += (y - t) * (y - t); }
            case MAE: { total += abs(y - t); }
            default: { total += huber(y - t); }
        }
    }
    out0[r] = total / n;
}

// d loss / d pred, averaged over the batch, to out0.
@compute @workgroup_size(256)
fn loss_backward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let r = flat_index(wg, nwg, lid);
    if (r >= p.rows) {
        return;
    }
    let n = f32(max(p.cols, 1u));
    let inv_b = 1.0 / f32(max(p.rows, 1u));
    if (p.loss == CATEGORICAL || p.loss == SPARSE_CATEGORICAL) {
        let s = row_sum(r);
        // L = −Σ t_k log(p_k / s): through p_j directly and through s; a
        // clipped probability passes no gradient, as in Keras.
        var through_s = 0.0;
        for (var k = 0u; k < p.cols; k++) {
            let q = in0[r * p.cols + k] / s;
            if (q > EPSILON && q < 1.0 - EPSILON) {
                through_s += target_at(r, k);
            }
        }
        through_s /= s;
        for (var k = 0u; k < p.cols; k++) {
            let y = in0[r * p.cols + k];
            let q = y / s;
            let live = q > EPSILON && q < 1.0 - EPSILON;
            out0[r * p.cols + k] = (through_s - select(0.0, target_at(r, k) / y, live)) * inv_b;
        }
        return;
    }
    for (var k = 0u; k < p.cols; k++) {
        let y = in0[r * p.cols + k];
        let t = target_at(r, k);
        var g = 0.0;
        switch p.loss {
            case BINARY: {
                if (y > EPSILON && y < 1.0 - EPSILON) {
                    g = (-(t / y) + (1.0 - t) / (1.0 - y)) / n;
                }
            }
            case MSE: { g = 2.0 * (y - t) / n; }
            case MAE: { g = select(select(0.0, -1.0 / n, y < t), 1.0 / n, y > t); }
            default: {
                let e = y - t;
                g = select(HUBER_DELTA * sign(e), e, abs(e) <= HUBER_DELTA) / n;
            }
        }
        out0[r * p.cols + k] = g * inv_b;
    }
}

// out0[0] = mean of in0[0 .. rows]: the batch's loss from its rows' losses.
@compute @workgroup_size(1)
fn mean_rows() {
    var s = 0.0;
    for (var r = 0u; r < p.rows; r++) {
        s += in0[r];
    }
    out0[0] = s / f32(max(p.rows, 1u));
}
