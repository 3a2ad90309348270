//! Text models' words, for explanations: which tokens a padded row holds
//! (as the model saw them: after the vocabulary limit and truncation), and
//! rows holding one word alone, to ask which class that word leans to.

use crate::backend::Backend;
use crate::data::{Side, Tokenizer};
use crate::model::Model;
use crate::trainer::predicted_class;

/// The positions of a padded row that hold a token, and the token's word
/// (the OOV token's text for an unknown word).
pub fn seen_tokens(tok: &Tokenizer, row: &[f32]) -> Vec<(usize, String)> {
    let words = tok.index_word();
    row.iter()
        .enumerate()
        .filter(|(_, &id)| id != 0.0)
        .map(|(i, &id)| (i, words.get(id as usize).copied().flatten().unwrap_or("?").to_string()))
        .collect()
}

/// Per id, the class the model predicts for a text of that word alone, and
/// its probability.
pub fn leanings<B: Backend>(model: &Model<B>, ids: &[usize], padding: Side) -> Vec<(usize, f32)> {
    let len = model.input_len;
    let rows: Vec<Vec<f32>> = ids
        .iter()
        .map(|&id| {
            let mut r = vec![0.0; len];
            r[if padding == Side::Pre { len - 1 } else { 0 }] = id as f32;
            r
        })
        .collect();
    model
        .predict(&rows, 256)
        .into_iter()
        .map(|p| {
            let p = if p.len() == 1 { vec![1.0 - p[0], p[0]] } else { p };
            let c = predicted_class(&p);
            (c, p[c])
        })
        .collect()
}

/// An Embedding's most frequent words placed by PCA: what the projector
/// draws and `gradlab project` prints.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EmbeddingMap {
    pub points: Vec<MapPoint>,
    pub explained_variance_ratio: Vec<f64>,
    pub explained_variance: Vec<f64>,
    /// The table's width.
    pub width: usize,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MapPoint {
    pub word: String,
    pub id: usize,
    pub coords: Vec<f32>,
    /// The class the word alone leans to, and its probability.
    pub class: usize,
    pub probability: f32,
}

/// The model's token table (its first layer's first weight), its number
/// of rows and its width; None when the model does not start with an
/// Embedding (or a token-and-position one).
pub fn token_table<B: Backend>(model: &Model<B>) -> Option<(Vec<f32>, usize, usize)> {
    let rows = model.layers[0].config.vocabulary()?;
    let table = model.backend.download(&model.weights[0][0]);
    let width = table.len() / rows.max(1);
    Some((table, rows, width))
}

/// The model's token table, its width, and the ids of the words it has
/// rows for.
pub fn table<B: Backend>(model: &Model<B>, tok: &Tokenizer) -> Option<(Vec<f32>, usize, Vec<usize>)> {
    let (table, rows, width) = token_table(model)?;
    let index_word = tok.index_word();
    let ids = (1..rows.min(index_word.len())).filter(|&i| index_word[i].is_some()).collect();
    Some((table, width, ids))
}

/// What a language model's tokens are coloured by in the projector (it
/// has no classes): the kind of character a token starts with, after a
/// leading space.
pub const TOKEN_KINDS: [&str; 6] = ["letter", "digit", "punctuation", "space", "han", "other"];

pub fn token_kind(token: &str) -> usize {
    let rest = token.trim_start();
    match rest.chars().next() {
        None if token.is_empty() => 5,
        None => 3,
        Some(c) if ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c) || ('\u{20000}'..='\u{2ffff}').contains(&c) => 4,
        Some(c) if c.is_alphabetic() => 0,
        Some(c) if c.is_numeric() => 1,
        Some(c) if is_punctuation(c) => 2,
        Some(_) => 5,
    }
}

/// Unicode's punctuation and symbols (，。！ as much as , . !).
fn is_punctuation(c: char) -> bool {
    use unicode_general_category::{get_general_category, GeneralCategory as G};
    matches!(
        get_general_category(c),
        G::ConnectorPunctuation | G::DashPunctuation | G::OpenPunctuation | G::ClosePunctuation | G::InitialPunctuation | G::FinalPunctuation | G::OtherPunctuation | G::MathSymbol | G::CurrencySymbol | G::ModifierSymbol | G::OtherSymbol
    )
}

