//! The backend conformance suite itself, shared by the native test target
//! (`tests/conformance.rs`) and the browser one (`tests/web_gpu.rs`). It is
//! async because WebGPU reads back only through the event loop; natively
//! every read is ready at once.

use gradlab::backend::prelude::*;
use gradlab::backend::{AttentionShape, Backend, CpuBackend, CpuTensor, Padding, PoolKind, Window2d};
use gradlab::loss::Loss;
use gradlab::nn::activation::{Activation, GateActivation};
use gradlab::optim::{adagrad, adam, rmsprop, sgd, UpdateRule};

/// A tensor's values, read back without blocking.
pub async fn dl<B: Backend>(be: &B, t: &B::Tensor) -> Vec<f32> {
    be.read_async(&[t]).await.pop().unwrap()
}

/// A small deterministic generator: values in [-1, 1).
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
    pub fn vec(&mut self, n: usize, scale: f32) -> Vec<f32> {
        (0..n).map(|_| self.next() * scale).collect()
    }
    pub fn ids(&mut self, n: usize, below: usize) -> Vec<f32> {
        (0..n).map(|_| (((self.next() + 1.0) * 0.5 * below as f32) as usize).min(below - 1) as f32).collect()
    }
}

/// |got − want| ≤ tol · max(|want|, mean |want|) element by element.
pub fn assert_close(what: &str, got: &[f32], want: &[f32], tol: f32) {
    assert_close_abs(what, got, want, tol, 0.0);
}

/// The same with an absolute floor `atol`, for values that come through a
/// logarithm: WGSL's `log` is exact only to 2⁻²¹ absolute near 1.
pub fn assert_close_abs(what: &str, got: &[f32], want: &[f32], tol: f32, atol: f32) {
    assert_eq!(got.len(), want.len(), "{}: {} values, expected {}", what, got.len(), want.len());
    let scale = want.iter().map(|v| v.abs()).sum::<f32>() / want.len().max(1) as f32;
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let ok = (g - w).abs() <= tol * w.abs().max(scale).max(1e-6) + atol || (g.is_nan() && w.is_nan()) || g == w;
        assert!(ok, "{}: element {} is {}, expected {} (tolerance {} relative)", what, i, g, w, tol);
    }
}

/// A backend under test beside the CPU reference.
struct Pair<'a, B: Backend> {
    be: &'a B,
    cpu: CpuBackend,
}

impl<'a, B: Backend> Pair<'a, B> {
    fn up(&self, shape: &[usize], data: &[f32]) -> (B::Tensor, CpuTensor) {
        (self.be.upload(shape, data), self.cpu.upload(shape, data))
    }
    async fn same(&self, what: &str, got: &B::Tensor, want: &CpuTensor) {
        assert_eq!(self.be.shape(got), self.cpu.shape(want), "{}: shape", what);
        assert_close(what, &dl(self.be, got).await, &self.cpu.download(want), 1e-5);
    }
}

const MATMUL_SHAPES: [(usize, usize, usize); 13] = [
    (12, 36, 20),
    (129, 64, 100),
    (70, 4, 4),
    (1, 1, 1),
    (3, 5, 7),
    (64, 64, 64),
    (63, 17, 65),
    (65, 129, 33),
    (5, 1000, 3),
    (1, 70, 130),
    (130, 70, 1),
    (2, 3, 300),
    (200, 8, 256),
];

async fn check_matmul<B: Backend>(be: &B) {
    let mut rng = Rng(7);
    for &(m, k, n) in &MATMUL_SHAPES {
        for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
            let a = rng.vec(m * k, 1.0);
            let b = rng.vec(k * n, 1.0);
            let at = be.upload(&if ta { [k, m] } else { [m, k] }, &a);
            let bt = be.upload(&if tb { [n, k] } else { [k, n] }, &b);
            let c = be.matmul(&at, &bt, ta, tb);
            assert_eq!(be.shape(&c), &[m, n]);
            let got = dl(be, &c).await;
            for i in 0..m {
                for j in 0..n {
                    let (mut exact, mut bound) = (0.0f64, 0.0f64);
                    for kk in 0..k {
                        let av = if ta { a[kk * m + i] } else { a[i * k + kk] } as f64;
                        let bv = if tb { b[j * k + kk] } else { b[kk * n + j] } as f64;
                        exact += av * bv;
                        bound += (av * bv).abs();
                    }
                    let err = (got[i * n + j] as f64 - exact).abs();
                    assert!(err <= 1e-5 * bound + 1e-7, "{}: matmul {}×{}×{} (ta {}, tb {}) at ({}, {}): {} vs {}", be.name(), m, k, n, ta, tb, i, j, got[i * n + j], exact);
                }
            }
        }
    }
}

