//! Layers. Each file holds one layer kind whole: an implementation of
//! `Layer` with its serialisable config (Keras's defaults), its Keras
//! config in both directions, the shapes of its output and weights, its
//! initialisation, its forward pass in autodiff ops, its mask behaviour,
//! its one-line description and the fields the page's editor shows.
//! `registry!` at the end of this file lists the kinds: the one place a new
//! layer is added besides its own file. Layers hold no tensors and know
//! nothing of backends; the model owns the weights and hands them in as
//! `Var`s.
//!
//! Shapes exclude the batch axis: a text model's input is `[time]` token
//! ids, an image model's `[height, width, channels]` pixels. A layer takes
//! a list of inputs (`INPUTS` of them): one in a sequential model; a
//! residual `Add` or attention's query and value take two.

pub mod add;
pub mod attention;
pub mod batch_norm;
pub mod concatenate;
pub mod conv1d;
pub mod conv2d;
pub mod dense;
pub mod dropout;
pub mod embedding;
pub mod flatten;
pub mod gru;
pub mod init;
pub mod keras;
pub mod layer_norm;
pub mod lstm;
pub mod multi_head_attention;
pub mod pooling;
pub mod pooling2d;
pub mod sine_position_encoding;
pub mod token_and_position_embedding;
pub mod transformer_block;
pub mod transformer_decoder;
pub mod transformer_encoder;

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::autodiff::{Graph, Var};
use crate::backend::Backend;
use crate::error::{Message, Result};
use crate::msg;

// Activations are backend ops; layers name them as `nn::activation`.
pub use crate::backend::activation;
pub use activation::Activation;
pub use add::Add;
pub use batch_norm::BatchNormalization;
pub use concatenate::Concatenate;
pub use conv1d::Conv1D;
pub use conv2d::Conv2D;
pub use dense::Dense;
pub use dropout::Dropout;
pub use embedding::Embedding;
pub use flatten::Flatten;
pub use gru::Gru;
pub use keras::KerasConfig;
pub use layer_norm::LayerNormalization;
pub use lstm::Lstm;
pub use multi_head_attention::MultiHeadAttention;
pub use pooling::{GlobalAveragePooling1D, GlobalMaxPooling1D};
pub use sine_position_encoding::SinePositionEncoding;
pub use token_and_position_embedding::TokenAndPositionEmbedding;
pub use transformer_decoder::TransformerDecoder;
pub use transformer_encoder::TransformerEncoder;
pub use pooling2d::{AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D, Pooling2D};

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

/// How a layer treats token ids when it comes first in a text model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenIds {
    /// It reads them (an Embedding): the first layer of a text model, never
    /// of an image model.
    Reads,
    /// It takes any vector, ids included (Dense, Dropout).
    Accepts,
    /// It cannot start a text model.
    Refuses,
}

/// Where the page's layer editor lists a layer: its position in the menu
/// for text data and for image data (None: not offered there).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Menu {
    pub text: Option<u8>,
    pub images: Option<u8>,
}

impl Menu {
    pub const NONE: Menu = Menu { text: None, images: None };
}

/// What one field of a layer's config may hold, as the page checks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// A whole number from 1 to 1,000,000 (units, filters, kernel size).
    Count,
    /// A whole number from 1 to 512, or a pair of them (kernel size, strides).
    Pair,
    /// A rate in [0, 1) (dropout).
    Rate,
    /// A number in [0, 1] (momentum).
    Fraction,
    /// A number in (0, 1) (epsilon).
    Positive,
    Bool,
    /// One of `Activation::ALL`'s names.
    Activation,
    /// 'sigmoid' or 'hard_sigmoid' (an LSTM's gates).
    Gate,
    /// 'valid' or 'same'.
    Padding,
}

/// One field of a layer's config: what it may hold, whether a layer needs
/// it (the engine has no default), and how the page's editor shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    pub key: &'static str,
    pub kind: FieldKind,
    pub required: bool,
    /// Shown in the layer editor: the label's text key ("field.<label>")
    /// and the value a newly added layer starts with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub editor: Option<Editor>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Editor {
    pub label: &'static str,
    pub default: Value,
}

impl Field {
    /// A field the page checks but the editor does not show.
    pub fn new(key: &'static str, kind: FieldKind) -> Field {
        Field { key, kind, required: false, editor: None }
    }
    /// The engine has no default for it.
    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }
    /// The editor shows it, labelled `label`, starting at `default`.
    pub fn shown(mut self, label: &'static str, default: Value) -> Field {
        self.editor = Some(Editor { label, default });
        self
    }
}

