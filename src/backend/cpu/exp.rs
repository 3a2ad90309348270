//! e^x for the softmaxes, in a form the compiler vectorises: a language
//! model's loss takes an exponential of every logit (2,048 × 4,492 a step
//! for a `gpt` on Tang poems), and libm's `expf` is one call per value,
//! natively and in wasm alike. Cephes's single-precision method: x = n·ln 2
//! + r with |r| ≤ ln 2 / 2, a degree-6 polynomial for e^r, and 2^n put into
//! the exponent bits. Within 2 ulp of the true value (tested against f64);
//! 0 below e^-87.3, where f32's normal numbers end; ∞ above e^88.4; NaN
//! stays NaN.

const LOG2E: f32 = std::f32::consts::LOG2_E;
/// ln 2 in two parts, so that n·ln 2 is subtracted without rounding error.
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// Where e^x leaves f32's normal range.
const LOWEST: f32 = -87.336_55;
const HIGHEST: f32 = 88.376_26;
/// Adding and subtracting 1.5·2^23 rounds to the nearest integer with plain
/// arithmetic (no `round`, which SSE2 and wasm SIMD lack as a vector op).
const ROUNDER: f32 = 12_582_912.0;

#[inline(always)]
pub fn exp(x: f32) -> f32 {
    // Branch-free (selects, not jumps) so the loops calling it vectorise:
    // with `clamp`, an `as i32` cast and an if-chain, the compiler kept it
    // scalar, three times slower than glibc's expf.
    let c = x.max(LOWEST).min(HIGHEST);
    let t = c * LOG2E + ROUNDER;
    let n = t - ROUNDER;
    let r = c - n * LN2_HI - n * LN2_LO;
    let p = ((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r + 0.166_666_65) * r + 0.5;
    let y = p * r * r + r + 1.0;
    // t = 1.5·2^23 + n, so n sits in t's low mantissa bits: adding the bias
    // and shifting them into the exponent field gives 2^n.
    let scale = f32::from_bits(t.to_bits().wrapping_add(127) << 23);
    let v = y * scale;
    let v = if x < LOWEST { 0.0 } else { v };
    let v = if x > HIGHEST { f32::INFINITY } else { v };
    if x.is_nan() {
        x
    } else {
        v
    }
}

/// Each value v of `row` becomes e^(v − shift); returns their sum, added in
/// eight lanes (so the loop vectorises; the order of the additions differs
/// from one running sum by rounding only).
#[inline]
pub fn exp_shifted_sum(row: &mut [f32], shift: f32) -> f32 {
    let mut lanes = [0.0f32; 8];
    let mut chunks = row.chunks_exact_mut(8);
    for chunk in &mut chunks {
        for (v, s) in chunk.iter_mut().zip(lanes.iter_mut()) {
            *v = exp(*v - shift);
            *s += *v;
        }
    }
    let mut sum = 0.0;
    for v in chunks.into_remainder() {
        *v = exp(*v - shift);
        sum += *v;
    }
    sum + lanes.iter().sum::<f32>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_two_ulp_of_f64() {
        let mut worst = 0.0f64;
        let mut x = -87.0f32;
        while x < 88.37 {
            let want = (x as f64).exp();
            let got = exp(x) as f64;
            // In ulps of the f32 nearest the true value.
            let ulp = (want as f32).to_bits();
            let ulp = (f32::from_bits(ulp + 1) as f64 - want as f32 as f64).abs();
            worst = worst.max((got - want).abs() / ulp);
            x += 0.000_731;
        }
        assert!(worst <= 2.0, "worst error {} ulp", worst);
    }

    #[test]
    fn edges() {
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-88.0), 0.0);
        assert_eq!(exp(-1e9), 0.0);
        assert_eq!(exp(f32::NEG_INFINITY), 0.0);
        assert!(exp(f32::NAN).is_nan());
        assert!(exp(88.3).is_finite() && exp(88.3) > 1e38);
        assert_eq!(exp(89.0), f32::INFINITY);
        let mut row: Vec<f32> = (0..19).map(|i| i as f32 * 0.37 - 3.0).collect();
        let want: f64 = row.iter().map(|&v| ((v - 2.0) as f64).exp()).sum();
        let sum = exp_shifted_sum(&mut row, 2.0);
        assert!(((sum as f64) - want).abs() < 1e-5 * want, "{} {}", sum, want);
        assert!((row[18] as f64 - ((18.0f32 * 0.37 - 5.0) as f64).exp()).abs() < 1e-6);
    }
}
