//! Language modelling data (issue 16, part 4): any text as a sequence of
//! token ids, cut into training windows of `context + 1` tokens whose first
//! `context` are the inputs and whose last `context` the next-token targets.
//!
//! The character tokenizer is the default: it needs no word boundaries, so
//! Chinese works as English does. Ids are given by frequency in the training
//! text (most frequent first, ties by code point), after id 0, which stands
//! for every character the training text does not have (or that a `vocab`
//! limit leaves out), so a prompt or the validation text never fails to encode.

use std::collections::HashMap;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::bpe::BpeTokenizer;
use super::{Encoded, Tokenizer};
use crate::error::{Error, Result};
use crate::msg;

/// Characters ↔ ids, learned from a text. Saved as its list of characters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "Vec<char>", into = "Vec<char>")]
pub struct CharTokenizer {
    /// The character of each id from 1 on (id 0 is "unknown").
    pub chars: Vec<char>,
    index: HashMap<char, u32>,
}

impl From<Vec<char>> for CharTokenizer {
    fn from(chars: Vec<char>) -> Self {
        CharTokenizer::from_chars(chars)
    }
}

impl From<CharTokenizer> for Vec<char> {
    fn from(t: CharTokenizer) -> Self {
        t.chars
    }
}

/// What id 0 reads back as.
pub const UNKNOWN: char = '\u{fffd}';

impl CharTokenizer {
    /// The characters of `text`, most frequent first; at most `vocab` ids
    /// in all (unknown included) when given.
    pub fn fit(text: &str, vocab: Option<usize>) -> Result<Self> {
        if vocab.is_some_and(|v| v < 2) {
            return Err(Error::setting("vocab", msg!("lm.vocab_small", value = vocab.unwrap())));
        }
        let mut counts: HashMap<char, usize> = HashMap::new();
        for c in text.chars() {
            *counts.entry(c).or_insert(0) += 1;
        }
        let mut chars: Vec<(char, usize)> = counts.into_iter().collect();
        chars.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        if let Some(v) = vocab {
            chars.truncate(v - 1);
        }
        Ok(Self::from_chars(chars.into_iter().map(|(c, _)| c).collect()))
    }

    /// A tokenizer with these characters as ids 1, 2, … (as a saved model
    /// carries them).
    pub fn from_chars(chars: Vec<char>) -> Self {
        let index = chars.iter().enumerate().map(|(i, &c)| (c, i as u32 + 1)).collect();
        CharTokenizer { chars, index }
    }

    /// Ids in all, unknown included.
    pub fn vocab_size(&self) -> usize {
        self.chars.len() + 1
    }

    pub fn encode(&self, text: &str) -> Vec<u32> {
        text.chars().map(|c| self.index.get(&c).copied().unwrap_or(0)).collect()
    }

    pub fn decode(&self, ids: &[u32]) -> String {
        ids.iter().map(|&i| if i == 0 { UNKNOWN } else { self.chars.get(i as usize - 1).copied().unwrap_or(UNKNOWN) }).collect()
    }
}

/// How a language model turns text into ids, saved with the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum LmTokenizer {
    /// One id per character (see `CharTokenizer`).
    Char { chars: CharTokenizer },
    /// One id per word, as Keras's `Tokenizer` splits and numbers them
    /// (lower case, punctuation removed, most frequent first); a word it
    /// does not keep reads as its out-of-vocabulary token, id 1.
    Word { words: Tokenizer },
    /// Byte-level byte-pair encoding, GPT-2's (see `bpe`): nothing is
    /// unknown, and common pieces of words become single tokens.
    Bpe { bpe: BpeTokenizer },
}

/// The vocabulary of byte-pair encoding when none is given.
pub const BPE_DEFAULT_VOCAB: usize = 512;

/// The out-of-vocabulary token of a word-level language model.
pub const WORD_OOV: &str = "<OOV>";

