//! Byte-level byte-pair encoding, GPT-2's tokenizer, learned from a text as
//! Hugging Face `tokenizers`' `BpeTrainer` learns it (with the `ByteLevel`
//! pre-tokenizer, no prefix space); `tests/bpe.rs` holds it to that library's
//! merges and encodings, token for token.
//!
//! Text is cut into words by GPT-2's pattern (contractions, letters, digits,
//! other symbols, each with at most one leading space; runs of white space),
//! and each word's UTF-8 bytes become 256 printable characters, so every text
//! encodes and nothing is unknown. Training starts from those 256 tokens and
//! repeatedly merges the most frequent adjacent pair (counted over the words,
//! ties to the smallest pair of ids) into a new token. Encoding applies the
//! merges in the order they were learned. The merges, in order, are the whole
//! tokenizer: saved as GPT-2's `merges.txt` lines ("Ġ t"), readable as they are.
//!
//! Written here rather than taken from the `tokenizers` crate: it is 400
//! lines where that crate brings two regular-expression engines and a score
//! of dependencies into the page's wasm.

use std::collections::{BinaryHeap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use unicode_general_category::{get_general_category, GeneralCategory as G};

use crate::error::{Error, Result};
use crate::msg;

/// The 256 byte values as GPT-2's printable characters: the printable
/// Latin-1 bytes stand for themselves, the others (control bytes, space,
/// NBSP, soft hyphen) for U+0100 onwards in byte order (space is 'Ġ').
fn byte_chars() -> [char; 256] {
    let printable = |b: u32| (33..=126).contains(&b) || (161..=172).contains(&b) || (174..=255).contains(&b);
    let mut out = ['\0'; 256];
    let mut next = 256;
    for b in 0..256u32 {
        out[b as usize] = if printable(b) {
            char::from_u32(b).unwrap()
        } else {
            next += 1;
            char::from_u32(next - 1).unwrap()
        };
    }
    out
}

/// Text in the byte-level alphabet, as the merges write it ("Ġworld").
pub fn byte_level(text: &str) -> String {
    let chars = byte_chars();
    text.bytes().map(|b| chars[b as usize]).collect()
}

fn is_letter(c: char) -> bool {
    matches!(get_general_category(c), G::UppercaseLetter | G::LowercaseLetter | G::TitlecaseLetter | G::ModifierLetter | G::OtherLetter)
}

fn is_number(c: char) -> bool {
    matches!(get_general_category(c), G::DecimalNumber | G::LetterNumber | G::OtherNumber)
}

/// GPT-2's pre-tokenizer: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+|
/// ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, tried in that order at each position.
/// Written out because its look-ahead is beyond Rust's `regex`.
pub fn pre_tokenize(text: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let at = |i: usize| chars.get(i).map(|&(_, c)| c);
    let offset = |i: usize| chars.get(i).map_or(text.len(), |&(o, _)| o);
    let run = |mut i: usize, class: &dyn Fn(char) -> bool| {
        while at(i).is_some_and(class) {
            i += 1;
        }
        i
    };
    let other = |c: char| !c.is_whitespace() && !is_letter(c) && !is_number(c);
    let mut words = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let rest = &text[offset(i)..];
        let contraction = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"].iter().find(|p| rest.starts_with(*p));
        let end = if let Some(p) = contraction {
            i + p.chars().count()
        } else {
            // ` ?X+` for letters, digits and other symbols, in that order.
            let body = if at(i) == Some(' ') { i + 1 } else { i };
            let classes: [&dyn Fn(char) -> bool; 3] = [&is_letter, &is_number, &other];
            match classes.iter().find(|class| at(body).is_some_and(|c| class(c))) {
                Some(class) => run(body, *class),
                None => {
                    // White space: up to the last one before a non-space
                    // (which may lead the next word), or all of it at the end.
                    let stop = run(i, &|c: char| c.is_whitespace());
                    if stop < chars.len() && stop - i > 1 {
                        stop - 1
                    } else {
                        stop
                    }
                }
            }
        };
        words.push(&text[offset(i)..offset(end)]);
        i = end;
    }
    words
}

