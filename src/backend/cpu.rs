//! The CPU backend: plain row-major f32 buffers, matrix products through
//! ndarray (which hands them to the blocked, SIMD `matrixmultiply` kernels).

use std::sync::Arc;

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};

use super::{cpu_image, cpu_norm};
use super::window::{PoolKind, Window2d};
use super::{numel, Backend, StepMask};
use crate::loss::Loss;
use crate::nn::activation::{fast_tanh, Activation, GateActivation};
use crate::optim::UpdateRule;

#[derive(Clone, Debug, Default)]
pub struct CpuBackend;

/// A CPU tensor. The buffer is shared so that handing a parameter to the
/// autodiff tape costs no copy; writes copy only if the buffer is shared.
#[derive(Clone, Debug)]
pub struct CpuTensor {
    shape: Vec<usize>,
    data: Arc<Vec<f32>>,
}

impl CpuTensor {
    pub fn new(shape: &[usize], data: Vec<f32>) -> Self {
        assert_eq!(numel(shape), data.len(), "shape {:?} does not hold {} values", shape, data.len());
        CpuTensor { shape: shape.to_vec(), data: Arc::new(data) }
    }
    pub fn data(&self) -> &[f32] {
        &self.data
    }
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data_mut(&mut self) -> &mut Vec<f32> {
        Arc::make_mut(&mut self.data)
    }
    /// (rows, last-axis width) of a tensor read as a matrix.
    fn rows_cols(&self) -> (usize, usize) {
        let d = *self.shape.last().unwrap_or(&1);
        (if d == 0 { 0 } else { self.data.len() / d }, d)
    }
    fn btd(&self) -> (usize, usize, usize) {
        assert_eq!(self.shape.len(), 3, "expected [batch, time, d], got {:?}", self.shape);
        (self.shape[0], self.shape[1], self.shape[2])
    }
}

fn zip_map(a: &CpuTensor, b: &CpuTensor, f: impl Fn(f32, f32) -> f32) -> CpuTensor {
    assert_eq!(a.shape, b.shape, "element-wise op on shapes {:?} and {:?}", a.shape, b.shape);
    CpuTensor::new(&a.shape, a.data.iter().zip(b.data.iter()).map(|(&x, &y)| f(x, y)).collect())
}

fn map(a: &CpuTensor, f: impl Fn(f32) -> f32) -> CpuTensor {
    CpuTensor::new(&a.shape, a.data.iter().map(|&x| f(x)).collect())
}

fn mask_at(mask: StepMask<CpuTensor>, b: usize) -> f32 {
    match mask {
        Some((m, t)) => m.data[b * m.shape[1] + t],
        None => 1.0,
    }
}

impl Backend for CpuBackend {
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

