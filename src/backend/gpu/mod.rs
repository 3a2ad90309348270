//! The GPU backend: the engine's primitive operations as WGSL compute
//! kernels (`shaders/*.wgsl`) run through wgpu. Tensors stay in device
//! buffers between steps; values come back only through `download` and the
//! sums of squares the trainer checks, each read-back one submission.
//!
//! Layers, losses and optimizers are the same code as on the CPU: they only
//! see the `Backend` trait. The conformance suite (`tests/conformance.rs`)
//! checks every operation here against the CPU backend.

mod context;

use std::rc::Rc;

pub use context::{AdapterSummary, GpuContext, GpuUnavailable, PooledBuffer};

use super::window::{PoolKind, Window2d};
use super::{numel, prelude::*, AttentionShape, Reading, StepMask};
use crate::backend::window::conv_out_len;
use crate::backend::activation::{Activation, GateActivation};
use crate::backend::loss::Loss;
use crate::backend::update::UpdateRule;

#[derive(Clone)]
pub struct GpuBackend {
    ctx: Rc<GpuContext>,
}

impl std::fmt::Debug for GpuBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GpuBackend({})", self.ctx.adapter.name)
    }
}

/// A tensor in a device buffer. Clones share the buffer; an in-place op on
/// a shared buffer copies it first, as the CPU backend does.
#[derive(Clone, Debug)]
pub struct GpuTensor {
    shape: Vec<usize>,
    buf: Rc<PooledBuffer>,
}

impl GpuTensor {
    fn raw(&self) -> &wgpu::Buffer {
        self.buf.raw()
    }
    fn len(&self) -> usize {
        numel(&self.shape)
    }
    fn rows_cols(&self) -> (usize, usize) {
        let d = *self.shape.last().unwrap_or(&1);
        (if d == 0 { 0 } else { self.len() / d }, d)
    }
    fn btd(&self) -> (usize, usize, usize) {
        assert_eq!(self.shape.len(), 3, "expected [batch, time, d], got {:?}", self.shape);
        (self.shape[0], self.shape[1], self.shape[2])
    }
}

fn u(v: usize) -> u32 {
    u32::try_from(v).expect("size beyond the GPU backend's 32-bit indices")
}

fn activation_code(act: Activation) -> u32 {
    match act {
        Activation::Linear | Activation::Softmax => 0,
        Activation::Relu => 1,
        Activation::LeakyRelu => 2,
        Activation::Elu => 3,
        Activation::Gelu => 4,
        Activation::Sigmoid => 5,
        Activation::Tanh => 6,
        Activation::Softplus => 7,
        Activation::Swish => 8,
    }
}
const OP_SCALE: u32 = 20;
const OP_NONZERO: u32 = 21;

fn loss_code(loss: Loss) -> u32 {
    match loss {
        Loss::CategoricalCrossentropy => 0,
        Loss::SparseCategoricalCrossentropy => 1,
        Loss::BinaryCrossentropy => 2,
        Loss::MeanSquaredError => 3,
        Loss::MeanAbsoluteError => 4,
        Loss::Huber => 5,
    }
}

fn pool_code(kind: PoolKind) -> u32 {
    match kind {
        PoolKind::Max => 0,
        PoolKind::Average => 1,
    }
}

/// The parameter block of `shaders/image.wgsl` for a window (pooling kind
/// `kind`); the batch-normalisation words stay 0.
fn window_params(win: &Window2d, kind: u32) -> [u32; 16] {
    let Window2d { batch, h, w, c, kh, kw, sh, sw, pad_top, pad_left, oh, ow } = *win;
    u(batch * h * w * c);
    u(batch * oh * ow * c);
    [u(batch), u(h), u(w), u(c), u(kh), u(kw), u(sh), u(sw), u(pad_top), u(pad_left), u(oh), u(ow), kind, 0, 0, 0]
}

/// The parameter block of `shaders/image.wgsl` for batch normalisation over
/// [rows, c]: `parts` workgroups per channel sum, `kind`, and ε or the
/// divisor in `value`.
fn norm_params(c: usize, rows: usize, parts: usize, kind: u32, value: f32) -> [u32; 16] {
    u(rows * c);
    [0, 0, 0, u(c), 0, 0, 0, 0, 0, 0, 0, 0, kind, u(rows), u(parts), value.to_bits()]
}

/// Workgroups that share each channel's sum: enough that each of their 256
/// lanes folds about 16 rows, at most 64.
fn sum_parts(rows: usize, c: usize) -> usize {
    assert!(c <= 65_535, "batch statistics over {} channels: more than one grid dimension holds", c);
    rows.div_ceil(256 * 16).clamp(1, 64)
}

fn check_channels(what: &str, c: usize, per_channel: &[&GpuTensor]) {
    for t in per_channel {
        assert_eq!(t.len(), c, "{}: a per-channel tensor {:?} for {} channels", what, t.shape, c);
    }
}

fn gate_code(gate: GateActivation) -> u32 {
    match gate {
        GateActivation::Sigmoid => 0,
        GateActivation::HardSigmoid => 1,
    }
}

