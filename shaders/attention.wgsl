// Scaled dot-product attention over heads, fused, as src/backend/cpu/attention.rs
// computes it. q [batch, tq, heads·dk], k [batch, tk, heads·dk] and
// v [batch, tk, heads·dv] hold the heads side by side in the last axis, as
// the projections write them; probabilities are [batch, heads, tq, tk];
// the mask is [batch, tq + tk], each sample's query mask then its key mask.
//
// `forward` and `backward_q` give one invocation a (sample, head, query)
// row: it owns the row's scores, softmax and output. `backward_kv` gives
// one a (sample, head, key) column, summing over the queries, so no two
// invocations write the same value and nothing needs atomics.

struct Params {
    batch: u32,
    tq: u32,
    tk: u32,
    heads: u32,
    dk: u32,
    dv: u32,
    causal: u32,
    has_mask: u32,
    has_drop: u32,
    scale: f32,
}

// What Keras puts in place of a masked score (src/backend/mod.rs, MASKED_SCORE).
const MASKED_SCORE: f32 = -1e9;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q_in: array<f32>;
@group(0) @binding(2) var<storage, read> k_in: array<f32>;
@group(0) @binding(3) var<storage, read> v_in: array<f32>;
@group(0) @binding(5) var<storage, read> mask_in: array<f32>;
@group(0) @binding(6) var<storage, read> drop_in: array<f32>;
@group(0) @binding(8) var<storage, read> probs_in: array<f32>;
@group(0) @binding(9) var<storage, read> dout_in: array<f32>;
@group(0) @binding(10) var<storage, read> ds_in: array<f32>;
@group(0) @binding(4) var<storage, read_write> out0: array<f32>;
@group(0) @binding(7) var<storage, read_write> out1: array<f32>;

fn q_at(b: u32, i: u32, h: u32) -> u32 {
    return (b * p.tq + i) * p.heads * p.dk + h * p.dk;
}
fn k_at(b: u32, j: u32, h: u32) -> u32 {
    return (b * p.tk + j) * p.heads * p.dk + h * p.dk;
}
fn v_at(b: u32, j: u32, h: u32) -> u32 {
    return (b * p.tk + j) * p.heads * p.dv + h * p.dv;
}
fn o_at(b: u32, i: u32, h: u32) -> u32 {
    return (b * p.tq + i) * p.heads * p.dv + h * p.dv;
}
// The first probability of row (b, h, i).
fn row_at(b: u32, h: u32, i: u32) -> u32 {
    return ((b * p.heads + h) * p.tq + i) * p.tk;
}

fn allowed(b: u32, i: u32, j: u32) -> bool {
    if (p.causal == 1u && j > i) {
        return false;
    }
    if (p.has_mask == 1u) {
        return mask_in[b * (p.tq + p.tk) + i] != 0.0 && mask_in[b * (p.tq + p.tk) + p.tq + j] != 0.0;
    }
    return true;
}

fn drop_at(at: u32) -> f32 {
    if (p.has_drop == 1u) {
        return drop_in[at];
    }
    return 1.0;
}

