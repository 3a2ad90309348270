//! The CPU backend: plain row-major f32 buffers, matrix products through
//! ndarray (which hands them to the blocked, SIMD `matrixmultiply` kernels).

//! Split by concern: the tensor (`tensor.rs`), matrix products
//! (`matmul.rs`), sequences (`sequence.rs`), recurrent cells
//! (`recurrent.rs`), losses (`loss.rs`), images (`image.rs`) and layer
//! normalisation (`norm.rs`), attention (`attention.rs`); the `Backend` implementation here passes each
//! operation to its file and keeps the element-wise ones.

mod attention;
mod classes;
mod gelu;
mod halves;
mod image;
mod loss;
mod matmul;
mod norm;
mod recurrent;
mod sequence;
mod softmax;
mod tensor;

pub use matmul::{matmul_gflops, matmul_rows, matmul_rows_bias, simd_build};
pub use tensor::CpuTensor;
use loss::softmax_row;
use matmul::product;
use tensor::{map, zip_map};

use super::activation::{Activation, GateActivation};
use super::loss::Loss;
use super::update::UpdateRule;
use super::window::{PoolKind, Window2d};
use super::{numel, prelude::*, Reading, StepMask};

#[derive(Clone, Debug, Default)]
pub struct CpuBackend;

impl TensorOps for CpuBackend {
    type Tensor = CpuTensor;
    fn name(&self) -> String {
        "cpu".into()
    }
    fn upload(&self, shape: &[usize], data: &[f32]) -> CpuTensor {
        CpuTensor::new(shape, data.to_vec())
    }
    fn download(&self, t: &CpuTensor) -> Vec<f32> {
        t.data.to_vec()
    }
    fn shape<'a>(&self, t: &'a CpuTensor) -> &'a [usize] {
        &t.shape
    }
    fn zeros(&self, shape: &[usize]) -> CpuTensor {
        CpuTensor::new(shape, vec![0.0; numel(shape)])
    }
    fn full(&self, shape: &[usize], value: f32) -> CpuTensor {
        CpuTensor::new(shape, vec![value; numel(shape)])
    }
    fn reshape(&self, t: &CpuTensor, shape: &[usize]) -> CpuTensor {
        assert_eq!(numel(shape), t.data.len(), "reshape {:?} to {:?}", t.shape, shape);
        CpuTensor { shape: shape.to_vec(), data: t.data.clone() }
    }
    fn read_with_classes_async(&self, ts: &[&CpuTensor], rows: &CpuTensor) -> Reading<(Vec<Vec<f32>>, Vec<usize>)> {
        let v = ts.iter().map(|t| self.download(t)).collect();
        Box::pin(std::future::ready((v, classes::row_classes(rows))))
    }
}

