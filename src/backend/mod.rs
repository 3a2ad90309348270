//! The compute backend: the primitive tensor operations the engine is built
//! from. Layers, losses and optimizers call these and never touch memory
//! themselves, so the same model runs wherever a `Backend` exists.
//!
//! Tensors are opaque handles (`Backend::Tensor`): on the CPU a shared
//! buffer, on a GPU a device buffer. Values leave a backend only through
//! `download`, which the trainer calls for what the user sees.
//!
//! Shapes are row-major. Integer inputs (token ids, class indices) travel as
//! f32 tensors holding whole numbers; f32 represents every integer below 2^24
//! exactly, far beyond any vocabulary here.

pub mod activation;
pub mod composed_attention;
pub mod cpu;
pub mod gpu;
pub mod loss;
pub mod timing;
pub mod update;
pub mod window;

use activation::{Activation, GateActivation};
use loss::Loss;
use update::UpdateRule;

pub use cpu::{CpuBackend, CpuTensor};
pub use window::{Padding, PoolKind, Window2d};

/// Which step of a recurrent sequence a cell reads its mask from:
/// the mask tensor [batch, time] and the time index.
pub type StepMask<'a, T> = Option<(&'a T, usize)>;

/// A value being read back from a backend. The CPU's (and a native GPU's)
/// are ready at once; in the browser WebGPU hands buffers back only through
/// the event loop, so reading there is asynchronous.
pub type Reading<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T>>>;

/// The value of a future that is already complete, for synchronous callers.
/// Panics when it is not: a synchronous read on WebGPU, which cannot block.
pub fn ready_now<T>(f: impl std::future::Future<Output = T>) -> T {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => panic!("a synchronous read from a backend that can only read back asynchronously (WebGPU in the browser); use the async call"),
    }
}

/// Tensors: making them, reading them back, their shapes. Every other group of
/// operations builds on this one.
pub trait TensorOps: Clone + 'static {
    type Tensor: Clone + std::fmt::Debug;
    /// A short name for messages ("cpu", "gpu (llvmpipe)").
    fn name(&self) -> String;
    fn upload(&self, shape: &[usize], data: &[f32]) -> Self::Tensor;
    fn download(&self, t: &Self::Tensor) -> Vec<f32>;
    fn shape<'a>(&self, t: &'a Self::Tensor) -> &'a [usize];
    fn zeros(&self, shape: &[usize]) -> Self::Tensor;
    fn full(&self, shape: &[usize], value: f32) -> Self::Tensor;
    /// Same data, new shape (same number of elements).
    fn reshape(&self, t: &Self::Tensor, shape: &[usize]) -> Self::Tensor;
    /// Tensors read back together, without blocking.
    fn read_async(&self, ts: &[&Self::Tensor]) -> Reading<Vec<Vec<f32>>> {
        let v: Vec<Vec<f32>> = ts.iter().map(|t| self.download(t)).collect();
        Box::pin(std::future::ready(v))
    }
    /// `ts` read back, and beside them the class each row of `rows` (its
    /// last axis) predicts (`metrics::predicted_class`), in one read. A
    /// language model's rows are its vocabulary wide at every position: the
    /// CPU finds the classes where the rows lie instead of copying them.
    fn read_with_classes_async(&self, ts: &[&Self::Tensor], rows: &Self::Tensor) -> Reading<(Vec<Vec<f32>>, Vec<usize>)> {
        let width = self.shape(rows).last().copied().unwrap_or(1).max(1);
        let all: Vec<&Self::Tensor> = ts.iter().copied().chain([rows]).collect();
        let read = self.read_async(&all);
        Box::pin(async move {
            let mut v = read.await;
            let last = v.pop().unwrap_or_default();
            (v, last.chunks(width).map(crate::metrics::predicted_class).collect())
        })
    }
}

