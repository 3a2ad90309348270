// Channels-last images [batch, h, w, c]: the 2-D convolution's patches and
// their gradient, max and average pooling and its gradient, and batch
// normalisation (per-channel statistics, the normalisation and its
// gradient). The window geometry is `Window2d` (src/backend/window.rs):
// TensorFlow's "same" padding, pad_top / pad_left cells before the image
// and the odd one after. The CPU backend (src/backend/cpu_image.rs) is the
// reference; sums are added in its order where one invocation owns them.
//
// No two invocations write the same place: each gradient is gathered by
// the input cell it belongs to, from every window that reads that cell.

struct Params {
    // The window: input [batch, h, w, c], kernel kh × kw, strides sh, sw,
    // padding cells before the image, output [batch, oh, ow, c].
    batch: u32,
    h: u32,
    w: u32,
    // Channels, for every entry point.
    c: u32,
    kh: u32,
    kw: u32,
    sh: u32,
    sw: u32,
    pad_top: u32,
    pad_left: u32,
    oh: u32,
    ow: u32,
    // Pooling: MAX or AVERAGE. batch_norm_backward: 1 with batch statistics.
    // channel_total: which of the two sums (0 or 1).
    kind: u32,
    // Batch normalisation: x viewed as [rows, c].
    rows: u32,
    // The sums: workgroups per channel, each folding a strided share of the
    // rows into one partial sum.
    parts: u32,
    // ε for batch_norm and batch_norm_backward; the divisor for
    // channel_total.
    value: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
// x (the patches for col2im_2d, the partial sums for channel_total).
@group(0) @binding(1) var<storage, read> x_in: array<f32>;
@group(0) @binding(2) var<storage, read> dy_in: array<f32>;
@group(0) @binding(3) var<storage, read> mean_in: array<f32>;
@group(0) @binding(5) var<storage, read> var_in: array<f32>;
@group(0) @binding(6) var<storage, read> gamma_in: array<f32>;
@group(0) @binding(7) var<storage, read> beta_in: array<f32>;
@group(0) @binding(8) var<storage, read> dgamma_in: array<f32>;
@group(0) @binding(9) var<storage, read> dbeta_in: array<f32>;
@group(0) @binding(4) var<storage, read_write> out0: array<f32>;

const MAX: u32 = 0u;
const AVERAGE: u32 = 1u;

// (batch, y, x, channel) of flat index i in [batch, n1, n2, c].
fn cell(i: u32, n1: u32, n2: u32) -> vec4<u32> {
    let ch = i % p.c;
    let r = i / p.c;
    return vec4<u32>(r / (n2 * n1), (r / n2) % n1, r % n2, ch);
}

// The image row read by output row oy and kernel row ky, plus one; 0 when
// it is padding. (u32 arithmetic: the padding is checked before it is
// subtracted.)
fn in_y1(oy: u32, ky: u32) -> u32 {
    let y = oy * p.sh + ky;
    if (y < p.pad_top || y - p.pad_top >= p.h) {
        return 0u;
    }
    return y - p.pad_top + 1u;
}

fn in_x1(ox: u32, kx: u32) -> u32 {
    let x = ox * p.sw + kx;
    if (x < p.pad_left || x - p.pad_left >= p.w) {
        return 0u;
    }
    return x - p.pad_left + 1u;
}

// The output row whose kernel row ky reads image row y, plus one; 0 when
// none does.
fn out_y1(y: u32, ky: u32) -> u32 {
    let at = y + p.pad_top;
    if (at < ky || (at - ky) % p.sh != 0u || (at - ky) / p.sh >= p.oh) {
        return 0u;
    }
    return (at - ky) / p.sh + 1u;
}

fn out_x1(x: u32, kx: u32) -> u32 {
    let at = x + p.pad_left;
    if (at < kx || (at - kx) % p.sw != 0u || (at - kx) / p.sw >= p.ow) {
        return 0u;
    }
    return (at - kx) / p.sw + 1u;
}

// The patches of x → [batch · oh · ow, kh · kw · c], each row ordered
// (ky, kx, channel); padding reads 0. One invocation per output value.
@compute @workgroup_size(256)
fn im2col_2d(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wg, nwg, lid);
    let width = p.kh * p.kw * p.c;
    if (i >= p.batch * p.oh * p.ow * width) {
        return;
    }
    let row = i / width;
    let k = i % width;
    let ch = k % p.c;
    let kx = (k / p.c) % p.kw;
    let ky = k / (p.c * p.kw);
    let ox = row % p.ow;
    let oy = (row / p.ow) % p.oh;
    let b = row / (p.ow * p.oh);
    let y1 = in_y1(oy, ky);
    let x1 = in_x1(ox, kx);
    var v = 0.0;
    if (y1 != 0u && x1 != 0u) {
        v = x_in[((b * p.h + y1 - 1u) * p.w + x1 - 1u) * p.c + ch];
    }
    out0[i] = v;
}

