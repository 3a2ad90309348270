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
        let (json, bytes) = tfjs::to_files(&saved.layers, None, &saved.input_shape, &t.model.get_weights(), None).unwrap();
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
    let (json, bytes) = tfjs::to_files(&saved.layers, None, &saved.input_shape, &model.get_weights(), None).unwrap();
    let again = tfjs::from_json(&json, Some(&bytes), "model.json").unwrap();
    assert_eq!(again.layers, saved.layers);
    assert_eq!(again.weights, saved.weights);
}

#[path = "interop/cases.rs"]
mod cases;

/// The other way: models gradlab saved — every preset, masked and not, and
/// models using every layer — loaded by stock TensorFlow.js 4.22 with
/// `tf.loadLayersModel` (tests/interop/tfjs_predict.mjs, in Node, with the
/// TensorFlow.js pinned in bench/package.json) predict what `gradlab
/// predict` predicts, to 1e-5, on real e-mails. A model TensorFlow.js
/// cannot run is one the export says so about, naming the layer; and
/// TensorFlow.js does refuse it.
#[test]
fn gradlab_models_predict_the_same_in_tensorflow_js() {
    let tfjs_dir = cases::root().join("bench/node_modules/@tensorflow/tfjs");
    assert!(tfjs_dir.is_dir(), "TensorFlow.js is not installed: run `(cd bench && npm ci)` (./lab test does)");
    let tmp = tempfile::tempdir().unwrap();
    let cases = cases::build(tmp.path());
    let cases_json = tmp.path().join("cases.json");
    let out_json = tmp.path().join("tfjs.json");
    cases::write_json(&cases, &cases_json);
    let run = std::process::Command::new("node").arg(cases::root().join("tests/interop/tfjs_predict.mjs")).arg(&cases_json).arg(&out_json).output().expect("run node");
    assert!(run.status.success(), "node tests/interop/tfjs_predict.mjs: {}", String::from_utf8_lossy(&run.stderr));
    let out: Value = serde_json::from_str(&std::fs::read_to_string(&out_json).unwrap()).unwrap();
    let mut failures = Vec::new();
    for c in &cases {
        let r = &out[&c.name];
        let saved = tfjs::load(&c.dir.join("model.json")).unwrap();
        let problems = tfjs::tfjs_incompatibilities(&gradlab::model::architecture_wired(&saved.layers, saved.wiring.as_deref(), &saved.input_shape).unwrap());
        if !problems.is_empty() {
            // The export's warning names a layer, and TensorFlow.js does refuse the file.
            let error = r["error"].as_str().unwrap_or_else(|| panic!("{}: the export warns {:?} but TensorFlow.js ran it", c.name, problems));
            println!("{:<28} TensorFlow.js refuses it, as the export warns: {} (TensorFlow.js: {})", c.name, problems.iter().map(|p| p.message.to_string()).collect::<Vec<_>>().join("; "), error);
            continue;
        }
        let Some(rows) = r["output"].as_array() else {
            failures.push(format!("{}: TensorFlow.js could not load or run it: {}", c.name, r["error"]));
            continue;
        };
        let got: Vec<Vec<f32>> = rows.iter().map(|row| row.as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect()).collect();
        let d = cases::max_diff(&c.name, &got, &c.gradlab);
        println!("{:<28} max |TensorFlow.js − gradlab| = {:.2e}   ({})", c.name, d, c.layers.iter().map(|l| l.describe()).collect::<Vec<_>>().join(" → "));
        if d > 1e-5 {
            failures.push(format!("{}: TensorFlow.js's probabilities differ from gradlab's by {:.3e}", c.name, d));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A masked average is written as a functional graph of standard layers
/// (TensorFlow.js's GlobalAveragePooling1D ignores masks) that reads back
/// as the same model and weights; a changed score table, or the graph
/// without a mask to average by, is refused by name.
#[test]
fn masked_average_round_trips_and_tampering_is_named() {
    use gradlab::nn::{Dense, Embedding, GlobalAveragePooling1D};
    use gradlab::nn::activation::Activation;
    let layers = vec![
        LayerConfig::Embedding(Embedding { input_dim: 30, output_dim: 4, mask_zero: true }),
        LayerConfig::GlobalAveragePooling1D(GlobalAveragePooling1D {}),
        LayerConfig::Dense(Dense::new(3, Activation::Softmax)),
    ];
    let model = Model::new(CpuBackend, &layers, &[6], 3).unwrap();
    let (json, bytes) = tfjs::to_files(&layers, None, &[6], &model.get_weights(), None).unwrap();
    let root: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(root["modelTopology"]["class_name"], "Model");
    let classes: Vec<&str> = root["modelTopology"]["config"]["layers"].as_array().unwrap().iter().map(|l| l["class_name"].as_str().unwrap()).collect();
    assert_eq!(classes, ["InputLayer", "Embedding", "Embedding", "Flatten", "Activation", "Reshape", "Cropping2D", "Flatten", "Dot", "Dense"]);
    let back = tfjs::from_json(&json, Some(&bytes), "m.json").unwrap();
    assert_eq!(back.layers, layers);
    assert_eq!(back.input_shape, vec![6]);
    assert_eq!(back.weights, model.get_weights());
    // The score table sits last in the file: its padding row's first score.
    let score_at = bytes.len() - 30 * 2 * 4;
    assert_eq!(f32::from_le_bytes(bytes[score_at..score_at + 4].try_into().unwrap()), -1000.0);
    let mut tampered = bytes.clone();
    tampered[score_at + 8..score_at + 12].copy_from_slice(&0.5f32.to_le_bytes());
    let e = tfjs::from_json(&json, Some(&tampered), "m.json").unwrap_err().to_string();
    assert!(e.contains("_mask_scores") && e.contains("untrainable"), "{}", e);
    // Without mask_zero nothing is masked: the graph is not a masked average then.
    let unmasked = json.replacen("\"mask_zero\": true", "\"mask_zero\": false", 1);
    assert_ne!(unmasked, json);
    let e = tfjs::from_json(&unmasked, Some(&bytes), "m.json").unwrap_err().to_string();
    assert!(e.contains("needs a mask"), "{}", e);
    // An unmasked average stays Sequential.
    let plain = vec![LayerConfig::Embedding(Embedding { input_dim: 30, output_dim: 4, mask_zero: false }), layers[1].clone(), layers[2].clone()];
    let (json, _) = tfjs::to_files(&plain, None, &[6], &Model::new(CpuBackend, &plain, &[6], 3).unwrap().get_weights(), None).unwrap();
    assert!(json.contains("\"Sequential\""));
}

/// Sinusoidal positions are written as Keras writes them, keras_hub's
/// SinePositionEncoding (the term alone) and an Add of the layer's input
/// and the term; they read back as gradlab's one layer. The layer alone (in
/// Keras: the encoding replaces its input) and an Add of anything else are
/// refused by name.
#[test]
fn sinusoidal_positions_round_trip_as_keras_writes_them() {
    use gradlab::nn::activation::Activation;
    use gradlab::nn::{Dense, Embedding, Flatten, SinePositionEncoding};
    let layers = vec![
        LayerConfig::Embedding(Embedding { input_dim: 30, output_dim: 4, mask_zero: false }),
        LayerConfig::SinePositionEncoding(SinePositionEncoding { max_wavelength: 500 }),
        LayerConfig::Flatten(Flatten {}),
        LayerConfig::Dense(Dense::new(3, Activation::Softmax)),
    ];
    let model = Model::new(CpuBackend, &layers, &[6], 3).unwrap();
    let (json, bytes) = tfjs::to_files(&layers, None, &[6], &model.get_weights(), None).unwrap();
    let root: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(root["modelTopology"]["class_name"], "Model");
    let graph = root["modelTopology"]["config"]["layers"].as_array().unwrap();
    let classes: Vec<&str> = graph.iter().map(|l| l["class_name"].as_str().unwrap()).collect();
    assert_eq!(classes, ["InputLayer", "Embedding", "SinePositionEncoding", "Add", "Flatten", "Dense"]);
    let add = &graph[3];
    let inputs: Vec<&str> = add["inbound_nodes"][0].as_array().unwrap().iter().map(|n| n[0].as_str().unwrap()).collect();
    assert_eq!(inputs, [graph[1]["name"].as_str().unwrap(), graph[2]["name"].as_str().unwrap()]);
    let back = tfjs::from_json(&json, Some(&bytes), "m.json").unwrap();
    assert_eq!(back.layers, layers);
    assert_eq!(back.weights, model.get_weights());
    // Its predictions are the sum's: without the positions they differ.
    let x = vec![vec![3., 5., 1., 0., 0., 0.]];
    let without = vec![layers[0].clone(), layers[2].clone(), layers[3].clone()];
    let mut w = model.get_weights();
    w.remove(1);
    let plain = Model::with_weights(CpuBackend, &without, &[6], w).unwrap();
    assert_ne!(model.predict(&x, 1), plain.predict(&x, 1));
    // The layer alone, as a Sequential model would hold it: refused.
    let alone = json.replacen("\"class_name\": \"Add\"", "\"class_name\": \"Flatten\"", 1);
    let e = tfjs::from_json(&alone, Some(&bytes), "m.json").unwrap_err().to_string();
    assert!(e.contains("SinePositionEncoding") && e.contains("stands alone"), "{}", e);
    let sequential = vec![layers[0].clone(), layers[2].clone(), layers[3].clone()];
    let (seq_json, seq_bytes) = tfjs::to_files(&sequential, None, &[6], &plain.get_weights(), None).unwrap();
    let v: Value = serde_json::from_str(&seq_json).unwrap();
    let mut v2 = v.clone();
    let list = v2["modelTopology"]["config"]["layers"].as_array_mut().unwrap();
    list.insert(1, serde_json::json!({"class_name": "SinePositionEncoding", "config": {"name": "sine", "max_wavelength": 10000}}));
    let e = tfjs::from_json(&v2.to_string(), Some(&seq_bytes), "m.json").unwrap_err().to_string();
    assert!(e.contains("sine") && e.contains("SinePositionEncoding") && e.contains("Add"), "{}", e);
    // An Add of two ordinary layers is a residual connection: the graph as written.
    let both = json.replacen("\"class_name\": \"SinePositionEncoding\"", "\"class_name\": \"Dropout\"", 1);
    let graph = tfjs::from_json(&both, Some(&bytes), "m.json").unwrap();
    assert_eq!(graph.layers.iter().map(|l| l.class_name()).collect::<Vec<_>>(), ["Embedding", "Dropout", "Add", "Flatten", "Dense"]);
    assert_eq!(graph.wiring, Some(vec![vec![0], vec![1], vec![1, 2], vec![3], vec![4]]));
}
