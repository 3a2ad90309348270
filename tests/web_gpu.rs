//! The backend conformance suite in the browser: the same checks as
//! `tests/conformance.rs`, on WebGPU in headless Chromium (SwiftShader),
//! driven by wasm-bindgen-test-runner through chromedriver (`webdriver.json`
//! at the crate root holds Chromium's WebGPU switches):
//!   CHROMEDRIVER=/usr/bin/chromedriver cargo test --release --target wasm32-unknown-unknown --no-default-features --test web_gpu
//! SwiftShader is slow (a 512³ product takes seconds), so the suite's shapes
//! stay at 256 and below.
#![cfg(target_arch = "wasm32")]

#[path = "conformance/suite.rs"]
mod suite;

use gradlab::backend::gpu::GpuBackend;
use gradlab::backend::{prelude::*, CpuBackend};
use gradlab::model::Model;
use gradlab::presets::preset;
use gradlab::trainer::Trainer;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

async fn gpu() -> GpuBackend {
    GpuBackend::new_async("WebGPU adapter").await.unwrap_or_else(|e| panic!("this browser should offer WebGPU (SwiftShader): {}", e))
}

#[wasm_bindgen_test]
async fn cpu_backend_conforms_in_the_browser() {
    suite::conformance(&CpuBackend).await;
}

#[wasm_bindgen_test]
async fn webgpu_backend_conforms() {
    let g = gpu().await;
    suite::conformance(&g).await;
}

/// A training step of the lstm and bow presets on WebGPU and on the CPU,
/// from the same weights: the same loss and gradient norm.
#[wasm_bindgen_test]
async fn webgpu_training_steps_match_cpu() {
    let g = gpu().await;
    for name in ["lstm", "bow", "cnn"] {
        let cfg = preset(name, 40, 12, 3, name != "cnn").unwrap();
        let (train, config) = suite_data();
        let cpu_model = Model::new(CpuBackend, &cfg, &[12], 5).unwrap();
        let labels: Vec<String> = vec!["a".into(), "b".into(), "c".into()];
        let mut tc = Trainer::new(cpu_model, config, labels, train, None).unwrap();
        let mut tg = tc.move_to(g.clone()).unwrap();
        for step in 0..2 {
            tc.step_async().await.unwrap();
            tg.step_async().await.unwrap();
            let (lc, lg) = (tc.batches[step].loss, tg.batches[step].loss);
            assert!((lc - lg).abs() <= 1e-4 * lc.abs().max(1.0), "{} step {}: loss {} on WebGPU, {} on the CPU", name, step + 1, lg, lc);
        }
        // The run read back from the device equals the CPU's.
        let back = tg.move_to_async(CpuBackend).await.unwrap();
        assert_eq!(back.model.get_weights().len(), tc.model.get_weights().len(), "{}: layers", name);
        for (wg, wc) in back.model.get_weights().iter().zip(tc.model.get_weights().iter()) {
            assert_eq!(wg.len(), wc.len(), "{}: weight tensors", name);
            for (a, b) in wg.iter().zip(wc) {
                suite::assert_close(name, a, b, 1e-3);
            }
        }
        assert_eq!(g.name().starts_with("gpu ("), true);
    }
}

fn suite_data() -> (gradlab::data::Encoded, gradlab::trainer::TrainConfig) {
    use gradlab::data::Encoded;
    use gradlab::loss::Loss;
    use gradlab::optim::{OptimizerConfig, OptimizerKind, Schedule};
    use gradlab::trainer::TrainConfig;
    let mut rng = suite::Rng(4);
    let ids: Vec<Vec<f32>> = (0..48).map(|i| (0..12).map(|t| if t > 3 + i % 8 { 0.0 } else { rng.ids(1, 39)[0] + 1.0 }).collect()).collect();
    let classes = (0..48).map(|i| i % 3).collect();
    let mut optimizer = OptimizerConfig::new(OptimizerKind::Adam);
    optimizer.learning_rate = 0.01;
    (Encoded { ids, classes }, TrainConfig { epochs: 1, batch_size: 16, optimizer, schedule: Schedule::Constant, loss: Loss::CategoricalCrossentropy, seed: 3, shuffle: true, early_stopping_patience: None })
}