// The gradient of im2col_2d: each input value sums the patch entries that
// read it (x_in holds the patches). One invocation per input value; kernel
// rows and columns run backwards so that the windows come in the CPU's
// order (oy, then ox, ascending).
@compute @workgroup_size(256)
fn col2im_2d(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wg, nwg, lid);
    if (i >= p.batch * p.h * p.w * p.c) {
        return;
    }
    let at = cell(i, p.h, p.w);
    let width = p.kh * p.kw * p.c;
    var s = 0.0;
    for (var ty = 0u; ty < p.kh; ty++) {
        let ky = p.kh - 1u - ty;
        let oy1 = out_y1(at.y, ky);
        if (oy1 == 0u) {
            continue;
        }
        for (var tx = 0u; tx < p.kw; tx++) {
            let kx = p.kw - 1u - tx;
            let ox1 = out_x1(at.z, kx);
            if (ox1 == 0u) {
                continue;
            }
            let row = (at.x * p.oh + oy1 - 1u) * p.ow + ox1 - 1u;
            s += x_in[row * width + (ky * p.kw + kx) * p.c + at.w];
        }
    }
    out0[i] = s;
}

// How many of a window's kernel rows (columns) fall inside the image.
fn inside_rows(oy: u32) -> u32 {
    var n = 0u;
    for (var ky = 0u; ky < p.kh; ky++) {
        n += select(0u, 1u, in_y1(oy, ky) != 0u);
    }
    return n;
}

fn inside_cols(ox: u32) -> u32 {
    var n = 0u;
    for (var kx = 0u; kx < p.kw; kx++) {
        n += select(0u, 1u, in_x1(ox, kx) != 0u);
    }
    return n;
}

// The flat index (in x) of window (b, oy, ox)'s first largest cell of
// channel ch, in (ky, kx) order as the CPU; every window holds at least one
// cell of the image.
fn window_argmax(b: u32, oy: u32, ox: u32, ch: u32) -> u32 {
    var best = 0u;
    var best_v = 0.0;
    var found = false;
    for (var ky = 0u; ky < p.kh; ky++) {
        let y1 = in_y1(oy, ky);
        if (y1 == 0u) {
            continue;
        }
        for (var kx = 0u; kx < p.kw; kx++) {
            let x1 = in_x1(ox, kx);
            if (x1 == 0u) {
                continue;
            }
            let at = ((b * p.h + y1 - 1u) * p.w + x1 - 1u) * p.c + ch;
            let v = x_in[at];
            if (!found || v > best_v) {
                best = at;
                best_v = v;
                found = true;
            }
        }
    }
    return best;
}

// Max (kind MAX) or average pooling → [batch, oh, ow, c]; the average
// counts only the cells inside the image. One invocation per output value.
@compute @workgroup_size(256)
fn pool_2d(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wg, nwg, lid);
    if (i >= p.batch * p.oh * p.ow * p.c) {
        return;
    }
    let at = cell(i, p.oh, p.ow);
    if (p.kind == MAX) {
        out0[i] = x_in[window_argmax(at.x, at.y, at.z, at.w)];
        return;
    }
    var s = 0.0;
    for (var ky = 0u; ky < p.kh; ky++) {
        let y1 = in_y1(at.y, ky);
        if (y1 == 0u) {
            continue;
        }
        for (var kx = 0u; kx < p.kw; kx++) {
            let x1 = in_x1(at.z, kx);
            if (x1 != 0u) {
                s += x_in[((at.x * p.h + y1 - 1u) * p.w + x1 - 1u) * p.c + at.w];
            }
        }
    }
    out0[i] = s * (1.0 / f32(inside_rows(at.y) * inside_cols(at.z)));
}

// The gradient of pool_2d (x = x_in, dy = dy_in [batch, oh, ow, c]): each
// input value gathers from every window that holds it, in the CPU's order;
// max pooling counts a window only when this value is its first largest
// cell. One invocation per input value.
@compute @workgroup_size(256)
fn pool_2d_backward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wg, nwg, lid);
    if (i >= p.batch * p.h * p.w * p.c) {
        return;
    }
    let at = cell(i, p.h, p.w);
    var s = 0.0;
    for (var ty = 0u; ty < p.kh; ty++) {
        let oy1 = out_y1(at.y, p.kh - 1u - ty);
        if (oy1 == 0u) {
            continue;
        }
        let oy = oy1 - 1u;
        for (var tx = 0u; tx < p.kw; tx++) {
            let ox1 = out_x1(at.z, p.kw - 1u - tx);
            if (ox1 == 0u) {
                continue;
            }
            let ox = ox1 - 1u;
            let g = dy_in[((at.x * p.oh + oy) * p.ow + ox) * p.c + at.w];
            if (p.kind == MAX) {
                if (window_argmax(at.x, oy, ox, at.w) == i) {
                    s += g;
                }
            } else {
                s += g * (1.0 / f32(inside_rows(oy) * inside_cols(ox)));
            }
        }
    }
    out0[i] = s;
}