/// Element-wise operations, activations, softmax and sums.
pub trait ElementwiseOps: TensorOps {
    fn add(&self, a: &Self::Tensor, b: &Self::Tensor) -> Self::Tensor;
    /// a += b, in place.
    fn add_assign(&self, a: &mut Self::Tensor, b: &Self::Tensor);
    fn mul(&self, a: &Self::Tensor, b: &Self::Tensor) -> Self::Tensor;
    fn scale(&self, a: &Self::Tensor, s: f32) -> Self::Tensor;
    /// 1 where x ≠ 0, else 0 (the padding mask of token ids).
    fn nonzero(&self, x: &Self::Tensor) -> Self::Tensor;
    /// x + bias, the bias broadcast along the last axis.
    fn add_bias(&self, x: &Self::Tensor, bias: &Self::Tensor) -> Self::Tensor;
    /// Sum over every axis but the last: the gradient of `add_bias`'s bias.
    fn sum_rows(&self, x: &Self::Tensor) -> Self::Tensor;
    fn activation(&self, act: Activation, x: &Self::Tensor) -> Self::Tensor;
    /// dy · f'(x), given x and y = f(x).
    fn activation_backward(&self, act: Activation, x: &Self::Tensor, y: &Self::Tensor, dy: &Self::Tensor) -> Self::Tensor;
    /// Softmax along the last axis.
    fn softmax(&self, x: &Self::Tensor) -> Self::Tensor;
    fn softmax_backward(&self, y: &Self::Tensor, dy: &Self::Tensor) -> Self::Tensor;
    /// Σ x², read back: used for global-norm clipping and finiteness checks.
    fn sum_squares(&self, x: &Self::Tensor) -> f32;
    /// Σ x² of each tensor, read back together without blocking: one round
    /// trip on a GPU instead of one per tensor.
    fn sum_squares_each_async(&self, xs: &[&Self::Tensor]) -> Reading<Vec<f32>> {
        let v: Vec<f32> = xs.iter().map(|x| self.sum_squares(x)).collect();
        Box::pin(std::future::ready(v))
    }
}

/// Linear algebra: the matrix product, with the bias fused where a backend can.
pub trait LinalgOps: ElementwiseOps {
    /// op(a) · op(b) for 2-D tensors, where op transposes when asked.
    fn matmul(&self, a: &Self::Tensor, b: &Self::Tensor, trans_a: bool, trans_b: bool) -> Self::Tensor;
    /// a·w + bias (bias broadcast along rows): one op so that a GPU can add
    /// the bias as it writes the product.
    fn matmul_bias(&self, a: &Self::Tensor, w: &Self::Tensor, bias: &Self::Tensor) -> Self::Tensor {
        self.add_bias(&self.matmul(a, w, false, false), bias)
    }
}

/// Losses (mean over the batch, as Keras), and softmax fused with cross-entropy.
pub trait LossOps: TensorOps {
    /// Scalar loss [1]. `target` is one-hot/real-valued [batch, n], or class
    /// indices [batch] for sparse categorical cross-entropy.
    fn loss(&self, loss: Loss, pred: &Self::Tensor, target: &Self::Tensor) -> Self::Tensor;
    /// d loss / d pred.
    fn loss_backward(&self, loss: Loss, pred: &Self::Tensor, target: &Self::Tensor) -> Self::Tensor;
    /// Softmax and categorical cross-entropy in one stable step, from logits.
    /// Returns (probabilities, loss [1]). Sparse targets are class indices.
    fn softmax_cross_entropy(&self, logits: &Self::Tensor, target: &Self::Tensor, sparse: bool) -> (Self::Tensor, Self::Tensor);
    /// d loss / d logits = (p − y) / batch.
    fn softmax_cross_entropy_backward(&self, probs: &Self::Tensor, target: &Self::Tensor, sparse: bool) -> Self::Tensor;
}

