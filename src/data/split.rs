//! Train/validation splits.
//!
//! `Stratified` (the default) shuffles each class with the seed and puts the
//! same fraction of every class into validation. `Last` is Keras's
//! `validation_split`: the last fraction of the rows, in file order.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SplitMode {
    Stratified,
    Last,
}

/// Row indices for (train, validation). `classes[i]` is row i's class.
pub fn split(classes: &[usize], fraction: f32, mode: SplitMode, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let n = classes.len();
    if fraction <= 0.0 || n == 0 {
        return ((0..n).collect(), Vec::new());
    }
    match mode {
        SplitMode::Last => {
            // Keras: split_at = int(n * (1 - validation_split)), with the
            // fraction as the decimal the user typed (0.2f32 is 0.2000000029).
            let f = (fraction as f64 * 1e7).round() / 1e7;
            let at = (n as f64 * (1.0 - f)) as usize;
            ((0..at).collect(), (at..n).collect())
        }
        SplitMode::Stratified => {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let k = classes.iter().max().map_or(0, |m| m + 1);
            let mut train = Vec::new();
            let mut val = Vec::new();
            for c in 0..k {
                let mut rows: Vec<usize> = (0..n).filter(|&i| classes[i] == c).collect();
                rows.shuffle(&mut rng);
                let nv = (rows.len() as f64 * fraction as f64).round() as usize;
                // Keep at least one training row of every class.
                let nv = nv.min(rows.len().saturating_sub(1));
                val.extend_from_slice(&rows[..nv]);
                train.extend_from_slice(&rows[nv..]);
            }
            train.shuffle(&mut rng);
            val.sort_unstable();
            (train, val)
        }
    }
}

/// True when labels arrive in long sorted runs (e.g. all negatives, then all
/// positives), which makes a 'last fraction' split see mostly one class.
pub fn looks_sorted(classes: &[usize]) -> bool {
    if classes.len() < 20 {
        return false;
    }
    let changes = classes.windows(2).filter(|w| w[0] != w[1]).count();
    let k = classes.iter().collect::<std::collections::HashSet<_>>().len();
    k > 1 && changes < k.max(2) * 2
}