    fn matmul(&self, a: &CpuTensor, b: &CpuTensor, trans_a: bool, trans_b: bool) -> CpuTensor {
        product(a, b, trans_a, trans_b, None)
    }
    fn matmul_bias(&self, a: &CpuTensor, w: &CpuTensor, bias: &CpuTensor) -> CpuTensor {
        product(a, w, false, false, Some(bias))
    }
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
        let (_, d) = x.rows_cols();
        let mut out = vec![0.0f32; d];
        for row in x.data.chunks_exact(d.max(1)) {
            for (o, &v) in out.iter_mut().zip(row) {
                *o += v;
            }
        }
        CpuTensor::new(&[d], out)
    }
    fn activation(&self, act: Activation, x: &CpuTensor) -> CpuTensor {
        match act {
            Activation::Softmax => self.softmax(x),
            // The common cases get loops of their own, which vectorise; a
            // match per element does not.
            // A select, not f32::max: wasm has no max instruction with
            // Rust's NaN rules and calls fmaxf per element (15 % of a CNN step).
            Activation::Relu => map(x, |v| if v > 0.0 { v } else { 0.0 }),
            Activation::Linear => x.clone(),
            _ => map(x, |v| act.f(v)),
        }
    }
    fn activation_backward(&self, act: Activation, x: &CpuTensor, y: &CpuTensor, dy: &CpuTensor) -> CpuTensor {
        match act {
            Activation::Softmax => self.softmax_backward(y, dy),
            Activation::Relu => zip_map(x, dy, |x, g| if x > 0.0 { g } else { 0.0 }),
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

    fn loss(&self, loss: Loss, pred: &CpuTensor, target: &CpuTensor) -> CpuTensor {
        let (b, n) = pred.rows_cols();
        let t = dense_target(loss, pred, target);
        let mut total = 0.0f64;
        for (pr, tr) in pred.data.chunks_exact(n.max(1)).zip(t.chunks_exact(n.max(1))) {
            total += loss.row_value(pr, tr) as f64;
        }
        CpuTensor::new(&[1], vec![(total / b.max(1) as f64) as f32])
    }
    fn loss_backward(&self, loss: Loss, pred: &CpuTensor, target: &CpuTensor) -> CpuTensor {
        let (b, n) = pred.rows_cols();
        let t = dense_target(loss, pred, target);
        let mut out = vec![0.0f32; pred.data.len()];
        let inv_b = 1.0 / b.max(1) as f32;
        for ((o, pr), tr) in out.chunks_exact_mut(n.max(1)).zip(pred.data.chunks_exact(n.max(1))).zip(t.chunks_exact(n.max(1))) {
            loss.row_grad(pr, tr, o);
            o.iter_mut().for_each(|g| *g *= inv_b);
        }
        CpuTensor::new(&pred.shape, out)
    }
    fn softmax_cross_entropy(&self, logits: &CpuTensor, target: &CpuTensor, sparse: bool) -> (CpuTensor, CpuTensor) {
        let (b, n) = logits.rows_cols();
        let t = if sparse { one_hot(target, n) } else { target.data.to_vec() };
        let mut probs = logits.data.to_vec();
        let mut total = 0.0f64;
        for (row, tr) in probs.chunks_exact_mut(n.max(1)).zip(t.chunks_exact(n.max(1))) {
            let max = row.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
            let lse = row.iter().map(|&v| (v - max).exp()).sum::<f32>().ln() + max;
            total -= row.iter().zip(tr).map(|(&x, &y)| (y * (x - lse)) as f64).sum::<f64>();
            softmax_row(row);
        }
        (CpuTensor::new(&logits.shape, probs), CpuTensor::new(&[1], vec![(total / b.max(1) as f64) as f32]))
    }
    fn softmax_cross_entropy_backward(&self, probs: &CpuTensor, target: &CpuTensor, sparse: bool) -> CpuTensor {
        let (b, n) = probs.rows_cols();
        let t = if sparse { one_hot(target, n) } else { target.data.to_vec() };
        let inv_b = 1.0 / b.max(1) as f32;
        CpuTensor::new(&probs.shape, probs.data.iter().zip(t.iter()).map(|(&p, &y)| (p - y) * inv_b).collect())
    }

    fn gather_rows(&self, table: &CpuTensor, ids: &CpuTensor) -> CpuTensor {
        let (rows, d) = (table.shape[0], table.shape[1]);
        let mut out = Vec::with_capacity(ids.data.len() * d);
        for &id in ids.data.iter() {
            let r = id as usize;
            assert!(r < rows, "gather_rows: id {} outside table of {} rows", r, rows);
            out.extend_from_slice(&table.data[r * d..(r + 1) * d]);
        }
        let mut shape = ids.shape.clone();
        shape.push(d);
        CpuTensor::new(&shape, out)
    }
    fn scatter_add_rows(&self, ids: &CpuTensor, grad: &CpuTensor, rows: usize) -> CpuTensor {
        let d = *grad.shape.last().unwrap();
        let mut out = vec![0.0f32; rows * d];
        for (&id, g) in ids.data.iter().zip(grad.data.chunks_exact(d)) {
            let r = id as usize;
            for (o, &v) in out[r * d..(r + 1) * d].iter_mut().zip(g) {
                *o += v;
            }
        }
        CpuTensor::new(&[rows, d], out)
    }
    fn time_slice(&self, x: &CpuTensor, t: usize) -> CpuTensor {
        let (b, steps, d) = x.btd();
        let mut out = Vec::with_capacity(b * d);
        for bi in 0..b {
            let at = (bi * steps + t) * d;
            out.extend_from_slice(&x.data[at..at + d]);
        }
        CpuTensor::new(&[b, d], out)
    }
    fn time_slice_add(&self, dst: &mut CpuTensor, t: usize, src: &CpuTensor) {
        let (b, steps, d) = dst.btd();
        let data = dst.data_mut();
        for bi in 0..b {
            let at = (bi * steps + t) * d;
            for (o, &v) in data[at..at + d].iter_mut().zip(&src.data[bi * d..(bi + 1) * d]) {
                *o += v;
            }
        }
    }
    fn time_stack(&self, xs: &[&CpuTensor]) -> CpuTensor {
        let steps = xs.len();
        let (b, d) = (xs[0].shape[0], xs[0].shape[1]);
        let mut out = vec![0.0f32; b * steps * d];
        for (t, x) in xs.iter().enumerate() {
            for bi in 0..b {
                out[(bi * steps + t) * d..(bi * steps + t + 1) * d].copy_from_slice(&x.data[bi * d..(bi + 1) * d]);
            }
        }
        CpuTensor::new(&[b, steps, d], out)
    }
    fn cols_slice(&self, x: &CpuTensor, start: usize, len: usize) -> CpuTensor {
        let (n, d) = x.rows_cols();
        let mut out = Vec::with_capacity(n * len);
        for row in x.data.chunks_exact(d) {
            out.extend_from_slice(&row[start..start + len]);
        }
        CpuTensor::new(&[n, len], out)
    }
    fn cols_slice_add(&self, dst: &mut CpuTensor, start: usize, src: &CpuTensor) {
        let (_, d) = dst.rows_cols();
        let len = src.shape[1];
        let data = dst.data_mut();
        for (row, s) in data.chunks_exact_mut(d).zip(src.data.chunks_exact(len)) {
            for (o, &v) in row[start..start + len].iter_mut().zip(s) {
                *o += v;
            }
        }
    }

    fn lstm_cell(&self, z: &CpuTensor, hc_prev: &CpuTensor, mask: StepMask<CpuTensor>, gate: GateActivation) -> CpuTensor {
        let (b, h4) = (z.shape[0], z.shape[1]);
        let h = h4 / 4;
        let mut out = vec![0.0f32; b * 2 * h];
        let mut gates = vec![0.0f32; h4];
        for bi in 0..b {
            let prev = &hc_prev.data[bi * 2 * h..(bi + 1) * 2 * h];
            let o = &mut out[bi * 2 * h..(bi + 1) * 2 * h];
            if mask_at(mask, bi) == 0.0 {
                o.copy_from_slice(prev);
                continue;
            }
            lstm_gates(&z.data[bi * h4..(bi + 1) * h4], &mut gates, gate);
            let (i, rest) = gates.split_at(h);
            let (f, rest) = rest.split_at(h);
            let (g, og) = rest.split_at(h);
            let (h_out, c_out) = o.split_at_mut(h);
            let c_prev = &prev[h..];
            for j in 0..h {
                c_out[j] = f[j] * c_prev[j] + i[j] * g[j];
            }
            for j in 0..h {
                h_out[j] = og[j] * fast_tanh(c_out[j]);
            }
        }
        CpuTensor::new(&[b, 2 * h], out)
    }
    fn lstm_cell_backward(&self, z: &CpuTensor, hc_prev: &CpuTensor, mask: StepMask<CpuTensor>, gate: GateActivation, dhc: &CpuTensor) -> (CpuTensor, CpuTensor) {
        let (b, h4) = (z.shape[0], z.shape[1]);
        let h = h4 / 4;
        let mut dz = vec![0.0f32; b * h4];
        let mut dprev = vec![0.0f32; b * 2 * h];
        let mut gates = vec![0.0f32; h4];
        let mut tc = vec![0.0f32; h];
        for bi in 0..b {
            let g_out = &dhc.data[bi * 2 * h..(bi + 1) * 2 * h];
            let dp = &mut dprev[bi * 2 * h..(bi + 1) * 2 * h];
            if mask_at(mask, bi) == 0.0 {
                dp.copy_from_slice(g_out);
                continue;
            }
            // Recompute the gates rather than keep them: cheaper than the
            // memory traffic of saving [batch, 4h] per step.
            lstm_gates(&z.data[bi * h4..(bi + 1) * h4], &mut gates, gate);
            let (i, rest) = gates.split_at(h);
            let (f, rest) = rest.split_at(h);
            let (g, og) = rest.split_at(h);
            let c_prev = &hc_prev.data[bi * 2 * h + h..(bi + 1) * 2 * h];
            for j in 0..h {
                tc[j] = fast_tanh(f[j] * c_prev[j] + i[j] * g[j]);
            }
            let (dh, dc_in) = g_out.split_at(h);
            let dzr = &mut dz[bi * h4..(bi + 1) * h4];
            let (dzi, rest) = dzr.split_at_mut(h);
            let (dzf, rest) = rest.split_at_mut(h);
            let (dzg, dzo) = rest.split_at_mut(h);
            let dcp = &mut dp[h..];
            for j in 0..h {
                let dc = dc_in[j] + dh[j] * og[j] * (1.0 - tc[j] * tc[j]);
                dzi[j] = dc * g[j] * gate.dy(i[j]);
                dzf[j] = dc * c_prev[j] * gate.dy(f[j]);
                dzg[j] = dc * i[j] * (1.0 - g[j] * g[j]);
                dzo[j] = dh[j] * tc[j] * gate.dy(og[j]);
                dcp[j] = dc * f[j];
            }
        }
        (CpuTensor::new(&z.shape, dz), CpuTensor::new(&hc_prev.shape, dprev))
    }
    fn gru_cell(&self, xz: &CpuTensor, hz: &CpuTensor, h_prev: &CpuTensor, mask: StepMask<CpuTensor>) -> CpuTensor {
        let (b, h) = (h_prev.shape[0], h_prev.shape[1]);
        let mut out = vec![0.0f32; b * h];
        for bi in 0..b {
            let x = &xz.data[bi * 3 * h..(bi + 1) * 3 * h];
            let r = &hz.data[bi * 3 * h..(bi + 1) * 3 * h];
            let hp = &h_prev.data[bi * h..(bi + 1) * h];
            let o = &mut out[bi * h..(bi + 1) * h];
            if mask_at(mask, bi) == 0.0 {
                o.copy_from_slice(hp);
                continue;
            }
            for j in 0..h {
                let zg = GateActivation::Sigmoid.f(x[j] + r[j]);
                let rg = GateActivation::Sigmoid.f(x[h + j] + r[h + j]);
                let hh = fast_tanh(x[2 * h + j] + rg * r[2 * h + j]);
                o[j] = zg * hp[j] + (1.0 - zg) * hh;
            }
        }
        CpuTensor::new(&h_prev.shape, out)
    }
    fn gru_cell_backward(&self, xz: &CpuTensor, hz: &CpuTensor, h_prev: &CpuTensor, mask: StepMask<CpuTensor>, dh: &CpuTensor) -> (CpuTensor, CpuTensor, CpuTensor) {
        let (b, h) = (h_prev.shape[0], h_prev.shape[1]);
        let mut dx = vec![0.0f32; b * 3 * h];
        let mut dr = vec![0.0f32; b * 3 * h];
        let mut dhp = vec![0.0f32; b * h];
        for bi in 0..b {
            let g = &dh.data[bi * h..(bi + 1) * h];
            let dp = &mut dhp[bi * h..(bi + 1) * h];
            if mask_at(mask, bi) == 0.0 {
                dp.copy_from_slice(g);
                continue;
            }
            let x = &xz.data[bi * 3 * h..(bi + 1) * 3 * h];
            let r = &hz.data[bi * 3 * h..(bi + 1) * 3 * h];
            let hp = &h_prev.data[bi * h..(bi + 1) * h];
            let dxr = &mut dx[bi * 3 * h..(bi + 1) * 3 * h];
            let drr = &mut dr[bi * 3 * h..(bi + 1) * 3 * h];
            for j in 0..h {
                let zg = GateActivation::Sigmoid.f(x[j] + r[j]);
                let rg = GateActivation::Sigmoid.f(x[h + j] + r[h + j]);
                let hh = fast_tanh(x[2 * h + j] + rg * r[2 * h + j]);
                let d_hh = g[j] * (1.0 - zg) * (1.0 - hh * hh);
                let d_z = g[j] * (hp[j] - hh) * zg * (1.0 - zg);
                let d_r = d_hh * r[2 * h + j] * rg * (1.0 - rg);
                dxr[j] = d_z;
                dxr[h + j] = d_r;
                dxr[2 * h + j] = d_hh;
                drr[j] = d_z;
                drr[h + j] = d_r;
                drr[2 * h + j] = d_hh * rg;
                dp[j] = g[j] * zg;
            }
        }
        (CpuTensor::new(&xz.shape, dx), CpuTensor::new(&hz.shape, dr), CpuTensor::new(&h_prev.shape, dhp))
    }

    fn im2col_1d(&self, x: &CpuTensor, kernel: usize, stride: usize) -> CpuTensor {
        let (b, steps, c) = x.btd();
        let out_t = conv_out_len(steps, kernel, stride);
        let width = kernel * c;
        let mut out = Vec::with_capacity(b * out_t * width);
        for bi in 0..b {
            for j in 0..out_t {
                let at = (bi * steps + j * stride) * c;
                out.extend_from_slice(&x.data[at..at + width]);
            }
        }
        CpuTensor::new(&[b * out_t, width], out)
    }
    fn col2im_1d(&self, cols: &CpuTensor, x_shape: &[usize], kernel: usize, stride: usize) -> CpuTensor {
        let (b, steps, c) = (x_shape[0], x_shape[1], x_shape[2]);
        let out_t = conv_out_len(steps, kernel, stride);
        let width = kernel * c;
        let mut out = vec![0.0f32; b * steps * c];
        for bi in 0..b {
            for j in 0..out_t {
                let at = (bi * steps + j * stride) * c;
                let src = &cols.data[(bi * out_t + j) * width..(bi * out_t + j + 1) * width];
                for (o, &v) in out[at..at + width].iter_mut().zip(src) {
                    *o += v;
                }
            }
        }
        CpuTensor::new(x_shape, out)
    }
    fn max_over_time(&self, x: &CpuTensor) -> CpuTensor {
        let (b, steps, d) = x.btd();
        let mut out = vec![f32::NEG_INFINITY; b * d];
        for bi in 0..b {
            let o = &mut out[bi * d..(bi + 1) * d];
            for t in 0..steps {
                for (m, &v) in o.iter_mut().zip(&x.data[(bi * steps + t) * d..(bi * steps + t + 1) * d]) {
                    *m = m.max(v);
                }
            }
        }
        CpuTensor::new(&[b, d], out)
    }
    fn max_over_time_backward(&self, x: &CpuTensor, dy: &CpuTensor) -> CpuTensor {
        let (b, steps, d) = x.btd();
        let mut out = vec![0.0f32; x.data.len()];
        let mut best = vec![0usize; d];
        let mut max = vec![0.0f32; d];
        for bi in 0..b {
            // The gradient goes to the first step holding the maximum. Steps
            // are scanned in order, a row at a time, so reads are contiguous.
            let rows = &x.data[bi * steps * d..(bi + 1) * steps * d];
            max.copy_from_slice(&rows[..d]);
            best.iter_mut().for_each(|v| *v = 0);
            for t in 1..steps {
                for ((m, bt), &v) in max.iter_mut().zip(best.iter_mut()).zip(&rows[t * d..(t + 1) * d]) {
                    if v > *m {
                        *m = v;
                        *bt = t;
                    }
                }
            }
            for j in 0..d {
                out[(bi * steps + best[j]) * d + j] = dy.data[bi * d + j];
            }
        }
        CpuTensor::new(&x.shape, out)
    }
    fn mean_over_time(&self, x: &CpuTensor, mask: Option<&CpuTensor>) -> CpuTensor {
        let (b, steps, d) = x.btd();
        let mut out = vec![0.0f32; b * d];
        for bi in 0..b {
            let (weights, count) = time_weights(mask, bi, steps);
            let o = &mut out[bi * d..(bi + 1) * d];
            for t in 0..steps {
                let w = weights(t);
                if w == 0.0 {
                    continue;
                }
                for (m, &v) in o.iter_mut().zip(&x.data[(bi * steps + t) * d..(bi * steps + t + 1) * d]) {
                    *m += v;
                }
            }
            o.iter_mut().for_each(|v| *v /= count);
        }
        CpuTensor::new(&[b, d], out)
    }
    fn mean_over_time_backward(&self, dy: &CpuTensor, x_shape: &[usize], mask: Option<&CpuTensor>) -> CpuTensor {
        let (b, steps, d) = (x_shape[0], x_shape[1], x_shape[2]);
        let mut out = vec![0.0f32; b * steps * d];
        for bi in 0..b {
            let (weights, count) = time_weights(mask, bi, steps);
            for t in 0..steps {
                let w = weights(t) / count;
                if w == 0.0 {
                    continue;
                }
                for (o, &g) in out[(bi * steps + t) * d..(bi * steps + t + 1) * d].iter_mut().zip(&dy.data[bi * d..(bi + 1) * d]) {
                    *o = g * w;
                }
            }
        }
        CpuTensor::new(x_shape, out)
    }

    fn im2col_2d(&self, x: &CpuTensor, win: &Window2d) -> CpuTensor {
        cpu_image::im2col_2d(x, win)
    }
    fn col2im_2d(&self, cols: &CpuTensor, win: &Window2d) -> CpuTensor {
        cpu_image::col2im_2d(cols, win)
    }
    fn pool_2d(&self, x: &CpuTensor, win: &Window2d, kind: PoolKind) -> CpuTensor {
        cpu_image::pool_2d(x, win, kind)
    }
    fn pool_2d_backward(&self, x: &CpuTensor, dy: &CpuTensor, win: &Window2d, kind: PoolKind) -> CpuTensor {
        cpu_image::pool_2d_backward(x, dy, win, kind)
    }
    fn moments(&self, x: &CpuTensor) -> (CpuTensor, CpuTensor) {
        cpu_image::moments(x)
    }
    fn batch_norm(&self, x: &CpuTensor, mean: &CpuTensor, var: &CpuTensor, gamma: &CpuTensor, beta: &CpuTensor, eps: f32) -> CpuTensor {
        cpu_image::batch_norm(x, mean, var, gamma, beta, eps)
    }
    fn batch_norm_backward(&self, x: &CpuTensor, mean: &CpuTensor, var: &CpuTensor, gamma: &CpuTensor, eps: f32, dy: &CpuTensor, batch_stats: bool) -> (CpuTensor, CpuTensor, CpuTensor) {
        cpu_image::batch_norm_backward(x, mean, var, gamma, eps, dy, batch_stats)
    }
    fn layer_norm(&self, x: &CpuTensor, gamma: &CpuTensor, beta: &CpuTensor, eps: f32) -> CpuTensor {
        cpu_norm::layer_norm(x, gamma, beta, eps)
    }
    fn layer_norm_backward(&self, x: &CpuTensor, gamma: &CpuTensor, eps: f32, dy: &CpuTensor) -> (CpuTensor, CpuTensor, CpuTensor) {
        cpu_norm::layer_norm_backward(x, gamma, eps, dy)
    }
    fn optimizer_update(&self, rule: &UpdateRule, param: &mut CpuTensor, grad: &CpuTensor, grad_sq: Option<&CpuTensor>, slots: &mut [CpuTensor]) {
        assert_eq!(param.shape, grad.shape, "optimizer update: parameter {:?}, gradient {:?}", param.shape, grad.shape);
        let mut state: Vec<&mut [f32]> = slots.iter_mut().map(|s| s.data_mut().as_mut_slice()).collect();
        rule.apply(param.data_mut(), &grad.data, grad_sq.map(|s| s.data()), &mut state);
    }
}

/// op(a)·op(b), plus `bias` in every row when given: natively through
/// ndarray, with C starting as the bias rows and the product added onto it
/// (β = 1, no second pass over the output); in wasm through `matmul_rows_bias`,
/// whose accumulators start at the bias.
fn product(a: &CpuTensor, b: &CpuTensor, trans_a: bool, trans_b: bool, bias: Option<&CpuTensor>) -> CpuTensor {
    assert!(a.shape.len() == 2 && b.shape.len() == 2, "matmul needs 2-D tensors, got {:?} and {:?}", a.shape, b.shape);
    let (m, k) = if trans_a { (a.shape[1], a.shape[0]) } else { (a.shape[0], a.shape[1]) };
    let (k2, n) = if trans_b { (b.shape[1], b.shape[0]) } else { (b.shape[0], b.shape[1]) };
    assert_eq!(k, k2, "matmul inner sizes: {:?}{} · {:?}{}", a.shape, if trans_a { "ᵀ" } else { "" }, b.shape, if trans_b { "ᵀ" } else { "" });
    // In wasm, matrixmultiply has no SIMD kernel; `matmul_rows_bias` has one
    // (simd128, or relaxed SIMD's fused multiply-add in that build).
    if cfg!(target_arch = "wasm32") {
        let bias = bias.map(|t| {
            assert_eq!(t.data.len(), n, "matmul_bias: bias {:?} for {} columns", t.shape, n);
            &t.data[..]
        });
        return CpuTensor::new(&[m, n], matmul_rows_bias(&a.data, &b.data, m, k, n, trans_a, trans_b, bias));
    }
    let mut out = match bias {
        Some(bias) => {
            assert_eq!(bias.data.len(), n, "matmul_bias: bias {:?} for {} columns", bias.shape, n);
            bias.data.repeat(m)
        }
        None => vec![0.0f32; m * n],
    };
    let av = ArrayView2::from_shape((a.shape[0], a.shape[1]), &a.data).unwrap();
    let bv = ArrayView2::from_shape((b.shape[0], b.shape[1]), &b.data).unwrap();
    let av = if trans_a { av.reversed_axes() } else { av };
    let bv = if trans_b { bv.reversed_axes() } else { bv };
    {
        let mut cv = ArrayViewMut2::from_shape((m, n), &mut out).unwrap();
        general_mat_mul(1.0, &av, &bv, if bias.is_some() { 1.0 } else { 0.0 }, &mut cv);
    }
    CpuTensor::new(&[m, n], out)
}

/// op(A)·op(B) for row-major A and B (`m`×`k` times `k`×`n`), in register
/// blocks of C: the wasm matrix kernel (natively the twin is tested).
pub fn matmul_rows(a: &[f32], b: &[f32], m: usize, k: usize, n: usize, trans_a: bool, trans_b: bool) -> Vec<f32> {
    matmul_rows_bias(a, b, m, k, n, trans_a, trans_b, None)
}

/// Which SIMD this build of the engine was compiled with: "relaxed-simd"
/// (wasm SIMD with relaxed SIMD's fused multiply-add), "simd128" (wasm SIMD),
/// or "native" (not wasm).
pub fn simd_build() -> &'static str {
    if !cfg!(target_arch = "wasm32") {
        "native"
    } else if cfg!(target_feature = "relaxed-simd") {
        "relaxed-simd"
    } else if cfg!(target_feature = "simd128") {
        "simd128"
    } else {
        "scalar"
    }
}

