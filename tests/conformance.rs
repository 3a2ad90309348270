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

mod common;
#[path = "conformance/suite.rs"]
mod suite;

use gradlab::backend::gpu::GpuBackend;
use gradlab::backend::{ready_now, CpuBackend};
use gradlab::data::Encoded;
use gradlab::loss::Loss;
use gradlab::model::Model;
use gradlab::nn::LayerConfig;
use gradlab::optim::{OptimizerConfig, OptimizerKind, Schedule};
use gradlab::presets::preset;
use gradlab::trainer::{TrainConfig, Trainer};
use suite::{assert_close, conformance, Rng};

fn gpu() -> Option<GpuBackend> {
    let g = common::gpu_or_skip()?;
    eprintln!("GPU backend on {} ({})", g.adapter().name, g.adapter().backend);
    Some(g)
}

#[test]
fn cpu_backend_conforms() {
    ready_now(conformance(&CpuBackend));
}

#[test]
fn gpu_backend_conforms() {
    if let Some(g) = gpu() {
        // Natively every read-back is ready at once.
        ready_now(conformance(&g));
    }
}

// ---- whole models ----------------------------------------------------------

fn layers(name: &str, vocab: usize, len: usize) -> Vec<LayerConfig> {
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
        // A graph: self-attention under the mask in a residual Add, a
        // Concatenate of two branches, a masked average.
        "graph" => serde_json::from_str(&format!(
            r#"[{{"type":"Embedding","input_dim":{},"output_dim":8,"mask_zero":true}},{{"type":"MultiHeadAttention","num_heads":2,"key_dim":4,"dropout":0.1}},{{"type":"Add"}},{{"type":"LayerNormalization","epsilon":1e-5}},{{"type":"Dense","units":6,"activation":"gelu"}},{{"type":"Concatenate"}},{{"type":"GlobalAveragePooling1D"}},{{"type":"Dense","units":3,"activation":"softmax"}}]"#,
            vocab
        ))
        .unwrap(),
        preset_name => preset(preset_name, vocab, len, 3, true).unwrap(),
    }
}

/// Where each layer of `name`'s model reads from (None: a chain).
fn wiring(name: &str) -> Option<Vec<Vec<usize>>> {
    (name == "graph").then(|| vec![vec![0], vec![1, 1], vec![1, 2], vec![3], vec![4], vec![4, 5], vec![6], vec![7]])
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
    let cfg = layers(name, vocab, len);
    let wired = wiring(name);
    let cpu_model = Model::new_wired(CpuBackend, &cfg, wired.as_deref(), &[len], 5).unwrap();
    let gpu_model = Model::with_weights_wired(g.clone(), &cfg, wired.as_deref(), &[len], cpu_model.get_weights()).unwrap();
    let probe = data(9, len, vocab, 21).ids;
    let (pc, pg) = (cpu_model.predict(&probe, 4), gpu_model.predict(&probe, 4));
    common::assert_same_len(format!("{} predictions", name), &pg, &pc);
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
    common::assert_same_len(format!("{} layers", name), &tg.model.get_weights(), &tc.model.get_weights());
    for (lw, (wg, wc)) in tg.model.get_weights().iter().zip(tc.model.get_weights().iter()).enumerate() {
        common::assert_same_len(format!("{} layer {} weights", name, lw), wg, wc);
        for (wi, (a, b)) in wg.iter().zip(wc).enumerate() {
            let weight = tc.model.layers[lw].weights[wi].name;
            if weight.ends_with("key/bias") {
                // Its gradient is exactly 0 (adding a constant to every
                // score of a row leaves the softmax alone): each backend's
                // is rounding noise, which Adam scales up to as much as a
                // step. It must stay within two steps (rate 0.01) of zero.
                assert!(a.iter().chain(b).all(|v| v.abs() <= 0.02), "{} layer {} {}: {:?} / {:?}", name, lw, weight, a, b);
                continue;
            }
            assert_close(&format!("{} layer {} {} after two steps", name, lw, weight), a, b, 1e-3);
        }
    }
}

