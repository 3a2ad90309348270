//! Element-wise work in two threads natively. The matrix products already
//! use both cores (matrixmultiply's threads), while a softmax over a
//! language model's logits or GELU over its feed-forward activations ran
//! on one, idling the other for a fifth of a `gpt` step. Each half does
//! exactly what one thread did over it, so the values do not change. In
//! wasm, and for small tensors (a thread costs tens of microseconds), one
//! thread.

use std::sync::OnceLock;

/// Below this many values one thread does the work.
pub(super) const MIN_SPLIT: usize = 1 << 17;

pub(super) fn two_cores() -> bool {
    static TWO: OnceLock<bool> = OnceLock::new();
    *TWO.get_or_init(|| !cfg!(target_arch = "wasm32") && std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2))
}

/// `f(first_unit, part)` over `data` cut at a unit boundary (a row of
/// `unit` values) into two parts, each in a thread of its own when the
/// data is large; the results in order.
pub(super) fn halves<T: Send, R: Send>(data: &mut [T], unit: usize, f: impl Fn(usize, &mut [T]) -> R + Sync) -> Vec<R> {
    let units = data.len().checked_div(unit).unwrap_or(0);
    if data.len() < MIN_SPLIT || units < 2 || !two_cores() {
        return vec![f(0, data)];
    }
    let mid = units / 2;
    let (a, b) = data.split_at_mut(mid * unit);
    std::thread::scope(|s| {
        let second = s.spawn(|| f(mid, b));
        let first = f(0, a);
        vec![first, second.join().unwrap_or_else(|e| std::panic::resume_unwind(e))]
    })
}

/// `f(range)` over `0..units` cut in two, each half in a thread of its own
/// when `values` (the work's size) is large; the results in order. For
/// work that reads (or writes through what it owns) by index.
pub(super) fn split<R: Send>(units: usize, values: usize, f: impl Fn(std::ops::Range<usize>) -> R + Sync) -> Vec<R> {
    if values < MIN_SPLIT || units < 2 || !two_cores() {
        return vec![f(0..units)];
    }
    let mid = units / 2;
    std::thread::scope(|s| {
        let second = s.spawn(|| f(mid..units));
        let first = f(0..mid);
        vec![first, second.join().unwrap_or_else(|e| std::panic::resume_unwind(e))]
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn halves_cover_every_unit_once_and_in_order() {
        for len in [0, 5, 1 << 17, (1 << 17) + 3 * 7] {
            let unit = 7;
            let mut data = vec![0.0f32; len];
            let starts = super::halves(&mut data, unit, |first, part| {
                for (k, row) in part.chunks_mut(unit).enumerate() {
                    row.iter_mut().for_each(|v| *v += (first + k) as f32);
                }
                first
            });
            assert_eq!(starts[0], 0);
            assert!(starts.windows(2).all(|w| w[0] < w[1]));
            for (i, v) in data.iter().enumerate() {
                assert_eq!(*v, (i / unit) as f32, "len {} at {}", len, i);
            }
        }
    }

    #[test]
    fn split_covers_every_index_once_and_in_order() {
        for (units, values) in [(0, 0), (1, 1 << 20), (5, 10), (9, 1 << 17), (10, 1 << 20)] {
            let parts = super::split(units, values, |r| r.collect::<Vec<_>>());
            assert_eq!(parts.concat(), (0..units).collect::<Vec<_>>());
            assert_eq!(parts.len(), if values >= 1 << 17 && units >= 2 && super::two_cores() { 2 } else { 1 });
        }
    }
}
