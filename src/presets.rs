//! The named models of the command line and the page, and the checks for
//! set-ups that build fine but are known to fail silently.

use crate::backend::Padding;
use crate::error::Message;
use crate::msg;
use crate::nn::transformer_block::Block;
use crate::nn::{Activation, Conv1D, Conv2D, Dense, Dropout, Embedding, Flatten, GlobalAveragePooling1D, GlobalMaxPooling1D, LayerConfig, LayerNormalization, Lstm, MaxPooling2D, SinePositionEncoding, TokenAndPositionEmbedding, TransformerDecoder, TransformerEncoder};

pub const PRESETS: [&str; 4] = ["lstm", "cnn", "bow", "transformer"];
/// The language-model presets (`train --task lm`).
pub const LM_PRESETS: [&str; 1] = ["gpt"];

/// The sizes of a Transformer preset, each settable (`--layers`,
/// `--heads`, `--d-model`, `--ffn`); the defaults are the `transformer`
/// classifier's and the `gpt` language model's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransformerSizes {
    pub layers: usize,
    pub heads: usize,
    pub d_model: usize,
    pub ffn: usize,
    pub dropout: f32,
    pub positions: Positions,
}

/// How a Transformer preset tells positions apart (`--positions`): a
/// learned vector per position (keras_hub's TokenAndPositionEmbedding,
/// as BERT and GPT-2), or the fixed sinusoids of the original Transformer
/// (an Embedding, then SinePositionEncoding added).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Positions {
    #[default]
    Learned,
    Sine,
}

/// The token and position layers a Transformer preset starts with.
fn token_layers(vocab: usize, len: usize, d: usize, mask: bool, positions: Positions) -> Vec<LayerConfig> {
    match positions {
        Positions::Learned => vec![LayerConfig::TokenAndPositionEmbedding(TokenAndPositionEmbedding { vocabulary_size: vocab, sequence_length: len, embedding_dim: d, mask_zero: mask })],
        Positions::Sine => vec![
            LayerConfig::Embedding(Embedding { input_dim: vocab, output_dim: d, mask_zero: mask }),
            LayerConfig::SinePositionEncoding(SinePositionEncoding::default()),
        ],
    }
}

impl TransformerSizes {
    /// BERT-style: 2 encoder blocks of 4 heads × 16, feed-forward 128.
    pub const CLASSIFIER: TransformerSizes = TransformerSizes { layers: 2, heads: 4, d_model: 64, ffn: 128, dropout: 0.1, positions: Positions::Learned };
    /// GPT-style: 2 decoder blocks of 4 heads × 16, feed-forward 256.
    pub const GPT: TransformerSizes = TransformerSizes { layers: 2, heads: 4, d_model: 64, ffn: 256, dropout: 0.0, positions: Positions::Learned };
}

/// `transformer`: TokenAndPositionEmbedding(num_words, d, max_len,
/// mask_zero) (or sinusoidal positions, see `Positions`) → `layers` × TransformerEncoder (post-LN, relu, as BERT and
/// keras_hub's default) → GlobalAveragePooling1D (over the tokens) →
/// Dropout → Dense(n, softmax).
pub fn transformer(num_words: usize, max_len: usize, classes: usize, mask: bool, s: TransformerSizes) -> Vec<LayerConfig> {
    let block = Block { intermediate_dim: s.ffn, num_heads: s.heads, dropout: s.dropout, activation: Activation::Relu, layer_norm_epsilon: 1e-5, normalize_first: false };
    let mut layers = token_layers(num_words, max_len, s.d_model, mask, s.positions);
    layers.extend((0..s.layers).map(|_| LayerConfig::TransformerEncoder(TransformerEncoder { block: block.clone() })));
    layers.push(LayerConfig::GlobalAveragePooling1D(GlobalAveragePooling1D {}));
    layers.push(LayerConfig::Dropout(Dropout { rate: s.dropout }));
    layers.push(LayerConfig::Dense(Dense::new(classes, Activation::Softmax)));
    layers
}

