//! The TensorFlow.js "layers-model" format: `model.json` (the topology in
//! Keras's config form plus a weights manifest) and binary little-endian
//! float32 weight files. gradlab's tokenizer, labels and padding (or, for
//! images, the pixel scaling) travel in `userDefinedMetadata`, so a saved
//! model predicts from raw text or raw pixels.
//!
//! `write.rs` writes the format, `read.rs` reads it (from gradlab, TensorFlow.js
//! or Keras); what both must agree on (the masked average's branch, term
//! layers) is here; `files.rs` reads and writes the files on disk (native only).

use crate::data::lm::LanguageModelMeta;
use crate::data::{Framing, Scaling, Side, Tokenizer};
use crate::nn::LayerConfig;

#[cfg(not(target_arch = "wasm32"))]
mod files;
mod read;
mod write;

#[cfg(not(target_arch = "wasm32"))]
pub use files::{load, save_dir};
pub use read::from_json;
pub use write::{tfjs_incompatibilities, to_files, Incompatibility};

pub const WEIGHTS_FILE: &str = "group1-shard1of1.bin";

/// What gradlab needs besides the network to use a model on its data.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata {
    pub tokenizer: Option<Tokenizer>,
    pub labels: Vec<String>,
    pub max_len: usize,
    pub padding: Side,
    pub truncating: Side,
    /// For an image model: how raw pixels were scaled for training.
    pub scaling: Option<Scaling>,
    /// For an image model trained on ink on a dark ground: where the
    /// training images' ink sat, so a drawing is framed the same way.
    pub framing: Option<Framing>,
    /// For a language model: its tokenizer and context.
    pub language_model: Option<LanguageModelMeta>,
}

/// A model read from (or about to be written to) files.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedModel {
    pub layers: Vec<LayerConfig>,
    /// Where each layer reads from (see `LayerInfo::inputs`); None for a
    /// chain, Keras's Sequential.
    pub wiring: Option<Vec<Vec<usize>>>,
    /// One sample's shape: [max_len] or [height, width, channels].
    pub input_shape: Vec<usize>,
    /// Per layer, its weights in Keras's order.
    pub weights: Vec<Vec<Vec<f32>>>,
    pub metadata: Option<Metadata>,
}

// The masked average over time in layers stock TensorFlow.js has.
//
// TensorFlow.js's GlobalAveragePooling1D ignores the padding mask (it takes
// the mean over every step), where Keras's and gradlab's average only the
// unmasked steps. So a model with a masked average is written as a
// functional graph that computes Keras's masked mean exactly with standard
// layers: a second, untrainable Embedding of the token ids gives each step
// two scores, (0, -1000) for a token and (-1000, -500) for padding; one
// softmax over all of them (Flatten, Activation) gives every token exactly
// 1/n (exp(-1000) and exp(-500) are 0 in float32) and, for a text with no
// token at all, 0 to every step (the -500 entries take the weight), as
// gradlab averages an empty row to zero; Reshape and Cropping2D keep the
// first score of each step, and a Dot over time with the sequence sums the
// steps with those weights. gradlab reads the graph back as
// GlobalAveragePooling1D; tools/keras_load.py builds Keras's own masked
// GlobalAveragePooling1D from it.
const MASK_INPUT: &str = "input";
const MASK_TOKEN_SCORES: [f32; 2] = [0.0, -1000.0];
const MASK_PAD_SCORES: [f32; 2] = [-1000.0, -500.0];
const MASK_BRANCH: [(&str, &str); 6] = [("Embedding", "_mask_scores"), ("Flatten", "_mask_flat"), ("Activation", "_mask_softmax"), ("Reshape", "_mask_grid"), ("Cropping2D", "_mask_crop"), ("Flatten", "_mask_weights")];

/// The mask branch's score table: row 0 (padding) and every token's row.
fn mask_scores(vocab: usize) -> Vec<f32> {
    (0..vocab).flat_map(|i| if i == 0 { MASK_PAD_SCORES } else { MASK_TOKEN_SCORES }).collect()
}

/// The name of the Keras layer that computes a term layer's term (see
/// `Layer::KERAS_TERM`); the Add that joins it keeps the layer's name.
const TERM_SUFFIX: &str = "_term";
/// Marks a term layer read back from its Add (gradlab's layer, the sum).
const SUMMED: &str = "_gradlab_summed";