impl ElementwiseOps for CpuBackend {
    fn add(&self, a: &CpuTensor, b: &CpuTensor) -> CpuTensor {
        zip_map(a, b, |x, y| x + y)
    }
    fn add_assign(&self, a: &mut CpuTensor, b: &CpuTensor) {
        assert_eq!(a.shape, b.shape, "add_assign on shapes {:?} and {:?}", a.shape, b.shape);
        for (x, &y) in a.data_mut().iter_mut().zip(b.data.iter()) {
            *x += y;
        }
    }
    fn mul(&self, a: &CpuTensor, b: &CpuTensor) -> CpuTensor {
        zip_map(a, b, |x, y| x * y)
    }
    fn scale(&self, a: &CpuTensor, s: f32) -> CpuTensor {
        map(a, |x| x * s)
    }
    fn nonzero(&self, x: &CpuTensor) -> CpuTensor {
        map(x, |v| if v != 0.0 { 1.0 } else { 0.0 })
    }
    fn add_bias(&self, x: &CpuTensor, bias: &CpuTensor) -> CpuTensor {
        let (_, d) = x.rows_cols();
        assert_eq!(bias.data.len(), d, "add_bias: bias {:?} on {:?}", bias.shape, x.shape);
        let mut out = x.data.to_vec();
        for row in out.chunks_exact_mut(d.max(1)) {
            for (o, &b) in row.iter_mut().zip(bias.data.iter()) {
                *o += b;
            }
        }
        CpuTensor::new(&x.shape, out)
    }
    fn sum_rows(&self, x: &CpuTensor) -> CpuTensor {
        // Each column summed down its rows in order; the columns in two
        // halves, each in a thread for large tensors (a language model's
        // output bias takes its gradient over 2,048 × 4,492 values).
        let (_, d) = x.rows_cols();
        let sums = halves::split(d, x.data.len(), |cols| {
            let mut out = vec![0.0f32; cols.len()];
            for row in x.data.chunks_exact(d.max(1)) {
                for (o, &v) in out.iter_mut().zip(&row[cols.clone()]) {
                    *o += v;
                }
            }
            out
        });
        CpuTensor::new(&[d], sums.concat())
    }
    fn activation(&self, act: Activation, x: &CpuTensor) -> CpuTensor {
        match act {
            Activation::Softmax => self.softmax(x),
            // The common cases get loops of their own, which vectorise; a
            // match per element does not.
            // A select, not f32::max: wasm has no max instruction with
            // Rust's NaN rules and calls fmaxf per element (15 % of a CNN step).
            Activation::Relu => map(x, |v| if v > 0.0 { v } else { 0.0 }),
            Activation::Gelu => gelu::forward(x),
            Activation::Linear => x.clone(),
            _ => map(x, |v| act.f(v)),
        }
    }
    fn activation_backward(&self, act: Activation, x: &CpuTensor, y: &CpuTensor, dy: &CpuTensor) -> CpuTensor {
        match act {
            Activation::Softmax => self.softmax_backward(y, dy),
            Activation::Relu => zip_map(x, dy, |x, g| if x > 0.0 { g } else { 0.0 }),
            Activation::Gelu => gelu::backward(x, dy),
            Activation::Linear => dy.clone(),
            _ => {
                let out = x.data.iter().zip(y.data.iter()).zip(dy.data.iter()).map(|((&x, &y), &g)| g * act.df(x, y)).collect();
                CpuTensor::new(&x.shape, out)
            }
        }
    }
    fn softmax(&self, x: &CpuTensor) -> CpuTensor {
        let (_, d) = x.rows_cols();
        let mut out = x.data.to_vec();
        for row in out.chunks_exact_mut(d.max(1)) {
            softmax_row(row);
        }
        CpuTensor::new(&x.shape, out)
    }
    fn softmax_backward(&self, y: &CpuTensor, dy: &CpuTensor) -> CpuTensor {
        let (_, d) = y.rows_cols();
        let mut out = vec![0.0f32; y.data.len()];
        for ((o, yr), gr) in out.chunks_exact_mut(d.max(1)).zip(y.data.chunks_exact(d.max(1))).zip(dy.data.chunks_exact(d.max(1))) {
            let dot: f32 = yr.iter().zip(gr).map(|(a, b)| a * b).sum();
            for j in 0..d {
                o[j] = yr[j] * (gr[j] - dot);
            }
        }
        CpuTensor::new(&y.shape, out)
    }
    fn sum_squares(&self, x: &CpuTensor) -> f32 {
        // Accumulate in f64 (a sum of many squares loses digits in f32), in
        // eight independent lanes so the loop vectorises.
        let mut lanes = [0.0f64; 8];
        let chunks = x.data.chunks_exact(8);
        let rest: f64 = chunks.remainder().iter().map(|&v| (v as f64) * (v as f64)).sum();
        for c in chunks {
            for (l, &v) in lanes.iter_mut().zip(c) {
                *l += (v as f64) * (v as f64);
            }
        }
        (lanes.iter().sum::<f64>() + rest) as f32
    }
}

