//! The generation task's settings: the text's cut and the model's sizes,
//! each checked against what a tab can train, the field named.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::msg;
use crate::presets::TransformerSizes;

/// The form of the generation task: the text's cut and the model's sizes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LmSettings {
    /// `char`, `word` or `bpe`.
    pub tokenizer: String,
    /// At most this many ids (None: every character or word; 512 byte pairs).
    pub vocab: Option<usize>,
    pub context: usize,
    pub val_split: f32,
    pub layers: usize,
    pub heads: usize,
    pub d_model: usize,
    pub ffn: usize,
    pub batch_size: usize,
    pub learning_rate: f32,
    /// Epochs a run trains (an epoch: every training window once).
    pub epochs: usize,
    pub seed: u64,
    /// Steps between two entries of the samples over time (and the quick
    /// validation beside each).
    pub sample_every: usize,
    /// Tokens in each sample over time.
    pub sample_tokens: usize,
}

impl Default for LmSettings {
    fn default() -> Self {
        let s = TransformerSizes::GPT;
        LmSettings {
            tokenizer: "char".into(),
            vocab: None,
            context: 64,
            val_split: 0.1,
            layers: s.layers,
            heads: s.heads,
            d_model: s.d_model,
            ffn: s.ffn,
            batch_size: 32,
            learning_rate: 1e-3,
            epochs: 3,
            seed: 42,
            sample_every: 100,
            sample_tokens: 120,
        }
    }
}

impl LmSettings {
    /// Each number within what a tab can train; the field is named.
    pub fn validate(&self) -> Result<()> {
        let check = |field: &str, v: usize, lo: usize, hi: usize| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(Error::setting(field, msg!("value.between", value = v, min = lo, max = hi)))
            }
        };
        check("context", self.context, 2, 1024)?;
        check("layers", self.layers, 1, 12)?;
        check("heads", self.heads, 1, 16)?;
        check("d_model", self.d_model, 4, 1024)?;
        check("ffn", self.ffn, 1, 4096)?;
        check("batch_size", self.batch_size, 1, 1024)?;
        check("epochs", self.epochs, 1, 100_000)?;
        check("sample_every", self.sample_every, 1, 1_000_000)?;
        check("sample_tokens", self.sample_tokens, 0, 2000)?;
        let least = match self.tokenizer.as_str() {
            "char" => 2,
            "word" => 3,
            "bpe" => crate::data::bpe::BYTES,
            other => return Err(Error::setting("tokenizer", msg!("lm.unknown_tokenizer", name = other, known = "char, word, bpe"))),
        };
        if let Some(v) = self.vocab {
            check("vocab", v, least, 1_000_000)?;
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0 && self.learning_rate <= 1.0) {
            return Err(Error::setting("learning_rate", msg!("optim.learning_rate", value = self.learning_rate)));
        }
        Ok(())
    }
}
