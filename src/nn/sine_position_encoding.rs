//! Sinusoidal positions, as in "Attention Is All You Need" and keras_hub's
//! `SinePositionEncoding`: [time, d] → the input plus a fixed vector per
//! position, sin(p·f_j) in the even dimensions and cos(p·f_j) in the odd
//! ones, with frequencies f_j = max_wavelength^(−2⌊j/2⌋/d) falling from 1
//! to 1/max_wavelength. Nothing to learn, and defined for any position,
//! where learned positions (TokenAndPositionEmbedding) stop at their table.
//!
//! keras_hub's layer returns the encoding alone and a model adds it with
//! `Add`; in gradlab's chain of layers this one layer is both, so it sits
//! after an Embedding. model.json writes it as Keras's pair
//! (SinePositionEncoding, then Add of its input and the encoding) and reads
//! the pair back as this layer. No padding mask passes it: Keras's layer
//! drops the mask it receives and Add keeps one only when every input has
//! one, so after this layer padded steps count as tokens, in Keras and
//! here alike (for a masked Transformer, use learned positions).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{Field, FieldKind, ForwardCtx, KerasConfig, Layer, Menu};
use crate::autodiff::{Graph, Var};
use crate::backend::Backend;
use crate::error::{Message, Result};
use crate::msg;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SinePositionEncoding {
    #[serde(default = "default_wavelength")]
    pub max_wavelength: usize,
}

fn default_wavelength() -> usize {
    10_000
}

impl Default for SinePositionEncoding {
    fn default() -> Self {
        SinePositionEncoding { max_wavelength: default_wavelength() }
    }
}

/// The encoding of positions 0..time over `width` dimensions, row by row,
/// computed in f32 step by step as keras_hub computes it.
pub fn encoding(time: usize, width: usize, max_wavelength: usize) -> Vec<f32> {
    let min_freq = 1.0f32 / max_wavelength as f32;
    let timescales: Vec<f32> = (0..width).map(|j| min_freq.powf((2 * (j / 2)) as f32 / width as f32)).collect();
    let mut out = Vec::with_capacity(time * width);
    for p in 0..time {
        for (j, &f) in timescales.iter().enumerate() {
            let angle = p as f32 * f;
            out.push(if j % 2 == 0 { angle.sin() } else { angle.cos() });
        }
    }
    out
}

impl Layer for SinePositionEncoding {
    const CLASS: &'static str = "SinePositionEncoding";
    const MENU: Menu = Menu { text: Some(11), images: None };
    /// keras_hub's layer computes only the term; model.json adds it with Add.
    const KERAS_TERM: bool = true;
    fn fields() -> Vec<Field> {
        vec![Field::new("max_wavelength", FieldKind::Count).shown("max_wavelength", json!(10_000))]
    }
    fn from_keras(c: &KerasConfig) -> Result<Self> {
        Ok(SinePositionEncoding { max_wavelength: c.usize("max_wavelength").unwrap_or_else(default_wavelength) })
    }
    fn keras_config(&self, _inputs: &[&[usize]]) -> Value {
        json!({"max_wavelength": self.max_wavelength})
    }
    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, Message> {
        match inputs[0] {
            [t, d] if *t >= 1 && *d >= 1 && self.max_wavelength >= 1 => Ok(vec![*t, *d]),
            input => Err(msg!("layer.positions_need_sequence", shape = format!("{:?}", input))),
        }
    }
    fn counts_padding(&self) -> bool {
        true
    }
    fn forward<B: Backend>(&self, g: &mut Graph<B>, _w: &[Var], xs: &[Var], _masks: &[Option<Var>], _ctx: &mut ForwardCtx) -> (Var, Option<Var>) {
        let shape = g.shape(xs[0]);
        let (b, t, d) = (shape[0], shape[1], shape[2]);
        // One row of t·d values added to each sample's t·d, as a bias is.
        let pe = g.backend.upload(&[t * d], &encoding(t, d, self.max_wavelength));
        let pe = g.constant(pe);
        let flat = g.reshape(xs[0], &[b, t * d]);
        let y = g.add_bias(flat, pe);
        (g.reshape(y, &[b, t, d]), None)
    }
    fn describe(&self) -> String {
        format!("SinePositionEncoding(added, max wavelength {})", self.max_wavelength)
    }
    fn weight_uses(&self, _input: &[usize], _output: &[usize]) -> usize {
        0
    }
    fn tfjs_incompatibility(&self) -> Option<Message> {
        Some(msg!("tfjs.keras_hub", layer = self.describe(), class = Self::CLASS))
    }
}
