//! Attention maps: each attention layer's probabilities over one input row
//! of token ids, as the forward pass keeps them (`Graph::attentions`), for
//! a language model's window and a classifier's padded text alike.
//!
//! A classifier reads its text padded to `max_len`. Where the padding mask
//! reaches the attention (Keras's `mask_zero`), a padded key gets weight 0
//! (its score is −∞ before the softmax) and a padded query's row is all 0,
//! so keeping only the real tokens' rows and columns loses nothing: each
//! kept row still sums to 1. Without the mask the model does attend to
//! padding, and the padded positions are kept as the tokens they are.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::autodiff::Graph;
use crate::backend::Backend;
use crate::data::Tokenizer;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::msg;
use crate::nn::ForwardCtx;

/// One attention's probabilities over the kept positions of a row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttentionMap {
    /// The model layer (from 0) whose attention this is.
    pub layer: usize,
    pub heads: usize,
    /// Positions kept: the map of each head is [tokens, tokens], rows the
    /// queries, columns the keys they attend to.
    pub tokens: usize,
    /// [heads, tokens, tokens], row-major.
    pub weights: Vec<f32>,
}

/// Whether the model has a layer that attends (the `transformer` and
/// `gpt` presets' blocks).
pub fn has_attention<B: Backend>(model: &Model<B>) -> bool {
    model.layers.iter().any(|l| l.config.attends())
}

/// The positions of a padded row the maps show: the real tokens (id ≠ 0)
/// when every attention receives the padding mask, else every position.
pub fn shown_positions<B: Backend>(model: &Model<B>, row: &[f32]) -> Vec<usize> {
    let masked = model.layers.iter().filter(|l| l.config.attends()).all(|l| l.receives_mask);
    (0..row.len()).filter(|&i| !masked || row[i] != 0.0).collect()
}

/// The words at `keep` of a classifier's row, as its tokenizer reads ids
/// (padding, id 0, shown only by a model without the mask, as "<pad>").
pub fn words_at(tok: &Tokenizer, row: &[f32], keep: &[usize]) -> Vec<String> {
    let words = tok.index_word();
    keep.iter()
        .map(|&i| match row[i] as usize {
            0 => "<pad>".to_string(),
            id => words.get(id).copied().flatten().unwrap_or("?").to_string(),
        })
        .collect()
}

