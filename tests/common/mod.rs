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

/// The GPU backend, or None (after one line on the terminal, once per test
/// binary) when this machine has no GPU adapter. With GRADLAB_REQUIRE_GPU=1
/// (as `./lab test` sets, after installing Mesa's lavapipe) a missing
/// adapter is a failure instead. The line goes straight to stderr so that a
/// plain `cargo test`, which captures test output, still shows it.
#[cfg(not(target_arch = "wasm32"))]
pub fn gpu_or_skip() -> Option<gradlab::backend::gpu::GpuBackend> {
    use std::io::Write;
    static SAID: std::sync::Once = std::sync::Once::new();
    match gradlab::backend::gpu::GpuBackend::new() {
        Ok(g) => Some(g),
        Err(e) if std::env::var("GRADLAB_REQUIRE_GPU").as_deref() == Ok("1") => panic!("GRADLAB_REQUIRE_GPU=1 but {}", e),
        Err(e) => {
            SAID.call_once(|| {
                let exe = std::env::current_exe().ok().and_then(|p| p.file_stem().map(|s| s.to_string_lossy().split('-').next().unwrap_or("").to_string())).unwrap_or_default();
                let _ = writeln!(std::io::stderr(), "note: the GPU half of tests/{}.rs was SKIPPED: no GPU adapter ({}). Run `GRADLAB_REQUIRE_GPU=1 ./lab test` (it installs Mesa's lavapipe) to run it, or to fail without one.", exe, e);
            });
            None
        }
    }
}

/// The accuracy of always answering the most frequent class, given each
/// class's count in the split being scored.
pub fn majority_share(counts: &[usize]) -> f64 {
    let total: usize = counts.iter().sum();
    assert!(total > 0, "an empty split has no baseline");
    *counts.iter().max().unwrap() as f64 / total as f64
}

/// Class counts (supports) of a report, as a `Report` or the CLI's JSON.
pub fn supports(report: &gradlab::metrics::Report) -> Vec<usize> {
    report.per_class.iter().map(|c| c.support).collect()
}

pub fn json_supports(report: &serde_json::Value) -> Vec<usize> {
    report["per_class"].as_array().unwrap_or_else(|| panic!("no per_class in {}", report)).iter().map(|c| c["support"].as_u64().unwrap() as usize).collect()
}

/// Accuracy must beat the majority-class baseline of the same split by
/// `margin` of the way from it to 1 (0.5: half the errors the baseline
/// makes are gone), so a model that learned nothing fails whatever the
/// class balance.
#[track_caller]
pub fn assert_beats_majority(what: impl std::fmt::Display, accuracy: f64, counts: &[usize], margin: f64) {
    let base = majority_share(counts);
    let need = base + margin * (1.0 - base);
    assert!(accuracy >= need, "{}: accuracy {:.4} is below {:.4} (the majority class alone scores {:.4} on these {} samples; required margin {} of the rest)", what, accuracy, need, base, counts.iter().sum::<usize>(), margin);
}

/// Class counts of a list of class indices.
pub fn counts(classes: &[usize]) -> Vec<usize> {
    let mut c = vec![0; classes.iter().max().map_or(0, |m| m + 1)];
    for &k in classes {
        c[k] += 1;
    }
    c
}