impl GpuBackend {
    /// Open the first GPU adapter, blocking (natively only).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn new() -> Result<GpuBackend, GpuUnavailable> {
        Ok(GpuBackend { ctx: Rc::new(GpuContext::new()?) })
    }

    /// Open the first GPU adapter without blocking (WebGPU in the browser);
    /// `fallback_name` names it when the browser does not.
    pub async fn new_async(fallback_name: &str) -> Result<GpuBackend, GpuUnavailable> {
        Ok(GpuBackend { ctx: Rc::new(GpuContext::new_async(fallback_name).await?) })
    }

    pub fn adapter(&self) -> &AdapterSummary {
        &self.ctx.adapter
    }

    /// Some(reason) once the device has been lost.
    pub fn lost(&self) -> Option<String> {
        self.ctx.lost()
    }

    /// Wait for all recorded work (for timing).
    pub fn sync(&self) {
        self.ctx.sync();
    }

    /// Destroy the device, as a driver reset would: for testing the
    /// fall-back to the CPU.
    pub fn lose_device(&self) {
        self.ctx.destroy();
    }

    fn tensor(&self, shape: &[usize]) -> GpuTensor {
        GpuTensor { shape: shape.to_vec(), buf: self.ctx.alloc(numel(shape)) }
    }

    /// Give `t` a buffer of its own before writing to it in place.
    fn make_unique(&self, t: &mut GpuTensor) {
        if Rc::strong_count(&t.buf) > 1 {
            let fresh = self.ctx.alloc(t.len());
            self.ctx.copy(t.raw(), fresh.raw(), (t.len() * 4) as u64);
            t.buf = fresh;
        }
    }

    fn unary(&self, op: u32, x: &GpuTensor, s: f32) -> GpuTensor {
        let out = self.tensor(&x.shape);
        let n = x.len();
        self.ctx.dispatch_flat("elementwise", "unary", &[u(n), op, 0, 0, s.to_bits()], &[(1, x.raw()), (4, out.raw())], n);
        out
    }

    fn fill(&self, t: &GpuTensor, value: f32) {
        let n = t.len();
        self.ctx.dispatch_flat("elementwise", "fill", &[u(n), 0, 0, 0, value.to_bits()], &[(4, t.raw())], n);
    }

    /// out[r·dst_stride + dst_off + j] (+)= src[r·src_stride + src_off + j]
    #[allow(clippy::too_many_arguments)]
    fn strided(&self, src: &GpuTensor, dst: &GpuTensor, rows: usize, len: usize, dst_stride: usize, dst_off: usize, src_stride: usize, src_off: usize, add: bool) {
        self.ctx.dispatch_flat(
            "sequence",
            "strided_copy",
            &[u(rows), u(len), u(dst_stride), u(dst_off), u(src_stride), u(src_off), add as u32, 0],
            &[(1, src.raw()), (4, dst.raw())],
            rows * len,
        );
    }

    fn mask_binding<'a>(&'a self, mask: StepMask<'a, GpuTensor>) -> (&'a wgpu::Buffer, u32, u32, u32) {
        match mask {
            Some((m, t)) => (m.raw(), 1, u(m.shape[1]), u(t)),
            None => (self.ctx.dummies[0].raw(), 0, 1, 0),
        }
    }

    /// op(a)·op(b) (+ bias) with the tiled kernel.
    fn product(&self, a: &GpuTensor, b: &GpuTensor, trans_a: bool, trans_b: bool, bias: Option<&GpuTensor>) -> GpuTensor {
        assert!(a.shape.len() == 2 && b.shape.len() == 2, "matmul needs 2-D tensors, got {:?} and {:?}", a.shape, b.shape);
        let (m, k) = if trans_a { (a.shape[1], a.shape[0]) } else { (a.shape[0], a.shape[1]) };
        let (k2, n) = if trans_b { (b.shape[1], b.shape[0]) } else { (b.shape[0], b.shape[1]) };
        assert_eq!(k, k2, "matmul inner sizes: {:?}{} · {:?}{}", a.shape, if trans_a { "ᵀ" } else { "" }, b.shape, if trans_b { "ᵀ" } else { "" });
        if k == 0 {
            let zeros = self.zeros(&[m, n]);
            return match bias {
                Some(bias) => self.add_bias(&zeros, bias),
                None => zeros,
            };
        }
        let out = self.tensor(&[m, n]);
        let groups = [u(n.div_ceil(64)), u(m.div_ceil(64)), 1];
        // vec4 reads need rows that start on a 4-float boundary.
        let vec4_a = !trans_a && k % 4 == 0;
        let vec4_b = !trans_b && n % 4 == 0;
        let bias_buf = bias.map(|b| b.raw()).unwrap_or(self.ctx.dummies[0].raw());
        self.ctx.dispatch(
            "matmul",
            "main",
            &[u(m), u(n), u(k), trans_a as u32, trans_b as u32, bias.is_some() as u32, vec4_a as u32, vec4_b as u32],
            &[(1, a.raw()), (2, b.raw()), (3, out.raw()), (4, bias_buf), (5, a.raw()), (6, b.raw())],
            groups,
        );
        out
    }

    fn mean_rows(&self, rows_loss: &GpuTensor, rows: usize) -> GpuTensor {
        let out = self.tensor(&[1]);
        self.ctx.dispatch("softmax", "mean_rows", &[u(rows), 1, 0, 0], &[(1, rows_loss.raw()), (4, out.raw())], [1, 1, 1]);
        out
    }
}