/// `gpt`: TokenAndPositionEmbedding(vocab, d, context) → `layers` ×
/// TransformerDecoder (causal, pre-LN, gelu, as GPT-2) → LayerNormalization
/// → Dense(vocab): next-token logits at every position.
pub fn gpt(vocab: usize, context: usize, s: TransformerSizes) -> Vec<LayerConfig> {
    let block = Block { intermediate_dim: s.ffn, num_heads: s.heads, dropout: s.dropout, activation: Activation::Gelu, layer_norm_epsilon: 1e-5, normalize_first: true };
    let mut layers = token_layers(vocab, context, s.d_model, false, s.positions);
    layers.extend((0..s.layers).map(|_| LayerConfig::TransformerDecoder(TransformerDecoder { block: block.clone() })));
    layers.push(LayerConfig::LayerNormalization(LayerNormalization { epsilon: 1e-5 }));
    layers.push(LayerConfig::Dense(Dense::new(vocab, Activation::Linear)));
    layers
}
pub const IMAGE_PRESETS: [&str; 1] = ["image-cnn"];

/// An image preset for `classes` outputs. `image-cnn` is the classic small
/// CNN: Conv2D(16, 3, relu) → MaxPooling2D → Conv2D(32, 3, relu, same) →
/// MaxPooling2D → Flatten → Dense(64, relu) → Dense(n, softmax).
pub fn image_preset(name: &str, classes: usize) -> Option<Vec<LayerConfig>> {
    match name {
        "image-cnn" => Some(vec![
            LayerConfig::Conv2D(Conv2D::new(16, 3, Padding::Valid, Activation::Relu)),
            LayerConfig::MaxPooling2D(MaxPooling2D::default()),
            LayerConfig::Conv2D(Conv2D::new(32, 3, Padding::Same, Activation::Relu)),
            LayerConfig::MaxPooling2D(MaxPooling2D::default()),
            LayerConfig::Flatten(Flatten {}),
            LayerConfig::Dense(Dense::new(64, Activation::Relu)),
            LayerConfig::Dense(Dense::new(classes, Activation::Softmax)),
        ]),
        _ => None,
    }
}

/// A preset for `num_words` tokens, rows of `max_len` and `classes`
/// outputs. `mask` sets `mask_zero` on the Embedding (the `lstm`, `bow` and
/// `transformer` presets use it; `cnn` never does, as Keras's Conv1D does
/// not take a mask).
pub fn preset(name: &str, num_words: usize, max_len: usize, classes: usize, mask: bool) -> Option<Vec<LayerConfig>> {
    let embedding = |mask_zero| LayerConfig::Embedding(Embedding { input_dim: num_words, output_dim: 64, mask_zero });
    let head = [LayerConfig::Dense(Dense::new(24, Activation::Relu)), LayerConfig::Dense(Dense::new(classes, Activation::Softmax))];
    let body = match name {
        "lstm" => vec![
            embedding(mask),
            LayerConfig::Lstm(Lstm::new(64, true)),
            LayerConfig::Lstm(Lstm::new(32, false)),
        ],
        "cnn" => vec![
            embedding(false),
            LayerConfig::Conv1D(Conv1D { filters: 128, kernel_size: 5, strides: 1, activation: Activation::Relu }),
            LayerConfig::GlobalMaxPooling1D(GlobalMaxPooling1D {}),
        ],
        "bow" => vec![embedding(mask), LayerConfig::GlobalAveragePooling1D(GlobalAveragePooling1D {})],
        "transformer" => return Some(transformer(num_words, max_len, classes, mask, TransformerSizes::CLASSIFIER)),
        _ => return None,
    };
    Some(body.into_iter().chain(head).collect())
}

/// A set-up that trains without error but learns badly, with the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Lint {
    pub layer: usize,
    pub message: Message,
    /// A short name for a one-click fix the page can offer.
    pub fix: Option<&'static str>,
}

/// Look for known silent failures in a layer list used with `padding`.
pub fn lint(layers: &[LayerConfig], padding_post: bool) -> Vec<Lint> {
    let mut out = Vec::new();
    let masked = layers.first().is_some_and(|l| l.mask_out(false));
    for (i, l) in layers.iter().enumerate() {
        let recurrent = l.recurrent();
        if recurrent && padding_post && !masked {
            out.push(Lint {
                layer: i + 1,
                message: msg!("lint.post_padding", layer = l.describe()),
                fix: Some("mask_zero"),
            });
            break;
        }
    }
    if masked {
        let mut names: Vec<&str> = Vec::new();
        for l in layers.iter().filter(|l| l.counts_padding()) {
            if !names.contains(&l.class_name()) {
                names.push(l.class_name());
            }
        }
        if let Some(first) = layers.iter().position(|l| l.counts_padding()) {
            out.push(Lint { layer: first + 1, message: msg!("lint.mask_ignored", layers = names.join(", ")), fix: None });
        }
    }
    out
}
