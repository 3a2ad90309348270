//! Layers. Each file holds one layer: its serialisable config (with Keras's
//! defaults), the shapes of its output and weights, its initialisation and
//! its forward pass in autodiff ops. Layers hold no tensors and know nothing
//! of backends; the model owns the weights and hands them in as `Var`s.
//!
//! Shapes exclude the batch axis: the model's input is `[time]` token ids.

pub mod activation;
pub mod conv1d;
pub mod dense;
pub mod dropout;
pub mod embedding;
pub mod flatten;
pub mod gru;
pub mod init;
pub mod lstm;
pub mod pooling;

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::autodiff::{Graph, Var};
use crate::backend::Backend;

pub use activation::Activation;
pub use conv1d::Conv1D;
pub use dense::Dense;
pub use dropout::Dropout;
pub use embedding::Embedding;
pub use flatten::Flatten;
pub use gru::Gru;
pub use lstm::Lstm;
pub use pooling::{GlobalAveragePooling1D, GlobalMaxPooling1D};

/// What a forward pass needs besides the data.
pub struct ForwardCtx<'a> {
    pub training: bool,
    pub rng: &'a mut ChaCha8Rng,
}

/// A layer's weight: its Keras name and shape.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightSpec {
    pub name: &'static str,
    pub shape: Vec<usize>,
}

/// One layer of a sequential model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum LayerConfig {
    Embedding(Embedding),
    Dense(Dense),
    #[serde(rename = "LSTM")]
    Lstm(Lstm),
    #[serde(rename = "GRU")]
    Gru(Gru),
    Conv1D(Conv1D),
    GlobalMaxPooling1D(GlobalMaxPooling1D),
    GlobalAveragePooling1D(GlobalAveragePooling1D),
    Dropout(Dropout),
    Flatten(Flatten),
}

impl LayerConfig {
    /// Keras's class name.
    pub fn class_name(&self) -> &'static str {
        match self {
            LayerConfig::Embedding(_) => "Embedding",
            LayerConfig::Dense(_) => "Dense",
            LayerConfig::Lstm(_) => "LSTM",
            LayerConfig::Gru(_) => "GRU",
            LayerConfig::Conv1D(_) => "Conv1D",
            LayerConfig::GlobalMaxPooling1D(_) => "GlobalMaxPooling1D",
            LayerConfig::GlobalAveragePooling1D(_) => "GlobalAveragePooling1D",
            LayerConfig::Dropout(_) => "Dropout",
            LayerConfig::Flatten(_) => "Flatten",
        }
    }

    /// The per-sample output shape for a per-sample input shape, or why the
    /// layer cannot take that input.
    pub fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>, String> {
        match self {
            LayerConfig::Embedding(l) => l.output_shape(input),
            LayerConfig::Dense(l) => l.output_shape(input),
            LayerConfig::Lstm(l) => l.output_shape(input),
            LayerConfig::Gru(l) => l.output_shape(input),
            LayerConfig::Conv1D(l) => l.output_shape(input),
            LayerConfig::GlobalMaxPooling1D(_) | LayerConfig::GlobalAveragePooling1D(_) => pooling::output_shape(input),
            LayerConfig::Dropout(l) => l.output_shape(input),
            LayerConfig::Flatten(_) => flatten::output_shape(input),
        }
    }

    /// The weights the layer owns, in Keras's order and layout.
    pub fn weights(&self, input: &[usize]) -> Vec<WeightSpec> {
        match self {
            LayerConfig::Embedding(l) => l.weights(),
            LayerConfig::Dense(l) => l.weights(input),
            LayerConfig::Lstm(l) => l.weights(input),
            LayerConfig::Gru(l) => l.weights(input),
            LayerConfig::Conv1D(l) => l.weights(input),
            _ => Vec::new(),
        }
    }

    /// Fresh weights, with Keras's default initialisers.
    pub fn init(&self, input: &[usize], rng: &mut ChaCha8Rng) -> Vec<Vec<f32>> {
        match self {
            LayerConfig::Embedding(l) => l.init(rng),
            LayerConfig::Dense(l) => l.init(input, rng),
            LayerConfig::Lstm(l) => l.init(input, rng),
            LayerConfig::Gru(l) => l.init(input, rng),
            LayerConfig::Conv1D(l) => l.init(input, rng),
            _ => Vec::new(),
        }
    }

    /// Whether a mask arriving at this layer is used or passed on (rather
    /// than dropped, as Keras's layers without mask support do).
    pub fn supports_mask(&self) -> bool {
        !matches!(self, LayerConfig::Conv1D(_) | LayerConfig::Flatten(_) | LayerConfig::GlobalMaxPooling1D(_))
    }

    /// The forward pass: `w` are the layer's weights as tape values.
    /// Returns the output and the mask for the next layer.
    pub fn forward<B: Backend>(&self, g: &mut Graph<B>, w: &[Var], x: Var, mask: Option<Var>, ctx: &mut ForwardCtx) -> (Var, Option<Var>) {
        match self {
            LayerConfig::Embedding(l) => l.forward(g, w, x),
            LayerConfig::Dense(l) => (l.forward(g, w, x, l.activation), mask),
            LayerConfig::Lstm(l) => l.forward(g, w, x, mask),
            LayerConfig::Gru(l) => l.forward(g, w, x, mask),
            LayerConfig::Conv1D(l) => (l.forward(g, w, x), None),
            LayerConfig::GlobalMaxPooling1D(_) => (g.max_over_time(x), None),
            LayerConfig::GlobalAveragePooling1D(_) => (g.mean_over_time(x, mask), None),
            LayerConfig::Dropout(l) => (l.forward(g, x, ctx), mask),
            LayerConfig::Flatten(_) => (flatten::forward(g, x), None),
        }
    }

    /// A one-line description for summaries ("LSTM(64, return_sequences)").
    pub fn describe(&self) -> String {
        match self {
            LayerConfig::Embedding(l) => format!("Embedding({}, {}{})", l.input_dim, l.output_dim, if l.mask_zero { ", mask_zero" } else { "" }),
            LayerConfig::Dense(l) => format!("Dense({}, {})", l.units, l.activation.keras_name()),
            LayerConfig::Lstm(l) => format!("LSTM({}{})", l.units, if l.return_sequences { ", return_sequences" } else { "" }),
            LayerConfig::Gru(l) => format!("GRU({}{})", l.units, if l.return_sequences { ", return_sequences" } else { "" }),
            LayerConfig::Conv1D(l) => format!("Conv1D({}, {}, {})", l.filters, l.kernel_size, l.activation.keras_name()),
            LayerConfig::Dropout(l) => format!("Dropout({})", l.rate),
            other => other.class_name().to_string(),
        }
    }
}

/// Expect a 2-D per-sample input [time, features].
pub(crate) fn expect_sequence(layer: &str, input: &[usize]) -> Result<(usize, usize), String> {
    match input {
        [t, d] => Ok((*t, *d)),
        _ => Err(format!("{} needs a sequence [time, features] but receives shape {:?}; put it after an Embedding, Conv1D or a recurrent layer with return_sequences", layer, input)),
    }
}