/// A learned byte-level BPE: its tokens and the merges that made them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SavedBpe", into = "SavedBpe")]
pub struct BpeTokenizer {
    /// Each id's token in the byte-level alphabet ("Ġthe").
    tokens: Vec<String>,
    /// The learned merges in order: (left id, right id) → the new id.
    merges: Vec<((u32, u32), u32)>,
    ids: HashMap<String, u32>,
    ranks: HashMap<(u32, u32), (usize, u32)>,
    to_char: [char; 256],
    to_byte: HashMap<char, u8>,
}

/// As a saved model carries it: the merges, one "left right" line each.
#[derive(Serialize, Deserialize)]
struct SavedBpe {
    merges: Vec<String>,
}

impl From<BpeTokenizer> for SavedBpe {
    fn from(t: BpeTokenizer) -> Self {
        SavedBpe { merges: t.merge_lines() }
    }
}

impl TryFrom<SavedBpe> for BpeTokenizer {
    type Error = String;
    fn try_from(s: SavedBpe) -> std::result::Result<Self, String> {
        let mut t = BpeTokenizer::base();
        for (n, line) in s.merges.iter().enumerate() {
            let pair = line.split_once(' ').and_then(|(a, b)| Some((*t.ids.get(a)?, *t.ids.get(b)?)));
            let pair = pair.ok_or_else(|| format!("merge {}: '{}' is not two known tokens separated by a space", n + 1, line))?;
            t.push_merge(pair);
        }
        Ok(t)
    }
}

/// One entry of the trainer's queue: a pair, its count when queued, and the
/// words it was in. Ordered by count, then the smaller pair first.
#[derive(PartialEq, Eq)]
struct Candidate {
    pair: (u32, u32),
    count: i64,
    words: HashSet<usize>,
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.count.cmp(&other.count).then_with(|| other.pair.cmp(&self.pair))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Merges `(a, b)` into `new` left to right in one word's symbols; the
/// changes to the counts of the pairs around each merge (the reference's
/// bookkeeping: the pair before a merge and the one after it lose one, the
/// pairs with the new token gain one). One pass, so a long word costs its
/// length, not its length squared.
fn merge_word(symbols: &mut Vec<u32>, (a, b): (u32, u32), new: u32) -> Vec<((u32, u32), i64)> {
    let mut changes = Vec::new();
    let mut out: Vec<u32> = Vec::with_capacity(symbols.len());
    let mut i = 0;
    while i < symbols.len() {
        if i + 1 < symbols.len() && symbols[i] == a && symbols[i + 1] == b {
            if let Some(&prev) = out.last() {
                changes.push(((prev, a), -1));
                changes.push(((prev, new), 1));
            }
            if let Some(&next) = symbols.get(i + 2) {
                changes.push(((b, next), -1));
                changes.push(((new, next), 1));
            }
            out.push(new);
            i += 2;
        } else {
            out.push(symbols[i]);
            i += 1;
        }
    }
    *symbols = out;
    changes
}

/// The smallest vocabulary: the 256 bytes.
pub const BYTES: usize = 256;

impl BpeTokenizer {
    /// The 256 byte tokens, numbered in the order of their characters (as
    /// the trainer numbers its alphabet: '!' is 0).
    fn base() -> Self {
        let to_char = byte_chars();
        let mut sorted = to_char;
        sorted.sort();
        let tokens: Vec<String> = sorted.iter().map(|c| c.to_string()).collect();
        let ids = tokens.iter().enumerate().map(|(i, t)| (t.clone(), i as u32)).collect();
        let to_byte = to_char.iter().enumerate().map(|(b, &c)| (c, b as u8)).collect();
        BpeTokenizer { tokens, merges: Vec::new(), ids, ranks: HashMap::new(), to_char, to_byte }
    }

    /// Records a learned merge; a token that already exists (from another
    /// pair) keeps its id.
    fn push_merge(&mut self, pair: (u32, u32)) -> u32 {
        let token = format!("{}{}", self.tokens[pair.0 as usize], self.tokens[pair.1 as usize]);
        let id = match self.ids.get(&token) {
            Some(&id) => id,
            None => {
                self.tokens.push(token.clone());
                self.ids.insert(token, self.tokens.len() as u32 - 1);
                self.tokens.len() as u32 - 1
            }
        };
        self.ranks.insert(pair, (self.merges.len(), id));
        self.merges.push((pair, id));
        id
    }