/// One layer kind. Everything particular to a kind is answered here, so
/// nothing outside its file matches on kinds: the model asks a layer for
/// its shapes, weights and mask; the model format asks for its Keras
/// config; the trainer, the lints and the page ask the questions at the
/// end. Input shapes and inputs come as lists (one per input, `INPUTS` of
/// them); the model checks the count before calling.
pub trait Layer: Sized {
    /// Keras's class name (`class_name` in model.json).
    const CLASS: &'static str;
    /// Other class names Keras or TensorFlow.js write for the same layer.
    const ALIASES: &'static [&'static str] = &[];
    /// How many inputs it takes (at least).
    const INPUTS: usize = 1;
    /// The most inputs it takes (a merge takes any number).
    const MAX_INPUTS: usize = Self::INPUTS;
    /// Where the page's editor offers it.
    const MENU: Menu = Menu::NONE;
    /// Keras's layer of this class computes only a term that model.json
    /// adds to its input with an `Add` (see io/tfjs/); gradlab's layer
    /// is the sum.
    const KERAS_TERM: bool = false;
    /// Its config's fields, as the page validates and edits them.
    fn fields() -> Vec<Field> {
        Vec::new()
    }

    /// Read from a Keras `config` object; `class` is the name as written.
    fn from_keras(c: &KerasConfig) -> Result<Self>;
    /// Its own keys of a Keras `config` object (the writer adds `name`,
    /// `trainable` and `dtype`).
    fn keras_config(&self, inputs: &[&[usize]]) -> Value;

    /// The per-sample output shape, or why the inputs do not fit.
    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, Message>;
    /// The weights it owns, in Keras's order and layout.
    fn weights(&self, _inputs: &[&[usize]]) -> Vec<WeightSpec> {
        Vec::new()
    }
    /// Fresh weights, with Keras's default initialisers.
    fn init(&self, _inputs: &[&[usize]], _rng: &mut ChaCha8Rng) -> Vec<Vec<f32>> {
        Vec::new()
    }
    /// Whether its output carries a padding mask, given whether each input
    /// does. The default drops it, as Keras's layers without mask support.
    fn mask_out(&self, _masks: &[bool]) -> bool {
        false
    }
    /// The forward pass: `w` are its weights as tape values, `xs` its
    /// inputs, `masks` the mask each input carries. Returns the output and
    /// its mask (`mask_out` says statically whether there is one).
    fn forward<B: Backend>(&self, g: &mut Graph<B>, w: &[Var], xs: &[Var], masks: &[Option<Var>], ctx: &mut ForwardCtx) -> (Var, Option<Var>);
    /// A one-line description for summaries ("LSTM(64, return_sequences)").
    fn describe(&self) -> String {
        Self::CLASS.to_string()
    }

    // ---- what the rest of the engine asks of particular layers -----------
    /// How it treats token ids as a model's first layer.
    fn token_ids(&self) -> TokenIds {
        TokenIds::Refuses
    }
    /// The number of token ids it can read (an Embedding's rows).
    fn vocabulary(&self) -> Option<usize> {
        None
    }
    /// The activation it ends in, when it has one to choose.
    fn activation(&self) -> Option<Activation> {
        None
    }
    /// Change that activation (nothing, for a layer without one).
    fn set_activation(&mut self, _a: Activation) {}
    /// A recurrent layer, which runs through padding steps one by one.
    fn recurrent(&self) -> bool {
        false
    }
    /// A layer that reads a sequence without its padding mask, so padded
    /// steps count as tokens after it.
    fn counts_padding(&self) -> bool {
        false
    }
    /// A layer with a self-attention, whose weights over the tokens the
    /// forward pass keeps (`Graph::attentions`), one per layer.
    fn attends(&self) -> bool {
        false
    }
    /// How many times one forward pass uses each weight (the work per
    /// parameter, for choosing a backend): once per output position by
    /// default — each time step or pixel of a convolution or of a Dense on
    /// a sequence.
    fn weight_uses(&self, _input: &[usize], output: &[usize]) -> usize {
        if output.len() >= 2 {
            output[..output.len() - 1].iter().product()
        } else {
            1
        }
    }
    /// Why stock TensorFlow.js (4.22) cannot load it, if it cannot.
    fn tfjs_incompatibility(&self) -> Option<Message> {
        None
    }
    /// Whether, receiving a mask, TensorFlow.js needs it written as the
    /// masked mean of standard layers (see io/tfjs/mod.rs).
    fn tfjs_masked_mean(&self, _receives_mask: bool) -> bool {
        false
    }
    /// A merge of masks (Add, Concatenate), which TensorFlow.js 4.22 gives
    /// the wrong shape.
    fn tfjs_merges_masks(&self) -> bool {
        false
    }
    /// Whether TensorFlow.js reads the shape of the mask it receives (and
    /// so fails on a merged one): recurrent layers, Concatenate.
    fn tfjs_reads_mask(&self) -> bool {
        self.recurrent()
    }
    /// Keras's call arguments that the layer keeps in its config (Keras
    /// writes them in the layer's node, not its config): their names, and
    /// their values for this layer.
    const CALL_ARGS: &'static [&'static str] = &[];
    fn call_args(&self) -> Value {
        Value::Object(Default::default())
    }

    // ---- what the page's pictures ask ------------------------------------
    /// Whether it has gates to show (`gates` answers).
    fn has_gates(&self) -> bool {
        false
    }
    /// Its gates step by step for one sample (`x` its input, `input` its
    /// shape, `weights` its weights as Keras lays them out, `mask` the
    /// padding mask it receives), for a layer that has gates to show.
    fn gates(&self, _x: &[f32], _input: &[usize], _weights: &[Vec<f32>], _mask: Option<&[f32]>) -> Option<GateTrace> {
        None
    }
    /// Whether its first weight is a bank of image filters
    /// [height, width, channels, filters] worth drawing.
    fn image_filters(&self) -> bool {
        false
    }
}

