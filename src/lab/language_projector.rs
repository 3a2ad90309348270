//! The embedding projector for the generation task (issue 18 §2): a
//! language model's token table by PCA or t-SNE, each token coloured by
//! its kind (a letter, a digit, punctuation, a Han character…), and a
//! token's nearest neighbours by cosine.

use super::*;
use crate::explain::words::{self, EmbeddingMap};
use crate::explain::nearest;
use crate::data::lm::LmTokenizer;

impl LanguageLab {
    /// The `count` tokens to place: the most frequent in the training text
    /// (ties by id), or, for a model held without a text, the first ids
    /// (the unknown token left out).
    fn frequent_tokens(&self, count: usize) -> Result<Vec<(usize, String)>> {
        let (_, meta) = self.model()?;
        let tok = &meta.tokenizer;
        let vocab = tok.vocab_size();
        let ids: Vec<usize> = match &self.text {
            Some(text) => {
                let mut seen = vec![0usize; vocab];
                for &id in &text.train_ids {
                    if let Some(c) = seen.get_mut(id as usize) {
                        *c += 1;
                    }
                }
                let mut ids: Vec<usize> = (0..vocab).filter(|&i| seen[i] > 0).collect();
                ids.sort_by(|&a, &b| seen[b].cmp(&seen[a]).then(a.cmp(&b)));
                ids
            }
            None => return Ok(tokens_by_id(tok, count)),
        };
        Ok(ids.into_iter().take(count).map(|i| (i, tok.token(i as u32))).collect())
    }

    /// The most frequent `count` tokens by PCA on 2 or 3 axes.
    pub fn projector(&self, count: usize, components: usize) -> Result<EmbeddingMap> {
        if !(2..=3).contains(&components) || count == 0 || count > 5000 {
            return Err(Error::setting("projector", msg!("explain.projector_size", words = count, components = components)));
        }
        let tokens = self.frequent_tokens(count)?;
        let (model, _) = self.model()?;
        words::token_map(model, &tokens, components).ok_or_else(|| Error::setting("projector", msg!("explain.first_layer", layer = model.layers[0].config.class_name())))
    }

    /// A t-SNE run over the most frequent `count` tokens (see `Lab::tsne`).
    pub fn tsne(&self, count: usize, dims: usize, perplexity: f64, resume: Option<&TsneRun>) -> Result<TsneRun> {
        if count > crate::explain::tsne::MAX_POINTS {
            return Err(Error::setting("projector", msg!("explain.tsne_size", words = count, most = crate::explain::tsne::MAX_POINTS)));
        }
        let tokens = self.frequent_tokens(count)?;
        let (model, _) = self.model()?;
        token_tsne_run(model, &tokens, dims, perplexity, resume).map_err(|reason| Error::setting("projector", reason))
    }

    /// A token's nearest neighbours among the model's tokens, by cosine.
    pub fn neighbours(&self, token: &str, count: usize) -> Result<Vec<(String, f32)>> {
        let (model, meta) = self.model()?;
        token_neighbours(model, &meta.tokenizer, token, count).ok_or_else(|| Error::setting("word", msg!("explain.unknown_word", word = crate::error::printable(token, 40))))
    }
}

/// A model's first `count` tokens by id (the unknown token left out): for
/// characters and words, the most frequent in the text it learned from.
pub fn tokens_by_id(tok: &LmTokenizer, count: usize) -> Vec<(usize, String)> {
    (0..tok.vocab_size()).filter(|&i| tok.unknown_id() != Some(i as u32)).take(count).map(|i| (i, tok.token(i as u32))).collect()
}

/// `token`'s nearest neighbours in the model's token table by cosine
/// (the token as typed, or without a word token's leading space); None for
/// a token the model does not have.
pub fn token_neighbours<B: crate::backend::Backend>(model: &Model<B>, tok: &LmTokenizer, token: &str, count: usize) -> Option<Vec<(String, f32)>> {
    let vocab = tok.vocab_size() as u32;
    let id = (0..vocab).find(|&i| tok.token(i) == token).or_else(|| (0..vocab).find(|&i| !token.trim().is_empty() && tok.token(i).trim_start() == token.trim()))?;
    let (table, rows, width) = words::token_table(model)?;
    let candidates: Vec<usize> = (0..rows.min(vocab as usize)).filter(|&i| tok.unknown_id() != Some(i as u32)).collect();
    Some(nearest(&table, width, id as usize, count.clamp(1, 50), &candidates).into_iter().map(|(i, c)| (tok.token(i as u32), c)).collect())
}