impl TensorOps for GpuBackend {
    type Tensor = GpuTensor;
    fn name(&self) -> String {
        format!("gpu ({})", self.ctx.adapter.name)
    }
    fn upload(&self, shape: &[usize], data: &[f32]) -> GpuTensor {
        assert_eq!(numel(shape), data.len(), "shape {:?} does not hold {} values", shape, data.len());
        GpuTensor { shape: shape.to_vec(), buf: self.ctx.upload(data) }
    }
    fn download(&self, t: &GpuTensor) -> Vec<f32> {
        crate::backend::ready_now(self.ctx.read_async(&[(t.raw(), t.len())])).pop().unwrap()
    }
    fn read_async(&self, ts: &[&GpuTensor]) -> Reading<Vec<Vec<f32>>> {
        let parts: Vec<(&wgpu::Buffer, usize)> = ts.iter().map(|t| (t.raw(), t.len())).collect();
        self.ctx.read_async(&parts)
    }
    fn shape<'a>(&self, t: &'a GpuTensor) -> &'a [usize] {
        &t.shape
    }
    fn zeros(&self, shape: &[usize]) -> GpuTensor {
        self.full(shape, 0.0)
    }
    fn full(&self, shape: &[usize], value: f32) -> GpuTensor {
        let t = self.tensor(shape);
        self.fill(&t, value);
        t
    }
    fn reshape(&self, t: &GpuTensor, shape: &[usize]) -> GpuTensor {
        assert_eq!(numel(shape), t.len(), "reshape {:?} to {:?}", t.shape, shape);
        GpuTensor { shape: shape.to_vec(), buf: t.buf.clone() }
    }
}

impl ElementwiseOps for GpuBackend {
    fn add(&self, a: &GpuTensor, b: &GpuTensor) -> GpuTensor {
        assert_eq!(a.shape, b.shape, "element-wise op on shapes {:?} and {:?}", a.shape, b.shape);
        let out = self.tensor(&a.shape);
        self.ctx.dispatch_flat("elementwise", "binary", &[u(a.len()), 0], &[(1, a.raw()), (2, b.raw()), (4, out.raw())], a.len());
        out
    }
    fn add_assign(&self, a: &mut GpuTensor, b: &GpuTensor) {
        assert_eq!(a.shape, b.shape, "add_assign on shapes {:?} and {:?}", a.shape, b.shape);
        self.make_unique(a);
        self.ctx.dispatch_flat("elementwise", "add_assign", &[u(a.len())], &[(1, b.raw()), (4, a.raw())], a.len());
    }
    fn mul(&self, a: &GpuTensor, b: &GpuTensor) -> GpuTensor {
        assert_eq!(a.shape, b.shape, "element-wise op on shapes {:?} and {:?}", a.shape, b.shape);
        let out = self.tensor(&a.shape);
        self.ctx.dispatch_flat("elementwise", "binary", &[u(a.len()), 1], &[(1, a.raw()), (2, b.raw()), (4, out.raw())], a.len());
        out
    }
    fn scale(&self, a: &GpuTensor, s: f32) -> GpuTensor {
        self.unary(OP_SCALE, a, s)
    }
    fn nonzero(&self, x: &GpuTensor) -> GpuTensor {
        self.unary(OP_NONZERO, x, 0.0)
    }
    fn add_bias(&self, x: &GpuTensor, bias: &GpuTensor) -> GpuTensor {
        let (_, d) = x.rows_cols();
        assert_eq!(bias.len(), d, "add_bias: bias {:?} on {:?}", bias.shape, x.shape);
        let out = self.tensor(&x.shape);
        self.ctx.dispatch_flat("elementwise", "add_bias", &[u(x.len()), 0, u(d.max(1))], &[(1, x.raw()), (2, bias.raw()), (4, out.raw())], x.len());
        out
    }
    fn sum_rows(&self, x: &GpuTensor) -> GpuTensor {
        let (rows, d) = x.rows_cols();
        let out = self.tensor(&[d]);
        self.ctx.dispatch_flat("reduce", "sum_rows", &[u(rows), u(d), 0, 0], &[(1, x.raw()), (4, out.raw())], d);
        out
    }
    fn activation(&self, act: Activation, x: &GpuTensor) -> GpuTensor {
        if act == Activation::Softmax {
            return self.softmax(x);
        }
        self.unary(activation_code(act), x, 0.0)
    }
    fn activation_backward(&self, act: Activation, x: &GpuTensor, y: &GpuTensor, dy: &GpuTensor) -> GpuTensor {
        if act == Activation::Softmax {
            return self.softmax_backward(y, dy);
        }
        let out = self.tensor(&x.shape);
        self.ctx.dispatch_flat("elementwise", "activation_backward", &[u(x.len()), activation_code(act)], &[(1, x.raw()), (2, y.raw()), (3, dy.raw()), (4, out.raw())], x.len());
        out
    }
    fn softmax(&self, x: &GpuTensor) -> GpuTensor {
        let (rows, d) = x.rows_cols();
        let out = self.tensor(&x.shape);
        self.ctx.dispatch_flat("softmax", "softmax", &[u(rows), u(d), 0, 0], &[(1, x.raw()), (4, out.raw())], rows);
        out
    }
    fn softmax_backward(&self, y: &GpuTensor, dy: &GpuTensor) -> GpuTensor {
        let (rows, d) = y.rows_cols();
        let out = self.tensor(&y.shape);
        self.ctx.dispatch_flat("softmax", "softmax_backward", &[u(rows), u(d), 0, 0], &[(1, y.raw()), (2, dy.raw()), (4, out.raw())], rows);
        out
    }
    fn sum_squares(&self, x: &GpuTensor) -> f32 {
        crate::backend::ready_now(self.sum_squares_each_async(&[x]))[0]
    }
    fn sum_squares_each_async(&self, xs: &[&GpuTensor]) -> Reading<Vec<f32>> {
        // 64 partial sums per tensor, all read back at once.
        let partial = self.tensor(&[64 * xs.len().max(1)]);
        for (i, x) in xs.iter().enumerate() {
            if x.len() > 0 {
                self.ctx.dispatch("reduce", "sum_squares", &[0, 0, u(x.len()), u(64 * i)], &[(1, x.raw()), (4, partial.raw())], [64, 1, 1]);
            }
        }
        let empty: Vec<bool> = xs.iter().map(|x| x.len() == 0).collect();
        let reading = self.read_async(&[&partial]);
        Box::pin(async move {
            let sums = reading.await.pop().unwrap();
            empty.iter().enumerate().map(|(i, &e)| if e { 0.0 } else { sums[64 * i..64 * (i + 1)].iter().map(|&v| v as f64).sum::<f64>() as f32 }).collect()
        })
    }
}