/// Sequences [batch, time, features]: embedding lookups, time and column
/// slices, recurrent cells, 1-D convolution patches and pooling over time.
pub trait SequenceOps: TensorOps {
    /// Rows of `table` [rows, d] picked by `ids` (any shape) → [..ids, d].
    fn gather_rows(&self, table: &Self::Tensor, ids: &Self::Tensor) -> Self::Tensor;
    /// The gradient of `gather_rows`: grad rows added into a zero [rows, d].
    fn scatter_add_rows(&self, ids: &Self::Tensor, grad: &Self::Tensor, rows: usize) -> Self::Tensor;
    /// x[:, t, :] of a [batch, time, d] tensor.
    fn time_slice(&self, x: &Self::Tensor, t: usize) -> Self::Tensor;
    /// dst[:, t, :] += src.
    fn time_slice_add(&self, dst: &mut Self::Tensor, t: usize, src: &Self::Tensor);
    /// Stack [batch, d] tensors along a new time axis → [batch, time, d].
    fn time_stack(&self, xs: &[&Self::Tensor]) -> Self::Tensor;
    /// Columns start..start+len of a [n, d] tensor.
    fn cols_slice(&self, x: &Self::Tensor, start: usize, len: usize) -> Self::Tensor;
    /// dst[:, start..start+len] += src.
    fn cols_slice_add(&self, dst: &mut Self::Tensor, start: usize, src: &Self::Tensor);
    /// One LSTM step (gates i, f, c, o as Keras) from pre-activations
    /// z [batch, 4h] and the previous state hc [batch, 2h] = [h | c].
    /// Masked rows (mask 0) carry the previous state through. `gate` is the
    /// activation of i, f and o.
    fn lstm_cell(&self, z: &Self::Tensor, hc_prev: &Self::Tensor, mask: StepMask<Self::Tensor>, gate: GateActivation) -> Self::Tensor;
    /// Returns (d z, d hc_prev) from d hc.
    fn lstm_cell_backward(&self, z: &Self::Tensor, hc_prev: &Self::Tensor, mask: StepMask<Self::Tensor>, gate: GateActivation, dhc: &Self::Tensor) -> (Self::Tensor, Self::Tensor);
    /// One GRU step (Keras's reset_after=True, gates z, r, h) from the input
    /// part xz = x·W + b_in [batch, 3h], the recurrent part hz = h·U + b_rec
    /// [batch, 3h] and the previous state h [batch, h].
    fn gru_cell(&self, xz: &Self::Tensor, hz: &Self::Tensor, h_prev: &Self::Tensor, mask: StepMask<Self::Tensor>) -> Self::Tensor;
    /// Returns (d xz, d hz, d h_prev).
    fn gru_cell_backward(&self, xz: &Self::Tensor, hz: &Self::Tensor, h_prev: &Self::Tensor, mask: StepMask<Self::Tensor>, dh: &Self::Tensor) -> (Self::Tensor, Self::Tensor, Self::Tensor);
    /// Windows of a [batch, time, c] tensor for a 1-D convolution with valid
    /// padding → [batch·out_time, kernel·c].
    fn im2col_1d(&self, x: &Self::Tensor, kernel: usize, stride: usize) -> Self::Tensor;
    /// The gradient of `im2col_1d`: windows added back into [batch, time, c].
    fn col2im_1d(&self, cols: &Self::Tensor, x_shape: &[usize], kernel: usize, stride: usize) -> Self::Tensor;
    /// Max over the time axis of [batch, time, d] → [batch, d].
    fn max_over_time(&self, x: &Self::Tensor) -> Self::Tensor;
    fn max_over_time_backward(&self, x: &Self::Tensor, dy: &Self::Tensor) -> Self::Tensor;
    /// Mean over the time axis, counting only steps whose mask is 1.
    fn mean_over_time(&self, x: &Self::Tensor, mask: Option<&Self::Tensor>) -> Self::Tensor;
    fn mean_over_time_backward(&self, dy: &Self::Tensor, x_shape: &[usize], mask: Option<&Self::Tensor>) -> Self::Tensor;
}