    /// Learns merges from `text` until there are `vocab` tokens or no
    /// adjacent pair is left (a pair seen once still merges, as in the
    /// reference).
    pub fn fit(text: &str, vocab: usize) -> Result<Self> {
        if vocab < BYTES {
            return Err(Error::setting("vocab", msg!("lm.bpe_vocab_small", value = vocab, min = BYTES)));
        }
        let mut t = Self::base();
        let mut counts: HashMap<&str, i64> = HashMap::new();
        for w in pre_tokenize(text) {
            *counts.entry(w).or_insert(0) += 1;
        }
        let (mut words, weights): (Vec<Vec<u32>>, Vec<i64>) = counts.into_iter().map(|(w, n)| (t.byte_ids(w), n)).unzip();
        // Every adjacent pair's count, and the words it is in.
        let mut pair_counts: HashMap<(u32, u32), i64> = HashMap::new();
        let mut where_: HashMap<(u32, u32), HashSet<usize>> = HashMap::new();
        for (w, symbols) in words.iter().enumerate() {
            for p in symbols.windows(2) {
                *pair_counts.entry((p[0], p[1])).or_insert(0) += weights[w];
                where_.entry((p[0], p[1])).or_default().insert(w);
            }
        }
        let mut queue: BinaryHeap<Candidate> = where_.drain().map(|(pair, words)| Candidate { pair, count: pair_counts[&pair], words }).collect();
        while t.tokens.len() < vocab {
            let Some(mut top) = queue.pop() else { break };
            // Counts only fall as merges take pairs apart: a stale entry
            // goes back with its count now, and is compared again.
            if top.count != pair_counts[&top.pair] {
                top.count = pair_counts[&top.pair];
                queue.push(top);
                continue;
            }
            if top.count < 1 {
                break;
            }
            let new = t.push_merge(top.pair);
            let mut grown: HashMap<(u32, u32), HashSet<usize>> = HashMap::new();
            for &w in &top.words {
                for (pair, change) in merge_word(&mut words[w], top.pair, new) {
                    *pair_counts.entry(pair).or_insert(0) += change * weights[w];
                    if change > 0 {
                        grown.entry(pair).or_default().insert(w);
                    }
                }
            }
            for (pair, words) in grown {
                let count = pair_counts[&pair];
                if count > 0 {
                    queue.push(Candidate { pair, count, words });
                }
            }
        }
        Ok(t)
    }

    /// A word's bytes as the ids of the 256 byte tokens.
    fn byte_ids(&self, word: &str) -> Vec<u32> {
        word.bytes().map(|b| self.ids[&self.to_char[b as usize].to_string()]).collect()
    }

    pub fn vocab_size(&self) -> usize {
        self.tokens.len()
    }

    /// The merges in order as GPT-2's `merges.txt` writes them ("Ġ t").
    pub fn merge_lines(&self) -> Vec<String> {
        self.merges.iter().map(|&((a, b), _)| format!("{} {}", self.tokens[a as usize], self.tokens[b as usize])).collect()
    }

    /// A token in the byte-level alphabet, as the merges write it ("Ġthe").
    pub fn token_symbol(&self, id: u32) -> Option<&str> {
        self.tokens.get(id as usize).map(|s| s.as_str())
    }

    /// The bytes a token stands for.
    pub fn token_bytes(&self, id: u32) -> Vec<u8> {
        self.tokens.get(id as usize).map_or(Vec::new(), |s| s.chars().map(|c| self.to_byte[&c]).collect())
    }

    /// One word by the merges, lowest rank first (the leftmost of equal
    /// rank): the symbols as a linked list and the candidate merges in a
    /// heap, so a long word costs n log n rather than n².
    fn encode_word(&self, word: &str, out: &mut Vec<u32>) {
        const NONE: usize = usize::MAX;
        let mut symbols = self.byte_ids(word);
        let n = symbols.len();
        let mut next: Vec<usize> = (1..=n).map(|j| if j == n { NONE } else { j }).collect();
        let mut prev: Vec<usize> = (0..n).map(|i| if i == 0 { NONE } else { i - 1 }).collect();
        let mut alive = vec![true; n];
        let rank = |s: &[u32], i: usize, j: usize| self.ranks.get(&(s[i], s[j])).copied();
        let mut heap: BinaryHeap<std::cmp::Reverse<(usize, usize)>> = (0..n.saturating_sub(1)).filter_map(|i| rank(&symbols, i, i + 1).map(|(r, _)| std::cmp::Reverse((r, i)))).collect();
        while let Some(std::cmp::Reverse((r, i))) = heap.pop() {
            let j = next[i];
            if !alive[i] || j == NONE {
                continue;
            }
            // A stale entry: the pair at i has merged since.
            let Some((now, id)) = rank(&symbols, i, j) else { continue };
            if now != r {
                continue;
            }
            symbols[i] = id;
            alive[j] = false;
            next[i] = next[j];
            if next[j] != NONE {
                prev[next[j]] = i;
            }
            if prev[i] != NONE {
                if let Some((r, _)) = rank(&symbols, prev[i], i) {
                    heap.push(std::cmp::Reverse((r, prev[i])));
                }
            }
            if next[i] != NONE {
                if let Some((r, _)) = rank(&symbols, i, next[i]) {
                    heap.push(std::cmp::Reverse((r, i)));
                }
            }
        }
        out.extend(symbols.iter().zip(&alive).filter(|(_, &a)| a).map(|(&s, _)| s));
    }

