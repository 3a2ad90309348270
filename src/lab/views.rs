//! What the lab answers the page with: plain serialisable structs, one per
//! question (the data report, the summary, progress, metrics, predictions,
//! the insides), which the wasm layer only converts to JavaScript values.

use super::*;
use crate::model::LayerInfo;

/// What the data section shows after a paste.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataReport {
    pub accepted: usize,
    pub rejected_count: usize,
    /// The first rejected lines, with numbers and reasons.
    pub rejected: Vec<Rejected>,
    pub delimiter: String,
    pub label_column: LabelColumn,
    pub header: Option<Vec<String>>,
    pub classes: Vec<ClassCount>,
    pub warnings: Vec<Message>,
    pub cleaning: CleanReport,
    /// Distinct words in the training texts (the tokenizer's word_index).
    pub vocabulary: usize,
    /// Words per text: quantiles and a histogram.
    pub lengths: LengthStats,
    pub preview: Vec<PreviewRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassCount {
    pub label: String,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LengthStats {
    pub min: usize,
    pub median: usize,
    pub p90: usize,
    pub max: usize,
    /// Share of texts longer than max length (cut by truncation).
    pub truncated_share: f64,
    /// (upper bound of bin, count)
    pub histogram: Vec<(usize, usize)>,
}

/// One row as the tokenizer sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviewRow {
    pub line: usize,
    pub label: String,
    pub text: String,
    /// (word, id, out-of-vocabulary)
    pub tokens: Vec<(String, usize, bool)>,
    pub ids: Vec<usize>,
}

/// A layer row of the Keras-style summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryRow {
    pub name: String,
    pub class_name: String,
    pub description: String,
    pub output_shape: Vec<usize>,
    pub params: usize,
    /// The layers it reads ("input" for the model's input): the one before
    /// it in a chain, any earlier ones in a graph.
    pub inputs: Vec<String>,
    /// The layer as built (its `type` and fields), so the page's drawing of
    /// the model shows what the engine made: a block's heads and widths,
    /// and whether it normalises before or after each sublayer.
    pub config: LayerConfig,
}

impl SummaryRow {
    /// Every layer's row.
    pub fn all(layers: &[LayerInfo]) -> Vec<SummaryRow> {
        let source = |j: usize| if j == 0 { "input".to_string() } else { layers[j - 1].name.clone() };
        layers
            .iter()
            .map(|l| SummaryRow {
                name: l.name.clone(),
                class_name: l.config.class_name().into(),
                description: l.config.describe(),
                output_shape: l.output_shape.clone(),
                params: l.param_count(),
                inputs: l.inputs.iter().map(|&j| source(j)).collect(),
                config: l.config.clone(),
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub rows: Vec<SummaryRow>,
    pub total_params: usize,
    /// Set-ups that train but fail silently, with a fix the page can offer.
    pub lints: Vec<LintInfo>,
    /// Why TensorFlow.js could not load this model once downloaded (empty
    /// when it can), shown before the download.
    pub tfjs_incompatibilities: Vec<Message>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LintInfo {
    pub layer: usize,
    pub message: Message,
    pub fix: Option<String>,
}

/// Progress after a slice of training.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    pub epoch: usize,
    pub epochs: usize,
    pub batch: usize,
    pub batches_per_epoch: usize,
    pub done: bool,
    pub stopped: Option<Message>,
    pub samples_per_second: f64,
    pub eta_seconds: f64,
    pub new_batches: Vec<BatchRecord>,
    pub new_epochs: Vec<EpochRecord>,
    /// "cpu" or "gpu (adapter)": where the slices run.
    pub backend: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Misclassified {
    pub line: usize,
    /// Index in the validation set.
    pub index: usize,
    pub text: String,
    /// For images: display values in [0, 1] (shape in the data report).
    pub image: Option<Vec<f32>>,
    pub truth: String,
    pub predicted: String,
    /// The probability the model gave the true class.
    pub truth_probability: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationView {
    pub epoch: usize,
    pub loss: f64,
    pub report: Report,
    pub worst: Vec<Misclassified>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    pub label: String,
    pub probabilities: Vec<(String, f32)>,
    pub tokens: Vec<(String, usize, bool)>,
}

/// The "inside the model" view: histograms of every layer, and the gates of
/// an LSTM over one example.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InsidesView {
    pub insides: Insides,
    /// (layer index, name) of each LSTM, for the gate map's layer choice.
    pub lstm_layers: Vec<(usize, String)>,
    pub example: Option<GateExample>,
}

/// One example with an LSTM's gates over its time steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateExample {
    /// The LSTM's layer index.
    pub layer: usize,
    /// Index among the examples (validation rows, else training rows).
    pub index: usize,
    pub count: usize,
    pub line: usize,
    pub label: String,
    pub text: String,
    /// The word at each shown step ("·" for padding).
    pub tokens: Vec<String>,
    pub gates: GateMap,
}