/// Rows of A per register block, and columns of B per panel.
const BLOCK_ROWS: usize = 4;
const PANEL: usize = 8;

/// How much of A's strips a chunk of row blocks may take: well inside the
/// L2 of the machines this runs on (512 KiB here), leaving room for B's panels.
const L2_BUDGET_BYTES: usize = 192 * 1024;

/// `matmul_rows` with `bias` (n values) added to every row of C: the
/// accumulators start at the bias, so it costs no pass of its own.
///
/// C is computed in register blocks of 4 rows × 8 columns, each accumulated
/// over all of k: per step, two 4-wide loads of B and four broadcasts of A
/// feed eight 4-wide multiply-adds. Both operands are packed once, straight
/// from op(A) and op(B) so a transposed operand costs no copy of its own:
/// A as k × 4 strips per row block (zero rows past m), B as k × 8 panels
/// (zero columns past n), so every block reads both contiguously.
#[allow(clippy::too_many_arguments)]
pub fn matmul_rows_bias(a: &[f32], b: &[f32], m: usize, k: usize, n: usize, trans_a: bool, trans_b: bool, bias: Option<&[f32]>) -> Vec<f32> {
    assert!(a.len() >= m * k && b.len() >= k * n, "matmul_rows: {}x{} · {}x{} from {} and {} values", m, k, k, n, a.len(), b.len());
    const R: usize = BLOCK_ROWS;
    const W: usize = PANEL;
    if k == 0 {
        return match bias {
            Some(bias) => bias[..n].repeat(m),
            None => vec![0.0; m * n],
        };
    }
    let blocks = m.div_ceil(R);
    let mut strips = vec![0.0f32; blocks * k * R];
    for (ib, strip) in strips.chunks_exact_mut(k * R).enumerate() {
        let (i, rows) = (ib * R, R.min(m - ib * R));
        if trans_a {
            // op(A)[i, p] = a[p·m + i]: a strip's 4 rows are 4 neighbours
            // in a row of a.
            for (p, xs) in strip.chunks_exact_mut(R).enumerate() {
                for (o, &v) in xs.iter_mut().zip(&a[p * m + i..p * m + i + rows]) {
                    *o = v;
                }
            }
        } else if rows == R {
            // Four rows of a side by side (zips, so no index is checked:
            // packing was 9 % of a 512³ product).
            let (r0, r1, r2, r3) = (&a[i * k..(i + 1) * k], &a[(i + 1) * k..(i + 2) * k], &a[(i + 2) * k..(i + 3) * k], &a[(i + 3) * k..(i + 4) * k]);
            for ((((xs, &x0), &x1), &x2), &x3) in strip.chunks_exact_mut(R).zip(r0).zip(r1).zip(r2).zip(r3) {
                xs.copy_from_slice(&[x0, x1, x2, x3]);
            }
        } else {
            for r in 0..rows {
                for (xs, &v) in strip.chunks_exact_mut(R).zip(&a[(i + r) * k..(i + r + 1) * k]) {
                    xs[r] = v;
                }
            }
        }
    }
    let panels = n.div_ceil(W);
    let mut packed_b = vec![[0.0f32; W]; panels * k];
    for (jp, panel) in packed_b.chunks_exact_mut(k).take(panels).enumerate() {
        let (j, cols) = (jp * W, W.min(n - jp * W));
        if trans_b {
            // op(B)[p, j + q] = b[(j + q)·k + p]: eight rows of b, read along p.
            for q in 0..cols {
                for (row, &v) in panel.iter_mut().zip(&b[(j + q) * k..(j + q + 1) * k]) {
                    row[q] = v;
                }
            }
        } else if cols == W {
            // Eight neighbours of each row of b: one 32-byte copy.
            for (row, src) in panel.iter_mut().zip(b.chunks_exact(n)) {
                row.copy_from_slice(&src[j..j + W]);
            }
        } else {
            for (row, src) in panel.iter_mut().zip(b.chunks_exact(n)) {
                for (o, &v) in row.iter_mut().zip(&src[j..j + cols]) {
                    *o = v;
                }
            }
        }
    }
    // Row blocks go in chunks whose strips fit in L2 (≤ 192 KiB), and every
    // panel passes over a chunk while the panel sits in L1: with all of A
    // streamed per panel instead (1 MiB at 512²), the product depended on
    // the shared L3 and moved by a third with the neighbours' load.
    let chunk = (L2_BUDGET_BYTES / (4 * R * k)).max(1);
    let mut c = vec![0.0f32; m * n];
    let mut start = [0.0f32; W];
    for first in (0..blocks).step_by(chunk) {
        for (jp, panel) in packed_b.chunks_exact(k).take(panels).enumerate() {
            let (j, cols) = (jp * W, W.min(n - jp * W));
            if let Some(bias) = bias {
                start[..cols].copy_from_slice(&bias[j..j + cols]);
            }
            let panel = panel.as_flattened();
            for ib in first..blocks.min(first + chunk) {
                let rows = R.min(m - ib * R);
                block_4x8(&strips[ib * k * R..(ib + 1) * k * R], panel, &start, &mut c[ib * R * n + j..], n, rows, cols);
            }
        }
    }
    c
}