    pub fn encode(&self, text: &str) -> Vec<u32> {
        let mut cache: HashMap<&str, Vec<u32>> = HashMap::new();
        let mut out = Vec::with_capacity(text.len() / 3);
        for w in pre_tokenize(text) {
            let ids = cache.entry(w).or_insert_with(|| {
                let mut v = Vec::new();
                self.encode_word(w, &mut v);
                v
            });
            out.extend_from_slice(ids);
        }
        out
    }

    /// The text of some ids: their bytes as UTF-8, an incomplete character
    /// read as U+FFFD.
    pub fn decode(&self, ids: &[u32]) -> String {
        let bytes: Vec<u8> = ids.iter().flat_map(|&i| self.token_bytes(i)).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// A token for a picture or a list: its text, or, when it is part of a
    /// character, its bytes in hex ("<e5 ad>").
    pub fn token_text(&self, id: u32) -> String {
        let bytes = self.token_bytes(id);
        match std::str::from_utf8(&bytes) {
            Ok(s) => s.to_string(),
            Err(_) => format!("<{}>", bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_as_gpt2_writes_them() {
        let c = byte_chars();
        assert_eq!((c[b'a' as usize], c[b' ' as usize], c[b'\n' as usize], c[0]), ('a', 'Ġ', 'Ċ', 'Ā'));
        let distinct: HashSet<char> = c.iter().copied().collect();
        assert_eq!(distinct.len(), 256);
        let t = BpeTokenizer::base();
        assert_eq!((t.token_symbol(0), t.vocab_size()), (Some("!"), 256));
    }

    #[test]
    fn gpt2_words() {
        assert_eq!(pre_tokenize("Hello world's  end\n\n  x 42!?"), vec!["Hello", " world", "'s", " ", " end", "\n\n ", " x", " 42", "!?"]);
        assert_eq!(pre_tokenize("a \n\tb  "), vec!["a", " \n", "\t", "b", "  "]);
        assert_eq!(pre_tokenize("学而时习之，不亦说乎？"), vec!["学而时习之", "，", "不亦说乎", "？"]);
        assert_eq!(pre_tokenize(""), Vec::<&str>::new());
    }

    #[test]
    fn merges_the_most_frequent_pair_and_round_trips() {
        let t = BpeTokenizer::fit("low low low lower lowest", 260).unwrap();
        // As Hugging Face tokenizers learns them (tests/bpe.rs compares real text).
        assert_eq!(t.merge_lines(), ["l o", "lo w", "Ġ low", "Ġlow e"]);
        assert_eq!(t.decode(&t.encode("lowest slow 学")), "lowest slow 学");
        let back: BpeTokenizer = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
        assert_eq!(back, t);
        assert!(serde_json::from_str::<BpeTokenizer>(r#"{"merges":["l"]}"#).is_err());
        assert!(BpeTokenizer::fit("abc", 255).is_err());
        // A word of a million bytes costs its length, in training and in use.
        let long = "a".repeat(1_000_000);
        let t = BpeTokenizer::fit(&long, 300).unwrap();
        assert_eq!(t.decode(&t.encode(&long)), long);
        assert!(t.encode(&long).len() < 1_000);
        // Part of a character shows as its bytes.
        let t = BpeTokenizer::base();
        assert_eq!(t.token_text(t.encode("学")[0]), "<e5>");
    }
}