/// A gated layer's gates over the steps of one sample (see `Layer::gates`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GateTrace {
    pub units: usize,
    /// Position of each shown (unmasked) step in the padded sequence.
    pub steps: Vec<usize>,
    pub input: Vec<Vec<f32>>,
    pub forget: Vec<Vec<f32>>,
    pub output: Vec<Vec<f32>>,
    /// The hidden state after each shown step.
    pub hidden: Vec<Vec<f32>>,
}

/// A merge's output mask, as Keras 3's Add and Concatenate give it in a
/// gradlab model: none unless every input carries one, else their OR (a
/// constant: masks receive no gradient). Every mask in a gradlab model is
/// the input's padding mask, so the OR is mostly that one mask, reused.
pub(crate) fn merged_mask<B: Backend>(g: &mut Graph<B>, masks: &[Option<Var>]) -> Option<Var> {
    let all: Vec<Var> = masks.iter().copied().collect::<Option<_>>()?;
    let first = all[0];
    if all.iter().all(|&m| m == first) {
        return Some(first);
    }
    let sum = all[1..].iter().fold(g.value(first).clone(), |acc, &m| g.backend.add(&acc, g.value(m)));
    let or = g.backend.nonzero(&sum);
    Some(g.constant(or))
}

/// Expect a 2-D per-sample input [time, features].
pub(crate) fn expect_sequence(layer: &str, input: &[usize]) -> std::result::Result<(usize, usize), Message> {
    match input {
        [t, d] => Ok((*t, *d)),
        _ => Err(msg!("layer.needs_sequence", layer = layer, shape = format!("{:?}", input))),
    }
}