/// One block of C, `rows` × `cols` of at most 4 × 8, written at `c` (rows
/// `ldc` apart): start + Σ_p strip[p, 0..4]ᵀ · panel[p, 0..8].
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline]
fn block_4x8(strip: &[f32], panel: &[f32], start: &[f32; PANEL], c: &mut [f32], ldc: usize, rows: usize, cols: usize) {
    let mut acc = [*start; BLOCK_ROWS];
    for (xs, bp) in strip.chunks_exact(BLOCK_ROWS).zip(panel.chunks_exact(PANEL)) {
        for (row, &x) in acc.iter_mut().zip(xs) {
            for (o, &v) in row.iter_mut().zip(bp) {
                *o += x * v;
            }
        }
    }
    for (r, row) in acc.iter().enumerate().take(rows) {
        c[r * ldc..r * ldc + cols].copy_from_slice(&row[..cols]);
    }
}

/// The same block with wasm SIMD: eight 4-wide accumulators in registers,
/// A broadcast straight from memory (`v128.load32_splat`); a full block is
/// stored straight into C (a `copy_from_slice` per row is a call to memcpy
/// in wasm: ~10 % of the product at 512³).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline]
fn block_4x8(strip: &[f32], panel: &[f32], start: &[f32; PANEL], c: &mut [f32], ldc: usize, rows: usize, cols: usize) {
    use core::arch::wasm32::*;
    let k = strip.len() / BLOCK_ROWS;
    assert!(panel.len() >= k * PANEL && rows <= BLOCK_ROWS && cols <= PANEL && c.len() >= (rows - 1) * ldc + cols);
    // SAFETY: the pointers walk k steps of 4 values of `strip` and 8 of
    // `panel`, both at least that long, and a full block's stores stay
    // inside `c` (assert above); `start` and `out` hold 8 values per row.
    unsafe {
        let s0 = v128_load(start.as_ptr() as *const v128);
        let s1 = v128_load(start.as_ptr().add(4) as *const v128);
        let mut acc = [s0, s1, s0, s1, s0, s1, s0, s1];
        let mut ap = strip.as_ptr();
        let mut bp = panel.as_ptr();
        let end = ap.add(k * BLOCK_ROWS);
        while ap < end {
            let b0 = v128_load(bp as *const v128);
            let b1 = v128_load(bp.add(4) as *const v128);
            for r in 0..BLOCK_ROWS {
                let x = v128_load32_splat(ap.add(r) as *const u32);
                acc[2 * r] = mul_add(x, b0, acc[2 * r]);
                acc[2 * r + 1] = mul_add(x, b1, acc[2 * r + 1]);
            }
            ap = ap.add(BLOCK_ROWS);
            bp = bp.add(PANEL);
        }
        if rows == BLOCK_ROWS && cols == PANEL {
            for r in 0..BLOCK_ROWS {
                let at = c.as_mut_ptr().add(r * ldc);
                v128_store(at as *mut v128, acc[2 * r]);
                v128_store(at.add(4) as *mut v128, acc[2 * r + 1]);
            }
        } else {
            let mut out = [[0.0f32; PANEL]; BLOCK_ROWS];
            for (r, row) in out.iter_mut().enumerate() {
                v128_store(row.as_mut_ptr() as *mut v128, acc[2 * r]);
                v128_store(row.as_mut_ptr().add(4) as *mut v128, acc[2 * r + 1]);
            }
            for r in 0..rows {
                for q in 0..cols {
                    *c.get_unchecked_mut(r * ldc + q) = out[r][q];
                }
            }
        }
    }
}