// out0: the output [batch, tq, heads·dv]; out1: the probabilities.
@compute @workgroup_size(256)
fn forward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let r = flat_index(wg, nwg, lid);
    if (r >= p.batch * p.heads * p.tq) {
        return;
    }
    let i = r % p.tq;
    let h = (r / p.tq) % p.heads;
    let b = r / (p.tq * p.heads);
    let qa = q_at(b, i, h);
    let ra = row_at(b, h, i);
    let oa = o_at(b, i, h);
    for (var c = 0u; c < p.dv; c++) {
        out0[oa + c] = 0.0;
    }
    var max_s = -3.4e38;
    var seen = false;
    for (var j = 0u; j < p.tk; j++) {
        let ka = k_at(b, j, h);
        var s = MASKED_SCORE;
        if (allowed(b, i, j)) {
            seen = true;
            s = 0.0;
            for (var c = 0u; c < p.dk; c++) {
                s += q_in[qa + c] * k_in[ka + c];
            }
            s *= p.scale;
        }
        out1[ra + j] = s;
        max_s = max(max_s, s);
    }
    // A row that sees no key (a padding query, or every key padding): its
    // probabilities and output stay 0, as Keras's masked Softmax leaves it.
    if (!seen) {
        for (var j = 0u; j < p.tk; j++) {
            out1[ra + j] = 0.0;
        }
        return;
    }
    var sum = 0.0;
    for (var j = 0u; j < p.tk; j++) {
        let e = exp(out1[ra + j] - max_s);
        out1[ra + j] = e;
        sum += e;
    }
    for (var j = 0u; j < p.tk; j++) {
        out1[ra + j] /= sum;
    }
    for (var j = 0u; j < p.tk; j++) {
        let w = out1[ra + j] * drop_at(ra + j);
        if (w != 0.0) {
            let va = v_at(b, j, h);
            for (var c = 0u; c < p.dv; c++) {
                out0[oa + c] += w * v_in[va + c];
            }
        }
    }
}

// out0: d q; out1: d S (the scores' gradient, scaled by 1/√dk), which
// backward_kv reads. d P = (dO Vᵀ)∘D, d S = P∘(d P − rowsum(d P∘P)).
@compute @workgroup_size(256)
fn backward_q(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let r = flat_index(wg, nwg, lid);
    if (r >= p.batch * p.heads * p.tq) {
        return;
    }
    let i = r % p.tq;
    let h = (r / p.tq) % p.heads;
    let b = r / (p.tq * p.heads);
    let ra = row_at(b, h, i);
    let oa = o_at(b, i, h);
    var pdp = 0.0;
    for (var j = 0u; j < p.tk; j++) {
        let va = v_at(b, j, h);
        var dp = 0.0;
        for (var c = 0u; c < p.dv; c++) {
            dp += dout_in[oa + c] * v_in[va + c];
        }
        dp *= drop_at(ra + j);
        out1[ra + j] = dp;
        pdp += dp * probs_in[ra + j];
    }
    let qa = q_at(b, i, h);
    for (var c = 0u; c < p.dk; c++) {
        out0[qa + c] = 0.0;
    }
    for (var j = 0u; j < p.tk; j++) {
        let g = probs_in[ra + j] * (out1[ra + j] - pdp) * p.scale;
        out1[ra + j] = g;
        if (g != 0.0) {
            let ka = k_at(b, j, h);
            for (var c = 0u; c < p.dk; c++) {
                out0[qa + c] += g * k_in[ka + c];
            }
        }
    }
}

// out0: d k = d Sᵀ Q; out1: d v = (P∘D)ᵀ dO.
@compute @workgroup_size(256)
fn backward_kv(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let r = flat_index(wg, nwg, lid);
    if (r >= p.batch * p.heads * p.tk) {
        return;
    }
    let j = r % p.tk;
    let h = (r / p.tk) % p.heads;
    let b = r / (p.tk * p.heads);
    let ka = k_at(b, j, h);
    let va = v_at(b, j, h);
    for (var c = 0u; c < p.dk; c++) {
        out0[ka + c] = 0.0;
    }
    for (var c = 0u; c < p.dv; c++) {
        out1[va + c] = 0.0;
    }
    for (var i = 0u; i < p.tq; i++) {
        let at = row_at(b, h, i) + j;
        let g = ds_in[at];
        if (g != 0.0) {
            let qa = q_at(b, i, h);
            for (var c = 0u; c < p.dk; c++) {
                out0[ka + c] += g * q_in[qa + c];
            }
        }
        let w = probs_in[at] * drop_at(at);
        if (w != 0.0) {
            let oa = o_at(b, i, h);
            for (var c = 0u; c < p.dv; c++) {
                out1[va + c] += w * dout_in[oa + c];
            }
        }
    }
}
