//! A tokenizer with exactly the semantics of Keras's (legacy) `Tokenizer`
//! and `text_to_word_sequence`:
//! - lower-case (full Unicode), replace every filter character by a space,
//!   split on the space character only (other whitespace stays in words);
//! - the OOV token, when set, gets index 1; words follow by descending
//!   count, ties in the order first seen (Python's stable sort);
//! - `word_index` keeps every word; `num_words` only limits which indices
//!   `texts_to_sequences` emits (rarer words become the OOV index, or are
//!   dropped when there is no OOV token).

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::error::{json_reason, Message};
use crate::msg;

/// Keras's default `filters`: punctuation except the apostrophe, tab, newline.
pub const DEFAULT_FILTERS: &str = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tokenizer {
    pub num_words: Option<usize>,
    pub filters: String,
    pub lower: bool,
    pub split: String,
    pub oov_token: Option<String>,
    pub document_count: usize,
    /// Word → count, in first-seen order.
    pub word_counts: IndexMap<String, usize>,
    /// Word → number of documents containing it, in first-seen order.
    pub word_docs: IndexMap<String, usize>,
    pub word_index: IndexMap<String, usize>,
}

impl Tokenizer {
    pub fn new(num_words: Option<usize>, oov_token: Option<&str>) -> Self {
        Tokenizer {
            num_words,
            filters: DEFAULT_FILTERS.to_string(),
            lower: true,
            split: " ".to_string(),
            oov_token: oov_token.map(str::to_string),
            document_count: 0,
            word_counts: IndexMap::new(),
            word_docs: IndexMap::new(),
            word_index: IndexMap::new(),
        }
    }