/// x·b + c, four lanes. With relaxed SIMD (the second wasm build, loaded
/// where the browser validates it: www/engine.js) it is one fused
/// multiply-add where the hardware has one, which is what the 128-bit kernel
/// needs to keep pace with native AVX2 (~1.4× in the product); without it, a
/// multiply and an add.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn mul_add(x: core::arch::wasm32::v128, b: core::arch::wasm32::v128, c: core::arch::wasm32::v128) -> core::arch::wasm32::v128 {
    use core::arch::wasm32::*;
    #[cfg(target_feature = "relaxed-simd")]
    {
        f32x4_relaxed_madd(x, b, c)
    }
    #[cfg(not(target_feature = "relaxed-simd"))]
    {
        f32x4_add(c, f32x4_mul(x, b))
    }
}

/// Output length of a valid-padded 1-D convolution.
pub fn conv_out_len(steps: usize, kernel: usize, stride: usize) -> usize {
    if steps < kernel {
        0
    } else {
        (steps - kernel) / stride + 1
    }
}

/// The LSTM gate activations of one row: sigmoid for i, f, o and tanh for
/// the candidate c, each over a contiguous run so the loops vectorise.
fn lstm_gates(z: &[f32], out: &mut [f32], gate: GateActivation) {
    let h = z.len() / 4;
    for (o, &v) in out[..2 * h].iter_mut().zip(&z[..2 * h]) {
        *o = gate.f(v);
    }
    for (o, &v) in out[2 * h..3 * h].iter_mut().zip(&z[2 * h..3 * h]) {
        *o = fast_tanh(v);
    }
    for (o, &v) in out[3 * h..].iter_mut().zip(&z[3 * h..]) {
        *o = gate.f(v);
    }
}