/// The product with its bias added on the way out, against the two steps.
async fn check_matmul_bias<B: Backend>(p: &Pair<'_, B>) {
    let mut rng = Rng(9);
    for &(m, k, n) in &MATMUL_SHAPES {
        let (a, ac) = p.up(&[m, k], &rng.vec(m * k, 1.0));
        let (w, wc) = p.up(&[k, n], &rng.vec(k * n, 1.0));
        let (b, bc) = p.up(&[n], &rng.vec(n, 1.0));
        let want = p.cpu.add_bias(&p.cpu.matmul(&ac, &wc, false, false), &bc);
        let got = dl(p.be, &p.be.matmul_bias(&a, &w, &b)).await;
        assert_close_abs(&format!("matmul_bias {}×{}×{}", m, k, n), &got, &p.cpu.download(&want), 1e-5, 1e-5 * (k as f32).sqrt());
    }
}

async fn check_elementwise<B: Backend>(p: &Pair<'_, B>) {
    let mut rng = Rng(11);
    for shape in [vec![1], vec![7], vec![3, 5], vec![33, 257], vec![2, 3, 70]] {
        let n: usize = shape.iter().product();
        let av = rng.vec(n, 4.0);
        let bv = rng.vec(n, 4.0);
        let (a, ac) = p.up(&shape, &av);
        let (b, bc) = p.up(&shape, &bv);
        p.same("add", &p.be.add(&a, &b), &p.cpu.add(&ac, &bc)).await;
        p.same("mul", &p.be.mul(&a, &b), &p.cpu.mul(&ac, &bc)).await;
        p.same("scale", &p.be.scale(&a, -0.37), &p.cpu.scale(&ac, -0.37)).await;
        let mut ids = rng.ids(n, 3);
        ids[0] = 0.0;
        let (i, ic) = p.up(&shape, &ids);
        p.same("nonzero", &p.be.nonzero(&i), &p.cpu.nonzero(&ic)).await;
        // In place, on a shared buffer: the other handle keeps its values.
        let (mut x, mut xc) = (a.clone(), ac.clone());
        p.be.add_assign(&mut x, &b);
        p.cpu.add_assign(&mut xc, &bc);
        p.same("add_assign", &x, &xc).await;
        p.same("add_assign leaves a clone alone", &a, &ac).await;
        let d = *shape.last().unwrap();
        let biasv = rng.vec(d, 1.0);
        let (bias, biasc) = p.up(&[d], &biasv);
        p.same("add_bias", &p.be.add_bias(&a, &bias), &p.cpu.add_bias(&ac, &biasc)).await;
        p.same("sum_rows", &p.be.sum_rows(&a), &p.cpu.sum_rows(&ac)).await;
        let want = p.cpu.sum_squares(&ac);
        assert_close("sum_squares_each", &p.be.sum_squares_each_async(&[&a, &b]).await, &[want, p.cpu.sum_squares(&bc)], 1e-5);
        p.same("full", &p.be.full(&shape, 2.5), &p.cpu.full(&shape, 2.5)).await;
        p.same("zeros", &p.be.zeros(&shape), &p.cpu.zeros(&shape)).await;
        p.same("reshape", &p.be.reshape(&a, &[n]), &p.cpu.reshape(&ac, &[n])).await;
        for act in Activation::ALL {
            let y = p.be.activation(act, &a);
            let yc = p.cpu.activation(act, &ac);
            p.same(&format!("{:?}", act), &y, &yc).await;
            p.same(&format!("{:?} backward", act), &p.be.activation_backward(act, &a, &y, &b), &p.cpu.activation_backward(act, &ac, &yc, &bc)).await;
        }
    }
    // Non-finite values pass through and are seen by the finiteness check.
    let (inf, infc) = p.up(&[3], &[1.0, f32::INFINITY, 2.0]);
    assert!(!p.be.sum_squares_each_async(&[&inf]).await[0].is_finite() && !p.cpu.sum_squares(&infc).is_finite());
}

async fn check_losses<B: Backend>(p: &Pair<'_, B>) {
    let mut rng = Rng(13);
    for (rows, n) in [(1, 2), (5, 3), (300, 10), (64, 1)] {
        let logits = rng.vec(rows * n, 5.0);
        let (l, lc) = p.up(&[rows, n], &logits);
        let (probs, pc) = (p.be.softmax(&l), p.cpu.softmax(&lc));
        p.same("softmax", &probs, &pc).await;
        let dyv = rng.vec(rows * n, 1.0);
        let (dy, dyc) = p.up(&[rows, n], &dyv);
        p.same("softmax_backward", &p.be.softmax_backward(&probs, &dy), &p.cpu.softmax_backward(&pc, &dyc)).await;
        let classes = rng.ids(rows, n);
        let mut onehot = vec![0.0; rows * n];
        for (r, &c) in classes.iter().enumerate() {
            onehot[r * n + c as usize] = 1.0;
        }
        for (sparse, t) in [(true, &classes), (false, &onehot)] {
            let shape = if sparse { vec![rows] } else { vec![rows, n] };
            let (tg, tgc) = p.up(&shape, t);
            let (pr, loss) = p.be.softmax_cross_entropy(&l, &tg, sparse);
            let (prc, lossc) = p.cpu.softmax_cross_entropy(&lc, &tgc, sparse);
            p.same("softmax_cross_entropy probabilities", &pr, &prc).await;
            p.same("softmax_cross_entropy loss", &loss, &lossc).await;
            p.same("softmax_cross_entropy_backward", &p.be.softmax_cross_entropy_backward(&pr, &tg, sparse), &p.cpu.softmax_cross_entropy_backward(&prc, &tgc, sparse)).await;
        }
        // The other losses on probabilities (some clipped at ε) and on
        // real-valued predictions.
        let mut pv = p.cpu.download(&pc);
        if n > 1 {
            pv[0] = 0.0;
        }
        let (pp, ppc) = p.up(&[rows, n], &pv);
        let realv = rng.vec(rows * n, 3.0);
        let (real, realc) = p.up(&[rows, n], &realv);
        for loss in Loss::ALL {
            let (target, shape): (&Vec<f32>, Vec<usize>) = if loss == Loss::SparseCategoricalCrossentropy { (&classes, vec![rows]) } else { (&onehot, vec![rows, n]) };
            let (t, tc) = p.up(&shape, target);
            let (pred, predc) = if matches!(loss, Loss::MeanSquaredError | Loss::MeanAbsoluteError | Loss::Huber) { (&real, &realc) } else { (&pp, &ppc) };
            let (got, want) = (dl(p.be, &p.be.loss(loss, pred, &t)).await, p.cpu.download(&p.cpu.loss(loss, predc, &tc)));
            assert_close_abs(&format!("{:?}", loss), &got, &want, 1e-5, 1e-6);
            p.same(&format!("{:?} backward", loss), &p.be.loss_backward(loss, pred, &t), &p.cpu.loss_backward(loss, predc, &tc)).await;
        }
    }
}