#[test]
fn gpu_training_steps_match_cpu() {
    let Some(g) = gpu() else { return };
    for name in ["lstm", "cnn", "bow", "gru", "dense", "transformer", "graph"] {
        let loss = if name == "gru" { Loss::MeanSquaredError } else { Loss::CategoricalCrossentropy };
        same_training_step(&g, name, loss);
    }
    same_training_step(&g, "bow", Loss::SparseCategoricalCrossentropy);
}

#[test]
fn gpu_training_reaches_cpu_accuracy() {
    let Some(g) = gpu() else { return };
    let (vocab, len) = (60, 10);
    let cfg = layers("bow", vocab, len);
    let cpu_model = Model::new(CpuBackend, &cfg, &[len], 9).unwrap();
    let gpu_model = Model::with_weights(g.clone(), &cfg, &[len], cpu_model.get_weights()).unwrap();
    let (train, val) = (data(240, len, vocab, 31), data(120, len, vocab, 32));
    let val_counts = common::counts(&val.classes);
    let mut tc = Trainer::new(cpu_model, config(Loss::CategoricalCrossentropy, 4), labels(), train.clone(), Some(val.clone())).unwrap();
    let mut tg = Trainer::new(gpu_model, config(Loss::CategoricalCrossentropy, 4), labels(), train, Some(val)).unwrap();
    while !tc.is_done() {
        tc.step().unwrap();
    }
    while !tg.is_done() {
        tg.step().unwrap();
    }
    let (ac, ag) = (tc.epochs.last().unwrap().val_accuracy.unwrap(), tg.epochs.last().unwrap().val_accuracy.unwrap());
    common::assert_beats_majority("the CPU run, validation", ac, &val_counts, 0.6);
    assert!((ac - ag).abs() <= 0.01, "validation accuracy {} on the GPU, {} on the CPU", ag, ac);
}

#[test]
fn auto_takes_the_gpu_only_when_it_can_gain() {
    use gradlab::backend_choice::{select, step_flops, BackendRequest, AUTO_MIN_STEP_FLOPS};
    use gradlab::model::architecture;
    let lstm = architecture(&preset("lstm", 10_000, 100, 2, true).unwrap(), &[100]).unwrap();
    let bow = architecture(&preset("bow", 10_000, 100, 2, true).unwrap(), &[100]).unwrap();
    assert!(step_flops(&lstm, 256) > AUTO_MIN_STEP_FLOPS, "lstm at batch 256 is GPU work");
    assert!(step_flops(&bow, 256) < AUTO_MIN_STEP_FLOPS, "bow is not");
    // An LSTM(64) over 100 steps: 4·64·(64+64+1) weights used 100 times.
    let lstm1 = (4 * 64 * 129 * 100) as f64;
    assert!(step_flops(&lstm, 1) > 6.0 * lstm1 && step_flops(&lstm, 1) < 6.0 * lstm1 * 1.6);
    // A Conv2D's kernel is used at every output pixel: image-cnn's first
    // layer on 28×28 images, 160 weights at 26×26 positions.
    let cnn = architecture(&gradlab::presets::image_preset("image-cnn", 10).unwrap(), &[28, 28, 1]).unwrap();
    assert!(step_flops(&cnn[..1], 1) == 6.0 * (160 * 26 * 26) as f64);
    assert!(select(BackendRequest::Cpu, &lstm, 256).unwrap().gpu.is_none());
    let Some(g) = gpu() else { return };
    let auto = select(BackendRequest::Auto, &lstm, 256).unwrap();
    if g.adapter().software {
        assert!(auto.gpu.is_none() && auto.reason.to_string().contains("software"), "{}", auto.reason);
    } else {
        assert!(auto.gpu.is_some(), "{}", auto.reason);
        let small = select(BackendRequest::Auto, &bow, 32).unwrap();
        assert!(small.gpu.is_none() && small.reason.to_string().contains("GFLOP"), "{}", small.reason);
    }
    let forced = select(BackendRequest::Gpu, &bow, 32).unwrap();
    assert!(forced.gpu.is_some() && forced.reason.to_string().contains(&g.adapter().name));
}

