//! A row's softmax, the engine's most repeated loop: every logit of a
//! language model's output (2,048 × 4,492 a step for a `gpt` on Tang poems)
//! and every attention score. The max and the sum are taken in eight lanes
//! so that the loops vectorise (a max is exact in any order; the sum's
//! order differs from one running sum by rounding only), and where the CPU
//! has AVX2 the loops are compiled for its eight lanes: natively x86-64's
//! baseline is SSE2's four. Without FMA, so that every value is what SSE2
//! and wasm compute. `classes.rs` finds the largest with the same loop.

use std::mem::MaybeUninit;

use super::super::activation::fast_exp;

/// The largest value of a row (−∞ for none; NaNs are passed over).
#[inline(always)]
pub(super) fn row_max(row: &[f32]) -> f32 {
    let mut lanes = [f32::NEG_INFINITY; 8];
    let mut chunks = row.chunks_exact(8);
    for chunk in &mut chunks {
        for (v, m) in chunk.iter().zip(lanes.iter_mut()) {
            *m = if *v > *m { *v } else { *m };
        }
    }
    let mut max = f32::NEG_INFINITY;
    for &v in chunks.remainder().iter().chain(&lanes) {
        max = if v > max { v } else { max };
    }
    max
}

/// Each value v of `row` becomes e^(v − shift); returns their sum.
#[inline(always)]
pub(super) fn exp_shifted_sum(row: &mut [f32], shift: f32) -> f32 {
    let mut lanes = [0.0f32; 8];
    let mut chunks = row.chunks_exact_mut(8);
    for chunk in &mut chunks {
        for (v, s) in chunk.iter_mut().zip(lanes.iter_mut()) {
            *v = fast_exp(*v - shift);
            *s += *v;
        }
    }
    let mut sum = 0.0;
    for v in chunks.into_remainder() {
        *v = fast_exp(*v - shift);
        sum += *v;
    }
    sum + lanes.iter().sum::<f32>()
}

/// The row becomes its softmax; returns (max, Σ e^(v − max)), from which
/// the log-sum-exp.
#[inline(always)]
fn softmax(row: &mut [f32]) -> (f32, f32) {
    let max = row_max(row);
    let sum = exp_shifted_sum(row, max);
    let inv = 1.0 / sum;
    for v in row.iter_mut() {
        *v *= inv;
    }
    (max, sum)
}

/// `out` (not yet written) becomes the softmax of `row`, with the very
/// values `softmax_in_place` gives a copy of it; returns (max, sum) as it
/// does. A language model's loss reads its logits (kept on the tape) this
/// way rather than copying them, or zeroing its 37 MB, first.
#[inline(always)]
fn softmax_to(row: &[f32], out: &mut [MaybeUninit<f32>]) -> (f32, f32) {
    assert_eq!(row.len(), out.len());
    let max = row_max(row);
    let mut lanes = [0.0f32; 8];
    let mut outs = out.chunks_exact_mut(8);
    let mut ins = row.chunks_exact(8);
    for (o, i) in (&mut outs).zip(&mut ins) {
        for ((o, &v), s) in o.iter_mut().zip(i).zip(lanes.iter_mut()) {
            let e = fast_exp(v - max);
            o.write(e);
            *s += e;
        }
    }
    let mut sum = 0.0;
    for (o, &v) in outs.into_remainder().iter_mut().zip(ins.remainder()) {
        let e = fast_exp(v - max);
        o.write(e);
        sum += e;
    }
    let sum = sum + lanes.iter().sum::<f32>();
    let inv = 1.0 / sum;
    for v in out.iter_mut() {
        // SAFETY: every value was written above (the lengths are equal).
        unsafe { *v.assume_init_mut() *= inv };
    }
    (max, sum)
}

pub(super) fn softmax_into(row: &[f32], out: &mut [MaybeUninit<f32>]) -> (f32, f32) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2.
        return unsafe { avx2_softmax_to(row, out) };
    }
    softmax_to(row, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn avx2_softmax_to(row: &[f32], out: &mut [MaybeUninit<f32>]) -> (f32, f32) {
    softmax_to(row, out)
}

pub(super) fn softmax_in_place(row: &mut [f32]) -> (f32, f32) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2.
        return unsafe { avx2_softmax(row) };
    }
    softmax(row)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn avx2_softmax(row: &mut [f32]) -> (f32, f32) {
    softmax(row)
}

#[cfg(test)]
mod tests {
    #[test]
    fn exp_shifted_sum_exponentiates_and_sums() {
        let mut row: Vec<f32> = (0..19).map(|i| i as f32 * 0.37 - 3.0).collect();
        let want: f64 = row.iter().map(|&v| ((v - 2.0) as f64).exp()).sum();
        let sum = super::exp_shifted_sum(&mut row, 2.0);
        assert!(((sum as f64) - want).abs() < 1e-5 * want, "{} {}", sum, want);
        assert!((row[18] as f64 - ((18.0f32 * 0.37 - 5.0) as f64).exp()).abs() < 1e-6);
    }

    #[test]
    fn row_max_finds_the_largest_in_any_lane() {
        for n in [0, 1, 7, 8, 9, 17, 64] {
            for at in 0..n {
                let mut row: Vec<f32> = (0..n).map(|i| -(i as f32)).collect();
                row[at] = 5.0;
                row[(at + 1) % n] = f32::NAN;
                assert_eq!(super::row_max(&row), if n == 1 { f32::NEG_INFINITY } else { 5.0 }, "n {} at {}", n, at);
            }
        }
        assert_eq!(super::row_max(&[]), f32::NEG_INFINITY);
    }

    #[test]
    fn softmax_in_place_sums_to_one_on_every_path() {
        for n in [1, 5, 8, 13, 4492] {
            let row: Vec<f32> = (0..n).map(|i| ((i * 37 % 11) as f32) * 0.9 - 4.0).collect();
            let max = row.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
            let sum: f64 = row.iter().map(|&v| ((v - max) as f64).exp()).sum();
            let mut got = row.clone();
            let (m, s) = super::softmax_in_place(&mut got);
            assert_eq!(m, max);
            assert!(((s as f64) - sum).abs() < 1e-5 * sum, "n {}: {} {}", n, s, sum);
            for (g, v) in got.iter().zip(&row) {
                assert!((*g as f64 - ((v - max) as f64).exp() / sum).abs() < 1e-6, "n {}", n);
            }
            // The portable path gives the same values, bit for bit, and so
            // does the softmax written to another row, on both paths.
            let mut plain = row.clone();
            super::softmax(&mut plain);
            assert_eq!(plain, got, "n {}", n);
            let read = |to: &[std::mem::MaybeUninit<f32>]| to.iter().map(|v| unsafe { v.assume_init() }).collect::<Vec<f32>>();
            let mut to = vec![std::mem::MaybeUninit::uninit(); n];
            assert_eq!(super::softmax_into(&row, &mut to), (m, s));
            assert_eq!(read(&to), got, "n {}", n);
            let mut to = vec![std::mem::MaybeUninit::uninit(); n];
            super::softmax_to(&row, &mut to);
            assert_eq!(read(&to), got, "n {}", n);
        }
    }
}
