// One optimizer update over a whole parameter tensor, on the device: the
// same element-wise rules as src/optim/*.rs (Keras's forms). Parameter and
// slots are updated in place; slot1 is bound but unused by rules with fewer
// state tensors. With `squares` set, grad_sq replaces g² (an Embedding's
// per-token squares, as Keras adds them; see UpdateRule::apply).

struct Params {
    n: u32,
    // 0 SGD, 1 Adam/AdamW, 2 RMSprop, 3 Adagrad.
    rule: u32,
    // SGD: 1 with momentum, 2 Nesterov.
    variant: u32,
    // 1: read g² from grad_sq.
    squares: u32,
    // lr (Adam: the bias-corrected step α).
    lr: f32,
    // momentum, β1 or ρ.
    k1: f32,
    // β2.
    k2: f32,
    eps: f32,
    // AdamW's decoupled decay, lr·λ.
    decay: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read> grad_sq: array<f32>;
@group(0) @binding(4) var<storage, read_write> param: array<f32>;
@group(0) @binding(5) var<storage, read_write> slot0: array<f32>;
@group(0) @binding(6) var<storage, read_write> slot1: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wg, nwg, lid);
    if (i >= p.n) {
        return;
    }
    let g = grad[i];
    let g2 = select(g * g, grad_sq[i], p.squares == 1u);
    switch p.rule {
        case 0u: {
            if (p.variant == 0u) {
                param[i] -= p.lr * g;
                return;
            }
            let m = p.k1 * slot0[i] - p.lr * g;
            slot0[i] = m;
            if (p.variant == 2u) {
                param[i] += p.k1 * m - p.lr * g;
            } else {
                param[i] += m;
            }
        }
        case 1u: {
            var w = param[i];
            if (p.decay != 0.0) {
                w -= w * p.decay;
            }
            let m = slot0[i] + (g - slot0[i]) * (1.0 - p.k1);
            let v = slot1[i] + (g2 - slot1[i]) * (1.0 - p.k2);
            slot0[i] = m;
            slot1[i] = v;
            param[i] = w - m * p.lr / (sqrt(v) + p.eps);
        }
        case 2u: {
            let v = p.k1 * slot0[i] + (1.0 - p.k1) * g2;
            slot0[i] = v;
            param[i] -= p.lr * g / sqrt(v + p.eps);
        }
        default: {
            let a = slot0[i] + g2;
            slot0[i] = a;
            param[i] -= p.lr * g / sqrt(a + p.eps);
        }
    }
}