/// Images [batch, height, width, channels]: 2-D convolution patches, pooling
/// and batch normalisation.
pub trait ImageOps: TensorOps {
    /// The patches of a 2-D convolution → [batch·oh·ow, kh·kw·c], each row
    /// ordered (ky, kx, channel) as Keras's kernel; padding cells read 0.
    fn im2col_2d(&self, x: &Self::Tensor, win: &Window2d) -> Self::Tensor;
    /// The gradient of `im2col_2d`: patches added back into [batch, h, w, c].
    fn col2im_2d(&self, cols: &Self::Tensor, win: &Window2d) -> Self::Tensor;
    /// Max or average pooling of each channel → [batch, oh, ow, c].
    fn pool_2d(&self, x: &Self::Tensor, win: &Window2d, kind: PoolKind) -> Self::Tensor;
    /// d x from d y [batch, oh, ow, c]; max pooling sends each window's
    /// gradient to its first largest cell.
    fn pool_2d_backward(&self, x: &Self::Tensor, dy: &Self::Tensor, win: &Window2d, kind: PoolKind) -> Self::Tensor;
    /// Per-channel mean and biased variance over every axis but the last:
    /// the batch statistics of batch normalisation, ([c], [c]).
    fn moments(&self, x: &Self::Tensor) -> (Self::Tensor, Self::Tensor);
    /// (x − mean) / √(var + eps) · gamma + beta, per channel (last axis).
    fn batch_norm(&self, x: &Self::Tensor, mean: &Self::Tensor, var: &Self::Tensor, gamma: &Self::Tensor, beta: &Self::Tensor, eps: f32) -> Self::Tensor;
    /// (d x, d gamma, d beta). With `batch_stats` the mean and variance were
    /// computed from x itself (training), so d x includes their gradients.
    #[allow(clippy::too_many_arguments)]
    fn batch_norm_backward(&self, x: &Self::Tensor, mean: &Self::Tensor, var: &Self::Tensor, gamma: &Self::Tensor, eps: f32, dy: &Self::Tensor, batch_stats: bool) -> (Self::Tensor, Self::Tensor, Self::Tensor);
}

/// Normalisation over the features of each row (layer normalisation).
pub trait NormOps: TensorOps {
    /// Layer normalisation: each row of x (every axis but the last) becomes
    /// (x − mean) / √(var + eps) · gamma + beta with its own mean and biased
    /// variance over the last axis; gamma and beta are [c].
    fn layer_norm(&self, x: &Self::Tensor, gamma: &Self::Tensor, beta: &Self::Tensor, eps: f32) -> Self::Tensor;
    /// (d x, d gamma, d beta), the row statistics recomputed from x.
    fn layer_norm_backward(&self, x: &Self::Tensor, gamma: &Self::Tensor, eps: f32, dy: &Self::Tensor) -> (Self::Tensor, Self::Tensor, Self::Tensor);
}

/// The sizes of one scaled dot-product attention over heads. Queries, keys
/// and values arrive as the projections write them, heads side by side in
/// the last axis: q [batch, tq, heads·dk], k [batch, tk, heads·dk],
/// v [batch, tk, heads·dv]; so no transpose is needed on either side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AttentionShape {
    pub batch: usize,
    pub tq: usize,
    pub tk: usize,
    pub heads: usize,
    pub dk: usize,
    pub dv: usize,
    /// Query i sees only keys j ≤ i (a language model's mask).
    pub causal: bool,
}

impl AttentionShape {
    /// Read from the three inputs' shapes; panics on a mismatch, a bug of
    /// the caller's (layers check shapes before they run).
    pub fn of(q: &[usize], k: &[usize], v: &[usize], heads: usize, causal: bool) -> AttentionShape {
        assert!(q.len() == 3 && k.len() == 3 && v.len() == 3, "attention: q {:?}, k {:?}, v {:?} are not [batch, time, heads·d]", q, k, v);
        assert!(heads > 0 && q[2] % heads == 0 && v[2] % heads == 0 && q[2] == k[2], "attention: {} heads of q {:?}, k {:?}, v {:?}", heads, q, k, v);
        assert!(q[0] == k[0] && k[0] == v[0] && k[1] == v[1], "attention: q {:?}, k {:?}, v {:?} disagree", q, k, v);
        AttentionShape { batch: q[0], tq: q[1], tk: k[1], heads, dk: q[2] / heads, dv: v[2] / heads, causal }
    }
    /// The probabilities' shape, [batch, heads, tq, tk].
    pub fn probs_shape(&self) -> [usize; 4] {
        [self.batch, self.heads, self.tq, self.tk]
    }
    /// Keras scales the query by 1/√dk before the product.
    pub fn scale(&self) -> f32 {
        1.0 / (self.dk as f32).sqrt()
    }
}

