//! Shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// The real corpus beside the project (`../shared/data/spamassassin.tsv`).
pub fn spam_path() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/spamassassin.tsv");
    assert!(p.is_file(), "{} is missing: the tests need the shared data folder beside the project", p.display());
    p
}

pub fn spam_text() -> String {
    std::fs::read_to_string(spam_path()).unwrap()
}

/// Assert that `got` and `want` have the same length, then that every pair
/// is within `atol + rtol·|want|` (a NaN on either side fails), naming the
/// first index that is not. A `zip` alone would pass a short output.
#[track_caller]
pub fn assert_all_close<G: Copy + Into<f64>, W: Copy + Into<f64>>(what: impl std::fmt::Display, got: &[G], want: &[W], rtol: f64, atol: f64) {
    assert_eq!(got.len(), want.len(), "{}: {} values where {} were expected", what, got.len(), want.len());
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let (g, w): (f64, f64) = (g.into(), w.into());
        assert!((g - w).abs() <= atol + rtol * w.abs(), "{} [{}]: {} vs {} (tolerance {} + {}·|want|)", what, i, g, w, atol, rtol);
    }
}

/// `assert_eq!` on the lengths of two sequences before they are zipped.
#[track_caller]
pub fn assert_same_len<A, B>(what: impl std::fmt::Display, a: &[A], b: &[B]) {
    assert_eq!(a.len(), b.len(), "{}: {} against {} items", what, a.len(), b.len());
}

/// A JSON array of numbers as f64s, failing with `what` on anything else.
#[track_caller]
pub fn f64s(what: impl std::fmt::Display, v: &serde_json::Value) -> Vec<f64> {
    v.as_array().unwrap_or_else(|| panic!("{}: not an array: {}", what, v)).iter().map(|x| x.as_f64().unwrap_or_else(|| panic!("{}: not a number: {}", what, x))).collect()
}