// ---- batch normalisation over x as [rows, c] ---------------------------------

// The per-channel sums: a grid of parts × c workgroups. Workgroup (g, ch)
// folds rows g·256 + lane, stepping by parts · 256, into one partial sum per
// lane, then a tree over the workgroup; two sums at once. The partial sums
// land at out0[(k · c + ch) · parts + g] for sum k; channel_total adds them.
var<workgroup> part0: array<f32, 256>;
var<workgroup> part1: array<f32, 256>;

fn fold_parts(lane: u32, g: u32, ch: u32, s0: f32, s1: f32) {
    part0[lane] = s0;
    part1[lane] = s1;
    workgroupBarrier();
    for (var half = 128u; half > 0u; half /= 2u) {
        if (lane < half) {
            part0[lane] += part0[lane + half];
            part1[lane] += part1[lane + half];
        }
        workgroupBarrier();
    }
    if (lane == 0u) {
        out0[ch * p.parts + g] = part0[0];
        out0[(p.c + ch) * p.parts + g] = part1[0];
    }
}

// Σ x, for the mean.
@compute @workgroup_size(256)
fn sum_x(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let ch = wg.y;
    var s = 0.0;
    for (var r = wg.x * 256u + lid.x; r < p.rows; r += p.parts * 256u) {
        s += x_in[r * p.c + ch];
    }
    fold_parts(lid.x, wg.x, ch, s, 0.0);
}

// Σ (x − mean)², for the variance: the second of two passes, so values far
// from zero keep their variance.
@compute @workgroup_size(256)
fn sum_squared_deviations(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let ch = wg.y;
    let m = mean_in[ch];
    var s = 0.0;
    for (var r = wg.x * 256u + lid.x; r < p.rows; r += p.parts * 256u) {
        let d = x_in[r * p.c + ch] - m;
        s += d * d;
    }
    fold_parts(lid.x, wg.x, ch, s, 0.0);
}

fn inv_std(ch: u32) -> f32 {
    return 1.0 / sqrt(var_in[ch] + p.value);
}

// d γ = Σ dy · x̂ and d β = Σ dy.
@compute @workgroup_size(256)
fn sum_norm_grads(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let ch = wg.y;
    let m = mean_in[ch];
    let inv = inv_std(ch);
    var dgamma = 0.0;
    var dbeta = 0.0;
    for (var r = wg.x * 256u + lid.x; r < p.rows; r += p.parts * 256u) {
        let at = r * p.c + ch;
        let g = dy_in[at];
        dbeta += g;
        dgamma += g * (x_in[at] - m) * inv;
    }
    fold_parts(lid.x, wg.x, ch, dgamma, dbeta);
}

// out0[ch] = (Σ_g partial sum `kind` of channel ch, part g) / value; one
// invocation per channel, the parts added in order.
@compute @workgroup_size(256)
fn channel_total(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let ch = flat_index(wg, nwg, lid);
    if (ch >= p.c) {
        return;
    }
    let base = (p.kind * p.c + ch) * p.parts;
    var s = 0.0;
    for (var g = 0u; g < p.parts; g++) {
        s += x_in[base + g];
    }
    out0[ch] = s / p.value;
}

// (x − mean) / √(var + ε) · γ + β, one invocation per value.
@compute @workgroup_size(256)
fn batch_norm(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wg, nwg, lid);
    if (i >= p.rows * p.c) {
        return;
    }
    let ch = i % p.c;
    out0[i] = (x_in[i] - mean_in[ch]) * inv_std(ch) * gamma_in[ch] + beta_in[ch];
}

// d x, one invocation per value, from d γ and d β when the statistics came
// from this batch (kind 1):
//   γ/σ · (dy − mean(dy) − x̂ · mean(dy · x̂)),
// and γ/σ · dy when they are fixed (kind 0).
@compute @workgroup_size(256)
fn batch_norm_backward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wg, nwg, lid);
    if (i >= p.rows * p.c) {
        return;
    }
    let ch = i % p.c;
    let inv = inv_std(ch);
    let g = dy_in[i];
    if (p.kind == 1u) {
        let n = f32(p.rows);
        let xhat = (x_in[i] - mean_in[ch]) * inv;
        out0[i] = gamma_in[ch] * inv * (g - dbeta_in[ch] / n - xhat * (dgamma_in[ch] / n));
    } else {
        out0[i] = g * gamma_in[ch] * inv;
    }
}
