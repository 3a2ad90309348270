// C[m, n] = op(A) · op(B), where op transposes when asked: the forward pass
// uses A·B, backpropagation A·Bᵀ and Aᵀ·B.
//
// Each 16×16 workgroup computes a 64×64 tile of C. Per step of 16 along k it
// stages a 64×16 slab of A and a 16×64 slab of B in workgroup memory (each
// value read from global memory once per tile rather than 64 times), then
// every thread accumulates a 4×4 block of C in registers. Reads outside the
// matrices load zeros, so any shape works. Where rows are a multiple of 4
// floats long (and not transposed), each thread fetches its share of a slab
// as one vec4 load; the bias, when given, is added as C is written.

struct Params {
    m: u32,
    n: u32,
    k: u32,
    trans_a: u32,
    trans_b: u32,
    // 1: C += bias[col] on the way out.
    has_bias: u32,
    // 1: A (k % 4 == 0) or B (n % 4 == 0) is read as vec4s.
    vec4_a: u32,
    vec4_b: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
// The same buffers as A and B, seen four floats at a time.
@group(0) @binding(5) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> b4: array<vec4<f32>>;

const TILE: u32 = 64u;
const BK: u32 = 16u;

// Both slabs are stored k-major: [BK][TILE].
var<workgroup> a_tile: array<f32, 1024>;
var<workgroup> b_tile: array<f32, 1024>;

fn load_a(row: u32, kk: u32) -> f32 {
    if (row >= p.m || kk >= p.k) {
        return 0.0;
    }
    if (p.trans_a == 1u) {
        return a[kk * p.m + row];
    }
    return a[row * p.k + kk];
}

fn load_b(kk: u32, col: u32) -> f32 {
    if (kk >= p.k || col >= p.n) {
        return 0.0;
    }
    if (p.trans_b == 1u) {
        return b[col * p.k + kk];
    }
    return b[kk * p.n + col];
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let row0 = wg.y * TILE;
    let col0 = wg.x * TILE;
    let t = lid.y * 16u + lid.x;
    var acc: array<array<f32, 4>, 4>;
    for (var k0 = 0u; k0 < p.k; k0 += BK) {
        // 1,024 values per slab, 4 per thread. Neighbouring threads read
        // neighbouring addresses: along k when the matrix is stored with k
        // contiguous, along rows (columns) otherwise.
        if (p.vec4_a == 1u) {
            // Thread t: row t / 4, k values 4·(t % 4) … +3 of the slab. With
            // k a multiple of 4 the four are all inside or all outside.
            let r = t / 4u;
            let kk = 4u * (t % 4u);
            var v = vec4<f32>(0.0);
            if (row0 + r < p.m && k0 + kk < p.k) {
                v = a4[((row0 + r) * p.k + k0 + kk) / 4u];
            }
            a_tile[kk * TILE + r] = v.x;
            a_tile[(kk + 1u) * TILE + r] = v.y;
            a_tile[(kk + 2u) * TILE + r] = v.z;
            a_tile[(kk + 3u) * TILE + r] = v.w;
        }
        if (p.vec4_b == 1u) {
            // Thread t: k row t / 16, columns 4·(t % 16) … +3.
            let kk = t / 16u;
            let cc = 4u * (t % 16u);
            var v = vec4<f32>(0.0);
            if (k0 + kk < p.k && col0 + cc < p.n) {
                v = b4[((k0 + kk) * p.n + col0 + cc) / 4u];
            }
            b_tile[kk * TILE + cc] = v.x;
            b_tile[kk * TILE + cc + 1u] = v.y;
            b_tile[kk * TILE + cc + 2u] = v.z;
            b_tile[kk * TILE + cc + 3u] = v.w;
        }
        for (var i = 0u; i < 4u; i++) {
            let e = t + i * 256u;
            var r: u32;
            var kk: u32;
            if (p.vec4_a == 0u) {
                if (p.trans_a == 1u) {
                    r = e % TILE;
                    kk = e / TILE;
                } else {
                    kk = e % BK;
                    r = e / BK;
                }
                a_tile[kk * TILE + r] = load_a(row0 + r, k0 + kk);
            }
            if (p.vec4_b == 0u) {
                var cc: u32;
                if (p.trans_b == 1u) {
                    kk = e % BK;
                    cc = e / BK;
                } else {
                    cc = e % TILE;
                    kk = e / TILE;
                }
                b_tile[kk * TILE + cc] = load_b(k0 + kk, col0 + cc);
            }
        }
        workgroupBarrier();
        for (var kk = 0u; kk < BK; kk++) {
            var av: array<f32, 4>;
            var bv: array<f32, 4>;
            for (var i = 0u; i < 4u; i++) {
                av[i] = a_tile[kk * TILE + lid.y + 16u * i];
                bv[i] = b_tile[kk * TILE + lid.x + 16u * i];
            }
            for (var i = 0u; i < 4u; i++) {
                for (var j = 0u; j < 4u; j++) {
                    acc[i][j] = fma(av[i], bv[j], acc[i][j]);
                }
            }
        }
        workgroupBarrier();
    }
    for (var i = 0u; i < 4u; i++) {
        let row = row0 + lid.y + 16u * i;
        if (row >= p.m) {
            continue;
        }
        for (var j = 0u; j < 4u; j++) {
            let col = col0 + lid.x + 16u * j;
            if (col < p.n) {
                var v = acc[i][j];
                if (p.has_bias == 1u) {
                    v += bias[col];
                }
                c[row * p.n + col] = v;
            }
        }
    }
}