impl LinalgOps for GpuBackend {
    fn matmul(&self, a: &GpuTensor, b: &GpuTensor, trans_a: bool, trans_b: bool) -> GpuTensor {
        self.product(a, b, trans_a, trans_b, None)
    }
    fn matmul_bias(&self, a: &GpuTensor, w: &GpuTensor, bias: &GpuTensor) -> GpuTensor {
        assert_eq!(bias.len(), *w.shape.last().unwrap_or(&0), "matmul_bias: bias {:?} for weights {:?}", bias.shape, w.shape);
        self.product(a, w, false, false, Some(bias))
    }
}

impl LossOps for GpuBackend {
    fn loss(&self, loss: Loss, pred: &GpuTensor, target: &GpuTensor) -> GpuTensor {
        let (rows, n) = pred.rows_cols();
        let sparse = loss == Loss::SparseCategoricalCrossentropy;
        if !sparse {
            assert_eq!(pred.len(), target.len(), "{:?}: prediction {:?}, target {:?}", loss, pred.shape, target.shape);
        }
        let per_row = self.tensor(&[rows.max(1)]);
        self.ctx.dispatch_flat("softmax", "loss_rows", &[u(rows), u(n), sparse as u32, loss_code(loss)], &[(1, pred.raw()), (2, target.raw()), (4, per_row.raw())], rows);
        self.mean_rows(&per_row, rows)
    }
    fn loss_backward(&self, loss: Loss, pred: &GpuTensor, target: &GpuTensor) -> GpuTensor {
        let (rows, n) = pred.rows_cols();
        let sparse = loss == Loss::SparseCategoricalCrossentropy;
        let out = self.tensor(&pred.shape);
        self.ctx.dispatch_flat("softmax", "loss_backward", &[u(rows), u(n), sparse as u32, loss_code(loss)], &[(1, pred.raw()), (2, target.raw()), (4, out.raw())], rows);
        out
    }
    fn softmax_cross_entropy(&self, logits: &GpuTensor, target: &GpuTensor, sparse: bool) -> (GpuTensor, GpuTensor) {
        let (rows, n) = logits.rows_cols();
        let probs = self.tensor(&logits.shape);
        let per_row = self.tensor(&[rows.max(1)]);
        self.ctx.dispatch_flat("softmax", "softmax_cross_entropy", &[u(rows), u(n), sparse as u32, 0], &[(1, logits.raw()), (2, target.raw()), (4, probs.raw()), (5, per_row.raw())], rows);
        let loss = self.mean_rows(&per_row, rows);
        (probs, loss)
    }
    fn softmax_cross_entropy_backward(&self, probs: &GpuTensor, target: &GpuTensor, sparse: bool) -> GpuTensor {
        let (rows, n) = probs.rows_cols();
        let out = self.tensor(&probs.shape);
        self.ctx.dispatch_flat("softmax", "softmax_cross_entropy_backward", &[u(rows), u(n), sparse as u32, 0], &[(1, probs.raw()), (2, target.raw()), (4, out.raw())], rows * n);
        out
    }
}