async fn check_sequences<B: Backend>(p: &Pair<'_, B>) {
    let mut rng = Rng(17);
    for (b, steps, d) in [(1, 1, 1), (3, 7, 5), (32, 20, 64), (2, 100, 3)] {
        let xv = rng.vec(b * steps * d, 2.0);
        let (x, xc) = p.up(&[b, steps, d], &xv);
        let rows = 11;
        let (table, tablec) = p.up(&[rows, d], &rng.vec(rows * d, 1.0));
        let idv = rng.ids(b * steps, rows);
        let (ids, idsc) = p.up(&[b, steps], &idv);
        p.same("gather_rows", &p.be.gather_rows(&table, &ids), &p.cpu.gather_rows(&tablec, &idsc)).await;
        p.same("scatter_add_rows", &p.be.scatter_add_rows(&ids, &x, rows), &p.cpu.scatter_add_rows(&idsc, &xc, rows)).await;
        for t in [0, steps - 1] {
            p.same("time_slice", &p.be.time_slice(&x, t), &p.cpu.time_slice(&xc, t)).await;
            let (s, sc) = p.up(&[b, d], &rng.vec(b * d, 1.0));
            let (mut y, mut yc) = (x.clone(), xc.clone());
            p.be.time_slice_add(&mut y, t, &s);
            p.cpu.time_slice_add(&mut yc, t, &sc);
            p.same("time_slice_add", &y, &yc).await;
        }
        p.same("time_slice_add leaves a clone alone", &x, &xc).await;
        let parts: Vec<B::Tensor> = (0..steps).map(|t| p.be.time_slice(&x, t)).collect();
        let parts_c: Vec<CpuTensor> = (0..steps).map(|t| p.cpu.time_slice(&xc, t)).collect();
        p.same("time_stack", &p.be.time_stack(&parts.iter().collect::<Vec<_>>()), &p.cpu.time_stack(&parts_c.iter().collect::<Vec<_>>())).await;
        let flat = p.be.reshape(&x, &[b * steps, d]);
        let flatc = p.cpu.reshape(&xc, &[b * steps, d]);
        let (start, len) = (d / 3, d - d / 3);
        p.same("cols_slice", &p.be.cols_slice(&flat, start, len), &p.cpu.cols_slice(&flatc, start, len)).await;
        let (s, sc) = p.up(&[b * steps, len], &rng.vec(b * steps * len, 1.0));
        let (mut y, mut yc) = (flat.clone(), flatc.clone());
        p.be.cols_slice_add(&mut y, start, &s);
        p.cpu.cols_slice_add(&mut yc, start, &sc);
        p.same("cols_slice_add", &y, &yc).await;
        p.same("max_over_time", &p.be.max_over_time(&x), &p.cpu.max_over_time(&xc)).await;
        let (dy, dyc) = p.up(&[b, d], &rng.vec(b * d, 1.0));
        p.same("max_over_time_backward", &p.be.max_over_time_backward(&x, &dy), &p.cpu.max_over_time_backward(&xc, &dyc)).await;
        // A mask with an empty row.
        let mut maskv: Vec<f32> = rng.vec(b * steps, 1.0).iter().map(|&v| if v > -0.3 { 1.0 } else { 0.0 }).collect();
        maskv[..steps].iter_mut().for_each(|v| *v = 0.0);
        let (mask, maskc) = p.up(&[b, steps], &maskv);
        for (m, mc) in [(None, None), (Some(&mask), Some(&maskc))] {
            p.same("mean_over_time", &p.be.mean_over_time(&x, m), &p.cpu.mean_over_time(&xc, mc)).await;
            p.same("mean_over_time_backward", &p.be.mean_over_time_backward(&dy, &[b, steps, d], m), &p.cpu.mean_over_time_backward(&dyc, &[b, steps, d], mc)).await;
        }
        for (kernel, stride) in [(1, 1), (3, 1), (5, 2), (steps, 1)] {
            if kernel > steps {
                continue;
            }
            let cols = p.be.im2col_1d(&x, kernel, stride);
            let colsc = p.cpu.im2col_1d(&xc, kernel, stride);
            p.same("im2col_1d", &cols, &colsc).await;
            p.same("col2im_1d", &p.be.col2im_1d(&cols, &[b, steps, d], kernel, stride), &p.cpu.col2im_1d(&colsc, &[b, steps, d], kernel, stride)).await;
        }
        // Recurrent cells at step t, with and without the mask.
        let h = d;
        for gate in [GateActivation::Sigmoid, GateActivation::HardSigmoid] {
            let (z, zc) = p.up(&[b, 4 * h], &rng.vec(b * 4 * h, 3.0));
            let (hc, hcc) = p.up(&[b, 2 * h], &rng.vec(b * 2 * h, 1.0));
            let (dhc, dhcc) = p.up(&[b, 2 * h], &rng.vec(b * 2 * h, 1.0));
            for t in [0, steps - 1] {
                for (m, mc) in [(None, None), (Some((&mask, t)), Some((&maskc, t)))] {
                    p.same("lstm_cell", &p.be.lstm_cell(&z, &hc, m, gate), &p.cpu.lstm_cell(&zc, &hcc, mc, gate)).await;
                    let (dz, dp) = p.be.lstm_cell_backward(&z, &hc, m, gate, &dhc);
                    let (dzc, dpc) = p.cpu.lstm_cell_backward(&zc, &hcc, mc, gate, &dhcc);
                    p.same("lstm_cell_backward dz", &dz, &dzc).await;
                    p.same("lstm_cell_backward dprev", &dp, &dpc).await;
                }
            }
        }
        let (xz, xzc) = p.up(&[b, 3 * h], &rng.vec(b * 3 * h, 3.0));
        let (hz, hzc) = p.up(&[b, 3 * h], &rng.vec(b * 3 * h, 3.0));
        let (hp, hpc) = p.up(&[b, h], &rng.vec(b * h, 1.0));
        let (dh, dhc_) = p.up(&[b, h], &rng.vec(b * h, 1.0));
        for (m, mc) in [(None, None), (Some((&mask, 0)), Some((&maskc, 0)))] {
            p.same("gru_cell", &p.be.gru_cell(&xz, &hz, &hp, m), &p.cpu.gru_cell(&xzc, &hzc, &hpc, mc)).await;
            let (a, bb, c) = p.be.gru_cell_backward(&xz, &hz, &hp, m, &dh);
            let (ac, bc, cc) = p.cpu.gru_cell_backward(&xzc, &hzc, &hpc, mc, &dhc_);
            p.same("gru_cell_backward dxz", &a, &ac).await;
            p.same("gru_cell_backward dhz", &bb, &bc).await;
            p.same("gru_cell_backward dh_prev", &c, &cc).await;
        }
    }
}

