//! The backend conformance suite, written once and run against every
//! backend. Each operation gets random inputs at shapes chosen to break
//! kernels (smaller than a tile, not a multiple of one, k far larger than m
//! and n, one row or column, batch 1) and must agree with a reference:
//!   * matrix products with an f64 triple loop (error bounded by
//!     1e-5 · Σ|a||b|, the scale at which float rounding lives);
//!   * optimizer updates with the scalar rules of `src/optim/*.rs`;
//!   * everything else with the CPU backend, to 1e-5 relative (the CPU
//!     backend's own ops are checked by the gradient checks and goldens).
//! Then whole models: forward and backward passes of every layer type and a
//! training step must match the CPU backend.
//!
//! The GPU runs need an adapter. Where none exists the GPU tests fail when
//! GRADLAB_REQUIRE_GPU=1 (as `./lab test` sets, after installing Mesa's
//! lavapipe) and otherwise skip with the reason printed.

use gradlab::backend::gpu::GpuBackend;
use gradlab::backend::{Backend, CpuBackend, CpuTensor};
use gradlab::data::Encoded;
use gradlab::loss::Loss;
use gradlab::model::Model;
use gradlab::nn::activation::{Activation, GateActivation};
use gradlab::nn::LayerConfig;
use gradlab::optim::{adagrad, adam, rmsprop, sgd, OptimizerConfig, OptimizerKind, Schedule, UpdateRule};
use gradlab::presets::preset;
use gradlab::trainer::{TrainConfig, Trainer};

fn gpu() -> Option<GpuBackend> {
    match GpuBackend::new() {
        Ok(g) => {
            eprintln!("GPU backend on {} ({})", g.adapter().name, g.adapter().backend);
            Some(g)
        }
        Err(e) if std::env::var("GRADLAB_REQUIRE_GPU").as_deref() == Ok("1") => panic!("GRADLAB_REQUIRE_GPU=1 but {}", e),
        Err(e) => {
            eprintln!("skipping the GPU conformance run: {}", e);
            None
        }
    }
}

/// A small deterministic generator: values in [-1, 1).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
    fn vec(&mut self, n: usize, scale: f32) -> Vec<f32> {
        (0..n).map(|_| self.next() * scale).collect()
    }
    fn ids(&mut self, n: usize, below: usize) -> Vec<f32> {
        (0..n).map(|_| (((self.next() + 1.0) * 0.5 * below as f32) as usize).min(below - 1) as f32).collect()
    }
}

/// |got − want| ≤ tol · max(|want|, mean |want|) element by element.
fn assert_close(what: &str, got: &[f32], want: &[f32], tol: f32) {
    assert_close_abs(what, got, want, tol, 0.0);
}

/// The same with an absolute floor `atol`, for values that come through a
/// logarithm: WGSL's `log` is exact only to 2⁻²¹ absolute near 1.
fn assert_close_abs(what: &str, got: &[f32], want: &[f32], tol: f32, atol: f32) {
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
    fn same(&self, what: &str, got: &B::Tensor, want: &CpuTensor) {
        assert_eq!(self.be.shape(got), self.cpu.shape(want), "{}: shape", what);
        assert_close(what, &self.be.download(got), &self.cpu.download(want), 1e-5);
    }
}

