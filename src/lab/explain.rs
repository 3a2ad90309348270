//! The lab's explanations (issue 18): attributions of a typed text's or a
//! drawing's prediction, a Transformer's attention maps over a typed text,
//! and the embedding projector, over the current model (src/explain does
//! the arithmetic).

use super::*;
use crate::explain::{self, attention, words, Explanation};

/// Points on the integrated-gradients path the page asks for (refined by
/// the engine when the completeness check needs more).
pub const PAGE_STEPS: usize = 32;

/// A text's prediction explained, token by token.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextExplanation {
    pub label: String,
    /// The class explained (the predicted one).
    pub explained: String,
    pub probabilities: Vec<(String, f32)>,
    /// The tokens the model saw, in order: (word, id).
    pub tokens: Vec<(String, usize)>,
    pub integrated_gradients: Vec<f32>,
    pub occlusion: Vec<f32>,
    pub steps: usize,
    pub score: f32,
    pub baseline_score: f32,
    pub completeness_error: f32,
}

/// A drawing's prediction explained, pixel by pixel ([height, width]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImageExplanation {
    pub label: String,
    pub height: usize,
    pub width: usize,
    /// What the model saw, in [0, 1] for display.
    pub input: Vec<f32>,
    pub integrated_gradients: Vec<f32>,
    pub occlusion: Vec<f32>,
    pub steps: usize,
    pub score: f32,
    pub baseline_score: f32,
    pub completeness_error: f32,
}

impl Lab {
    fn explaining(&self) -> Result<&Trainer<CpuBackend>> {
        self.trainer.as_ref().ok_or_else(|| Error::setting("predict", msg!("lab.train_first")))
    }

    pub fn explain_text(&self, text: &str) -> Result<TextExplanation> {
        let t = self.explaining()?;
        let tok = self.tokenizer().filter(|_| t.model.input_shape.len() == 1).ok_or_else(|| Error::setting("predict", msg!("lab.draw_instead")))?;
        let (_, ids) = self.tokens_of(text);
        let row: Vec<f32> = ids.into_iter().map(|i| i as f32).collect();
        let e = explain::explain(&t.model, &row, None, PAGE_STEPS)?;
        let seen = words::seen_tokens(tok, &row);
        let at = |v: &[f32]| seen.iter().map(|(i, _)| v[*i]).collect();
        let tokens = seen.iter().map(|(i, w)| (w.clone(), row[*i] as usize)).collect();
        Ok(TextExplanation {
            label: t.labels[predicted_class(&e.probabilities)].clone(),
            explained: t.labels[e.class].clone(),
            probabilities: t.labels.iter().cloned().zip(e.probabilities.iter().copied()).collect(),
            tokens,
            integrated_gradients: at(&e.integrated_gradients),
            occlusion: at(&e.occlusion),
            steps: e.steps,
            score: e.score,
            baseline_score: e.baseline_score,
            completeness_error: e.completeness_error,
        })
    }

    /// Every attention layer's and head's weights over a text's tokens, the
    /// text padded and masked as `predict` reads it, only the real tokens'
    /// rows and columns kept (`gradlab attention` gives the same).
    pub fn attention(&self, text: &str) -> Result<AttentionView> {
        let t = self.explaining()?;
        let tok = self.tokenizer().filter(|_| t.model.input_shape.len() == 1).ok_or_else(|| Error::setting("predict", msg!("lab.draw_instead")))?;
        let (_, ids) = self.tokens_of(text);
        let row: Vec<f32> = ids.into_iter().map(|i| i as f32).collect();
        let keep = attention::shown_positions(&t.model, &row);
        let maps = attention::attention_maps(&t.model, &row, &keep)?;
        let words = attention::words_at(tok, &row, &keep);
        Ok(AttentionView {
            tokens: keep.iter().zip(words).map(|(&i, text)| TokenChip { id: row[i] as u32, text }).collect(),
            layers: AttentionLayer::from_maps(&t.model, maps),
        })
    }

    /// A drawing (as `predict_image` takes it) explained over the pixels.
    pub fn explain_image(&self, pixels: &[f32], width: usize, height: usize) -> Result<ImageExplanation> {
        let t = self.explaining()?;
        let (input, _) = self.pad_input(pixels, width, height)?;
        self.image_explanation(t, &input)
    }