/// Images [batch, h, w, c]: odd, non-square, one row, one channel, batch 1.
const IMAGES: [[usize; 4]; 6] = [[1, 7, 5, 3], [3, 7, 5, 1], [1, 1, 9, 3], [3, 13, 11, 16], [3, 8, 6, 3], [1, 5, 7, 1]];

/// Convolution windows: kernel, strides. Under "same" padding a stride of 2
/// over an even side puts the odd padding cell after the image only.
const CONV_WINDOWS: [([usize; 2], [usize; 2]); 6] = [([1, 1], [1, 1]), ([3, 3], [1, 1]), ([3, 2], [2, 1]), ([5, 5], [1, 1]), ([5, 5], [2, 2]), ([3, 3], [2, 2])];

/// Pooling windows (window, strides).
const POOL_WINDOWS: [([usize; 2], [usize; 2]); 5] = [([2, 2], [2, 2]), ([2, 2], [1, 1]), ([3, 3], [1, 1]), ([3, 3], [2, 2]), ([3, 2], [2, 1])];

/// The windows over `shape` that fit, under both paddings.
fn windows(shape: [usize; 4], kinds: &[([usize; 2], [usize; 2])]) -> Vec<Window2d> {
    let mut out = Vec::new();
    for &(kernel, strides) in kinds {
        for padding in [Padding::Valid, Padding::Same] {
            if let Ok(win) = Window2d::new(&shape, kernel, strides, padding) {
                out.push(win);
            }
        }
    }
    out
}

