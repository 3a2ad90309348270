//! Keras's `pad_sequences`: every sequence to one length, padding with 0 and
//! cutting long ones, each at the start ('pre', Keras's default) or end ('post').

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Pre,
    Post,
}

impl Side {
    pub fn from_name(s: &str) -> Option<Side> {
        match s {
            "pre" => Some(Side::Pre),
            "post" => Some(Side::Post),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Side::Pre => "pre",
            Side::Post => "post",
        }
    }
}

/// Pad or truncate to `maxlen` (the longest sequence when `None`).
pub fn pad_sequences(seqs: &[Vec<usize>], maxlen: Option<usize>, padding: Side, truncating: Side) -> Vec<Vec<usize>> {
    let len = maxlen.unwrap_or_else(|| seqs.iter().map(Vec::len).max().unwrap_or(0));
    seqs.iter().map(|s| pad_one(s, len, padding, truncating)).collect()
}

pub fn pad_one(s: &[usize], len: usize, padding: Side, truncating: Side) -> Vec<usize> {
    let kept = if s.len() > len {
        match truncating {
            Side::Pre => &s[s.len() - len..],
            Side::Post => &s[..len],
        }
    } else {
        s
    };
    let mut out = vec![0; len];
    match padding {
        Side::Post => out[..kept.len()].copy_from_slice(kept),
        Side::Pre => out[len - kept.len()..].copy_from_slice(kept),
    }
    out
}
