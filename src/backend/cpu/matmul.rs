//! The CPU backend's matrix product: ndarray's `matrixmultiply` natively,
//! and in wasm a register-blocked SIMD kernel of our own.

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};

use super::halves::halves;
use super::{CpuBackend, CpuTensor};

/// op(a)·op(b), plus `bias` in every row when given: natively through
/// ndarray, with C starting as the bias rows and the product added onto it
/// (β = 1, no second pass over the output); in wasm through `matmul_rows_bias`,
/// whose accumulators start at the bias.
pub(super) fn product(a: &CpuTensor, b: &CpuTensor, trans_a: bool, trans_b: bool, bias: Option<&CpuTensor>) -> CpuTensor {
    assert!(a.shape.len() == 2 && b.shape.len() == 2, "matmul needs 2-D tensors, got {:?} and {:?}", a.shape, b.shape);
    let (m, k) = if trans_a { (a.shape[1], a.shape[0]) } else { (a.shape[0], a.shape[1]) };
    let (k2, n) = if trans_b { (b.shape[1], b.shape[0]) } else { (b.shape[0], b.shape[1]) };
    assert_eq!(k, k2, "matmul inner sizes: {:?}{} · {:?}{}", a.shape, if trans_a { "ᵀ" } else { "" }, b.shape, if trans_b { "ᵀ" } else { "" });
    // In wasm, matrixmultiply has no SIMD kernel; `matmul_rows_bias` has one
    // (simd128, or relaxed SIMD's fused multiply-add in that build).
    if cfg!(target_arch = "wasm32") {
        let bias = bias.map(|t| {
            assert_eq!(t.data.len(), n, "matmul_bias: bias {:?} for {} columns", t.shape, n);
            &t.data[..]
        });
        return CpuTensor::new(&[m, n], matmul_rows_bias(&a.data, &b.data, m, k, n, trans_a, trans_b, bias));
    }
    let mut out = match bias {
        Some(bias) => {
            assert_eq!(bias.data.len(), n, "matmul_bias: bias {:?} for {} columns", bias.shape, n);
            // The product adds onto the bias, each row a copy of it (in two
            // threads for a language model's 37 MB of logits).
            let mut out: Vec<f32> = Vec::with_capacity(m * n);
            halves(&mut out.spare_capacity_mut()[..m * n], n.max(1), |_, part| {
                for row in part.chunks_exact_mut(n.max(1)) {
                    for (o, &b) in row.iter_mut().zip(bias.data.iter()) {
                        o.write(b);
                    }
                }
            });
            // SAFETY: every one of the m rows of n was written above.
            unsafe { out.set_len(m * n) };
            out
        }
        None => vec![0.0f32; m * n],
    };
    let av = ArrayView2::from_shape((a.shape[0], a.shape[1]), &a.data).unwrap();
    let bv = ArrayView2::from_shape((b.shape[0], b.shape[1]), &b.data).unwrap();
    let av = if trans_a { av.reversed_axes() } else { av };
    let bv = if trans_b { bv.reversed_axes() } else { bv };
    {
        let mut cv = ArrayViewMut2::from_shape((m, n), &mut out).unwrap();
        general_mat_mul(1.0, &av, &bv, if bias.is_some() { 1.0 } else { 0.0 }, &mut cv);
    }
    CpuTensor::new(&[m, n], out)
}

/// op(A)·op(B) for row-major A and B (`m`×`k` times `k`×`n`), in register
/// blocks of C: the wasm matrix kernel (natively the twin is tested).
pub fn matmul_rows(a: &[f32], b: &[f32], m: usize, k: usize, n: usize, trans_a: bool, trans_b: bool) -> Vec<f32> {
    matmul_rows_bias(a, b, m, k, n, trans_a, trans_b, None)
}

/// Which SIMD this build of the engine was compiled with: "relaxed-simd"
/// (wasm SIMD with relaxed SIMD's fused multiply-add), "simd128" (wasm SIMD),
/// or "native" (not wasm).
pub fn simd_build() -> &'static str {
    if !cfg!(target_arch = "wasm32") {
        "native"
    } else if cfg!(target_feature = "relaxed-simd") {
        "relaxed-simd"
    } else if cfg!(target_feature = "simd128") {
        "simd128"
    } else {
        "scalar"
    }
}

/// Rows of A per register block, and columns of B per panel.
const BLOCK_ROWS: usize = 4;
const PANEL: usize = 8;

/// How much of A's strips a chunk of row blocks may take: well inside the
/// L2 of the machines this runs on (512 KiB here), leaving room for B's panels.
const L2_BUDGET_BYTES: usize = 192 * 1024;