async fn check_images<B: Backend>(p: &Pair<'_, B>) {
    let mut rng = Rng(23);
    // At least one window puts padding after the image and none before it.
    let lopsided = Window2d::new(&[3, 8, 6, 3], [3, 3], [2, 2], Padding::Same).unwrap();
    assert!(lopsided.pad_top == 0 && (lopsided.oh - 1) * lopsided.sh + lopsided.kh > lopsided.h, "{:?}", lopsided);
    for shape in IMAGES {
        let n: usize = shape.iter().product();
        let (x, xc) = p.up(&shape, &rng.vec(n, 2.0));
        for win in windows(shape, &CONV_WINDOWS) {
            let what = |op: &str| format!("{} {:?}", op, win);
            let (cols, colsc) = (p.be.im2col_2d(&x, &win), p.cpu.im2col_2d(&xc, &win));
            p.same(&what("im2col_2d"), &cols, &colsc).await;
            let cs = p.cpu.shape(&colsc).to_vec();
            let (dcols, dcolsc) = p.up(&cs, &rng.vec(cs.iter().product(), 1.0));
            p.same(&what("col2im_2d"), &p.be.col2im_2d(&dcols, &win), &p.cpu.col2im_2d(&dcolsc, &win)).await;
        }
        // Values on a coarse grid, so that windows hold ties: max pooling's
        // gradient goes to the first largest cell.
        let tied: Vec<f32> = rng.vec(n, 2.0).iter().map(|v| v.round() * 0.5).collect();
        let (xt, xtc) = p.up(&shape, &tied);
        for win in windows(shape, &POOL_WINDOWS) {
            let os = win.output_shape(win.c);
            let (dy, dyc) = p.up(&os, &rng.vec(os.iter().product(), 1.0));
            for kind in [PoolKind::Max, PoolKind::Average] {
                let what = |op: &str| format!("{} {:?} {:?}", op, kind, win);
                for (input, inputc) in [(&x, &xc), (&xt, &xtc)] {
                    p.same(&what("pool_2d"), &p.be.pool_2d(input, &win, kind), &p.cpu.pool_2d(inputc, &win, kind)).await;
                    p.same(&what("pool_2d_backward"), &p.be.pool_2d_backward(input, &dy, &win, kind), &p.cpu.pool_2d_backward(inputc, &dyc, &win, kind)).await;
                }
            }
        }
    }
    // Batch statistics: few channels over many rows, one channel over
    // 100,000 (its values and gradients off zero, so that their sums are
    // too), and values offset by 100, where a one-pass variance fails.
    let cases: [(Vec<usize>, f32); 8] = [
        (vec![64, 12, 12, 16], 0.0),
        (vec![64, 12, 12, 16], 100.0),
        (vec![3, 7, 5, 1], 0.0),
        (vec![1, 1, 9, 3], 0.0),
        (vec![5, 3], 0.0),
        (vec![300, 70], 0.0),
        (vec![2, 250, 200, 1], 0.5),
        (vec![2, 250, 200, 1], 100.0),
    ];
    for (shape, offset) in cases {
        let n: usize = shape.iter().product();
        let c = *shape.last().unwrap();
        let what = |op: &str| format!("{} {:?} + {}", op, shape, offset);
        let (x, xc) = p.up(&shape, &rng.vec(n, 1.0).iter().map(|v| v + offset).collect::<Vec<_>>());
        let ((mean, var), (meanc, varc)) = (p.be.moments(&x), p.cpu.moments(&xc));
        p.same(&what("moments mean"), &mean, &meanc).await;
        p.same(&what("moments variance"), &var, &varc).await;
        // The CPU's statistics on both sides, so each op is checked alone.
        let (m, mc) = p.up(&[c], &p.cpu.download(&meanc));
        let (v, vc) = p.up(&[c], &p.cpu.download(&varc));
        let (gamma, gammac) = p.up(&[c], &rng.vec(c, 1.5));
        let (beta, betac) = p.up(&[c], &rng.vec(c, 1.0));
        let eps = 1e-3;
        p.same(&what("batch_norm"), &p.be.batch_norm(&x, &m, &v, &gamma, &beta, eps), &p.cpu.batch_norm(&xc, &mc, &vc, &gammac, &betac, eps)).await;
        let dy_offset = if offset == 0.0 { 0.0 } else { 0.5 };
        let (dy, dyc) = p.up(&shape, &rng.vec(n, 1.0).iter().map(|v| v + dy_offset).collect::<Vec<_>>());
        for batch_stats in [true, false] {
            let what = |op: &str| format!("batch_norm_backward {} {:?} + {} (batch statistics {})", op, shape, offset, batch_stats);
            let (dx, dg, db) = p.be.batch_norm_backward(&x, &m, &v, &gamma, eps, &dy, batch_stats);
            let (dxc, dgc, dbc) = p.cpu.batch_norm_backward(&xc, &mc, &vc, &gammac, eps, &dyc, batch_stats);
            p.same(&what("dx"), &dx, &dxc).await;
            p.same(&what("dgamma"), &dg, &dgc).await;
            p.same(&what("dbeta"), &db, &dbc).await;
        }
    }
}