impl LmTokenizer {
    /// `char`, `word` or `bpe`: the name `fit` takes.
    pub fn kind(&self) -> &'static str {
        match self {
            LmTokenizer::Char { .. } => "char",
            LmTokenizer::Word { .. } => "word",
            LmTokenizer::Bpe { .. } => "bpe",
        }
    }

    /// Learned from the training text: `kind` is `char`, `word` or `bpe`.
    pub fn fit(kind: &str, text: &str, vocab: Option<usize>) -> Result<Self> {
        match kind {
            "char" => Ok(LmTokenizer::Char { chars: CharTokenizer::fit(text, vocab)? }),
            "word" => {
                if vocab.is_some_and(|v| v < 3) {
                    return Err(Error::setting("vocab", msg!("lm.vocab_small", value = vocab.unwrap())));
                }
                let mut words = Tokenizer::new(vocab, Some(WORD_OOV));
                words.fit_on_texts(&[text]);
                Ok(LmTokenizer::Word { words })
            }
            "bpe" => Ok(LmTokenizer::Bpe { bpe: BpeTokenizer::fit(text, vocab.unwrap_or(BPE_DEFAULT_VOCAB))? }),
            other => Err(Error::setting("tokenizer", msg!("lm.unknown_tokenizer", name = other, known = "char, word, bpe"))),
        }
    }
    pub fn vocab_size(&self) -> usize {
        match self {
            LmTokenizer::Char { chars } => chars.vocab_size(),
            LmTokenizer::Word { words } => words.vocab_size(),
            LmTokenizer::Bpe { bpe } => bpe.vocab_size(),
        }
    }
    pub fn encode(&self, text: &str) -> Vec<u32> {
        match self {
            LmTokenizer::Char { chars } => chars.encode(text),
            LmTokenizer::Word { words } => words.text_to_sequence(text).into_iter().map(|i| i as u32).collect(),
            LmTokenizer::Bpe { bpe } => bpe.encode(text),
        }
    }
    pub fn decode(&self, ids: &[u32]) -> String {
        match self {
            LmTokenizer::Char { chars } => chars.decode(ids),
            LmTokenizer::Word { .. } => ids.iter().map(|&i| self.token(i)).collect::<Vec<_>>().join(" "),
            LmTokenizer::Bpe { bpe } => bpe.decode(ids),
        }
    }
    /// Each token as text, for pictures and lists of candidates.
    pub fn token(&self, id: u32) -> String {
        match self {
            LmTokenizer::Char { chars } => chars.decode(&[id]),
            LmTokenizer::Word { words } => words.index_word().get(id as usize).copied().flatten().unwrap_or(WORD_OOV).to_string(),
            LmTokenizer::Bpe { bpe } => bpe.token_text(id),
        }
    }
    /// The bytes a token adds to text written one token at a time (a word
    /// with its space before it; for byte-pair encoding, maybe part of a
    /// character, which the next tokens complete).
    pub fn piece(&self, id: u32) -> Vec<u8> {
        match self {
            LmTokenizer::Char { .. } => self.token(id).into_bytes(),
            LmTokenizer::Word { .. } => format!(" {}", self.token(id)).into_bytes(),
            LmTokenizer::Bpe { bpe } => bpe.token_bytes(id),
        }
    }
    /// The id text this tokenizer cannot read becomes, if there is one.
    pub fn unknown_id(&self) -> Option<u32> {
        match self {
            LmTokenizer::Char { .. } => Some(0),
            LmTokenizer::Word { .. } => Some(1),
            LmTokenizer::Bpe { .. } => None,
        }
    }
    /// Where generation from an empty prompt starts: the unknown token, as
    /// from nothing, or for bytes a line break.
    pub fn start_id(&self) -> u32 {
        match self {
            LmTokenizer::Bpe { bpe } => bpe.encode("\n")[0],
            _ => 0,
        }
    }
}

/// The text of the bytes that make whole characters, taken from the front of
/// `pending`; the bytes of a character not yet complete stay for the next
/// token (a byte pair may be part of one). Invalid bytes read as U+FFFD.
pub fn take_whole_chars(pending: &mut Vec<u8>) -> String {
    let whole = match std::str::from_utf8(pending) {
        Ok(_) => pending.len(),
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        Err(_) => pending.len(),
    };
    let text = String::from_utf8_lossy(&pending[..whole]).into_owned();
    pending.drain(..whole);
    text
}

/// What a saved language model carries besides its network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LanguageModelMeta {
    pub tokenizer: LmTokenizer,
    /// Tokens the model reads at once.
    pub context: usize,
}

/// A text made ready for a language model: the tokenizer learned from its
/// training part (all but the last `val_split` of its characters) and both
/// parts as ids. The held-out tail may hold characters the training part
/// never had: they read as unknown, as they would in use.
#[derive(Debug, Clone)]
pub struct LmText {
    pub source: String,
    pub characters: usize,
    pub tokenizer: LmTokenizer,
    pub train_ids: Vec<u32>,
    pub val_ids: Vec<u32>,
}

impl LmText {
    /// Errors name the setting (`tokenizer`, `vocab`, `context`,
    /// `val_split`) or say the text is empty.
    pub fn prepare(text: &str, tokenizer: &str, vocab: Option<usize>, context: usize, val_split: f32) -> Result<Self> {
        LmText::with_tokenizer(text, None, tokenizer, vocab, context, val_split)
    }