/// `matmul_rows` with `bias` (n values) added to every row of C: the
/// accumulators start at the bias, so it costs no pass of its own.
///
/// C is computed in register blocks of 4 rows × 8 columns, each accumulated
/// over all of k: per step, two 4-wide loads of B and four broadcasts of A
/// feed eight 4-wide multiply-adds. Both operands are packed once, straight
/// from op(A) and op(B) so a transposed operand costs no copy of its own:
/// A as k × 4 strips per row block (zero rows past m), B as k × 8 panels
/// (zero columns past n), so every block reads both contiguously.
#[allow(clippy::too_many_arguments)]
pub fn matmul_rows_bias(a: &[f32], b: &[f32], m: usize, k: usize, n: usize, trans_a: bool, trans_b: bool, bias: Option<&[f32]>) -> Vec<f32> {
    assert!(a.len() >= m * k && b.len() >= k * n, "matmul_rows: {}x{} · {}x{} from {} and {} values", m, k, k, n, a.len(), b.len());
    const R: usize = BLOCK_ROWS;
    const W: usize = PANEL;
    if k == 0 {
        return match bias {
            Some(bias) => bias[..n].repeat(m),
            None => vec![0.0; m * n],
        };
    }
    let blocks = m.div_ceil(R);
    let mut strips = vec![0.0f32; blocks * k * R];
    for (ib, strip) in strips.chunks_exact_mut(k * R).enumerate() {
        let (i, rows) = (ib * R, R.min(m - ib * R));
        if trans_a {
            // op(A)[i, p] = a[p·m + i]: a strip's 4 rows are 4 neighbours
            // in a row of a.
            for (p, xs) in strip.chunks_exact_mut(R).enumerate() {
                for (o, &v) in xs.iter_mut().zip(&a[p * m + i..p * m + i + rows]) {
                    *o = v;
                }
            }
        } else if rows == R {
            // Four rows of a side by side (zips, so no index is checked:
            // packing was 9 % of a 512³ product).
            let (r0, r1, r2, r3) = (&a[i * k..(i + 1) * k], &a[(i + 1) * k..(i + 2) * k], &a[(i + 2) * k..(i + 3) * k], &a[(i + 3) * k..(i + 4) * k]);
            for ((((xs, &x0), &x1), &x2), &x3) in strip.chunks_exact_mut(R).zip(r0).zip(r1).zip(r2).zip(r3) {
                xs.copy_from_slice(&[x0, x1, x2, x3]);
            }
        } else {
            for r in 0..rows {
                for (xs, &v) in strip.chunks_exact_mut(R).zip(&a[(i + r) * k..(i + r + 1) * k]) {
                    xs[r] = v;
                }
            }
        }
    }
    let panels = n.div_ceil(W);
    let mut packed_b = vec![[0.0f32; W]; panels * k];
    for (jp, panel) in packed_b.chunks_exact_mut(k).take(panels).enumerate() {
        let (j, cols) = (jp * W, W.min(n - jp * W));
        if trans_b {
            // op(B)[p, j + q] = b[(j + q)·k + p]: eight rows of b, read along p.
            for q in 0..cols {
                for (row, &v) in panel.iter_mut().zip(&b[(j + q) * k..(j + q + 1) * k]) {
                    row[q] = v;
                }
            }
        } else if cols == W {
            // Eight neighbours of each row of b: one 32-byte copy.
            for (row, src) in panel.iter_mut().zip(b.chunks_exact(n)) {
                row.copy_from_slice(&src[j..j + W]);
            }
        } else {
            for (row, src) in panel.iter_mut().zip(b.chunks_exact(n)) {
                for (o, &v) in row.iter_mut().zip(&src[j..j + cols]) {
                    *o = v;
                }
            }
        }
    }
    // Row blocks go in chunks whose strips fit in L2 (≤ 192 KiB), and every
    // panel passes over a chunk while the panel sits in L1: with all of A
    // streamed per panel instead (1 MiB at 512²), the product depended on
    // the shared L3 and moved by a third with the neighbours' load.
    let chunk = (L2_BUDGET_BYTES / (4 * R * k)).max(1);
    let mut c = vec![0.0f32; m * n];
    let mut start = [0.0f32; W];
    for first in (0..blocks).step_by(chunk) {
        for (jp, panel) in packed_b.chunks_exact(k).take(panels).enumerate() {
            let (j, cols) = (jp * W, W.min(n - jp * W));
            if let Some(bias) = bias {
                start[..cols].copy_from_slice(&bias[j..j + cols]);
            }
            let panel = panel.as_flattened();
            for ib in first..blocks.min(first + chunk) {
                let rows = R.min(m - ib * R);
                block_4x8(&strips[ib * k * R..(ib + 1) * k * R], panel, &start, &mut c[ib * R * n + j..], n, rows, cols);
            }
        }
    }
    c
}