/// Layer normalisation over each row's features, forward and backward,
/// from one feature to wide rows, far from zero and with a constant row.
async fn check_layer_norm<B: Backend>(p: &Pair<'_, B>) {
    let mut rng = Rng(23);
    let cases: [(Vec<usize>, f32); 6] = [(vec![5, 3], 0.0), (vec![300, 70], 0.0), (vec![2, 5, 6], 10.0), (vec![4, 1], 0.0), (vec![2, 3, 4, 64], 0.5), (vec![1000, 17], 0.0)];
    for (shape, offset) in cases {
        let n: usize = shape.iter().product();
        let c = *shape.last().unwrap();
        let what = |op: &str| format!("layer_norm {} {:?} + {}", op, shape, offset);
        let (x, xc) = p.up(&shape, &rng.vec(n, 1.0).iter().map(|v| v + offset).collect::<Vec<_>>());
        let (gamma, gammac) = p.up(&[c], &rng.vec(c, 1.5));
        let (beta, betac) = p.up(&[c], &rng.vec(c, 1.0));
        let eps = 1e-3;
        p.same(&what("y"), &p.be.layer_norm(&x, &gamma, &beta, eps), &p.cpu.layer_norm(&xc, &gammac, &betac, eps)).await;
        let (dy, dyc) = p.up(&shape, &rng.vec(n, 1.0));
        let (dx, dg, db) = p.be.layer_norm_backward(&x, &gamma, eps, &dy);
        let (dxc, dgc, dbc) = p.cpu.layer_norm_backward(&xc, &gammac, eps, &dyc);
        assert_close(&what("dx"), &dl(p.be, &dx).await, &p.cpu.download(&dxc), 1e-4);
        p.same(&what("dgamma"), &dg, &dgc).await;
        p.same(&what("dbeta"), &db, &dbc).await;
    }
}

/// Attention's definition in f64, for sample-major [batch, t, heads·d]
/// inputs: the output and the probabilities. `mask` [batch, tq + tk] is
/// each sample's query mask then its key mask. A masked score is Keras's
/// −1e9; a row that sees no key (a padding query, or all keys padding)
/// has probabilities and output 0 (Keras's masked Softmax).
#[allow(clippy::too_many_arguments)]
fn attention_reference(q: &[f64], k: &[f64], v: &[f64], mask: Option<&[f32]>, drop: Option<&[f32]>, s: &AttentionShape) -> (Vec<f64>, Vec<f64>) {
    let (b_n, tq, tk, h_n, dk, dv) = (s.batch, s.tq, s.tk, s.heads, s.dk, s.dv);
    let mut out = vec![0.0; b_n * tq * h_n * dv];
    let mut probs = vec![0.0; b_n * h_n * tq * tk];
    let sees = |b: usize, i: usize, j: usize| !(s.causal && j > i) && mask.is_none_or(|m| m[b * (tq + tk) + i] != 0.0 && m[b * (tq + tk) + tq + j] != 0.0);
    for b in 0..b_n {
        for h in 0..h_n {
            for i in 0..tq {
                if !(0..tk).any(|j| sees(b, i, j)) {
                    continue;
                }
                let mut scores = vec![0.0f64; tk];
                for (j, sc) in scores.iter_mut().enumerate() {
                    let dot: f64 = (0..dk).map(|c| q[(b * tq + i) * h_n * dk + h * dk + c] * k[(b * tk + j) * h_n * dk + h * dk + c]).sum();
                    let x = dot / (dk as f64).sqrt();
                    *sc = if sees(b, i, j) { x } else { gradlab::backend::MASKED_SCORE as f64 };
                }
                let max = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let sum: f64 = scores.iter().map(|x| (x - max).exp()).sum();
                for j in 0..tk {
                    let pr = (scores[j] - max).exp() / sum;
                    let at = ((b * h_n + h) * tq + i) * tk + j;
                    probs[at] = pr;
                    let w = pr * drop.map_or(1.0, |d| d[at] as f64);
                    for c in 0..dv {
                        out[(b * tq + i) * h_n * dv + h * dv + c] += w * v[(b * tk + j) * h_n * dv + h * dv + c];
                    }
                }
            }
        }
    }
    (out, probs)
}