    /// As `prepare`, with a saved model's tokenizer when given.
    pub fn with_tokenizer(text: &str, saved: Option<LmTokenizer>, kind: &str, vocab: Option<usize>, context: usize, val_split: f32) -> Result<Self> {
        if text.trim().is_empty() {
            return Err(Error::EmptyData { source_name: "text".into(), reason: msg!("lm.empty_text") });
        }
        if !(val_split.is_finite() && (0.0..0.9).contains(&val_split)) {
            return Err(Error::setting("val_split", msg!("lab.val_split", value = val_split)));
        }
        if context == 0 {
            return Err(Error::setting("context", msg!("lm.context_zero")));
        }
        let chars: Vec<char> = text.chars().collect();
        let cut = chars.len() - (chars.len() as f64 * val_split as f64).floor() as usize;
        let train_text: String = chars[..cut].iter().collect();
        let val_text: String = chars[cut..].iter().collect();
        let tokenizer = match saved {
            Some(t) => t,
            None => LmTokenizer::fit(kind, &train_text, vocab)?,
        };
        let (train_ids, val_ids) = (tokenizer.encode(&train_text), tokenizer.encode(&val_text));
        if train_ids.len() < context + 1 {
            return Err(Error::setting("context", msg!("lm.text_shorter_than_context", tokens = train_ids.len(), context = context)));
        }
        Ok(LmText { source: text.to_string(), characters: chars.len(), tokenizer, train_ids, val_ids })
    }
}

/// Windows of `context + 1` tokens as a trainer's rows, in order: inputs,
/// and one target per position (the next token).
pub fn as_rows(ids: &[u32], context: usize) -> Result<Encoded> {
    let w = windows(ids, context, None)?;
    Ok(Encoded { ids: w.iter().map(|(x, _)| x.iter().map(|&i| i as f32).collect()).collect(), classes: w.iter().flat_map(|(_, y)| y.iter().map(|&i| i as usize)).collect() })
}

/// Training FLOPs per token of a language model: 3 × the forward pass's 2
/// per multiply-add, over every product with a weight (each Dense applied
/// per position, attention's projections, the feed-forward layers) plus
/// attention's own two products over the window (the score and the
/// weighted sum, context × d_model each per token).
pub fn training_flops_per_token<B: crate::backend::Backend>(model: &crate::model::Model<B>) -> f64 {
    let context = model.input_shape.first().copied().unwrap_or(1) as f64;
    let mut macs = 0.0;
    for l in &model.layers {
        // Embedding tables are looked up, not multiplied.
        let looked_up = matches!(l.config, crate::nn::LayerConfig::TokenAndPositionEmbedding(_) | crate::nn::LayerConfig::Embedding(_));
        if !looked_up {
            macs += l.weights.iter().filter(|w| w.shape.len() >= 2).map(|w| w.shape.iter().product::<usize>() as f64).sum::<f64>();
        }
        if l.config.attends() {
            let d = l.input_shape.last().copied().unwrap_or(0) as f64;
            macs += 2.0 * context * d;
        }
    }
    6.0 * macs
}

/// A token sequence split into training and validation parts: the last
/// `val_split` of it is held out, so validation text follows training text
/// as it would in use.
pub fn split_tail(ids: &[u32], val_split: f32) -> Result<(&[u32], &[u32])> {
    if !(val_split.is_finite() && (0.0..0.9).contains(&val_split)) {
        return Err(Error::setting("val_split", msg!("lab.val_split", value = val_split)));
    }
    let cut = ids.len() - (ids.len() as f64 * val_split as f64).floor() as usize;
    Ok(ids.split_at(cut))
}

/// The windows of an epoch: `ids` cut into consecutive, non-overlapping
/// runs of `context + 1` tokens (a shorter tail is left out), in an order
/// shuffled by `seed` (None: in order, as validation reads them). Each
/// window is (inputs, targets): tokens 0..context and 1..context+1.
pub fn windows(ids: &[u32], context: usize, seed: Option<u64>) -> Result<Vec<(Vec<u32>, Vec<u32>)>> {
    if context == 0 {
        return Err(Error::setting("context", msg!("lm.context_zero")));
    }
    let mut out: Vec<(Vec<u32>, Vec<u32>)> = ids.chunks_exact(context + 1).map(|w| (w[..context].to_vec(), w[1..].to_vec())).collect();
    if let Some(seed) = seed {
        out.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    }
    Ok(out)
}