impl LinalgOps for CpuBackend {
    fn matmul(&self, a: &CpuTensor, b: &CpuTensor, trans_a: bool, trans_b: bool) -> CpuTensor {
        product(a, b, trans_a, trans_b, None)
    }
    fn matmul_bias(&self, a: &CpuTensor, w: &CpuTensor, bias: &CpuTensor) -> CpuTensor {
        product(a, w, false, false, Some(bias))
    }
}

impl LossOps for CpuBackend {
    fn loss(&self, loss: Loss, pred: &CpuTensor, target: &CpuTensor) -> CpuTensor {
        loss::loss(loss, pred, target)
    }
    fn loss_backward(&self, loss: Loss, pred: &CpuTensor, target: &CpuTensor) -> CpuTensor {
        loss::loss_backward(loss, pred, target)
    }
    fn softmax_cross_entropy(&self, logits: &CpuTensor, target: &CpuTensor, sparse: bool) -> (CpuTensor, CpuTensor) {
        loss::softmax_cross_entropy(logits, target, sparse)
    }
    fn softmax_cross_entropy_backward(&self, probs: &CpuTensor, target: &CpuTensor, sparse: bool) -> CpuTensor {
        loss::softmax_cross_entropy_backward(probs, target, sparse)
    }
}

impl SequenceOps for CpuBackend {
    fn gather_rows(&self, table: &CpuTensor, ids: &CpuTensor) -> CpuTensor {
        sequence::gather_rows(table, ids)
    }
    fn scatter_add_rows(&self, ids: &CpuTensor, grad: &CpuTensor, rows: usize) -> CpuTensor {
        sequence::scatter_add_rows(ids, grad, rows)
    }
    fn time_slice(&self, x: &CpuTensor, t: usize) -> CpuTensor {
        sequence::time_slice(x, t)
    }
    fn time_slice_add(&self, dst: &mut CpuTensor, t: usize, src: &CpuTensor) {
        sequence::time_slice_add(dst, t, src)
    }
    fn time_stack(&self, xs: &[&CpuTensor]) -> CpuTensor {
        sequence::time_stack(xs)
    }
    fn cols_slice(&self, x: &CpuTensor, start: usize, len: usize) -> CpuTensor {
        sequence::cols_slice(x, start, len)
    }
    fn cols_slice_add(&self, dst: &mut CpuTensor, start: usize, src: &CpuTensor) {
        sequence::cols_slice_add(dst, start, src)
    }
    fn lstm_cell(&self, z: &CpuTensor, hc_prev: &CpuTensor, mask: StepMask<CpuTensor>, gate: GateActivation) -> CpuTensor {
        recurrent::lstm_cell(z, hc_prev, mask, gate)
    }
    fn lstm_cell_backward(&self, z: &CpuTensor, hc_prev: &CpuTensor, mask: StepMask<CpuTensor>, gate: GateActivation, dhc: &CpuTensor) -> (CpuTensor, CpuTensor) {
        recurrent::lstm_cell_backward(z, hc_prev, mask, gate, dhc)
    }
    fn gru_cell(&self, xz: &CpuTensor, hz: &CpuTensor, h_prev: &CpuTensor, mask: StepMask<CpuTensor>) -> CpuTensor {
        recurrent::gru_cell(xz, hz, h_prev, mask)
    }
    fn gru_cell_backward(&self, xz: &CpuTensor, hz: &CpuTensor, h_prev: &CpuTensor, mask: StepMask<CpuTensor>, dh: &CpuTensor) -> (CpuTensor, CpuTensor, CpuTensor) {
        recurrent::gru_cell_backward(xz, hz, h_prev, mask, dh)
    }
    fn im2col_1d(&self, x: &CpuTensor, kernel: usize, stride: usize) -> CpuTensor {
        sequence::im2col_1d(x, kernel, stride)
    }
    fn col2im_1d(&self, cols: &CpuTensor, x_shape: &[usize], kernel: usize, stride: usize) -> CpuTensor {
        sequence::col2im_1d(cols, x_shape, kernel, stride)
    }
    fn max_over_time(&self, x: &CpuTensor) -> CpuTensor {
        sequence::max_over_time(x)
    }
    fn max_over_time_backward(&self, x: &CpuTensor, dy: &CpuTensor) -> CpuTensor {
        sequence::max_over_time_backward(x, dy)
    }
    fn mean_over_time(&self, x: &CpuTensor, mask: Option<&CpuTensor>) -> CpuTensor {
        sequence::mean_over_time(x, mask)
    }
    fn mean_over_time_backward(&self, dy: &CpuTensor, x_shape: &[usize], mask: Option<&CpuTensor>) -> CpuTensor {
        sequence::mean_over_time_backward(dy, x_shape, mask)
    }
}