impl SequenceOps for GpuBackend {
    fn gather_rows(&self, table: &GpuTensor, ids: &GpuTensor) -> GpuTensor {
        let d = table.shape[1];
        let mut shape = ids.shape.clone();
        shape.push(d);
        let out = self.tensor(&shape);
        self.ctx.dispatch_flat("sequence", "gather_rows", &[u(ids.len()), u(d), 0, 0, 0, 0, 0, 0], &[(1, table.raw()), (2, ids.raw()), (4, out.raw())], ids.len() * d);
        out
    }
    fn scatter_add_rows(&self, ids: &GpuTensor, grad: &GpuTensor, rows: usize) -> GpuTensor {
        let d = *grad.shape.last().unwrap();
        let out = self.zeros(&[rows, d]);
        self.ctx.dispatch_flat("scatter_add", "main", &[u(ids.len()), u(d)], &[(1, grad.raw()), (2, ids.raw()), (4, out.raw())], ids.len() * d);
        out
    }
    fn time_slice(&self, x: &GpuTensor, t: usize) -> GpuTensor {
        let (b, steps, d) = x.btd();
        let out = self.tensor(&[b, d]);
        self.strided(x, &out, b, d, d, 0, steps * d, t * d, false);
        out
    }
    fn time_slice_add(&self, dst: &mut GpuTensor, t: usize, src: &GpuTensor) {
        let (b, steps, d) = dst.btd();
        self.make_unique(dst);
        self.strided(src, dst, b, d, steps * d, t * d, d, 0, true);
    }
    fn time_stack(&self, xs: &[&GpuTensor]) -> GpuTensor {
        let steps = xs.len();
        let (b, d) = (xs[0].shape[0], xs[0].shape[1]);
        let out = self.tensor(&[b, steps, d]);
        for (t, x) in xs.iter().enumerate() {
            self.strided(x, &out, b, d, steps * d, t * d, d, 0, false);
        }
        out
    }
    fn cols_slice(&self, x: &GpuTensor, start: usize, len: usize) -> GpuTensor {
        let (n, d) = x.rows_cols();
        let out = self.tensor(&[n, len]);
        self.strided(x, &out, n, len, len, 0, d, start, false);
        out
    }
    fn cols_slice_add(&self, dst: &mut GpuTensor, start: usize, src: &GpuTensor) {
        let (n, d) = dst.rows_cols();
        let len = src.shape[1];
        self.make_unique(dst);
        self.strided(src, dst, n, len, d, start, len, 0, true);
    }
    fn lstm_cell(&self, z: &GpuTensor, hc_prev: &GpuTensor, mask: StepMask<GpuTensor>, gate: GateActivation) -> GpuTensor {
        let (b, h) = (z.shape[0], z.shape[1] / 4);
        let out = self.tensor(&[b, 2 * h]);
        let (m, has, steps, t) = self.mask_binding(mask);
        self.ctx.dispatch_flat("recurrent", "lstm_cell", &[u(b), u(h), has, steps, t, gate_code(gate)], &[(1, z.raw()), (2, hc_prev.raw()), (3, m), (4, out.raw())], b * h);
        out
    }
    fn lstm_cell_backward(&self, z: &GpuTensor, hc_prev: &GpuTensor, mask: StepMask<GpuTensor>, gate: GateActivation, dhc: &GpuTensor) -> (GpuTensor, GpuTensor) {
        let (b, h) = (z.shape[0], z.shape[1] / 4);
        let dz = self.tensor(&z.shape);
        let dprev = self.tensor(&hc_prev.shape);
        let (m, has, steps, t) = self.mask_binding(mask);
        self.ctx.dispatch_flat(
            "recurrent",
            "lstm_cell_backward",
            &[u(b), u(h), has, steps, t, gate_code(gate)],
            &[(1, z.raw()), (2, hc_prev.raw()), (3, m), (7, dhc.raw()), (4, dz.raw()), (5, dprev.raw())],
            b * h,
        );
        (dz, dprev)
    }
    fn gru_cell(&self, xz: &GpuTensor, hz: &GpuTensor, h_prev: &GpuTensor, mask: StepMask<GpuTensor>) -> GpuTensor {
        let (b, h) = (h_prev.shape[0], h_prev.shape[1]);
        let out = self.tensor(&h_prev.shape);
        let (m, has, steps, t) = self.mask_binding(mask);
        self.ctx.dispatch_flat("recurrent", "gru_cell", &[u(b), u(h), has, steps, t, 0], &[(1, xz.raw()), (2, hz.raw()), (3, m), (7, h_prev.raw()), (4, out.raw())], b * h);
        out
    }
    fn gru_cell_backward(&self, xz: &GpuTensor, hz: &GpuTensor, h_prev: &GpuTensor, mask: StepMask<GpuTensor>, dh: &GpuTensor) -> (GpuTensor, GpuTensor, GpuTensor) {
        let (b, h) = (h_prev.shape[0], h_prev.shape[1]);
        let dx = self.tensor(&xz.shape);
        let dr = self.tensor(&hz.shape);
        let dhp = self.tensor(&h_prev.shape);
        let (m, has, steps, t) = self.mask_binding(mask);
        self.ctx.dispatch_flat(
            "recurrent",
            "gru_cell_backward",
            &[u(b), u(h), has, steps, t, 0],
            &[(1, xz.raw()), (2, hz.raw()), (3, m), (7, h_prev.raw()), (8, dh.raw()), (4, dx.raw()), (5, dr.raw()), (6, dhp.raw())],
            b * h,
        );
        (dx, dr, dhp)
    }
    fn im2col_1d(&self, x: &GpuTensor, kernel: usize, stride: usize) -> GpuTensor {
        let (b, steps, c) = x.btd();
        let out_t = conv_out_len(steps, kernel, stride);
        let out = self.tensor(&[b * out_t, kernel * c]);
        self.ctx.dispatch_flat("sequence", "im2col_1d", &[u(b), u(steps), u(c), u(kernel), u(stride), u(out_t), 0, 0], &[(1, x.raw()), (4, out.raw())], b * out_t * kernel * c);
        out
    }
    fn col2im_1d(&self, cols: &GpuTensor, x_shape: &[usize], kernel: usize, stride: usize) -> GpuTensor {
        let (b, steps, c) = (x_shape[0], x_shape[1], x_shape[2]);
        let out_t = conv_out_len(steps, kernel, stride);
        let out = self.tensor(x_shape);
        self.ctx.dispatch_flat("sequence", "col2im_1d", &[u(b), u(steps), u(c), u(kernel), u(stride), u(out_t), 0, 0], &[(1, cols.raw()), (4, out.raw())], b * steps * c);
        out
    }
    fn max_over_time(&self, x: &GpuTensor) -> GpuTensor {
        let (b, steps, d) = x.btd();
        let out = self.tensor(&[b, d]);
        self.ctx.dispatch_flat("sequence", "max_over_time", &[u(b), u(steps), u(d), 0, 0, 0, 0, 0], &[(1, x.raw()), (4, out.raw())], b * d);
        out
    }
    fn max_over_time_backward(&self, x: &GpuTensor, dy: &GpuTensor) -> GpuTensor {
        let (b, steps, d) = x.btd();
        let out = self.tensor(&x.shape);
        self.ctx.dispatch_flat("sequence", "max_over_time_backward", &[u(b), u(steps), u(d), 0, 0, 0, 0, 0], &[(1, x.raw()), (2, dy.raw()), (4, out.raw())], x.len());
        out
    }
    fn mean_over_time(&self, x: &GpuTensor, mask: Option<&GpuTensor>) -> GpuTensor {
        let (b, steps, d) = x.btd();
        let out = self.tensor(&[b, d]);
        let (m, has) = match mask {
            Some(m) => (m.raw(), 1),
            None => (self.ctx.dummies[0].raw(), 0),
        };
        self.ctx.dispatch_flat("sequence", "mean_over_time", &[u(b), u(steps), u(d), has, 0, 0, 0, 0], &[(1, x.raw()), (2, m), (4, out.raw())], b * d);
        out
    }
    fn mean_over_time_backward(&self, dy: &GpuTensor, x_shape: &[usize], mask: Option<&GpuTensor>) -> GpuTensor {
        let (b, steps, d) = (x_shape[0], x_shape[1], x_shape[2]);
        let out = self.tensor(x_shape);
        let (m, has) = match mask {
            Some(m) => (m.raw(), 1),
            None => (self.ctx.dummies[0].raw(), 0),
        };
        self.ctx.dispatch_flat("sequence", "mean_over_time_backward", &[u(b), u(steps), u(d), has, 0, 0, 0, 0], &[(1, dy.raw()), (2, m), (4, out.raw())], b * steps * d);
        out
    }
}