/// Expect a 3-D per-sample input [height, width, channels].
pub(crate) fn expect_image(layer: &str, input: &[usize]) -> std::result::Result<(), Message> {
    match input {
        [_, _, _] => Ok(()),
        _ => Err(msg!("layer.needs_images", layer = layer, shape = format!("{:?}", input))),
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

/// One entry of the layer catalogue the page reads (`catalogue()`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerKind {
    pub class: &'static str,
    pub inputs: usize,
    pub menu: Menu,
    pub fields: Vec<Field>,
}

/// The registry: every layer kind, one line each. It makes `LayerConfig`
/// (a layer of any kind, serialised with its class in `type`) and the
/// methods that pass a question to the kind's `Layer` implementation.
macro_rules! registry {
    ($( $(#[$attr:meta])* $variant:ident($ty:ty), )*) => {
        /// One layer of a model, of any registered kind.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "type")]
        pub enum LayerConfig {
            $( $(#[$attr])* $variant($ty), )*
        }

        impl LayerConfig {
            /// Every kind, in the registry's order: class, inputs, where the
            /// page's editor offers it, and its fields.
            pub fn catalogue() -> Vec<LayerKind> {
                vec![$( LayerKind { class: <$ty as Layer>::CLASS, inputs: <$ty as Layer>::INPUTS, menu: <$ty as Layer>::MENU, fields: <$ty as Layer>::fields() }, )*]
            }
            /// The layer a Keras config describes; None when no registered
            /// kind has that class name (or alias).
            pub fn from_keras(c: &KerasConfig) -> Option<Result<LayerConfig>> {
                $( if c.class == <$ty as Layer>::CLASS || <$ty as Layer>::ALIASES.contains(&c.class) {
                    return Some(<$ty as Layer>::from_keras(c).map(LayerConfig::$variant));
                } )*
                None
            }
            /// Whether Keras's layer of this class name computes a term that
            /// an Add joins to its input (`Layer::KERAS_TERM`).
            pub fn keras_term_class(class: &str) -> bool {
                $( if class == <$ty as Layer>::CLASS || <$ty as Layer>::ALIASES.contains(&class) {
                    return <$ty as Layer>::KERAS_TERM;
                } )*
                false
            }
            pub fn keras_term(&self) -> bool {
                match self { $( LayerConfig::$variant(_) => <$ty as Layer>::KERAS_TERM, )* }
            }
            /// Keras's class name.
            pub fn class_name(&self) -> &'static str {
                match self { $( LayerConfig::$variant(_) => <$ty as Layer>::CLASS, )* }
            }
            /// How many inputs the layer takes.
            pub fn inputs(&self) -> usize {
                match self { $( LayerConfig::$variant(_) => <$ty as Layer>::INPUTS, )* }
            }
            /// The most inputs the layer takes.
            pub fn max_inputs(&self) -> usize {
                match self { $( LayerConfig::$variant(_) => <$ty as Layer>::MAX_INPUTS, )* }
            }
            pub fn output_shapes(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, Message> {
                if inputs.len() < self.inputs() || inputs.len() > self.max_inputs() {
                    let want = if self.max_inputs() == self.inputs() { self.inputs().to_string() } else if self.max_inputs() == usize::MAX { format!("{}+", self.inputs()) } else { format!("{}–{}", self.inputs(), self.max_inputs()) };
                    return Err(msg!("layer.input_count", layer = self.class_name(), want = want, got = inputs.len()));
                }
                match self { $( LayerConfig::$variant(l) => l.output_shape(inputs), )* }
            }
            pub fn weights_for(&self, inputs: &[&[usize]]) -> Vec<WeightSpec> {
                match self { $( LayerConfig::$variant(l) => l.weights(inputs), )* }
            }
            pub fn init_for(&self, inputs: &[&[usize]], rng: &mut ChaCha8Rng) -> Vec<Vec<f32>> {
                match self { $( LayerConfig::$variant(l) => l.init(inputs, rng), )* }
            }
            pub fn mask_out_of(&self, masks: &[bool]) -> bool {
                match self { $( LayerConfig::$variant(l) => l.mask_out(masks), )* }
            }
            pub fn forward_many<B: Backend>(&self, g: &mut Graph<B>, w: &[Var], xs: &[Var], masks: &[Option<Var>], ctx: &mut ForwardCtx) -> (Var, Option<Var>) {
                match self { $( LayerConfig::$variant(l) => l.forward(g, w, xs, masks, ctx), )* }
            }
            pub fn keras_config_for(&self, inputs: &[&[usize]]) -> Value {
                match self { $( LayerConfig::$variant(l) => l.keras_config(inputs), )* }
            }
            /// A one-line description for summaries ("LSTM(64, return_sequences)").
            pub fn describe(&self) -> String {
                match self { $( LayerConfig::$variant(l) => l.describe(), )* }
            }
            pub fn token_ids(&self) -> TokenIds {
                match self { $( LayerConfig::$variant(l) => l.token_ids(), )* }
            }
            pub fn vocabulary(&self) -> Option<usize> {
                match self { $( LayerConfig::$variant(l) => l.vocabulary(), )* }
            }
            pub fn activation(&self) -> Option<Activation> {
                match self { $( LayerConfig::$variant(l) => l.activation(), )* }
            }
            pub fn set_activation(&mut self, a: Activation) {
                match self { $( LayerConfig::$variant(l) => l.set_activation(a), )* }
            }
            pub fn recurrent(&self) -> bool {
                match self { $( LayerConfig::$variant(l) => l.recurrent(), )* }
            }
            pub fn counts_padding(&self) -> bool {
                match self { $( LayerConfig::$variant(l) => l.counts_padding(), )* }
            }
            pub fn attends(&self) -> bool {
                match self { $( LayerConfig::$variant(l) => l.attends(), )* }
            }
            pub fn weight_uses(&self, input: &[usize], output: &[usize]) -> usize {
                match self { $( LayerConfig::$variant(l) => l.weight_uses(input, output), )* }
            }
            pub fn tfjs_incompatibility(&self) -> Option<Message> {
                match self { $( LayerConfig::$variant(l) => l.tfjs_incompatibility(), )* }
            }
            pub fn tfjs_masked_mean(&self, receives_mask: bool) -> bool {
                match self { $( LayerConfig::$variant(l) => l.tfjs_masked_mean(receives_mask), )* }
            }
            pub fn tfjs_merges_masks(&self) -> bool {
                match self { $( LayerConfig::$variant(l) => l.tfjs_merges_masks(), )* }
            }
            pub fn tfjs_reads_mask(&self) -> bool {
                match self { $( LayerConfig::$variant(l) => l.tfjs_reads_mask(), )* }
            }
            pub fn call_args(&self) -> Value {
                match self { $( LayerConfig::$variant(l) => l.call_args(), )* }
            }
            /// The call arguments a layer of Keras class `class` keeps in
            /// its config (`Layer::CALL_ARGS`).
            pub fn call_args_of(class: &str) -> &'static [&'static str] {
                $( if class == <$ty as Layer>::CLASS || <$ty as Layer>::ALIASES.contains(&class) {
                    return <$ty as Layer>::CALL_ARGS;
                } )*
                &[]
            }
            pub fn gates(&self, x: &[f32], input: &[usize], weights: &[Vec<f32>], mask: Option<&[f32]>) -> Option<GateTrace> {
                match self { $( LayerConfig::$variant(l) => l.gates(x, input, weights, mask), )* }
            }
            pub fn has_gates(&self) -> bool {
                match self { $( LayerConfig::$variant(l) => l.has_gates(), )* }
            }
            pub fn image_filters(&self) -> bool {
                match self { $( LayerConfig::$variant(l) => l.image_filters(), )* }
            }
        }
    };
}

registry! {
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
    MaxPooling2D(MaxPooling2D),
    AveragePooling2D(AveragePooling2D),
    GlobalAveragePooling2D(GlobalAveragePooling2D),
    GlobalMaxPooling2D(GlobalMaxPooling2D),
    BatchNormalization(BatchNormalization),
    LayerNormalization(LayerNormalization),
    TokenAndPositionEmbedding(TokenAndPositionEmbedding),
    SinePositionEncoding(SinePositionEncoding),
    TransformerEncoder(TransformerEncoder),
    TransformerDecoder(TransformerDecoder),
    MultiHeadAttention(MultiHeadAttention),
    Add(Add),
    Concatenate(Concatenate),
}

/// The one-input view a sequential model uses.
impl LayerConfig {
    /// The per-sample output shape for a per-sample input shape, or why the
    /// layer cannot take that input.
    pub fn output_shape(&self, input: &[usize]) -> std::result::Result<Vec<usize>, Message> {
        self.output_shapes(&[input])
    }
    /// The weights the layer owns, in Keras's order and layout.
    pub fn weights(&self, input: &[usize]) -> Vec<WeightSpec> {
        self.weights_for(&[input])
    }
    /// Fresh weights, with Keras's default initialisers.
    pub fn init(&self, input: &[usize], rng: &mut ChaCha8Rng) -> Vec<Vec<f32>> {
        self.init_for(&[input], rng)
    }
    /// Whether the output carries a padding mask, given whether the input does.
    pub fn mask_out(&self, mask: bool) -> bool {
        self.mask_out_of(&[mask])
    }
    /// The forward pass: `w` are the layer's weights as tape values.
    /// Returns the output and the mask for the next layer.
    pub fn forward<B: Backend>(&self, g: &mut Graph<B>, w: &[Var], x: Var, mask: Option<Var>, ctx: &mut ForwardCtx) -> (Var, Option<Var>) {
        self.forward_many(g, w, &[x], &[mask], ctx)
    }
    /// The layer's own keys of Keras's config.
    pub fn keras_config(&self, input: &[usize]) -> Value {
        self.keras_config_for(&[input])
    }
    /// The same layer ending in logits where it ends in a softmax (the loss
    /// then applies the softmax itself, stably); None otherwise.
    pub fn without_softmax(&self) -> Option<LayerConfig> {
        (self.activation() == Some(Activation::Softmax)).then(|| {
            let mut l = self.clone();
            l.set_activation(Activation::Linear);
            l
        })
    }
}

/// Everything the page's model editor needs to know about layers, as one
/// JSON object: the kinds (`LayerConfig::catalogue`) and the names an
/// activation, an LSTM's gates and a padding may take.
pub fn catalogue_json() -> Value {
    use activation::GateActivation;
    serde_json::json!({
        "layers": LayerConfig::catalogue(),
        "activations": Activation::ALL.iter().map(|a| a.keras_name()).collect::<Vec<_>>(),
        "gates": [GateActivation::Sigmoid.keras_name(), GateActivation::HardSigmoid.keras_name()],
        "paddings": [keras::padding_name(crate::backend::Padding::Valid), keras::padding_name(crate::backend::Padding::Same)],
    })
}