/// One block of C, `rows` × `cols` of at most 4 × 8, written at `c` (rows
/// `ldc` apart): start + Σ_p strip[p, 0..4]ᵀ · panel[p, 0..8].
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline]
fn block_4x8(strip: &[f32], panel: &[f32], start: &[f32; PANEL], c: &mut [f32], ldc: usize, rows: usize, cols: usize) {
    let mut acc = [*start; BLOCK_ROWS];
    for (xs, bp) in strip.chunks_exact(BLOCK_ROWS).zip(panel.chunks_exact(PANEL)) {
        for (row, &x) in acc.iter_mut().zip(xs) {
            for (o, &v) in row.iter_mut().zip(bp) {
                *o += x * v;
            }
        }
    }
    for (r, row) in acc.iter().enumerate().take(rows) {
        c[r * ldc..r * ldc + cols].copy_from_slice(&row[..cols]);
    }
}

/// The same block with wasm SIMD: eight 4-wide accumulators in registers,
/// A broadcast straight from memory (`v128.load32_splat`); a full block is
/// stored straight into C (a `copy_from_slice` per row is a call to memcpy
/// in wasm: ~10 % of the product at 512³).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline]
fn block_4x8(strip: &[f32], panel: &[f32], start: &[f32; PANEL], c: &mut [f32], ldc: usize, rows: usize, cols: usize) {
    use core::arch::wasm32::*;
    let k = strip.len() / BLOCK_ROWS;
    assert!(panel.len() >= k * PANEL && rows <= BLOCK_ROWS && cols <= PANEL && c.len() >= (rows - 1) * ldc + cols);
    // SAFETY: the pointers walk k steps of 4 values of `strip` and 8 of
    // `panel`, both at least that long, and a full block's stores stay
    // inside `c` (assert above); `start` and `out` hold 8 values per row.
    unsafe {
        let s0 = v128_load(start.as_ptr() as *const v128);
        let s1 = v128_load(start.as_ptr().add(4) as *const v128);
        let mut acc = [s0, s1, s0, s1, s0, s1, s0, s1];
        let mut ap = strip.as_ptr();
        let mut bp = panel.as_ptr();
        let end = ap.add(k * BLOCK_ROWS);
        while ap < end {
            let b0 = v128_load(bp as *const v128);
            let b1 = v128_load(bp.add(4) as *const v128);
            for r in 0..BLOCK_ROWS {
                let x = v128_load32_splat(ap.add(r) as *const u32);
                acc[2 * r] = mul_add(x, b0, acc[2 * r]);
                acc[2 * r + 1] = mul_add(x, b1, acc[2 * r + 1]);
            }
            ap = ap.add(BLOCK_ROWS);
            bp = bp.add(PANEL);
        }
        if rows == BLOCK_ROWS && cols == PANEL {
            for r in 0..BLOCK_ROWS {
                let at = c.as_mut_ptr().add(r * ldc);
                v128_store(at as *mut v128, acc[2 * r]);
                v128_store(at.add(4) as *mut v128, acc[2 * r + 1]);
            }
        } else {
            let mut out = [[0.0f32; PANEL]; BLOCK_ROWS];
            for (r, row) in out.iter_mut().enumerate() {
                v128_store(row.as_mut_ptr() as *mut v128, acc[2 * r]);
                v128_store(row.as_mut_ptr().add(4) as *mut v128, acc[2 * r + 1]);
            }
            for r in 0..rows {
                for q in 0..cols {
                    *c.get_unchecked_mut(r * ldc + q) = out[r][q];
                }
            }
        }
    }
}

/// x·b + c, four lanes. With relaxed SIMD (the second wasm build, loaded
/// where the browser validates it: www/engine.js) it is one fused
/// multiply-add where the hardware has one, which is what the 128-bit kernel
/// needs to keep pace with native AVX2 (~1.4× in the product); without it, a
/// multiply and an add.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn mul_add(x: core::arch::wasm32::v128, b: core::arch::wasm32::v128, c: core::arch::wasm32::v128) -> core::arch::wasm32::v128 {
    use core::arch::wasm32::*;
    #[cfg(target_feature = "relaxed-simd")]
    {
        f32x4_relaxed_madd(x, b, c)
    }
    #[cfg(not(target_feature = "relaxed-simd"))]
    {
        f32x4_add(c, f32x4_mul(x, b))
    }
}

/// GFLOP/s of the CPU backend's matrix product at n×n×n.
pub fn matmul_gflops(n: usize) -> f64 {
    crate::backend::timing::matmul_gflops(&CpuBackend, n, n, n, false, || {})
}