impl ImageOps for GpuBackend {
    fn im2col_2d(&self, x: &GpuTensor, win: &Window2d) -> GpuTensor {
        assert_eq!(x.shape, win.input_shape(), "im2col_2d: input {:?} for a window over {:?}", x.shape, win.input_shape());
        let out = self.tensor(&[win.batch * win.oh * win.ow, win.kh * win.kw * win.c]);
        u(out.len());
        self.ctx.dispatch_flat("image", "im2col_2d", &window_params(win, 0), &[(1, x.raw()), (4, out.raw())], out.len());
        out
    }
    fn col2im_2d(&self, cols: &GpuTensor, win: &Window2d) -> GpuTensor {
        assert_eq!(cols.shape, [win.batch * win.oh * win.ow, win.kh * win.kw * win.c], "col2im_2d: patches {:?} for {:?}", cols.shape, win);
        u(cols.len());
        let out = self.tensor(&win.input_shape());
        self.ctx.dispatch_flat("image", "col2im_2d", &window_params(win, 0), &[(1, cols.raw()), (4, out.raw())], out.len());
        out
    }
    fn pool_2d(&self, x: &GpuTensor, win: &Window2d, kind: PoolKind) -> GpuTensor {
        assert_eq!(x.shape, win.input_shape(), "pool_2d: input {:?} for a window over {:?}", x.shape, win.input_shape());
        let out = self.tensor(&win.output_shape(win.c));
        self.ctx.dispatch_flat("image", "pool_2d", &window_params(win, pool_code(kind)), &[(1, x.raw()), (4, out.raw())], out.len());
        out
    }
    fn pool_2d_backward(&self, x: &GpuTensor, dy: &GpuTensor, win: &Window2d, kind: PoolKind) -> GpuTensor {
        assert_eq!(x.shape, win.input_shape(), "pool_2d_backward: input {:?} for a window over {:?}", x.shape, win.input_shape());
        assert_eq!(dy.shape, win.output_shape(win.c), "pool_2d_backward: d y {:?} for {:?}", dy.shape, win);
        let out = self.tensor(&x.shape);
        self.ctx.dispatch_flat("image", "pool_2d_backward", &window_params(win, pool_code(kind)), &[(1, x.raw()), (2, dy.raw()), (4, out.raw())], out.len());
        out
    }
    fn moments(&self, x: &GpuTensor) -> (GpuTensor, GpuTensor) {
        let (rows, c) = x.rows_cols();
        let parts = sum_parts(rows, c);
        // Two passes: the mean, then the squared deviations from it.
        let partial = self.tensor(&[2 * c * parts]);
        let groups = [u(parts), u(c), 1];
        let mean = self.tensor(&[c]);
        self.ctx.dispatch("image", "sum_x", &norm_params(c, rows, parts, 0, 0.0), &[(1, x.raw()), (4, partial.raw())], groups);
        self.ctx.dispatch_flat("image", "channel_total", &norm_params(c, rows, parts, 0, rows as f32), &[(1, partial.raw()), (4, mean.raw())], c);
        let var = self.tensor(&[c]);
        self.ctx.dispatch("image", "sum_squared_deviations", &norm_params(c, rows, parts, 0, 0.0), &[(1, x.raw()), (3, mean.raw()), (4, partial.raw())], groups);
        self.ctx.dispatch_flat("image", "channel_total", &norm_params(c, rows, parts, 0, rows as f32), &[(1, partial.raw()), (4, var.raw())], c);
        (mean, var)
    }
    fn batch_norm(&self, x: &GpuTensor, mean: &GpuTensor, var: &GpuTensor, gamma: &GpuTensor, beta: &GpuTensor, eps: f32) -> GpuTensor {
        let (rows, c) = x.rows_cols();
        check_channels("batch_norm", c, &[mean, var, gamma, beta]);
        let out = self.tensor(&x.shape);
        self.ctx.dispatch_flat(
            "image",
            "batch_norm",
            &norm_params(c, rows, 0, 0, eps),
            &[(1, x.raw()), (3, mean.raw()), (5, var.raw()), (6, gamma.raw()), (7, beta.raw()), (4, out.raw())],
            x.len(),
        );
        out
    }
    fn batch_norm_backward(&self, x: &GpuTensor, mean: &GpuTensor, var: &GpuTensor, gamma: &GpuTensor, eps: f32, dy: &GpuTensor, batch_stats: bool) -> (GpuTensor, GpuTensor, GpuTensor) {
        assert_eq!(x.shape, dy.shape, "batch_norm_backward: x {:?}, d y {:?}", x.shape, dy.shape);
        let (rows, c) = x.rows_cols();
        check_channels("batch_norm_backward", c, &[mean, var, gamma]);
        let parts = sum_parts(rows, c);
        let partial = self.tensor(&[2 * c * parts]);
        self.ctx.dispatch("image", "sum_norm_grads", &norm_params(c, rows, parts, 0, eps), &[(1, x.raw()), (2, dy.raw()), (3, mean.raw()), (5, var.raw()), (4, partial.raw())], [u(parts), u(c), 1]);
        let (dgamma, dbeta) = (self.tensor(&[c]), self.tensor(&[c]));
        for (k, out) in [&dgamma, &dbeta].into_iter().enumerate() {
            self.ctx.dispatch_flat("image", "channel_total", &norm_params(c, rows, parts, k as u32, 1.0), &[(1, partial.raw()), (4, out.raw())], c);
        }
        let dx = self.tensor(&x.shape);
        self.ctx.dispatch_flat(
            "image",
            "batch_norm_backward",
            &norm_params(c, rows, 0, batch_stats as u32, eps),
            &[(1, x.raw()), (2, dy.raw()), (3, mean.raw()), (5, var.raw()), (6, gamma.raw()), (8, dgamma.raw()), (9, dbeta.raw()), (4, dx.raw())],
            x.len(),
        );
        (dx, dgamma, dbeta)
    }
}

