//! Models written by TensorFlow.js 4.22 itself (fixtures from
//! tests/reference/make_tfjs_model.mjs) load, predict TensorFlow.js's own
//! numbers, and train on in gradlab.

use std::path::PathBuf;

use gradlab::backend::CpuBackend;
use gradlab::data::Encoded;
use gradlab::io::tfjs;
use gradlab::loss::Loss;
use gradlab::model::Model;
use gradlab::nn::activation::GateActivation;
use gradlab::nn::LayerConfig;
use gradlab::optim::{OptimizerConfig, OptimizerKind, Schedule};
use gradlab::trainer::{TrainConfig, Trainer};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tfjs").join(name)
}

#[test]
fn tfjs_models_load_and_predict_like_tfjs() {
    for name in ["lstm_masked", "cnn"] {
        let saved = tfjs::load(&fixture(name).join("model.json")).unwrap_or_else(|e| panic!("{}: {}", name, e));
        if name == "lstm_masked" {
            // TensorFlow.js's LSTM default gate activation.
            assert!(matches!(&saved.layers[1], LayerConfig::Lstm(l) if l.recurrent_activation == GateActivation::HardSigmoid));
        }
        let expected: Value = serde_json::from_str(&std::fs::read_to_string(fixture(name).join("expected.json")).unwrap()).unwrap();
        let ids: Vec<Vec<f32>> = expected["ids"].as_array().unwrap().iter().map(|r| r.as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect()).collect();
        let want: Vec<f32> = expected["output"].as_array().unwrap().iter().flat_map(|r| r.as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32)).collect();
        let model = Model::with_weights(CpuBackend, &saved.layers, &saved.input_shape, saved.weights.clone()).unwrap();
        let got: Vec<f32> = model.predict(&ids, 8).into_iter().flatten().collect();
        assert_eq!(got.len(), want.len());
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!((g - w).abs() < 1e-5, "{}[{}]: gradlab {} vs TensorFlow.js {}", name, i, g, w);
        }

        // It trains on from TensorFlow.js's weights.
        let data = Encoded { ids: ids.iter().cycle().take(16).cloned().collect(), classes: [0, 1, 0, 1].repeat(4) };
        let config = TrainConfig { epochs: 3, batch_size: 4, optimizer: OptimizerConfig::new(OptimizerKind::Adam), schedule: Schedule::Constant, loss: Loss::CategoricalCrossentropy, seed: 1, shuffle: true, early_stopping_patience: None };
        let mut t = Trainer::new(model, config, vec!["a".into(), "b".into()], data, None).unwrap();
        while !t.is_done() {
            t.step().unwrap();
        }
        assert_eq!(t.epochs.len(), 3);

        // And what gradlab writes back reads as the same model.
        let (json, bytes) = tfjs::to_files(&saved.layers, &saved.input_shape, &t.model.get_weights(), None).unwrap();
        let again = tfjs::from_json(&json, Some(&bytes), "model.json").unwrap();
        assert_eq!(again.layers, saved.layers);
    }
}

#[test]
fn broken_model_files_name_the_fault() {
    let text = std::fs::read_to_string(fixture("cnn").join("model.json")).unwrap();
    let bytes = std::fs::read(fixture("cnn").join("weights.bin")).unwrap();
    let short = tfjs::from_json(&text, Some(&bytes[..bytes.len() - 8]), "cnn/model.json").unwrap_err().to_string();
    assert!(short.contains("cnn/model.json") && short.contains("weight file"), "{}", short);
    // The manifest disagrees with the layer it belongs to.
    let wrong_shape = text.replacen("\"shape\":[12,4]", "\"shape\":[13,4]", 1);
    assert_ne!(wrong_shape, text);
    let e = tfjs::from_json(&wrong_shape, Some(&bytes), "cnn/model.json").unwrap_err().to_string();
    assert!(e.contains("[13, 4]") && e.contains("needs [12, 4]"), "{}", e);
    let unknown = text.replacen("\"Conv1D\"", "\"SeparableConv1D\"", 1);
    let e = tfjs::from_json(&unknown, Some(&bytes), "cnn/model.json").unwrap_err().to_string();
    assert!(e.contains("SeparableConv1D") && e.contains("not supported"), "{}", e);
}

/// A CNN written by TensorFlow.js (every image layer, BatchNormalization
/// in inference mode with its moving statistics listed after the trainable
/// weights, as TensorFlow.js orders them) loads and predicts its numbers.
#[test]
fn tfjs_image_cnn_loads_and_predicts_like_tfjs() {
    let saved = tfjs::load(&fixture("image_cnn").join("model.json")).unwrap();
    assert_eq!(saved.input_shape, vec![7, 6, 2]);
    let classes: Vec<&str> = saved.layers.iter().map(|l| l.class_name()).collect();
    assert_eq!(classes, ["Conv2D", "BatchNormalization", "MaxPooling2D", "Conv2D", "AveragePooling2D", "Flatten", "Dense"]);
    let expected: Value = serde_json::from_str(&std::fs::read_to_string(fixture("image_cnn").join("expected.json")).unwrap()).unwrap();
    let rows: Vec<Vec<f32>> = expected["x"].as_array().unwrap().iter().map(|r| r.as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect()).collect();
    let want: Vec<f32> = expected["output"].as_array().unwrap().iter().flat_map(|r| r.as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32)).collect();
    let model = Model::with_weights(CpuBackend, &saved.layers, &saved.input_shape, saved.weights.clone()).unwrap();
    // The moving variance (made positive by the fixture) is where it belongs.
    assert!(saved.weights[1][3].iter().all(|&v| v >= 1.0), "moving_variance {:?}", saved.weights[1][3]);
    let got: Vec<f32> = model.predict(&rows, 8).into_iter().flatten().collect();
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!((g - w).abs() < 1e-5, "image_cnn[{}]: gradlab {} vs TensorFlow.js {}", i, g, w);
    }
    // Written back in Keras's order (moving statistics with their layer), it reads the same.
    let (json, bytes) = tfjs::to_files(&saved.layers, &saved.input_shape, &model.get_weights(), None).unwrap();
    let again = tfjs::from_json(&json, Some(&bytes), "model.json").unwrap();
    assert_eq!(again.layers, saved.layers);
    assert_eq!(again.weights, saved.weights);
}