/// Fused attention, forward and backward: against its f64 definition
/// (the gradients by central differences of it) at small shapes, and
/// against the CPU backend at a training-sized one; with and without the
/// causal mask, attention dropout, and padding masks: self-attention's
/// (one sample all padding), a query's alone, keys' alone (one sample
/// whose every key is padding) and both, different, in cross-attention.
async fn check_attention<B: Backend>(p: &Pair<'_, B>) {
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Masks {
        No,
        SelfPadding,
        Queries,
        Keys,
        Both,
    }
    use Masks::*;
    let mut rng = Rng(29);
    // (batch, tq, tk, heads, dk, dv, causal, masks, drop)
    let cases = [
        (2, 5, 5, 2, 3, 3, false, No, false),
        (2, 5, 5, 2, 3, 3, true, No, false),
        (1, 4, 6, 3, 2, 4, false, No, true),
        (2, 6, 6, 2, 4, 2, true, No, true),
        (3, 5, 5, 2, 3, 3, false, SelfPadding, false),
        (3, 7, 7, 1, 5, 5, true, SelfPadding, true),
        (2, 4, 6, 2, 3, 3, false, Queries, false),
        (3, 4, 6, 1, 2, 4, false, Keys, true),
        (3, 6, 6, 2, 2, 2, true, Keys, false),
        (3, 5, 7, 2, 3, 2, false, Both, false),
        (1, 1, 1, 1, 1, 1, true, No, false),
        (4, 70, 70, 4, 16, 16, true, No, false),
        (4, 33, 33, 4, 16, 8, false, SelfPadding, true),
        (4, 20, 33, 4, 16, 8, false, Both, true),
    ];
    for (batch, tq, tk, heads, dk, dv, causal, masks, dropped) in cases {
        let what = |op: &str| format!("attention {} b{} tq{} tk{} h{} dk{} dv{} causal {} masks {:?} drop {}", op, batch, tq, tk, heads, dk, dv, causal, masks, dropped);
        let s = AttentionShape { batch, tq, tk, heads, dk, dv, causal };
        let qv = rng.vec(batch * tq * heads * dk, 1.5);
        let kv = rng.vec(batch * tk * heads * dk, 1.5);
        let vv = rng.vec(batch * tk * heads * dv, 1.0);
        // Padding: sample 0 keeps every token, sample 1 has none, the rest
        // are padded after a few; a query's own padding, where it differs
        // from the keys', is scattered.
        let padding = |b: usize, t: usize| f32::from(b == 0 || (b >= 2 && t < 3 + b));
        let scattered = |b: usize, i: usize| f32::from((b + i) % 4 != 3);
        let mask_v: Vec<f32> = (0..batch * (tq + tk))
            .map(|n| {
                let (b, t) = (n / (tq + tk), n % (tq + tk));
                match (masks, t < tq) {
                    (SelfPadding, true) => padding(b, t),
                    (SelfPadding | Keys | Both, false) => padding(b, t - tq),
                    (Queries | Both, true) => scattered(b, t),
                    _ => 1.0,
                }
            })
            .collect();
        let drop_v: Vec<f32> = (0..batch * heads * tq * tk).map(|_| if rng.next() < 0.6 { 1.0 / 0.8 } else { 0.0 }).collect();
        let (q, qc) = p.up(&[batch, tq, heads * dk], &qv);
        let (k, kc) = p.up(&[batch, tk, heads * dk], &kv);
        let (v, vc) = p.up(&[batch, tk, heads * dv], &vv);
        let (mask, maskc) = p.up(&[batch, tq + tk], &mask_v);
        let (drop, dropc) = p.up(&s.probs_shape(), &drop_v);
        let (m, mc) = if masks != No { (Some(&mask), Some(&maskc)) } else { (None, None) };
        let (d, dc) = if dropped { (Some(&drop), Some(&dropc)) } else { (None, None) };
        let (out, probs) = p.be.attention(&q, &k, &v, m, d, heads, causal);
        let (outc, probsc) = p.cpu.attention(&qc, &kc, &vc, mc, dc, heads, causal);
        let (dov, dy) = { let r = rng.vec(batch * tq * heads * dv, 1.0); (r.clone(), p.up(&[batch, tq, heads * dv], &r)) };
        let (dq, dkk, dvv) = p.be.attention_backward(&q, &k, &v, &probs, d, heads, &dy.0);
        let (dqc, dkc, dvc) = p.cpu.attention_backward(&qc, &kc, &vc, &probsc, dc, heads, &dy.1);
        let small = batch * tq * tk * heads * dk.max(dv) < 2000;
        if !small {
            p.same(&what("out"), &out, &outc).await;
            p.same(&what("probabilities"), &probs, &probsc).await;
            assert_close(&what("dq"), &dl(p.be, &dq).await, &p.cpu.download(&dqc), 1e-4);
            assert_close(&what("dk"), &dl(p.be, &dkk).await, &p.cpu.download(&dkc), 1e-4);
            assert_close(&what("dv"), &dl(p.be, &dvv).await, &p.cpu.download(&dvc), 1e-4);
            continue;
        }
        let f64s = |v: &[f32]| v.iter().map(|&x| x as f64).collect::<Vec<f64>>();
        let to32 = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
        let (q64, k64, v64) = (f64s(&qv), f64s(&kv), f64s(&vv));
        let mref = (masks != No).then_some(mask_v.as_slice());
        let dref = dropped.then_some(drop_v.as_slice());
        let (want_out, want_probs) = attention_reference(&q64, &k64, &v64, mref, dref, &s);
        assert_close(&what("out"), &dl(p.be, &out).await, &to32(&want_out), 1e-5);
        assert_close(&what("probabilities"), &dl(p.be, &probs).await, &to32(&want_probs), 1e-5);
        // loss = Σ out · r; its gradients by central differences in f64.
        let loss = |q: &[f64], k: &[f64], v: &[f64]| -> f64 { attention_reference(q, k, v, mref, dref, &s).0.iter().zip(&dov).map(|(o, r)| o * *r as f64).sum() };
        let h = 1e-6;
        let diff = |which: usize| -> Vec<f32> {
            let n = [q64.len(), k64.len(), v64.len()][which];
            (0..n)
                .map(|i| {
                    let mut args = [q64.clone(), k64.clone(), v64.clone()];
                    args[which][i] += h;
                    let up = loss(&args[0], &args[1], &args[2]);
                    args[which][i] -= 2.0 * h;
                    let down = loss(&args[0], &args[1], &args[2]);
                    ((up - down) / (2.0 * h)) as f32
                })
                .collect()
        };
        assert_close_abs(&what("dq"), &dl(p.be, &dq).await, &diff(0), 1e-4, 1e-6);
        assert_close_abs(&what("dk"), &dl(p.be, &dkk).await, &diff(1), 1e-4, 1e-6);
        assert_close_abs(&what("dv"), &dl(p.be, &dvv).await, &diff(2), 1e-4, 1e-6);
    }
}

