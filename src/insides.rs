//! The model's insides, for the page's "inside the model" view: histograms
//! of each layer's weights, of its outputs on a batch of examples and of the
//! last step's gradients; and an LSTM's gates over one example's time steps.
//!
//! The gate map recomputes the LSTM's step in plain Rust from the layer's
//! input and weights (the backend's fused cell does not expose its gates);
//! a test checks that its hidden states equal the layer's own output.

use serde::{Deserialize, Serialize};

use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::msg;
use crate::model::Model;
use crate::nn::GateTrace;

/// Values binned over the range that holds all but the 0.5 % at each end
/// (one outlier would otherwise squeeze the rest into a single bar); the
/// values beyond it are counted in the end bins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    pub min: f32,
    pub max: f32,
    /// The binned range.
    pub lo: f32,
    pub hi: f32,
    pub mean: f32,
    pub std: f32,
    /// Finite values counted.
    pub count: usize,
    /// Values that are NaN or infinite (not binned).
    pub non_finite: usize,
    /// Values exactly zero that were left out of the bins (see `of_nonzero`).
    #[serde(default)]
    pub zeros_left_out: usize,
    pub counts: Vec<u32>,
}

impl Histogram {
    pub fn of<'a>(values: impl Iterator<Item = &'a f32>, bins: usize) -> Histogram {
        let bins = bins.max(1);
        let (mut finite, mut non_finite) = (Vec::new(), 0);
        for &v in values {
            if v.is_finite() {
                finite.push(v);
            } else {
                non_finite += 1;
            }
        }
        let count = finite.len();
        if count == 0 {
            return Histogram { min: 0.0, max: 0.0, lo: 0.0, hi: 0.0, mean: 0.0, std: 0.0, count, non_finite, zeros_left_out: 0, counts: vec![0; bins] };
        }
        let mean = finite.iter().map(|&v| v as f64).sum::<f64>() / count as f64;
        let var = finite.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / count as f64;
        let mut quantile = |q: f64| {
            let k = ((count - 1) as f64 * q).round() as usize;
            *finite.select_nth_unstable_by(k, f32::total_cmp).1
        };
        let (min, max) = (quantile(0.0), quantile(1.0));
        let (q_lo, q_hi) = (quantile(0.005), quantile(0.995));
        // A constant tensor (fresh biases) gets a bin of width 1 around it.
        let (lo, hi) = if q_hi > q_lo { (q_lo, q_hi) } else if max > min { (min, max) } else { (min - 0.5, max + 0.5) };
        let width = (hi - lo) / bins as f32;
        let mut counts = vec![0u32; bins];
        for &v in &finite {
            counts[((v - lo) / width).clamp(0.0, (bins - 1) as f32) as usize] += 1;
        }
        Histogram { min, max, lo, hi, mean: mean as f32, std: var.sqrt() as f32, count, non_finite, zeros_left_out: 0, counts }
    }

    /// Bins only the non-zero values and counts the zeros apart: an
    /// Embedding's gradient is zero on every row the batch did not use, and
    /// a spike at 0 would hide the rest.
    pub fn of_nonzero<'a>(values: impl Iterator<Item = &'a f32>, bins: usize) -> Histogram {
        let mut zeros = 0;
        let nonzero = values.filter(|&&v| {
            zeros += usize::from(v == 0.0);
            v != 0.0
        });
        let mut h = Histogram::of(nonzero, bins);
        h.zeros_left_out = zeros;
        h
    }
}

/// One layer, seen from inside.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerInsides {
    pub name: String,
    pub description: String,
    /// All the layer's weights together (kernel, recurrent kernel, bias).
    pub weights: Option<Histogram>,
    /// The layer's outputs on the examples, padding positions included.
    pub activations: Histogram,
    /// The last step's gradients of the layer's weights (zeros counted apart).
    pub gradients: Option<Histogram>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Insides {
    /// Training steps taken when the picture was made.
    pub step: usize,
    /// The step the gradients belong to (none before the first step).
    pub gradient_step: Option<usize>,
    /// How many examples the activations come from.
    pub examples: usize,
    pub layers: Vec<LayerInsides>,
}

/// Histograms of every layer of `model`. `ids` are the examples whose
/// activations are shown; `gradients` the last step's, flattened in layer
/// order as the trainer keeps them.
pub fn insides<B: Backend>(model: &Model<B>, ids: &[Vec<f32>], step: usize, gradients: Option<(usize, &[B::Tensor])>, bins: usize) -> Insides {
    let trace = model.trace(ids);
    let weights = model.get_weights();
    let grads: Option<Vec<Vec<f32>>> = gradients.map(|(_, g)| g.iter().map(|t| model.backend.download(t)).collect());
    let mut next_grad = 0;
    let layers = model
        .layers
        .iter()
        .zip(&trace)
        .zip(&weights)
        .map(|((layer, t), w)| {
            let n = w.len();
            let g = grads.as_ref().map(|gs| &gs[next_grad..next_grad + n]);
            next_grad += n;
            LayerInsides {
                name: layer.name.clone(),
                description: layer.config.describe(),
                weights: (n > 0).then(|| Histogram::of(w.iter().flatten(), bins)),
                activations: Histogram::of(t.output.iter(), bins),
                gradients: g.filter(|_| n > 0).map(|g| Histogram::of_nonzero(g.iter().flatten(), bins)),
            }
        })
        .collect();
    Insides { step, gradient_step: gradients.map(|(s, _)| s), examples: ids.len(), layers }
}

/// An LSTM's gates over the time steps of one example: [step][unit] values
/// in [0, 1]. Steps the mask skips are left out (the layer carries its
/// state through them unchanged).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateMap {
    pub layer: String,
    /// The gates and hidden state after each shown step (the fields sit
    /// beside `layer` in the page's JSON).
    #[serde(flatten)]
    pub trace: GateTrace,
}

impl std::ops::Deref for GateMap {
    type Target = GateTrace;
    fn deref(&self) -> &GateTrace {
        &self.trace
    }
}

/// The gates of the gated layer (an LSTM) at `layer_index` for one row of
/// token ids.
pub fn lstm_gates<B: Backend>(model: &Model<B>, layer_index: usize, ids: &[f32]) -> Result<GateMap> {
    let info = model.layers.get(layer_index).ok_or_else(|| Error::setting("gate_layer", msg!("insides.layer_count", count = model.layers.len())))?;
    if !info.config.has_gates() {
        return Err(Error::setting("gate_layer", msg!("insides.not_lstm", index = layer_index + 1, layer = &info.name)));
    }
    if layer_index == 0 {
        return Err(Error::setting("gate_layer", msg!("insides.lstm_first")));
    }
    let trace = model.trace(&[ids.to_vec()]);
    let weights: Vec<Vec<f32>> = model.weights[layer_index].iter().map(|t| model.backend.download(t)).collect();
    let g = info.config.gates(&trace[layer_index - 1].output, &info.input_shape, &weights, trace[layer_index].mask_in.as_deref()).expect("a layer with gates");
    Ok(GateMap { layer: info.name.clone(), trace: g })
}
