//! Pooling over images [h, w, c]: MaxPooling2D and AveragePooling2D with a
//! window, strides (the window's size unless given, as Keras) and padding;
//! GlobalAveragePooling2D and GlobalMaxPooling2D over all pixels → [c].

use serde::{Deserialize, Serialize};

use super::{expect_image, Pair};
use crate::autodiff::{Graph, Var};
use crate::backend::{Backend, Padding, PoolKind, Window2d};

fn two() -> Pair {
    Pair([2, 2])
}

/// The settings shared by MaxPooling2D and AveragePooling2D.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pooling2D {
    #[serde(default = "two")]
    pub pool_size: Pair,
    /// None: the pool size (Keras's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strides: Option<Pair>,
    #[serde(default)]
    pub padding: Padding,
}

impl Default for Pooling2D {
    fn default() -> Self {
        Pooling2D { pool_size: two(), strides: None, padding: Padding::Valid }
    }
}

impl Pooling2D {
    fn window(&self, batch: usize, input: &[usize]) -> Result<Window2d, String> {
        let strides = self.strides.unwrap_or(self.pool_size);
        Window2d::new(&[batch, input[0], input[1], input[2]], self.pool_size.0, strides.0, self.padding)
    }
    pub fn output_shape(&self, layer: &str, input: &[usize]) -> Result<Vec<usize>, String> {
        expect_image(layer, input)?;
        let w = self.window(1, input)?;
        Ok(vec![w.oh, w.ow, input[2]])
    }
    pub fn forward<B: Backend>(&self, g: &mut Graph<B>, x: Var, kind: PoolKind) -> Var {
        let shape = g.shape(x);
        let win = self.window(shape[0], &shape[1..]).expect("shapes are checked when the model is built");
        g.pool_2d(x, win, kind)
    }
    pub fn describe(&self, class: &str) -> String {
        let [a, b] = self.pool_size.0;
        let strides = self.strides.filter(|s| *s != self.pool_size).map(|s| format!(", strides {}×{}", s.0[0], s.0[1])).unwrap_or_default();
        let padding = if self.padding == Padding::Same { ", same" } else { "" };
        format!("{}({}×{}{}{})", class, a, b, strides, padding)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GlobalPooling2D {}

pub fn global_output_shape(layer: &str, input: &[usize]) -> Result<Vec<usize>, String> {
    expect_image(layer, input)?;
    Ok(vec![input[2]])
}

/// Pixels as time steps: [batch, h·w, c], then pooled over "time".
pub fn global_forward<B: Backend>(g: &mut Graph<B>, x: Var, kind: PoolKind) -> Var {
    let s = g.shape(x);
    let seq = g.reshape(x, &[s[0], s[1] * s[2], s[3]]);
    match kind {
        PoolKind::Max => g.max_over_time(seq),
        PoolKind::Average => g.mean_over_time(seq, None),
    }
}
