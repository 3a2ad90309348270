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