    /// An image row (scaled as the model reads it) explained.
    fn image_explanation(&self, t: &Trainer<CpuBackend>, input: &[f32]) -> Result<ImageExplanation> {
        let e: Explanation = explain::explain(&t.model, input, None, PAGE_STEPS)?;
        let shape = &t.model.input_shape;
        let c = shape[2];
        let grey: Vec<f32> = self.display(input).chunks(c).map(|p| p.iter().sum::<f32>() / c as f32).collect();
        Ok(ImageExplanation {
            label: t.labels[e.class].clone(),
            height: shape[0],
            width: shape[1],
            input: grey,
            integrated_gradients: e.integrated_gradients,
            occlusion: e.occlusion,
            steps: e.steps,
            score: e.score,
            baseline_score: e.baseline_score,
            completeness_error: e.completeness_error,
        })
    }

    /// Why the model answered as it did for validation image `index` (as
    /// the misclassified gallery lists them): each pixel's share of the
    /// class it predicted, over the image as the model reads it.
    pub fn explain_validation_image(&self, index: usize) -> Result<ImageExplanation> {
        let t = self.explaining()?;
        let set = self.images().and_then(|i| i.val.as_ref()).ok_or_else(|| Error::setting("gallery", msg!("explain.no_validation_images")))?;
        let scaling = self.scaling().ok_or_else(|| Error::setting("gallery", msg!("explain.no_validation_images")))?;
        let pixels = set.pixels.get(index).ok_or_else(|| Error::setting("gallery", msg!("explain.no_such_image", index = index, count = set.pixels.len())))?;
        let input = scaling.apply(pixels);
        if input.len() != t.model.input_len {
            return Err(Error::setting("gallery", msg!("explain.no_validation_images")));
        }
        self.image_explanation(t, &input)
    }

    /// The current model's Embedding: its `count` most frequent words by
    /// PCA on 2 or 3 axes, each with the class it alone leans to.
    pub fn projector(&self, count: usize, components: usize) -> Result<words::EmbeddingMap> {
        let t = self.explaining()?;
        let tok = self.tokenizer().filter(|_| t.model.input_shape.len() == 1).ok_or_else(|| Error::setting("projector", msg!("explain.projector_text")))?;
        if !(2..=3).contains(&components) || count == 0 || count > 5000 {
            return Err(Error::setting("projector", msg!("explain.projector_size", words = count, components = components)));
        }
        words::embedding_map(&t.model, tok, self.settings.padding, count, components).ok_or_else(|| Error::setting("projector", msg!("explain.first_layer", layer = t.model.layers[0].config.class_name())))
    }

    /// A t-SNE run over the current model's `count` most frequent words
    /// (at most [`crate::explain::tsne::MAX_POINTS`]) on `dims` axes (2 or 3), stepped by
    /// the caller; from `resume`'s layout when that run placed the same
    /// words (the picture moves on as the model trains rather than
    /// starting again).
    pub fn tsne(&self, count: usize, dims: usize, perplexity: f64, resume: Option<&TsneRun>) -> Result<TsneRun> {
        let t = self.explaining()?;
        let tok = self.tokenizer().filter(|_| t.model.input_shape.len() == 1).ok_or_else(|| Error::setting("projector", msg!("explain.projector_text")))?;
        tsne_run(&t.model, tok, self.settings.padding, count, dims, perplexity, resume).map_err(|reason| Error::setting("projector", reason))
    }

    /// A word's nearest neighbours in the current Embedding, by cosine.
    pub fn neighbours(&self, word: &str, count: usize) -> Result<Vec<(String, f32)>> {
        let t = self.explaining()?;
        let tok = self.tokenizer().filter(|_| t.model.input_shape.len() == 1).ok_or_else(|| Error::setting("projector", msg!("explain.projector_text")))?;
        words::neighbours(&t.model, tok, word, count.clamp(1, 50)).ok_or_else(|| Error::setting("word", msg!("explain.unknown_word", word = crate::error::printable(word, 40))))
    }
}