/// What Keras puts in place of a masked attention score before the softmax
/// (its `_large_negative_number` for float32), so a masked key gets weight 0.
pub const MASKED_SCORE: f32 = -1e9;

/// Attention: scaled dot-product attention over heads, fused (scores, mask,
/// softmax and the weighted sum of values in one op), as Keras's
/// MultiHeadAttention computes it after its projections.
pub trait AttentionOps: TensorOps {
    /// softmax(q·kᵀ/√dk + masks) per head → (out [batch, tq, heads·dv],
    /// probabilities [batch, heads, tq, tk]). `mask` [batch, tq + tk] holds
    /// each sample's query mask, then its key mask (1 for a token, 0 for
    /// padding; self-attention passes its padding mask twice), combined as
    /// Keras combines a query's and a value's masks: query i sees key j
    /// when both are tokens (and j ≤ i when causal). A row that sees no
    /// key (a padding query, or every key padding) has probabilities all 0
    /// (as Keras's masked Softmax leaves it), so its output is 0 and no
    /// gradient flows through it; no layer reads a padded position.
    /// `drop` [batch, heads, tq, tk] multiplies the probabilities before
    /// they weigh the values (dropout on the attention weights); the
    /// probabilities returned are before it.
    fn attention(&self, q: &Self::Tensor, k: &Self::Tensor, v: &Self::Tensor, mask: Option<&Self::Tensor>, drop: Option<&Self::Tensor>, heads: usize, causal: bool) -> (Self::Tensor, Self::Tensor);
    /// (d q, d k, d v) from d out, given the inputs and the probabilities.
    #[allow(clippy::too_many_arguments)]
    fn attention_backward(&self, q: &Self::Tensor, k: &Self::Tensor, v: &Self::Tensor, probs: &Self::Tensor, drop: Option<&Self::Tensor>, heads: usize, dout: &Self::Tensor) -> (Self::Tensor, Self::Tensor, Self::Tensor);
}

/// Optimisation: one optimizer step applied in place.
pub trait OptimOps: TensorOps {
    /// Apply one optimizer update in place, element by element, with the
    /// rule's state tensors (`slots`, each shaped like the parameter).
    /// `grad_sq`, when given, stands in for grad² (an Embedding's per-token
    /// squares, as Keras computes them; see `UpdateRule::apply`).
    fn optimizer_update(&self, rule: &UpdateRule, param: &mut Self::Tensor, grad: &Self::Tensor, grad_sq: Option<&Self::Tensor>, slots: &mut [Self::Tensor]);
}

/// A backend: every group of operations. Layers, losses and optimizers
/// take `B: Backend`; a backend implements each group (as Burn groups
/// `FloatTensorOps`, `ModuleOps`, `ActivationOps`) and is a `Backend` by
/// that alone. Code calling a concrete backend's methods imports
/// `backend::prelude::*`.
pub trait Backend: TensorOps + ElementwiseOps + LinalgOps + LossOps + SequenceOps + ImageOps + NormOps + AttentionOps + OptimOps {}

impl<B: TensorOps + ElementwiseOps + LinalgOps + LossOps + SequenceOps + ImageOps + NormOps + AttentionOps + OptimOps> Backend for B {}

/// The backend traits, for code that calls a concrete backend's methods.
pub mod prelude {
    pub use super::{AttentionOps, Backend, ElementwiseOps, ImageOps, LinalgOps, LossOps, NormOps, OptimOps, SequenceOps, TensorOps};
}

/// Number of elements of a shape.
pub fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
}