/// Each update rule against its scalar definition, over a few steps.
async fn check_optimizers<B: Backend>(be: &B) {
    let mut rng = Rng(19);
    let n = 1000;
    let rules = [
        UpdateRule::Sgd { lr: 0.1, momentum: 0.0, nesterov: false },
        UpdateRule::Sgd { lr: 0.1, momentum: 0.9, nesterov: false },
        UpdateRule::Sgd { lr: 0.1, momentum: 0.9, nesterov: true },
        UpdateRule::Adam { alpha: adam::step_size(0.01, 0.9, 0.999, 3), beta1: 0.9, beta2: 0.999, eps: 1e-7, decay: 0.0 },
        UpdateRule::Adam { alpha: adam::step_size(0.01, 0.9, 0.999, 3), beta1: 0.9, beta2: 0.999, eps: 1e-7, decay: 0.01 * 0.004 },
        UpdateRule::RmsProp { lr: 0.01, rho: 0.9, eps: 1e-7 },
        UpdateRule::Adagrad { lr: 0.01, eps: 1e-7 },
    ];
    // Each rule plain, and with per-token squares standing in for g².
    for (rule, with_sq) in rules.iter().flat_map(|r| [(*r, false), (*r, true)]) {
        let slots_n = match rule {
            UpdateRule::Sgd { momentum, .. } => usize::from(momentum != 0.0),
            UpdateRule::Adam { .. } => 2,
            _ => 1,
        };
        let init = if matches!(rule, UpdateRule::Adagrad { .. }) { adagrad::INITIAL_ACCUMULATOR } else { 0.0 };
        let mut pv = rng.vec(n, 1.0);
        let mut sv: Vec<Vec<f32>> = (0..slots_n).map(|_| vec![init; n]).collect();
        let mut p = be.upload(&[n], &pv);
        let shared = p.clone();
        let mut slots: Vec<B::Tensor> = (0..slots_n).map(|_| be.full(&[n], init)).collect();
        for _ in 0..3 {
            let gv = rng.vec(n, 1.0);
            // Σ gᵢ² over tokens is at least (Σ gᵢ)²/k: any non-negative values will do.
            let sqv: Vec<f32> = if with_sq { rng.vec(n, 1.0).iter().map(|v| v * v + 0.1).collect() } else { gv.iter().map(|g| g * g).collect() };
            let sq = be.upload(&[n], &sqv);
            be.optimizer_update(&rule, &mut p, &be.upload(&[n], &gv), with_sq.then_some(&sq), &mut slots);
            for i in 0..n {
                let g2 = sqv[i];
                match (rule, sv.as_mut_slice()) {
                    (UpdateRule::Sgd { lr, momentum, nesterov }, []) => sgd::update(&mut pv[i], gv[i], &mut 0.0, lr, momentum, nesterov),
                    (UpdateRule::Sgd { lr, momentum, nesterov }, [m]) => sgd::update(&mut pv[i], gv[i], &mut m[i], lr, momentum, nesterov),
                    (UpdateRule::Adam { alpha, beta1, beta2, eps, decay }, [m, v]) => adam::update(&mut pv[i], gv[i], g2, &mut m[i], &mut v[i], alpha, beta1, beta2, eps, decay),
                    (UpdateRule::RmsProp { lr, rho, eps }, [v]) => rmsprop::update(&mut pv[i], gv[i], g2, &mut v[i], lr, rho, eps),
                    (UpdateRule::Adagrad { lr, eps }, [a]) => adagrad::update(&mut pv[i], gv[i], g2, &mut a[i], lr, eps),
                    _ => unreachable!(),
                }
            }
        }
        assert_close(&format!("{:?} (squares {}) parameter", rule, with_sq), &dl(be, &p).await, &pv, 1e-5);
        for (s, want) in slots.iter().zip(&sv) {
            assert_close(&format!("{:?} (squares {}) slot", rule, with_sq), &dl(be, s).await, want, 1e-5);
        }
        let kept = dl(be, &shared).await;
        assert_eq!(kept.len(), n);
        assert_ne!(kept, pv, "{:?}: the update wrote through a shared handle", rule);
    }
}

/// Every op, against the references above.
pub async fn conformance<B: Backend>(be: &B) {
    check_matmul(be).await;
    let p = Pair { be, cpu: CpuBackend };
    check_matmul_bias(&p).await;
    check_elementwise(&p).await;
    check_losses(&p).await;
    check_sequences(&p).await;
    check_images(&p).await;
    check_layer_norm(&p).await;
    check_attention(&p).await;
    check_optimizers(be).await;
}

