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
