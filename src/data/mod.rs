//! From pasted text to training batches: parse, clean, label, tokenize, pad.

pub mod augment;
pub mod bpe;
pub mod clean;
pub mod framing;
pub mod image;
pub mod lm;
pub mod pad;
pub mod parse;
pub mod pipeline;
pub mod split;
pub mod tokenizer;

use serde::{Deserialize, Serialize};

pub use augment::Augmentation;
pub use clean::{CleanOptions, CleanReport};
pub use framing::Framing;
pub use image::{ImageSet, ImageShape, Scaling, ScalingKind};
pub use pad::Side;
pub use parse::{parse, ParseOptions, Parsed, Rejected, Row};
pub use pipeline::{Dataset, Holdout, Splits};
pub use split::SplitMode;
pub use tokenizer::Tokenizer;

use crate::error::{Error, Result};
use crate::msg;

/// How texts become fixed-length id rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextSettings {
    pub num_words: usize,
    pub max_len: usize,
    pub padding: Side,
    pub truncating: Side,
    pub oov_token: Option<String>,
}

impl Default for TextSettings {
    fn default() -> Self {
        TextSettings { num_words: 10_000, max_len: 100, padding: Side::Post, truncating: Side::Post, oov_token: Some("<OOV>".into()) }
    }
}

impl TextSettings {
    pub fn validate(&self) -> Result<()> {
        if self.num_words < MIN_NUM_WORDS {
            return Err(Error::setting("num_words", msg!("data.num_words_small", value = self.num_words)));
        }
        if self.num_words > MAX_NUM_WORDS {
            return Err(Error::setting("num_words", msg!("data.num_words_large", value = self.num_words)));
        }
        if self.max_len == 0 || self.max_len > MAX_LEN {
            return Err(Error::setting("max_len", msg!("value.between", value = self.max_len, min = "1", max = "10,000")));
        }
        Ok(())
    }
}

/// The smallest vocabulary: padding and one word.
pub const MIN_NUM_WORDS: usize = 2;
/// The largest vocabulary.
pub const MAX_NUM_WORDS: usize = 5_000_000;
/// The longest sequence.
pub const MAX_LEN: usize = 10_000;

/// Labelled rows with class indices.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledTexts {
    pub texts: Vec<String>,
    pub classes: Vec<usize>,
    pub labels: Vec<String>,
    pub lines: Vec<usize>,
}

impl LabelledTexts {
    /// Class indices follow `labels` when given (a loaded model's), else
    /// sorted label order. Rows with unknown labels are an error naming them.
    pub fn from_rows(rows: &[Row], labels: Option<&[String]>) -> Result<Self> {
        let labels: Vec<String> = match labels {
            Some(l) => l.to_vec(),
            None => parse::sorted_labels(rows.iter().map(|r| r.label.as_str())),
        };
        let index: std::collections::HashMap<&str, usize> = labels.iter().enumerate().map(|(i, l)| (l.as_str(), i)).collect();
        let mut classes = Vec::with_capacity(rows.len());
        for r in rows {
            match index.get(r.label.as_str()) {
                Some(&c) => classes.push(c),
                None => return Err(Error::Line { line: r.line, reason: msg!("data.unknown_label", label = crate::error::printable(&r.label, 40), classes = labels.join(", ")) }),
            }
        }
        Ok(LabelledTexts { texts: rows.iter().map(|r| r.text.clone()).collect(), classes, labels, lines: rows.iter().map(|r| r.line).collect() })
    }

    pub fn class_counts(&self) -> Vec<usize> {
        let mut c = vec![0; self.labels.len()];
        for &k in &self.classes {
            c[k] += 1;
        }
        c
    }

    pub fn subset(&self, idx: &[usize]) -> LabelledTexts {
        LabelledTexts {
            texts: idx.iter().map(|&i| self.texts[i].clone()).collect(),
            classes: idx.iter().map(|&i| self.classes[i]).collect(),
            labels: self.labels.clone(),
            lines: idx.iter().map(|&i| self.lines[i]).collect(),
        }
    }
}

/// Encoded rows ready for a model: ids [n, max_len] and classes.
#[derive(Debug, Clone, PartialEq)]
pub struct Encoded {
    pub ids: Vec<Vec<f32>>,
    pub classes: Vec<usize>,
}

pub fn encode(tok: &Tokenizer, texts: &[String], settings: &TextSettings) -> Vec<Vec<f32>> {
    texts
        .iter()
        .map(|t| pad::pad_one(&tok.text_to_sequence(t), settings.max_len, settings.padding, settings.truncating).into_iter().map(|i| i as f32).collect())
        .collect()
}
