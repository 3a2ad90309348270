//! The named models of the command line and the page, and the checks for
//! set-ups that build fine but are known to fail silently.

use crate::backend::Padding;
use crate::error::Message;
use crate::msg;
use crate::nn::{Activation, Conv1D, Conv2D, Dense, Embedding, Flatten, GlobalAveragePooling1D, GlobalMaxPooling1D, LayerConfig, Lstm, MaxPooling2D};

pub const PRESETS: [&str; 3] = ["lstm", "cnn", "bow"];
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

/// A preset for `num_words` tokens and `classes` outputs. `mask` sets
/// `mask_zero` on the Embedding (the `lstm` and `bow` presets use it; `cnn`
/// never does, as Keras's Conv1D does not take a mask).
pub fn preset(name: &str, num_words: usize, classes: usize, mask: bool) -> Option<Vec<LayerConfig>> {
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
    if masked && layers.iter().any(|l| l.counts_padding()) {
        out.push(Lint { layer: 1, message: msg!("lint.mask_ignored"), fix: None });
    }
    out
}
