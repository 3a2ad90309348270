//! Each row's predicted class, found where the rows lie. A language model's
//! rows are its vocabulary wide at every position (2,048 × 4,492 a step for
//! a `gpt` on Tang poems): copying them out to compare one by one took a
//! tenth of a training step. The largest value is taken in eight lanes
//! (`row_max`) and its first place then found, which is the index
//! `metrics::argmax` gives: the first of the largest, NaNs passed over.

use super::halves::split;
use super::softmax::row_max;
use super::tensor::CpuTensor;
use crate::metrics::{argmax, predicted_class};

/// The class each row of `rows` (its last axis) predicts.
pub(super) fn row_classes(rows: &CpuTensor) -> Vec<usize> {
    let (_, width) = rows.rows_cols();
    if width <= 1 {
        return rows.data.chunks(width.max(1)).map(predicted_class).collect();
    }
    let rows_of = |r: std::ops::Range<usize>| &rows.data[r.start * width..r.end * width];
    split(rows.data.len() / width, rows.data.len(), |r| {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2.
            return unsafe { avx2_classes(rows_of(r), width) };
        }
        classes(rows_of(r), width)
    })
    .concat()
}

#[inline(always)]
fn classes(data: &[f32], width: usize) -> Vec<usize> {
    let mut out = Vec::with_capacity(data.len() / width);
    for row in data.chunks_exact(width) {
        let max = row_max(row);
        // A leading NaN is the one case where argmax does not give the
        // place of the largest (nothing compares greater than it).
        out.push(match row.iter().position(|&v| v == max) {
            Some(i) if !row[0].is_nan() => i,
            _ => argmax(row),
        });
    }
    out
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn avx2_classes(data: &[f32], width: usize) -> Vec<usize> {
    classes(data, width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_of_the_largest_as_argmax_gives_it() {
        let mut rows: Vec<Vec<f32>> = Vec::new();
        for n in [2usize, 7, 8, 9, 33] {
            for at in 0..n {
                let mut r: Vec<f32> = (0..n).map(|i| ((i * 7919) % 13) as f32 * 0.25 - 1.0).collect();
                r[at] = 9.0;
                rows.push(r.clone());
                // Ties: the first of them.
                r[(at + 3) % n] = 9.0;
                rows.push(r.clone());
                // NaNs passed over, a leading one included.
                r[(at + 1) % n] = f32::NAN;
                rows.push(r.clone());
                r[0] = f32::NAN;
                rows.push(r);
            }
            rows.push(vec![f32::NEG_INFINITY; n]);
            rows.push(vec![f32::NAN; n]);
        }
        for r in rows {
            let t = CpuTensor::new(&[1, r.len()], r.clone());
            assert_eq!(row_classes(&t), vec![argmax(&r)], "{r:?}");
            assert_eq!(classes(&r, r.len()), vec![argmax(&r)], "{r:?}");
        }
        // Several rows at once; a lone sigmoid's threshold.
        let t = CpuTensor::new(&[3, 2], vec![0.1, 0.9, 0.8, 0.2, 0.5, 0.5]);
        assert_eq!(row_classes(&t), vec![1, 0, 0]);
        let t = CpuTensor::new(&[3, 1], vec![0.2, 0.7, 0.5]);
        assert_eq!(row_classes(&t), vec![0, 1, 0]);
    }
}