/// Images [8, 8, 1] in [0, 1] whose class decides where a bright block sits.
fn images(n: usize, seed: u64) -> Encoded {
    let mut rng = Rng(seed);
    let mut ids = Vec::new();
    let mut classes = Vec::new();
    for i in 0..n {
        let class = i % 3;
        let img: Vec<f32> = (0..64)
            .map(|p| {
                let (y, x) = (p / 8, p % 8);
                let lit = (x / 3 == class) && (2..6).contains(&y);
                0.5 * (rng.next() + 1.0) * 0.3 + if lit { 0.7 } else { 0.0 }
            })
            .collect();
        ids.push(img);
        classes.push(class);
    }
    Encoded { ids, classes }
}

/// The image layers on both backends from the same weights: the forward
/// pass (inference: BatchNormalization's moving statistics), two training
/// steps (batch statistics, moving statistics updated) and the weights after.
#[test]
fn gpu_image_models_match_cpu() {
    let Some(g) = gpu() else { return };
    let with_bn: Vec<LayerConfig> = serde_json::from_str(
        r#"[{"type":"Conv2D","filters":6,"kernel_size":3,"padding":"same","activation":"relu"},{"type":"BatchNormalization"},
            {"type":"MaxPooling2D","pool_size":2,"strides":2,"padding":"same"},{"type":"Conv2D","filters":5,"kernel_size":[3,2],"strides":[2,1],"activation":"tanh"},
            {"type":"AveragePooling2D","pool_size":2,"strides":1,"padding":"same"},{"type":"GlobalAveragePooling2D"},{"type":"Dense","units":3,"activation":"softmax"}]"#,
    )
    .unwrap();
    for (name, cfg) in [("image-cnn", gradlab::presets::image_preset("image-cnn", 3).unwrap()), ("batch norm", with_bn)] {
        let cpu_model = Model::new(CpuBackend, &cfg, &[8, 8, 1], 5).unwrap();
        let gpu_model = Model::with_weights(g.clone(), &cfg, &[8, 8, 1], cpu_model.get_weights()).unwrap();
        let probe = images(7, 41).ids;
        common::assert_same_len(format!("{} predictions", name), &gpu_model.predict(&probe, 4), &cpu_model.predict(&probe, 4));
        for (a, b) in gpu_model.predict(&probe, 4).iter().zip(&cpu_model.predict(&probe, 4)) {
            assert_close(&format!("{} forward", name), a, b, 1e-4);
        }
        let train = images(48, 42);
        let mut tc = Trainer::new(cpu_model, config(Loss::CategoricalCrossentropy, 1), labels(), train.clone(), None).unwrap();
        let mut tg = Trainer::new(gpu_model, config(Loss::CategoricalCrossentropy, 1), labels(), train, None).unwrap();
        for step in 0..2 {
            tc.step().unwrap();
            tg.step().unwrap();
            let (lc, lg) = (tc.batches[step].loss, tg.batches[step].loss);
            assert!((lc - lg).abs() <= 1e-4 * lc.abs().max(1.0), "{} step {}: loss {} on the GPU, {} on the CPU", name, step + 1, lg, lc);
        }
        common::assert_same_len(format!("{} layers", name), &tg.model.get_weights(), &tc.model.get_weights());
        for (lw, (wg, wc)) in tg.model.get_weights().iter().zip(tc.model.get_weights().iter()).enumerate() {
            common::assert_same_len(format!("{} layer {} weights", name, lw), wg, wc);
            for (a, b) in wg.iter().zip(wc) {
                assert_close(&format!("{} layer {} weights after two steps", name, lw), a, b, 1e-3);
            }
        }
    }
}
