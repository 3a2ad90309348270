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

/// Both, on two cores: rayon's pool keeps its threads alive, woken per call
/// rather than spawned (a thread spawned per call was slower, most of all
/// on a busy machine). Called from outside the pool, as the trainer is,
/// the pool's threads run the two while the caller waits. In wasm (one
/// thread) one after the other.
fn both<A: Send, B: Send>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
    #[cfg(not(target_arch = "wasm32"))]
    return rayon::join(a, b);
    #[cfg(target_arch = "wasm32")]
    return (a(), b());
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
    let (first, second) = both(|| f(0, a), || f(mid, b));
    vec![first, second]
}

/// `f(first_unit, parts)` over several buffers cut at the same unit (buffer
/// i holding `per_unit[i]` values a unit: a sample's outputs, say), the two
/// halves each in a thread of its own when `values` (the work's size) is
/// large. For work that writes more than one output.
pub(super) fn halves_of(bufs: Vec<&mut [f32]>, per_unit: &[usize], units: usize, values: usize, f: impl Fn(usize, Vec<&mut [f32]>) + Sync) {
    if values < MIN_SPLIT || units < 2 || !two_cores() {
        return f(0, bufs);
    }
    let mid = units / 2;
    let (first, second): (Vec<&mut [f32]>, Vec<&mut [f32]>) = bufs.into_iter().zip(per_unit).map(|(buf, &n)| buf.split_at_mut(mid * n)).unzip();
    both(|| f(0, first), || f(mid, second));
}

/// `f(range)` over `0..units` cut in two, each half in a thread of its own
/// when `values` (the work's size) is large; the results in order. For
/// work that reads (or writes through what it owns) by index.
pub(super) fn split<R: Send>(units: usize, values: usize, f: impl Fn(std::ops::Range<usize>) -> R + Sync) -> Vec<R> {
    if values < MIN_SPLIT || units < 2 || !two_cores() {
        return vec![f(0..units)];
    }
    let mid = units / 2;
    let (first, second) = both(|| f(0..mid), || f(mid..units));
    vec![first, second]
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
    fn halves_of_cut_every_buffer_at_the_same_unit() {
        for (units, values) in [(1, 1 << 20), (5, 10), (9, 1 << 17)] {
            let (mut a, mut b) = (vec![0.0f32; units * 2], vec![0.0f32; units * 3]);
            super::halves_of(vec![&mut a, &mut b], &[2, 3], units, values, |first, mut parts| {
                let (pa, rest) = parts.split_at_mut(1);
                assert_eq!(pa[0].len() / 2, rest[0].len() / 3, "the same units");
                for (k, v) in pa[0].iter_mut().enumerate() {
                    *v = (first + k / 2) as f32;
                }
                for (k, v) in rest[0].iter_mut().enumerate() {
                    *v = (first + k / 3) as f32;
                }
            });
            assert!(a.iter().enumerate().all(|(i, &v)| v == (i / 2) as f32), "{a:?}");
            assert!(b.iter().enumerate().all(|(i, &v)| v == (i / 3) as f32), "{b:?}");
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