/// A language model's tokens `tokens` (id, text) by PCA, each coloured by
/// its kind ([`TOKEN_KINDS`]).
pub fn token_map<B: Backend>(model: &Model<B>, tokens: &[(usize, String)], components: usize) -> Option<EmbeddingMap> {
    let (kept, picked, width) = token_rows(model, tokens)?;
    let p = crate::explain::pca(&picked, width, components);
    let points = token_points(kept, p.coords);
    Some(EmbeddingMap { points, explained_variance_ratio: p.explained_variance_ratio, explained_variance: p.explained_variance, width })
}

/// The tokens of `tokens` the token table has rows for, those rows, and
/// its width.
pub fn token_rows<'a, B: Backend>(model: &Model<B>, tokens: &'a [(usize, String)]) -> Option<(Vec<&'a (usize, String)>, Vec<f32>, usize)> {
    let (table, rows, width) = token_table(model)?;
    let kept: Vec<&(usize, String)> = tokens.iter().filter(|t| t.0 < rows).collect();
    let picked = kept.iter().flat_map(|t| table[t.0 * width..(t.0 + 1) * width].iter().copied()).collect();
    Some((kept, picked, width))
}

/// Points for a language model's tokens at `coords`, each of its kind.
pub fn token_points(tokens: Vec<&(usize, String)>, coords: Vec<Vec<f32>>) -> Vec<MapPoint> {
    tokens
        .into_iter()
        .zip(coords)
        .map(|((id, word), coords)| MapPoint { word: word.clone(), id: *id, coords, class: token_kind(word), probability: 1.0 })
        .collect()
}

/// The first `count` words' ids (the most frequent) and their rows of the
/// token table, and its width.
pub fn first_rows<B: Backend>(model: &Model<B>, tok: &Tokenizer, count: usize) -> Option<(Vec<usize>, Vec<f32>, usize)> {
    let (table, width, ids) = table(model, tok)?;
    let ids: Vec<usize> = ids.into_iter().take(count).collect();
    let picked: Vec<f32> = ids.iter().flat_map(|&i| table[i * width..(i + 1) * width].iter().copied()).collect();
    Some((ids, picked, width))
}

/// Points for `ids` at `coords`, each with the class its word leans to.
pub fn map_points<B: Backend>(model: &Model<B>, tok: &Tokenizer, padding: Side, ids: &[usize], coords: Vec<Vec<f32>>) -> Vec<MapPoint> {
    let words = tok.index_word();
    ids.iter()
        .zip(coords)
        .zip(leanings(model, ids, padding))
        .map(|((&id, coords), (class, probability))| MapPoint { word: words[id].unwrap_or("?").to_string(), id, coords, class, probability })
        .collect()
}

/// The first `count` words (the most frequent) on `components` axes.
pub fn embedding_map<B: Backend>(model: &Model<B>, tok: &Tokenizer, padding: Side, count: usize, components: usize) -> Option<EmbeddingMap> {
    let (ids, picked, width) = first_rows(model, tok, count)?;
    let p = crate::explain::pca(&picked, width, components);
    let points = map_points(model, tok, padding, &ids, p.coords);
    Some(EmbeddingMap { points, explained_variance_ratio: p.explained_variance_ratio, explained_variance: p.explained_variance, width })
}

/// A word's nearest neighbours among the model's words, by cosine.
pub fn neighbours<B: Backend>(model: &Model<B>, tok: &Tokenizer, word: &str, count: usize) -> Option<Vec<(String, f32)>> {
    let (table, width, ids) = table(model, tok)?;
    let id = *tok.word_index.get(&word.trim().to_lowercase())?;
    if !ids.contains(&id) {
        return None;
    }
    let words = tok.index_word();
    Some(crate::explain::nearest(&table, width, id, count, &ids).into_iter().map(|(i, c)| (words[i].unwrap_or("?").to_string(), c)).collect())
}