impl NormOps for GpuBackend {
    fn layer_norm(&self, x: &GpuTensor, gamma: &GpuTensor, beta: &GpuTensor, eps: f32) -> GpuTensor {
        let (rows, c) = x.rows_cols();
        check_channels("layer_norm", c, &[gamma, beta]);
        let out = self.tensor(&x.shape);
        self.ctx.dispatch_flat("layer_norm", "forward", &[u(rows), u(c), eps.to_bits(), 0], &[(1, x.raw()), (3, gamma.raw()), (5, beta.raw()), (4, out.raw())], rows);
        out
    }
    fn layer_norm_backward(&self, x: &GpuTensor, gamma: &GpuTensor, eps: f32, dy: &GpuTensor) -> (GpuTensor, GpuTensor, GpuTensor) {
        assert_eq!(x.shape, dy.shape, "layer_norm_backward: x {:?}, d y {:?}", x.shape, dy.shape);
        let (rows, c) = x.rows_cols();
        check_channels("layer_norm_backward", c, &[gamma]);
        let params = [u(rows), u(c), eps.to_bits(), 0];
        let dx = self.tensor(&x.shape);
        self.ctx.dispatch_flat("layer_norm", "backward", &params, &[(1, x.raw()), (2, dy.raw()), (3, gamma.raw()), (4, dx.raw())], rows);
        // d γ sums dy · x̂ over the rows: x̂ · dy per value, then the column sums.
        let xhat_dy = self.tensor(&x.shape);
        self.ctx.dispatch_flat("layer_norm", "xhat_dy", &params, &[(1, x.raw()), (2, dy.raw()), (4, xhat_dy.raw())], rows);
        (dx, self.sum_rows(&xhat_dy), self.sum_rows(dy))
    }
}

/// The parameter block of `shaders/attention.wgsl`.
fn attention_params(s: &AttentionShape, has_mask: bool, has_drop: bool) -> [u32; 10] {
    [u(s.batch), u(s.tq), u(s.tk), u(s.heads), u(s.dk), u(s.dv), u32::from(s.causal), u32::from(has_mask), u32::from(has_drop), s.scale().to_bits()]
}