const MATMUL_SHAPES: [(usize, usize, usize); 10] = [
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

fn check_matmul<B: Backend>(be: &B) {
    let mut rng = Rng(7);
    for &(m, k, n) in &MATMUL_SHAPES {
        for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
            let a = rng.vec(m * k, 1.0);
            let b = rng.vec(k * n, 1.0);
            let at = be.upload(&if ta { [k, m] } else { [m, k] }, &a);
            let bt = be.upload(&if tb { [n, k] } else { [k, n] }, &b);
            let c = be.matmul(&at, &bt, ta, tb);
            assert_eq!(be.shape(&c), &[m, n]);
            let got = be.download(&c);
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

fn check_elementwise<B: Backend>(p: &Pair<B>) {
    let mut rng = Rng(11);
    for shape in [vec![1], vec![7], vec![3, 5], vec![33, 257], vec![2, 3, 70]] {
        let n: usize = shape.iter().product();
        let av = rng.vec(n, 4.0);
        let bv = rng.vec(n, 4.0);
        let (a, ac) = p.up(&shape, &av);
        let (b, bc) = p.up(&shape, &bv);
        p.same("add", &p.be.add(&a, &b), &p.cpu.add(&ac, &bc));
        p.same("mul", &p.be.mul(&a, &b), &p.cpu.mul(&ac, &bc));
        p.same("scale", &p.be.scale(&a, -0.37), &p.cpu.scale(&ac, -0.37));
        let mut ids = rng.ids(n, 3);
        ids[0] = 0.0;
        let (i, ic) = p.up(&shape, &ids);
        p.same("nonzero", &p.be.nonzero(&i), &p.cpu.nonzero(&ic));
        // In place, on a shared buffer: the other handle keeps its values.
        let (mut x, mut xc) = (a.clone(), ac.clone());
        p.be.add_assign(&mut x, &b);
        p.cpu.add_assign(&mut xc, &bc);
        p.same("add_assign", &x, &xc);
        p.same("add_assign leaves a clone alone", &a, &ac);
        let d = *shape.last().unwrap();
        let biasv = rng.vec(d, 1.0);
        let (bias, biasc) = p.up(&[d], &biasv);
        p.same("add_bias", &p.be.add_bias(&a, &bias), &p.cpu.add_bias(&ac, &biasc));
        p.same("sum_rows", &p.be.sum_rows(&a), &p.cpu.sum_rows(&ac));
        let want = p.cpu.sum_squares(&ac);
        assert_close("sum_squares", &[p.be.sum_squares(&a)], &[want], 1e-5);
        assert_close("sum_squares_each", &p.be.sum_squares_each(&[&a, &b]), &[want, p.cpu.sum_squares(&bc)], 1e-5);
        p.same("full", &p.be.full(&shape, 2.5), &p.cpu.full(&shape, 2.5));
        p.same("zeros", &p.be.zeros(&shape), &p.cpu.zeros(&shape));
        p.same("reshape", &p.be.reshape(&a, &[n]), &p.cpu.reshape(&ac, &[n]));
        for act in Activation::ALL {
            let y = p.be.activation(act, &a);
            let yc = p.cpu.activation(act, &ac);
            p.same(&format!("{:?}", act), &y, &yc);
            p.same(&format!("{:?} backward", act), &p.be.activation_backward(act, &a, &y, &b), &p.cpu.activation_backward(act, &ac, &yc, &bc));
        }
    }
    // Non-finite values pass through and are seen by the finiteness check.
    let (inf, infc) = p.up(&[3], &[1.0, f32::INFINITY, 2.0]);
    assert!(!p.be.sum_squares(&inf).is_finite() && !p.cpu.sum_squares(&infc).is_finite());
}

fn check_losses<B: Backend>(p: &Pair<B>) {
    let mut rng = Rng(13);
    for (rows, n) in [(1, 2), (5, 3), (300, 10), (64, 1)] {
        let logits = rng.vec(rows * n, 5.0);
        let (l, lc) = p.up(&[rows, n], &logits);
        let (probs, pc) = (p.be.softmax(&l), p.cpu.softmax(&lc));
        p.same("softmax", &probs, &pc);
        let dyv = rng.vec(rows * n, 1.0);
        let (dy, dyc) = p.up(&[rows, n], &dyv);
        p.same("softmax_backward", &p.be.softmax_backward(&probs, &dy), &p.cpu.softmax_backward(&pc, &dyc));
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
            p.same("softmax_cross_entropy probabilities", &pr, &prc);
            p.same("softmax_cross_entropy loss", &loss, &lossc);
            p.same("softmax_cross_entropy_backward", &p.be.softmax_cross_entropy_backward(&pr, &tg, sparse), &p.cpu.softmax_cross_entropy_backward(&prc, &tgc, sparse));
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
            let (got, want) = (p.be.download(&p.be.loss(loss, pred, &t)), p.cpu.download(&p.cpu.loss(loss, predc, &tc)));
            assert_close_abs(&format!("{:?}", loss), &got, &want, 1e-5, 1e-6);
            p.same(&format!("{:?} backward", loss), &p.be.loss_backward(loss, pred, &t), &p.cpu.loss_backward(loss, predc, &tc));
        }
    }
}

fn check_sequences<B: Backend>(p: &Pair<B>) {
    let mut rng = Rng(17);
    for (b, steps, d) in [(1, 1, 1), (3, 7, 5), (32, 20, 64), (2, 100, 3)] {
        let xv = rng.vec(b * steps * d, 2.0);
        let (x, xc) = p.up(&[b, steps, d], &xv);
        let rows = 11;
        let (table, tablec) = p.up(&[rows, d], &rng.vec(rows * d, 1.0));
        let idv = rng.ids(b * steps, rows);
        let (ids, idsc) = p.up(&[b, steps], &idv);
        p.same("gather_rows", &p.be.gather_rows(&table, &ids), &p.cpu.gather_rows(&tablec, &idsc));
        p.same("scatter_add_rows", &p.be.scatter_add_rows(&ids, &x, rows), &p.cpu.scatter_add_rows(&idsc, &xc, rows));
        for t in [0, steps - 1] {
            p.same("time_slice", &p.be.time_slice(&x, t), &p.cpu.time_slice(&xc, t));
            let (s, sc) = p.up(&[b, d], &rng.vec(b * d, 1.0));
            let (mut y, mut yc) = (x.clone(), xc.clone());
            p.be.time_slice_add(&mut y, t, &s);
            p.cpu.time_slice_add(&mut yc, t, &sc);
            p.same("time_slice_add", &y, &yc);
        }
        p.same("time_slice_add leaves a clone alone", &x, &xc);
        let parts: Vec<B::Tensor> = (0..steps).map(|t| p.be.time_slice(&x, t)).collect();
        let parts_c: Vec<CpuTensor> = (0..steps).map(|t| p.cpu.time_slice(&xc, t)).collect();
        p.same("time_stack", &p.be.time_stack(&parts.iter().collect::<Vec<_>>()), &p.cpu.time_stack(&parts_c.iter().collect::<Vec<_>>()));
        let flat = p.be.reshape(&x, &[b * steps, d]);
        let flatc = p.cpu.reshape(&xc, &[b * steps, d]);
        let (start, len) = (d / 3, d - d / 3);
        p.same("cols_slice", &p.be.cols_slice(&flat, start, len), &p.cpu.cols_slice(&flatc, start, len));
        let (s, sc) = p.up(&[b * steps, len], &rng.vec(b * steps * len, 1.0));
        let (mut y, mut yc) = (flat.clone(), flatc.clone());
        p.be.cols_slice_add(&mut y, start, &s);
        p.cpu.cols_slice_add(&mut yc, start, &sc);
        p.same("cols_slice_add", &y, &yc);
        p.same("max_over_time", &p.be.max_over_time(&x), &p.cpu.max_over_time(&xc));
        let (dy, dyc) = p.up(&[b, d], &rng.vec(b * d, 1.0));
        p.same("max_over_time_backward", &p.be.max_over_time_backward(&x, &dy), &p.cpu.max_over_time_backward(&xc, &dyc));
        // A mask with an empty row.
        let mut maskv: Vec<f32> = rng.vec(b * steps, 1.0).iter().map(|&v| if v > -0.3 { 1.0 } else { 0.0 }).collect();
        maskv[..steps].iter_mut().for_each(|v| *v = 0.0);
        let (mask, maskc) = p.up(&[b, steps], &maskv);
        for (m, mc) in [(None, None), (Some(&mask), Some(&maskc))] {
            p.same("mean_over_time", &p.be.mean_over_time(&x, m), &p.cpu.mean_over_time(&xc, mc));
            p.same("mean_over_time_backward", &p.be.mean_over_time_backward(&dy, &[b, steps, d], m), &p.cpu.mean_over_time_backward(&dyc, &[b, steps, d], mc));
        }
        for (kernel, stride) in [(1, 1), (3, 1), (5, 2), (steps, 1)] {
            if kernel > steps {
                continue;
            }
            let cols = p.be.im2col_1d(&x, kernel, stride);
            let colsc = p.cpu.im2col_1d(&xc, kernel, stride);
            p.same("im2col_1d", &cols, &colsc);
            p.same("col2im_1d", &p.be.col2im_1d(&cols, &[b, steps, d], kernel, stride), &p.cpu.col2im_1d(&colsc, &[b, steps, d], kernel, stride));
        }
        // Recurrent cells at step t, with and without the mask.
        let h = d;
        for gate in [GateActivation::Sigmoid, GateActivation::HardSigmoid] {
            let (z, zc) = p.up(&[b, 4 * h], &rng.vec(b * 4 * h, 3.0));
            let (hc, hcc) = p.up(&[b, 2 * h], &rng.vec(b * 2 * h, 1.0));
            let (dhc, dhcc) = p.up(&[b, 2 * h], &rng.vec(b * 2 * h, 1.0));
            for t in [0, steps - 1] {
                for (m, mc) in [(None, None), (Some((&mask, t)), Some((&maskc, t)))] {
                    p.same("lstm_cell", &p.be.lstm_cell(&z, &hc, m, gate), &p.cpu.lstm_cell(&zc, &hcc, mc, gate));
                    let (dz, dp) = p.be.lstm_cell_backward(&z, &hc, m, gate, &dhc);
                    let (dzc, dpc) = p.cpu.lstm_cell_backward(&zc, &hcc, mc, gate, &dhcc);
                    p.same("lstm_cell_backward dz", &dz, &dzc);
                    p.same("lstm_cell_backward dprev", &dp, &dpc);
                }
            }
        }
        let (xz, xzc) = p.up(&[b, 3 * h], &rng.vec(b * 3 * h, 3.0));
        let (hz, hzc) = p.up(&[b, 3 * h], &rng.vec(b * 3 * h, 3.0));
        let (hp, hpc) = p.up(&[b, h], &rng.vec(b * h, 1.0));
        let (dh, dhc_) = p.up(&[b, h], &rng.vec(b * h, 1.0));
        for (m, mc) in [(None, None), (Some((&mask, 0)), Some((&maskc, 0)))] {
            p.same("gru_cell", &p.be.gru_cell(&xz, &hz, &hp, m), &p.cpu.gru_cell(&xzc, &hzc, &hpc, mc));
            let (a, bb, c) = p.be.gru_cell_backward(&xz, &hz, &hp, m, &dh);
            let (ac, bc, cc) = p.cpu.gru_cell_backward(&xzc, &hzc, &hpc, mc, &dhc_);
            p.same("gru_cell_backward dxz", &a, &ac);
            p.same("gru_cell_backward dhz", &bb, &bc);
            p.same("gru_cell_backward dh_prev", &c, &cc);
        }
    }
}

/// Each update rule against its scalar definition, over a few steps.
fn check_optimizers<B: Backend>(be: &B) {
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
    for rule in rules {
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
            be.optimizer_update(&rule, &mut p, &be.upload(&[n], &gv), &mut slots);
            for i in 0..n {
                match (rule, sv.as_mut_slice()) {
                    (UpdateRule::Sgd { lr, momentum, nesterov }, []) => sgd::update(&mut pv[i], gv[i], &mut 0.0, lr, momentum, nesterov),
                    (UpdateRule::Sgd { lr, momentum, nesterov }, [m]) => sgd::update(&mut pv[i], gv[i], &mut m[i], lr, momentum, nesterov),
                    (UpdateRule::Adam { alpha, beta1, beta2, eps, decay }, [m, v]) => adam::update(&mut pv[i], gv[i], &mut m[i], &mut v[i], alpha, beta1, beta2, eps, decay),
                    (UpdateRule::RmsProp { lr, rho, eps }, [v]) => rmsprop::update(&mut pv[i], gv[i], &mut v[i], lr, rho, eps),
                    (UpdateRule::Adagrad { lr, eps }, [a]) => adagrad::update(&mut pv[i], gv[i], &mut a[i], lr, eps),
                    _ => unreachable!(),
                }
            }
        }
        assert_close(&format!("{:?} parameter", rule), &be.download(&p), &pv, 1e-5);
        for (s, want) in slots.iter().zip(&sv) {
            assert_close(&format!("{:?} slot", rule), &be.download(s), want, 1e-5);
        }
        assert_eq!(be.download(&shared).len(), n);
        assert_ne!(be.download(&shared), pv, "{:?}: the update wrote through a shared handle", rule);
    }
}

/// Every op, against the references above.
fn conformance<B: Backend>(be: &B) {
    check_matmul(be);
    let p = Pair { be, cpu: CpuBackend };
    check_elementwise(&p);
    check_losses(&p);
    check_sequences(&p);
    check_optimizers(be);
}

#[test]
fn cpu_backend_conforms() {
    conformance(&CpuBackend);
}

#[test]
fn gpu_backend_conforms() {
    if let Some(g) = gpu() {
        conformance(&g);
    }
}

// ---- whole models ----------------------------------------------------------

fn layers(name: &str, vocab: usize) -> Vec<LayerConfig> {
    match name {
        "gru" => serde_json::from_str(&format!(
            r#"[{{"type":"Embedding","input_dim":{},"output_dim":8,"mask_zero":true}},{{"type":"GRU","units":6}},{{"type":"Dropout","rate":0.0}},{{"type":"Dense","units":3,"activation":"sigmoid"}}]"#,
            vocab
        ))
        .unwrap(),
        "dense" => serde_json::from_str(&format!(
            r#"[{{"type":"Embedding","input_dim":{},"output_dim":5}},{{"type":"Flatten"}},{{"type":"Dense","units":7,"activation":"gelu"}},{{"type":"Dense","units":3,"activation":"softmax"}}]"#,
            vocab
        ))
        .unwrap(),
        preset_name => preset(preset_name, vocab, 3, true).unwrap(),
    }
}

/// Texts of `len` token ids (zeros padded at the end), 3 classes, with a
/// signal in which ids appear.
fn data(n: usize, len: usize, vocab: usize, seed: u64) -> Encoded {
    let mut rng = Rng(seed);
    let mut ids = Vec::new();
    let mut classes = Vec::new();
    for i in 0..n {
        let class = i % 3;
        let words = 3 + (((rng.next() + 1.0) * 0.5 * (len - 3) as f32) as usize).min(len - 3);
        let row: Vec<f32> = (0..len)
            .map(|t| if t >= words { 0.0 } else if rng.next() > 0.0 { (1 + class * (vocab - 1) / 3 + rng.ids(1, (vocab - 1) / 3)[0] as usize) as f32 } else { rng.ids(1, vocab - 1)[0] + 1.0 })
            .collect();
        ids.push(row);
        classes.push(class);
    }
    Encoded { ids, classes }
}

fn config(loss: Loss, epochs: usize) -> TrainConfig {
    let mut optimizer = OptimizerConfig::new(OptimizerKind::Adam);
    optimizer.learning_rate = 0.01;
    TrainConfig { epochs, batch_size: 16, optimizer, schedule: Schedule::Constant, loss, seed: 3, shuffle: true, early_stopping_patience: None }
}

fn labels() -> Vec<String> {
    vec!["a".into(), "b".into(), "c".into()]
}

/// One model on both backends from the same weights: the forward pass, the
/// loss after a training step and the weights it leaves must agree.
fn same_training_step(g: &GpuBackend, name: &str, loss: Loss) {
    let (vocab, len) = (50, 12);
    let cfg = layers(name, vocab);
    let cpu_model = Model::new(CpuBackend, &cfg, len, 5).unwrap();
    let gpu_model = Model::with_weights(g.clone(), &cfg, len, cpu_model.get_weights()).unwrap();
    let probe = data(9, len, vocab, 21).ids;
    let (pc, pg) = (cpu_model.predict(&probe, 4), gpu_model.predict(&probe, 4));
    for (a, b) in pg.iter().zip(&pc) {
        assert_close(&format!("{} forward", name), a, b, 1e-4);
    }
    let train = data(48, len, vocab, 22);
    let mut tc = Trainer::new(cpu_model, config(loss, 1), labels(), train.clone(), None).unwrap();
    let mut tg = Trainer::new(gpu_model, config(loss, 1), labels(), train, None).unwrap();
    for step in 0..2 {
        tc.step().unwrap();
        tg.step().unwrap();
        let (lc, lg) = (tc.batches[step].loss, tg.batches[step].loss);
        assert!((lc - lg).abs() <= 1e-4 * lc.abs().max(1.0), "{} step {}: loss {} on the GPU, {} on the CPU", name, step + 1, lg, lc);
        assert!((tc.batches[step].grad_norm - tg.batches[step].grad_norm).abs() <= 1e-4 * tc.batches[step].grad_norm.max(1.0), "{} step {}: gradient norm", name, step + 1);
    }
    for (lw, (wg, wc)) in tg.model.get_weights().iter().zip(tc.model.get_weights().iter()).enumerate() {
        for (a, b) in wg.iter().zip(wc) {
            assert_close(&format!("{} layer {} weights after two steps", name, lw), a, b, 1e-3);
        }
    }
}

#[test]
fn gpu_training_steps_match_cpu() {
    let Some(g) = gpu() else { return };
    for name in ["lstm", "cnn", "bow", "gru", "dense"] {
        let loss = if name == "gru" { Loss::MeanSquaredError } else { Loss::CategoricalCrossentropy };
        same_training_step(&g, name, loss);
    }
    same_training_step(&g, "bow", Loss::SparseCategoricalCrossentropy);
}

#[test]
fn gpu_training_reaches_cpu_accuracy() {
    let Some(g) = gpu() else { return };
    let (vocab, len) = (60, 10);
    let cfg = layers("bow", vocab);
    let cpu_model = Model::new(CpuBackend, &cfg, len, 9).unwrap();
    let gpu_model = Model::with_weights(g.clone(), &cfg, len, cpu_model.get_weights()).unwrap();
    let (train, val) = (data(240, len, vocab, 31), data(120, len, vocab, 32));
    let mut tc = Trainer::new(cpu_model, config(Loss::CategoricalCrossentropy, 4), labels(), train.clone(), Some(val.clone())).unwrap();
    let mut tg = Trainer::new(gpu_model, config(Loss::CategoricalCrossentropy, 4), labels(), train, Some(val)).unwrap();
    while !tc.is_done() {
        tc.step().unwrap();
    }
    while !tg.is_done() {
        tg.step().unwrap();
    }
    let (ac, ag) = (tc.epochs.last().unwrap().val_accuracy.unwrap(), tg.epochs.last().unwrap().val_accuracy.unwrap());
    assert!(ac > 0.8, "the CPU run learned: {}", ac);
    assert!((ac - ag).abs() <= 0.01, "validation accuracy {} on the GPU, {} on the CPU", ag, ac);
}

#[test]
fn auto_takes_the_gpu_only_when_it_can_gain() {
    use gradlab::backend::select::{select, step_flops, BackendRequest, AUTO_MIN_STEP_FLOPS};
    use gradlab::model::architecture;
    let lstm = architecture(&preset("lstm", 10_000, 2, true).unwrap(), 100).unwrap();
    let bow = architecture(&preset("bow", 10_000, 2, true).unwrap(), 100).unwrap();
    assert!(step_flops(&lstm, 256) > AUTO_MIN_STEP_FLOPS, "lstm at batch 256 is GPU work");
    assert!(step_flops(&bow, 256) < AUTO_MIN_STEP_FLOPS, "bow is not");
    // An LSTM(64) over 100 steps: 4·64·(64+64+1) weights used 100 times.
    let lstm1 = (4 * 64 * 129 * 100) as f64;
    assert!(step_flops(&lstm, 1) > 6.0 * lstm1 && step_flops(&lstm, 1) < 6.0 * lstm1 * 1.6);
    assert!(select(BackendRequest::Cpu, &lstm, 256).unwrap().gpu.is_none());
    let Some(g) = gpu() else { return };
    let auto = select(BackendRequest::Auto, &lstm, 256).unwrap();
    if g.adapter().software {
        assert!(auto.gpu.is_none() && auto.reason.contains("software"), "{}", auto.reason);
    } else {
        assert!(auto.gpu.is_some(), "{}", auto.reason);
        let small = select(BackendRequest::Auto, &bow, 32).unwrap();
        assert!(small.gpu.is_none() && small.reason.contains("GFLOP"), "{}", small.reason);
    }
    let forced = select(BackendRequest::Gpu, &bow, 32).unwrap();
    assert!(forced.gpu.is_some() && forced.reason.contains(&g.adapter().name));
}