/// The entropy of the tokens' frequencies, in nats per token: the loss of a
/// model that knows only how common each token is. A language model that
/// learned anything about order is well below it.
pub fn unigram_entropy(ids: &[u32]) -> f64 {
    let mut counts: HashMap<u32, usize> = HashMap::new();
    for &i in ids {
        *counts.entry(i).or_insert(0) += 1;
    }
    let n = ids.len() as f64;
    counts.values().map(|&c| c as f64 / n).map(|p| -p * p.ln()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_by_frequency_with_unknown_as_zero() {
        let t = CharTokenizer::fit("abracadabra", None).unwrap();
        // a ×5, b ×2, r ×2, c ×1, d ×1: ties by code point.
        assert_eq!(t.chars, vec!['a', 'b', 'r', 'c', 'd']);
        assert_eq!(t.vocab_size(), 6);
        assert_eq!(t.encode("abz"), vec![1, 2, 0]);
        assert_eq!(t.decode(&t.encode("cab")), "cab");
        assert_eq!(t.decode(&[0, 99]), "\u{fffd}\u{fffd}");
        let small = CharTokenizer::fit("abracadabra", Some(3)).unwrap();
        assert_eq!(small.chars, vec!['a', 'b']);
        assert_eq!(small.encode("r"), vec![0]);
        assert!(CharTokenizer::fit("ab", Some(1)).is_err());
    }

    #[test]
    fn words_as_keras_splits_them_with_unknown_words_as_oov() {
        let t = LmTokenizer::fit("word", "The cat, the dog. The END!", None).unwrap();
        // Keras: lower case, punctuation gone, <OOV> first, then by frequency.
        assert_eq!(t.encode("the cat"), vec![2, 3]);
        assert_eq!(t.encode("the zebra"), vec![2, 1]);
        assert_eq!(t.decode(&t.encode("The dog.")), "the dog");
        assert_eq!(t.token(1), WORD_OOV);
        assert_eq!(t.vocab_size(), 6);
        let back: LmTokenizer = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
        assert_eq!(back, t);
        assert!(LmTokenizer::fit("word", "a b", Some(2)).is_err());
        assert!(LmTokenizer::fit("sentencepiece", "a b", None).unwrap_err().to_string().contains("char, word, bpe"));
        assert_eq!(t.unknown_id(), Some(1));
        assert_eq!(t.piece(2), b" the");
    }

    #[test]
    fn bytes_pairs_saved_with_their_merges() {
        let t = LmTokenizer::fit("bpe", "the cat and the hat; 学而时习之", Some(260)).unwrap();
        assert_eq!((t.vocab_size(), t.unknown_id()), (260, None));
        assert_eq!(t.decode(&t.encode("the 习 zebra")), "the 习 zebra");
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(json["kind"], "bpe");
        assert_eq!(json["bpe"]["merges"].as_array().unwrap().len(), 4);
        let back: LmTokenizer = serde_json::from_value(json).unwrap();
        assert_eq!(back, t);
        assert_eq!(t.token(t.start_id()), "\n");
    }

    #[test]
    fn chinese_is_characters_too() {
        let t = CharTokenizer::fit("学而时习之，不亦说乎？", None).unwrap();
        assert_eq!(t.vocab_size(), 12);
        assert_eq!(t.decode(&t.encode("时习之")), "时习之");
        // Saved as its characters, and read back whole.
        let back: CharTokenizer = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
        assert_eq!(back.encode("时习之"), t.encode("时习之"));
    }

    #[test]
    fn windows_are_consecutive_non_overlapping_and_shifted_by_one() {
        let ids: Vec<u32> = (0..11).collect();
        let w = windows(&ids, 3, None).unwrap();
        assert_eq!(w, vec![(vec![0, 1, 2], vec![1, 2, 3]), (vec![4, 5, 6], vec![5, 6, 7])]);
        // The seed shuffles the order, and only the order.
        let ids: Vec<u32> = (0..400).collect();
        let (a, b) = (windows(&ids, 3, Some(1)).unwrap(), windows(&ids, 3, Some(1)).unwrap());
        assert_eq!(a, b);
        let mut sorted = a.clone();
        sorted.sort();
        assert_ne!(a, sorted);
        assert_eq!(sorted, windows(&ids, 3, None).unwrap());
        assert!(windows(&ids, 0, None).is_err());
    }

    #[test]
    fn the_tail_is_held_out() {
        let ids: Vec<u32> = (0..10).collect();
        let (train, val) = split_tail(&ids, 0.2).unwrap();
        assert_eq!((train, val), (&ids[..8], &ids[8..]));
        assert!(split_tail(&ids, f32::NAN).is_err());
    }

    #[test]
    fn unigram_entropy_in_nats() {
        assert!(unigram_entropy(&[1, 1, 1]).abs() < 1e-12);
        assert!((unigram_entropy(&[1, 2, 1, 2]) - std::f64::consts::LN_2).abs() < 1e-12);
        assert!((unigram_entropy(&[1, 2, 3, 4]) - 4f64.ln()).abs() < 1e-12);
    }
}