fn softmax_row(row: &mut [f32]) {
    let max = row.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in row.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in row.iter_mut() {
        *v /= sum;
    }
}

fn one_hot(indices: &CpuTensor, n: usize) -> Vec<f32> {
    let mut t = vec![0.0f32; indices.data.len() * n];
    for (r, &c) in indices.data.iter().enumerate() {
        t[r * n + c as usize] = 1.0;
    }
    t
}

fn dense_target(loss: Loss, pred: &CpuTensor, target: &CpuTensor) -> Vec<f32> {
    if loss == Loss::SparseCategoricalCrossentropy {
        one_hot(target, *pred.shape.last().unwrap())
    } else {
        assert_eq!(pred.data.len(), target.data.len(), "{:?}: prediction {:?}, target {:?}", loss, pred.shape, target.shape);
        target.data.to_vec()
    }
}

/// Per-step weights (mask value) and how many steps count, for one row.
fn time_weights<'a>(mask: Option<&'a CpuTensor>, bi: usize, steps: usize) -> (impl Fn(usize) -> f32 + 'a, f32) {
    let row: Option<&'a [f32]> = mask.map(|m| &m.data[bi * steps..(bi + 1) * steps]);
    // A row with every step masked (an empty text) averages to zero rather
    // than dividing by zero as Keras does.
    let count = row.map(|r| r.iter().sum::<f32>()).unwrap_or(steps as f32).max(1.0);
    (move |t: usize| row.map(|r| r[t]).unwrap_or(1.0), count)
}

/// GFLOP/s of the CPU backend's matrix product at n×n×n.
pub fn matmul_gflops(n: usize) -> f64 {
    crate::backend::timing::matmul_gflops(&CpuBackend, n, n, n, false, || {})
}