    /// Keras's `text_to_word_sequence` with this tokenizer's settings.
    pub fn words<'a>(&self, text: &'a str) -> Vec<String> {
        text_to_word_sequence(text, &self.filters, self.lower, &self.split)
    }

    /// Keras's `fit_on_texts`: counts words and rebuilds `word_index`.
    pub fn fit_on_texts<S: AsRef<str>>(&mut self, texts: &[S]) {
        for text in texts {
            self.document_count += 1;
            let seq = self.words(text.as_ref());
            let mut seen = std::collections::HashSet::new();
            for w in &seq {
                *self.word_counts.entry(w.clone()).or_insert(0) += 1;
                if seen.insert(w.as_str()) {
                    *self.word_docs.entry(w.clone()).or_insert(0) += 1;
                }
            }
        }
        let mut counts: Vec<(&String, usize)> = self.word_counts.iter().map(|(w, &c)| (w, c)).collect();
        // Stable: equal counts keep first-seen order, as Python's sort.
        counts.sort_by(|a, b| b.1.cmp(&a.1));
        let mut vocab: Vec<&str> = Vec::with_capacity(counts.len() + 1);
        if let Some(oov) = &self.oov_token {
            vocab.push(oov);
        }
        vocab.extend(counts.iter().map(|(w, _)| w.as_str()));
        // dict(zip(vocab, 1..)): a repeated key keeps its first position
        // but takes the later index, exactly as Python's dict does.
        let mut index = IndexMap::with_capacity(vocab.len());
        for (i, w) in vocab.into_iter().enumerate() {
            index.insert(w.to_string(), i + 1);
        }
        self.word_index = index;
    }

    /// The index of the OOV token, if it has one.
    pub fn oov_index(&self) -> Option<usize> {
        self.oov_token.as_ref().and_then(|t| self.word_index.get(t).copied())
    }

    /// Keras's `texts_to_sequences` for one text.
    pub fn text_to_sequence(&self, text: &str) -> Vec<usize> {
        let oov = self.oov_index();
        let mut out = Vec::new();
        for w in self.words(text) {
            match self.word_index.get(&w) {
                Some(&i) => match self.num_words {
                    Some(n) if n > 0 && i >= n => {
                        if let Some(o) = oov {
                            out.push(o)
                        }
                    }
                    _ => out.push(i),
                },
                None => {
                    if self.oov_token.is_some() {
                        // Keras appends word_index.get(oov_token), which is
                        // None when the tokenizer was never fitted.
                        if let Some(o) = oov {
                            out.push(o)
                        }
                    }
                }
            }
        }
        out
    }

    pub fn texts_to_sequences<S: AsRef<str>>(&self, texts: &[S]) -> Vec<Vec<usize>> {
        texts.iter().map(|t| self.text_to_sequence(t.as_ref())).collect()
    }

    /// How many distinct indices sequences can hold (Embedding input_dim):
    /// `num_words` when set, else every word plus the padding index 0.
    pub fn vocab_size(&self) -> usize {
        match self.num_words {
            Some(n) if n > 0 => n,
            _ => self.word_index.len() + 1,
        }
    }

    /// The word for an index (the first word holding it). Keras numbers
    /// words 1..=len; an index beyond that (a corrupt file's) holds none.
    pub fn index_word(&self) -> Vec<Option<&str>> {
        let n = self.word_index.len();
        let mut out = vec![None; self.word_index.values().max().copied().unwrap_or(0).min(n) + 1];
        for (w, &i) in &self.word_index {
            if i < out.len() && out[i].is_none() {
                out[i] = Some(w.as_str());
            }
        }
        out
    }

    /// Keras's `tokenizer.to_json()` form (nested JSON strings included), so
    /// Keras's `tokenizer_from_json` reads it.
    pub fn to_keras_json(&self) -> serde_json::Value {
        use serde_json::{json, to_string, Map, Value};
        let mut index_docs = Map::new();
        for (w, &c) in &self.word_docs {
            if let Some(&i) = self.word_index.get(w) {
                index_docs.insert(i.to_string(), json!(c));
            }
        }
        let mut index_word = Map::new();
        for (w, &i) in &self.word_index {
            index_word.insert(i.to_string(), Value::String(w.clone()));
        }
        json!({
            "class_name": "Tokenizer",
            "config": {
                "num_words": self.num_words,
                "filters": self.filters,
                "lower": self.lower,
                "split": self.split,
                "char_level": false,
                "oov_token": self.oov_token,
                "document_count": self.document_count,
                "word_counts": to_string(&self.word_counts).unwrap(),
                "word_docs": to_string(&self.word_docs).unwrap(),
                "index_docs": to_string(&index_docs).unwrap(),
                "index_word": to_string(&index_word).unwrap(),
                "word_index": to_string(&self.word_index).unwrap(),
            }
        })
    }

    /// Read Keras's `to_json()` form (as written by `to_keras_json`).
    pub fn from_keras_json(v: &serde_json::Value) -> Result<Self, Message> {
        let c = v.get("config").ok_or(msg!("tokenizer.no_config"))?;
        let nested = |key: &str| -> Result<IndexMap<String, usize>, Message> {
            match c.get(key) {
                Some(serde_json::Value::String(s)) => serde_json::from_str(s).map_err(|e| msg!("tokenizer.field", key = key, reason = json_reason(&e))),
                Some(other) => serde_json::from_value(other.clone()).map_err(|e| msg!("tokenizer.field", key = key, reason = json_reason(&e))),
                None => Ok(IndexMap::new()),
            }
        };
        let word_index = nested("word_index")?;
        if word_index.is_empty() {
            return Err(msg!("tokenizer.empty"));
        }
        // Keras numbers words 1, 2, …; an index past the word count would
        // make index_word() allocate (or index) that far.
        if let Some((w, &i)) = word_index.iter().find(|(_, &i)| i == 0 || i > word_index.len()) {
            return Err(msg!("tokenizer.index", word = crate::error::printable(w, 40), index = i, count = word_index.len()));
        }
        if c.get("char_level").and_then(|v| v.as_bool()) == Some(true) {
            return Err(msg!("tokenizer.char_level"));
        }
        Ok(Tokenizer {
            num_words: c.get("num_words").and_then(|v| v.as_u64()).map(|n| n as usize),
            filters: c.get("filters").and_then(|v| v.as_str()).unwrap_or(DEFAULT_FILTERS).to_string(),
            lower: c.get("lower").and_then(|v| v.as_bool()).unwrap_or(true),
            split: c.get("split").and_then(|v| v.as_str()).unwrap_or(" ").to_string(),
            oov_token: c.get("oov_token").and_then(|v| v.as_str()).map(str::to_string),
            document_count: c.get("document_count").and_then(|v| v.as_u64()).unwrap_or(0) as usize,
            word_counts: nested("word_counts")?,
            word_docs: nested("word_docs")?,
            word_index,
        })
    }
}

/// Keras's `text_to_word_sequence`.
pub fn text_to_word_sequence(text: &str, filters: &str, lower: bool, split: &str) -> Vec<String> {
    let lowered;
    let text = if lower {
        lowered = text.to_lowercase();
        lowered.as_str()
    } else {
        text
    };
    let mut replaced = String::with_capacity(text.len());
    for ch in text.chars() {
        if filters.contains(ch) {
            replaced.push_str(split);
        } else {
            replaced.push(ch);
        }
    }
    replaced.split(split).filter(|w| !w.is_empty()).map(str::to_string).collect()
}
