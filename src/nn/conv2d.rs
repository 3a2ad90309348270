//! Conv2D, channels-last as Keras: kernel [kh, kw, in, filters] (Glorot
//! uniform over fan_in = kh·kw·in, fan_out = kh·kw·filters), bias
//! [filters], valid or same padding, a stride per axis. Computed as
//! im2col (each output pixel's patch as one row) times the kernel read as a
//! [kh·kw·in, filters] matrix, so the work is one large matrix product.

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{expect_image, init, Activation, Pair, WeightSpec};
use crate::autodiff::{Graph, Var};
use crate::backend::{Backend, Padding, Window2d};

fn ones() -> Pair {
    Pair([1, 1])
}
fn linear() -> Activation {
    Activation::Linear
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conv2D {
    pub filters: usize,
    pub kernel_size: Pair,
    #[serde(default = "ones")]
    pub strides: Pair,
    #[serde(default)]
    pub padding: Padding,
    #[serde(default = "linear")]
    pub activation: Activation,
}

impl Conv2D {
    pub fn new(filters: usize, kernel: usize, padding: Padding, activation: Activation) -> Self {
        Conv2D { filters, kernel_size: Pair([kernel, kernel]), strides: ones(), padding, activation }
    }
    /// The window over one image of shape `input` [h, w, c].
    fn window(&self, batch: usize, input: &[usize]) -> Result<Window2d, String> {
        Window2d::new(&[batch, input[0], input[1], input[2]], self.kernel_size.0, self.strides.0, self.padding)
    }
    pub fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>, String> {
        expect_image("Conv2D", input)?;
        if self.filters == 0 {
            return Err("filters must be at least 1".into());
        }
        let w = self.window(1, input)?;
        Ok(vec![w.oh, w.ow, self.filters])
    }
    pub fn weights(&self, input: &[usize]) -> Vec<WeightSpec> {
        let [kh, kw] = self.kernel_size.0;
        vec![WeightSpec::trainable("kernel", vec![kh, kw, input[2], self.filters]), WeightSpec::trainable("bias", vec![self.filters])]
    }
    pub fn init(&self, input: &[usize], rng: &mut ChaCha8Rng) -> Vec<Vec<f32>> {
        let [kh, kw] = self.kernel_size.0;
        let (c, f) = (input[2], self.filters);
        vec![init::glorot_uniform(rng, kh * kw * c, kh * kw * f, kh * kw * c * f), vec![0.0; f]]
    }
    pub fn forward<B: Backend>(&self, g: &mut Graph<B>, w: &[Var], x: Var) -> Var {
        let shape = g.shape(x);
        let win = self.window(shape[0], &shape[1..]).expect("shapes are checked when the model is built");
        let cols = g.im2col_2d(x, win);
        let kernel = g.reshape(w[0], &[win.kh * win.kw * win.c, self.filters]);
        let y = g.matmul_bias(cols, kernel, w[1]);
        let y = g.activation(y, self.activation);
        g.reshape(y, &win.output_shape(self.filters))
    }
}