impl ImageOps for CpuBackend {
    fn im2col_2d(&self, x: &CpuTensor, win: &Window2d) -> CpuTensor {
        image::im2col_2d(x, win)
    }
    fn col2im_2d(&self, cols: &CpuTensor, win: &Window2d) -> CpuTensor {
        image::col2im_2d(cols, win)
    }
    fn pool_2d(&self, x: &CpuTensor, win: &Window2d, kind: PoolKind) -> CpuTensor {
        image::pool_2d(x, win, kind)
    }
    fn pool_2d_backward(&self, x: &CpuTensor, dy: &CpuTensor, win: &Window2d, kind: PoolKind) -> CpuTensor {
        image::pool_2d_backward(x, dy, win, kind)
    }
    fn moments(&self, x: &CpuTensor) -> (CpuTensor, CpuTensor) {
        image::moments(x)
    }
    fn batch_norm(&self, x: &CpuTensor, mean: &CpuTensor, var: &CpuTensor, gamma: &CpuTensor, beta: &CpuTensor, eps: f32) -> CpuTensor {
        image::batch_norm(x, mean, var, gamma, beta, eps)
    }
    fn batch_norm_backward(&self, x: &CpuTensor, mean: &CpuTensor, var: &CpuTensor, gamma: &CpuTensor, eps: f32, dy: &CpuTensor, batch_stats: bool) -> (CpuTensor, CpuTensor, CpuTensor) {
        image::batch_norm_backward(x, mean, var, gamma, eps, dy, batch_stats)
    }
}

impl NormOps for CpuBackend {
    fn layer_norm(&self, x: &CpuTensor, gamma: &CpuTensor, beta: &CpuTensor, eps: f32) -> CpuTensor {
        norm::layer_norm(x, gamma, beta, eps)
    }
    fn layer_norm_backward(&self, x: &CpuTensor, gamma: &CpuTensor, eps: f32, dy: &CpuTensor) -> (CpuTensor, CpuTensor, CpuTensor) {
        norm::layer_norm_backward(x, gamma, eps, dy)
    }
}

impl AttentionOps for CpuBackend {
    fn attention(&self, q: &CpuTensor, k: &CpuTensor, v: &CpuTensor, mask: Option<&CpuTensor>, drop: Option<&CpuTensor>, heads: usize, causal: bool) -> (CpuTensor, CpuTensor) {
        attention::attention(q, k, v, mask, drop, heads, causal)
    }
    fn attention_backward(&self, q: &CpuTensor, k: &CpuTensor, v: &CpuTensor, probs: &CpuTensor, drop: Option<&CpuTensor>, heads: usize, dout: &CpuTensor) -> (CpuTensor, CpuTensor, CpuTensor) {
        attention::attention_backward(q, k, v, probs, drop, heads, dout)
    }
}

impl OptimOps for CpuBackend {
    fn optimizer_update(&self, rule: &UpdateRule, param: &mut CpuTensor, grad: &CpuTensor, grad_sq: Option<&CpuTensor>, slots: &mut [CpuTensor]) {
        assert_eq!(param.shape, grad.shape, "optimizer update: parameter {:?}, gradient {:?}", param.shape, grad.shape);
        let mut state: Vec<&mut [f32]> = slots.iter_mut().map(|s| s.data_mut().as_mut_slice()).collect();
        rule.apply(param.data_mut(), &grad.data, grad_sq.map(|s| s.data()), &mut state);
    }
}















