//! Layers. Each file holds one layer: its serialisable config (with Keras's
//! defaults), the shapes of its output and weights, its initialisation and
//! its forward pass in autodiff ops. Layers hold no tensors and know nothing
//! of backends; the model owns the weights and hands them in as `Var`s.
//!
//! Shapes exclude the batch axis: a text model's input is `[time]` token
//! ids, an image model's `[height, width, channels]` pixels.

pub mod activation;
pub mod batch_norm;
pub mod conv1d;
pub mod conv2d;
pub mod dense;
pub mod dropout;
pub mod embedding;
pub mod flatten;
pub mod gru;
pub mod init;
pub mod lstm;
pub mod pooling;
pub mod pooling2d;

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::autodiff::{Graph, Var};
use crate::backend::{Backend, PoolKind};

pub use activation::Activation;
pub use batch_norm::BatchNormalization;
pub use conv1d::Conv1D;
pub use conv2d::Conv2D;
pub use dense::Dense;
pub use dropout::Dropout;
pub use embedding::Embedding;
pub use flatten::Flatten;
pub use gru::Gru;
pub use lstm::Lstm;
pub use pooling::{GlobalAveragePooling1D, GlobalMaxPooling1D};
pub use pooling2d::{GlobalPooling2D, Pooling2D};

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
    /// False for state the layer updates itself (batch normalisation's
    /// moving statistics): the optimizer leaves it alone.
    pub trainable: bool,
}

impl WeightSpec {
    pub fn trainable(name: &'static str, shape: Vec<usize>) -> Self {
        WeightSpec { name, shape, trainable: true }
    }
    pub fn state(name: &'static str, shape: Vec<usize>) -> Self {
        WeightSpec { name, shape, trainable: false }
    }
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
    Conv2D(Conv2D),
    MaxPooling2D(Pooling2D),
    AveragePooling2D(Pooling2D),
    GlobalAveragePooling2D(GlobalPooling2D),
    GlobalMaxPooling2D(GlobalPooling2D),
    BatchNormalization(BatchNormalization),
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
            LayerConfig::Conv2D(_) => "Conv2D",
            LayerConfig::MaxPooling2D(_) => "MaxPooling2D",
            LayerConfig::AveragePooling2D(_) => "AveragePooling2D",
            LayerConfig::GlobalAveragePooling2D(_) => "GlobalAveragePooling2D",
            LayerConfig::GlobalMaxPooling2D(_) => "GlobalMaxPooling2D",
            LayerConfig::BatchNormalization(_) => "BatchNormalization",
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
            LayerConfig::Conv2D(l) => l.output_shape(input),
            LayerConfig::MaxPooling2D(l) | LayerConfig::AveragePooling2D(l) => l.output_shape(self.class_name(), input),
            LayerConfig::GlobalAveragePooling2D(_) | LayerConfig::GlobalMaxPooling2D(_) => pooling2d::global_output_shape(self.class_name(), input),
            LayerConfig::BatchNormalization(l) => l.output_shape(input),
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
            LayerConfig::Conv2D(l) => l.weights(input),
            LayerConfig::BatchNormalization(l) => l.weights(input),
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
            LayerConfig::Conv2D(l) => l.init(input, rng),
            LayerConfig::BatchNormalization(l) => l.init(input),
            _ => Vec::new(),
        }
    }

    /// Whether a mask arriving at this layer is used or passed on (rather
    /// than dropped, as Keras's layers without mask support do).
    pub fn supports_mask(&self) -> bool {
        matches!(self, LayerConfig::Embedding(_) | LayerConfig::Dense(_) | LayerConfig::Lstm(_) | LayerConfig::Gru(_) | LayerConfig::GlobalAveragePooling1D(_) | LayerConfig::Dropout(_) | LayerConfig::BatchNormalization(_))
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
            LayerConfig::Conv2D(l) => (l.forward(g, w, x), None),
            LayerConfig::MaxPooling2D(l) => (l.forward(g, x, PoolKind::Max), None),
            LayerConfig::AveragePooling2D(l) => (l.forward(g, x, PoolKind::Average), None),
            LayerConfig::GlobalAveragePooling2D(_) => (pooling2d::global_forward(g, x, PoolKind::Average), None),
            LayerConfig::GlobalMaxPooling2D(_) => (pooling2d::global_forward(g, x, PoolKind::Max), None),
            LayerConfig::BatchNormalization(l) => (l.forward(g, w, x, ctx), mask),
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
            LayerConfig::Conv2D(l) => {
                let [a, b] = l.kernel_size.0;
                let strides = if l.strides.0 != [1, 1] { format!(", strides {}×{}", l.strides.0[0], l.strides.0[1]) } else { String::new() };
                let padding = if l.padding == crate::backend::Padding::Same { ", same" } else { "" };
                format!("Conv2D({}, {}×{}, {}{}{})", l.filters, a, b, l.activation.keras_name(), strides, padding)
            }
            LayerConfig::MaxPooling2D(l) | LayerConfig::AveragePooling2D(l) => l.describe(self.class_name()),
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

/// Expect a 3-D per-sample input [height, width, channels].
pub(crate) fn expect_image(layer: &str, input: &[usize]) -> Result<(), String> {
    match input {
        [_, _, _] => Ok(()),
        _ => Err(format!("{} needs images [height, width, channels] but receives shape {:?}; use it on image data, before Flatten or global pooling", layer, input)),
    }
}

/// A pair of sizes (height, width) that Keras writes as one number or two:
/// `3` and `[3, 3]` both read as 3×3; always written as two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "OneOrTwo", into = "[usize; 2]")]
pub struct Pair(pub [usize; 2]);

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrTwo {
    One(usize),
    Two([usize; 2]),
}

impl From<OneOrTwo> for Pair {
    fn from(v: OneOrTwo) -> Pair {
        match v {
            OneOrTwo::One(n) => Pair([n, n]),
            OneOrTwo::Two(p) => Pair(p),
        }
    }
}

impl From<Pair> for [usize; 2] {
    fn from(p: Pair) -> [usize; 2] {
        p.0
    }
}