impl AttentionOps for GpuBackend {
    fn attention(&self, q: &GpuTensor, k: &GpuTensor, v: &GpuTensor, mask: Option<&GpuTensor>, drop: Option<&GpuTensor>, heads: usize, causal: bool) -> (GpuTensor, GpuTensor) {
        let s = AttentionShape::of(&q.shape, &k.shape, &v.shape, heads, causal);
        if let Some(m) = mask {
            assert_eq!(m.shape, [s.batch, s.tq + s.tk], "attention: mask {:?} for queries {:?} and keys {:?}", m.shape, q.shape, k.shape);
        }
        if let Some(d) = drop {
            assert_eq!(d.shape, s.probs_shape(), "attention: dropout {:?}", d.shape);
        }
        let out = self.tensor(&[s.batch, s.tq, s.heads * s.dv]);
        let probs = self.tensor(&s.probs_shape());
        let m = mask.map_or(self.ctx.dummies[0].raw(), |m| m.raw());
        let d = drop.map_or(self.ctx.dummies[1].raw(), |d| d.raw());
        let bindings = [(1, q.raw()), (2, k.raw()), (3, v.raw()), (5, m), (6, d), (4, out.raw()), (7, probs.raw())];
        self.ctx.dispatch_flat("attention", "forward", &attention_params(&s, mask.is_some(), drop.is_some()), &bindings, s.batch * s.heads * s.tq);
        (out, probs)
    }
    fn attention_backward(&self, q: &GpuTensor, k: &GpuTensor, v: &GpuTensor, probs: &GpuTensor, drop: Option<&GpuTensor>, heads: usize, dout: &GpuTensor) -> (GpuTensor, GpuTensor, GpuTensor) {
        let s = AttentionShape::of(&q.shape, &k.shape, &v.shape, heads, false);
        assert_eq!(probs.shape, s.probs_shape(), "attention_backward: probabilities {:?}", probs.shape);
        assert_eq!(dout.shape, [s.batch, s.tq, s.heads * s.dv], "attention_backward: d out {:?}", dout.shape);
        let params = attention_params(&s, false, drop.is_some());
        let d = drop.map_or(self.ctx.dummies[1].raw(), |d| d.raw());
        let (dq, ds) = (self.tensor(&q.shape), self.tensor(&s.probs_shape()));
        let bindings = [(2, k.raw()), (3, v.raw()), (6, d), (8, probs.raw()), (9, dout.raw()), (4, dq.raw()), (7, ds.raw())];
        self.ctx.dispatch_flat("attention", "backward_q", &params, &bindings, s.batch * s.heads * s.tq);
        let (dk, dv) = (self.tensor(&k.shape), self.tensor(&v.shape));
        let bindings = [(1, q.raw()), (6, d), (8, probs.raw()), (9, dout.raw()), (10, ds.raw()), (4, dk.raw()), (7, dv.raw())];
        self.ctx.dispatch_flat("attention", "backward_kv", &params, &bindings, s.batch * s.heads * s.tk);
        (dq, dk, dv)
    }
}

impl OptimOps for GpuBackend {
    fn optimizer_update(&self, rule: &UpdateRule, param: &mut GpuTensor, grad: &GpuTensor, grad_sq: Option<&GpuTensor>, slots: &mut [GpuTensor]) {
        assert_eq!(param.shape, grad.shape, "optimizer update: parameter {:?}, gradient {:?}", param.shape, grad.shape);
        self.make_unique(param);
        for s in slots.iter_mut() {
            self.make_unique(s);
        }
        let n = u(param.len());
        let f = |v: f32| v.to_bits();
        let sq = u32::from(grad_sq.is_some());
        let (params, want) = match *rule {
            UpdateRule::Sgd { lr, momentum, nesterov } => {
                let variant = if momentum == 0.0 { 0 } else if nesterov { 2 } else { 1 };
                ([n, 0, variant, sq, f(lr), f(momentum), 0, 0, 0], usize::from(variant != 0))
            }
            UpdateRule::Adam { alpha, beta1, beta2, eps, decay } => ([n, 1, 0, sq, f(alpha), f(beta1), f(beta2), f(eps), f(decay)], 2),
            UpdateRule::RmsProp { lr, rho, eps } => ([n, 2, 0, sq, f(lr), f(rho), 0, f(eps), 0], 1),
            UpdateRule::Adagrad { lr, eps } => ([n, 3, 0, sq, f(lr), 0, 0, f(eps), 0], 1),
        };
        if let Some(s) = grad_sq {
            assert_eq!(s.shape, grad.shape, "optimizer update: squares {:?}, gradient {:?}", s.shape, grad.shape);
        }
        assert_eq!(slots.len(), want, "{:?} does not keep {} state tensors", rule, slots.len());
        let slot0 = slots.first().map(|s| s.raw()).unwrap_or(self.ctx.dummies[1].raw());
        let slot1 = slots.get(1).map(|s| s.raw()).unwrap_or(self.ctx.dummies[2].raw());
        self.ctx.dispatch_flat("optimizer", "main", &params, &[(1, grad.raw()), (2, grad_sq.unwrap_or(grad).raw()), (4, param.raw()), (5, slot0), (6, slot1)], param.len());
    }
}
