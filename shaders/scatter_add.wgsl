// The gradient of the embedding lookup: rows of grad (in0, [n, d]) added
// into out0 [rows, d] at ids (in1, [n]). Repeated ids collide, and WGSL has
// no atomic float add, so each add is a compare-and-swap loop on the value's
// bits. The output must be zeroed first.

struct Params {
    n: u32,
    d: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> in0: array<f32>;
@group(0) @binding(2) var<storage, read> in1: array<f32>;
@group(0) @binding(4) var<storage, read_write> out0: array<atomic<u32>>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wg, nwg, lid);
    if (i >= p.n * p.d) {
        return;
    }
    let v = in0[i];
    if (v == 0.0) {
        return;
    }
    let at = u32(in1[i / p.d]) * p.d + i % p.d;
    var old = atomicLoad(&out0[at]);
    loop {
        let swapped = atomicCompareExchangeWeak(&out0[at], old, bitcast<u32>(bitcast<f32>(old) + v));
        if (swapped.exchanged) {
            break;
        }
        old = swapped.old_value;
    }
}