/// Every attention layer's probabilities for `row` (token ids, as long as
/// the model reads: its window or its padded length), in layer order, cut
/// to the rows and columns of `keep`.
pub fn attention_maps<B: Backend>(model: &Model<B>, row: &[f32], keep: &[usize]) -> Result<Vec<AttentionMap>> {
    if !has_attention(model) {
        return Err(Error::setting("model", msg!("attention.no_layer")));
    }
    if keep.is_empty() {
        return Err(Error::setting("text", msg!("attention.no_tokens")));
    }
    let t = row.len();
    let be = &model.backend;
    let mut g = Graph::new(be);
    let vars: Vec<Vec<_>> = model.weights.iter().map(|ws| ws.iter().map(|w| g.constant(w.clone())).collect()).collect();
    let x = g.constant(be.upload(&[1, t], row));
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    model.forward(&mut g, &vars, x, &mut ForwardCtx { training: false, rng: &mut rng }, true);
    let layers = model.layers.iter().enumerate().filter(|(_, l)| l.config.attends()).map(|(i, _)| i);
    let n = keep.len();
    // A graph's attention may read shorter sequences (after a convolution):
    // its map is not over the text's tokens.
    for (&a, layer) in g.attentions.iter().zip(layers.clone()) {
        let shape = be.shape(g.saved(a).expect("attention keeps its probabilities"));
        if shape[2] != t || shape[3] != t {
            return Err(Error::setting("model", msg!("attention.steps_differ", layer = &model.layers[layer].name, queries = shape[2], keys = shape[3], tokens = t)));
        }
    }
    Ok(g.attentions
        .iter()
        .zip(layers)
        .map(|(&a, layer)| {
            let p = g.saved(a).expect("attention keeps its probabilities");
            let heads = be.shape(p)[1];
            let all = be.download(p);
            let mut weights = Vec::with_capacity(heads * n * n);
            for map in all.chunks(t * t) {
                for &q in keep {
                    weights.extend(keep.iter().map(|&k| map[q * t + k]));
                }
            }
            AttentionMap { layer, heads, tokens: n, weights }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::cpu::CpuBackend;
    use crate::presets::{transformer, TransformerSizes};

    fn classifier(mask: bool) -> Model<CpuBackend> {
        let sizes = TransformerSizes { layers: 2, heads: 2, d_model: 8, ffn: 16, ..TransformerSizes::CLASSIFIER };
        Model::new(CpuBackend, &transformer(50, 10, 2, mask, sizes), &[10], 7).unwrap()
    }

    /// Keras's padding mask: a real query gives a padded key exactly 0, so
    /// the trimmed rows are the whole rows and still sum to 1.
    #[test]
    fn padded_keys_get_no_weight_and_trimmed_rows_sum_to_one() {
        let model = classifier(true);
        let row = [4.0, 9.0, 17.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        let all: Vec<usize> = (0..10).collect();
        let full = attention_maps(&model, &row, &all).unwrap();
        assert_eq!(full.len(), 2, "one map per encoder block");
        for m in &full {
            assert_eq!((m.heads, m.tokens), (2, 10));
            for map in m.weights.chunks(100) {
                for q in 0..4 {
                    assert!(map[q * 10 + 4..q * 10 + 10].iter().all(|&w| w == 0.0), "query {} attends to padding: {:?}", q, &map[q * 10..q * 10 + 10]);
                    assert!(map[q * 10..q * 10 + 4].iter().all(|&w| w > 0.0));
                }
            }
        }
        let keep = shown_positions(&model, &row);
        assert_eq!(keep, [0, 1, 2, 3]);
        let kept = attention_maps(&model, &row, &keep).unwrap();
        for (m, f) in kept.iter().zip(&full) {
            assert_eq!((m.layer, m.tokens), (f.layer, 4));
            for (h, map) in m.weights.chunks(16).enumerate() {
                for q in 0..4 {
                    let r = &map[q * 4..q * 4 + 4];
                    assert_eq!(r, &f.weights[h * 100 + q * 10..h * 100 + q * 10 + 4], "a kept row is the full row's start");
                    assert!((r.iter().sum::<f32>() - 1.0).abs() < 1e-5, "{:?}", r);
                }
            }
        }
        // Padding before the text: the real tokens are at the end.
        let pre = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 4.0, 9.0, 17.0, 3.0];
        assert_eq!(shown_positions(&model, &pre), [6, 7, 8, 9]);
    }

    /// Without the mask padding is read as a token, attended to, and shown.
    #[test]
    fn an_unmasked_model_shows_its_padding() {
        let model = classifier(false);
        let row = [4.0, 9.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        let keep = shown_positions(&model, &row);
        assert_eq!(keep.len(), 10);
        let maps = attention_maps(&model, &row, &keep).unwrap();
        assert!(maps[0].weights[2..10].iter().all(|&w| w > 0.0));
    }

    #[test]
    fn no_attention_or_no_tokens_is_a_coded_error() {
        let bow = Model::new(CpuBackend, &crate::presets::preset("bow", 50, 10, 2, true).unwrap(), &[10], 1).unwrap();
        let code = |e: Error| match e {
            Error::InvalidSetting { reason, .. } => reason.code,
            other => panic!("{other:?}"),
        };
        assert_eq!(code(attention_maps(&bow, &[1.0; 10], &[0]).unwrap_err()), "attention.no_layer");
        let model = classifier(true);
        assert_eq!(code(attention_maps(&model, &[0.0; 10], &shown_positions(&model, &[0.0; 10])).unwrap_err()), "attention.no_tokens");
    }
}
