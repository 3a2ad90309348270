//! gradlab against Keras, number for number. The fixtures come from
//! `tests/reference/make_goldens.py` (Keras 3 on TensorFlow, and the legacy
//! keras-preprocessing Tokenizer); this test never needs TensorFlow.

use gradlab::backend::{prelude::*, CpuBackend};
use gradlab::data::pad::{pad_sequences, Side};
use gradlab::data::Tokenizer;
use gradlab::io::tfjs;
use gradlab::loss::Loss;
use gradlab::model::Model;
use gradlab::nn::{Activation, LayerConfig};
use gradlab::optim::{Optimizer, OptimizerConfig, OptimizerKind};
use serde_json::Value;

fn fixtures() -> Value {
    serde_json::from_str(include_str!("fixtures/goldens.json")).unwrap()
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array().unwrap().iter().flat_map(|x| match x {
        Value::Array(_) => floats(x),
        _ => vec![x.as_f64().unwrap() as f32],
    }).collect()
}

fn usizes(v: &Value) -> Vec<Vec<usize>> {
    v.as_array().unwrap().iter().map(|r| r.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect()).collect()
}

fn assert_close(what: &str, got: &[f32], want: &[f32], tol: f32) {
    assert_eq!(got.len(), want.len(), "{}: {} values, Keras has {}", what, got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tol * (1.0 + w.abs()), "{}[{}]: gradlab {} vs Keras {}", what, i, g, w);
    }
}

#[test]
fn tokenizer_matches_keras_on_real_mail_and_unicode() {
    let f = fixtures();
    let texts: Vec<String> = f["tokenizer"]["texts"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_string()).collect();
    for case in f["tokenizer"]["cases"].as_array().unwrap() {
        let num_words = case["num_words"].as_u64().map(|n| n as usize);
        let oov = case["oov_token"].as_str();
        let label = format!("num_words={:?} oov={:?}", num_words, oov);
        let mut tok = Tokenizer::new(num_words, oov);
        tok.fit_on_texts(&texts);
        let want: Vec<(String, usize)> = case["word_index"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap() as usize)).collect();
        let got: Vec<(String, usize)> = tok.word_index.iter().map(|(k, &v)| (k.clone(), v)).collect();
        assert_eq!(got.len(), want.len(), "{}: word_index sizes", label);
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g, w, "{}: word_index entry {}", label, i);
        }
        let seqs = tok.texts_to_sequences(&texts);
        assert_eq!(seqs, usizes(&case["sequences"]), "{}: sequences", label);
        for (key, side) in [("pre_pre", (Side::Pre, Side::Pre)), ("pre_post", (Side::Pre, Side::Post)), ("post_pre", (Side::Post, Side::Pre)), ("post_post", (Side::Post, Side::Post))] {
            assert_eq!(pad_sequences(&seqs, Some(12), side.0, side.1), usizes(&case["padded"][key]), "{}: padded {}", label, key);
        }
        assert_eq!(pad_sequences(&seqs[..20], None, Side::Pre, Side::Pre), usizes(&case["padded_default"]), "{}: default padding", label);
    }
}

/// Build a Keras model case's layers from the fixture name.
fn layers_for(name: &str) -> Vec<LayerConfig> {
    let j = |s: &str| serde_json::from_str::<LayerConfig>(s).unwrap();
    let emb = |mask: bool, d: usize| j(&format!(r#"{{"type":"Embedding","input_dim":10,"output_dim":{},"mask_zero":{}}}"#, d, mask));
    let dense = |u: usize, a: &str| j(&format!(r#"{{"type":"Dense","units":{},"activation":"{}"}}"#, u, a));
    match name {
        "lstm_masked" | "lstm_unmasked" => vec![emb(name == "lstm_masked", 4), j(r#"{"type":"LSTM","units":5,"return_sequences":true}"#), j(r#"{"type":"LSTM","units":3}"#), dense(2, "softmax")],
        "lstm_sequences" => vec![emb(true, 4), j(r#"{"type":"LSTM","units":3,"return_sequences":true}"#), j(r#"{"type":"GlobalAveragePooling1D"}"#), dense(3, "softmax")],
        "gru_masked" => vec![emb(true, 4), j(r#"{"type":"GRU","units":5}"#), dense(2, "softmax")],
        "gru_sequences" => vec![emb(false, 4), j(r#"{"type":"GRU","units":3,"return_sequences":true}"#), j(r#"{"type":"Flatten"}"#), dense(2, "sigmoid")],
        "cnn" => vec![emb(false, 4), j(r#"{"type":"Conv1D","filters":6,"kernel_size":3,"activation":"relu"}"#), j(r#"{"type":"GlobalMaxPooling1D"}"#), dense(4, "tanh"), dense(2, "softmax")],
        "cnn_stride" => vec![emb(false, 3), j(r#"{"type":"Conv1D","filters":4,"kernel_size":2,"strides":2,"activation":"elu"}"#), j(r#"{"type":"Flatten"}"#), dense(2, "softmax")],
        "bow_masked" => vec![emb(true, 4), j(r#"{"type":"GlobalAveragePooling1D"}"#), dense(6, "relu"), dense(3, "softmax")],
        other => {
            let act = other.strip_prefix("dense_").expect("known case");
            vec![emb(false, 4), j(r#"{"type":"Flatten"}"#), dense(5, act)]
        }
    }
}

#[test]
fn every_layer_forward_matches_keras() {
    let f = fixtures();
    let cases = f["models"].as_array().unwrap();
    assert!(cases.len() >= 18);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let layers = layers_for(name);
        let weights: Vec<Vec<Vec<f32>>> = case["weights"].as_array().unwrap().iter().map(|l| l.as_array().unwrap().iter().map(floats).collect()).collect();
        let input_len = case["input_len"].as_u64().unwrap() as usize;
        let model = Model::with_weights(CpuBackend, &layers, &[input_len], weights).unwrap_or_else(|e| panic!("{}: {}", name, e));
        let ids: Vec<Vec<f32>> = case["ids"].as_array().unwrap().iter().map(floats).collect();
        let got: Vec<f32> = model.predict(&ids, 32).into_iter().flatten().collect();
        assert_close(name, &got, &floats(&case["output"]), 2e-5);
    }
}

#[test]
fn losses_match_keras() {
    let f = &fixtures()["losses"];
    let be = CpuBackend;
    let pred = floats(&f["pred"]);
    let target = floats(&f["target"]);
    let reals = floats(&f["reals"]);
    let real_t = floats(&f["real_target"]);
    let classes: Vec<f32> = target.chunks(3).map(|r| r.iter().position(|&v| v == 1.0).unwrap() as f32).collect();
    for loss in Loss::ALL {
        let (p, t) = match loss {
            Loss::MeanSquaredError | Loss::MeanAbsoluteError | Loss::Huber => (be.upload(&[2, 3], &reals), be.upload(&[2, 3], &real_t)),
            Loss::SparseCategoricalCrossentropy => (be.upload(&[4, 3], &pred), be.upload(&[4], &classes)),
            _ => (be.upload(&[4, 3], &pred), be.upload(&[4, 3], &target)),
        };
        let got = be.download(&be.loss(loss, &p, &t))[0];
        let want = f[loss.keras_name()].as_f64().unwrap() as f32;
        assert!((got - want).abs() <= 1e-5 * (1.0 + want.abs()), "{}: gradlab {} vs Keras {}", loss.keras_name(), got, want);
    }
}

#[test]
fn three_optimizer_steps_match_keras() {
    let be = CpuBackend;
    for case in fixtures()["optimizers"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let mut config = match name {
            "sgd" | "sgd_momentum" | "sgd_nesterov" => {
                let mut c = OptimizerConfig::new(OptimizerKind::Sgd);
                c.learning_rate = 0.1;
                if name != "sgd" {
                    c.momentum = 0.9;
                }
                c.nesterov = name == "sgd_nesterov";
                c
            }
            "adam" | "adam_clipnorm" => OptimizerConfig::new(OptimizerKind::Adam),
            "adamw" => OptimizerConfig::new(OptimizerKind::AdamW),
            "rmsprop" => OptimizerConfig::new(OptimizerKind::RmsProp),
            "adagrad" => OptimizerConfig::new(OptimizerKind::Adagrad),
            other => panic!("unknown case {}", other),
        };
        if matches!(config.kind, OptimizerKind::Adam | OptimizerKind::AdamW | OptimizerKind::RmsProp) {
            config.learning_rate = 0.01;
        }
        if config.kind == OptimizerKind::Adagrad {
            config.learning_rate = 0.1;
        }
        if name == "adam_clipnorm" {
            config.clip_norm = Some(0.5);
        }
        let mut opt = Optimizer::<CpuBackend>::new(config.clone());
        let mut p = be.upload(&[7], &floats(&case["start"]));
        assert_eq!(case["grads"].as_array().unwrap().len(), case["steps"].as_array().unwrap().len(), "{}: fixture steps", name);
        for (step, (g, want)) in case["grads"].as_array().unwrap().iter().zip(case["steps"].as_array().unwrap()).enumerate() {
            let g = be.upload(&[7], &floats(g));
            let norm = Optimizer::<CpuBackend>::global_norm(&be, std::slice::from_ref(&g));
            opt.step(&be, &mut [&mut p], &[g], config.learning_rate, norm);
            assert_close(&format!("{} step {}", name, step + 1), &be.download(&p), &floats(want), 1e-6);
        }
    }
}

#[test]
fn activations_match_keras() {
    let f = &fixtures()["activations"];
    let xs = floats(&f["x"]);
    for act in Activation::ALL {
        if act == Activation::Softmax {
            continue;
        }
        let got: Vec<f32> = xs.iter().map(|&x| act.f(x)).collect();
        assert_close(act.keras_name(), &got, &floats(&f[act.keras_name()]), 1e-6);
    }
}

/// A model written to the TensorFlow.js format and read back is the same model.
#[test]
fn tfjs_files_round_trip_every_layer() {
    let f = fixtures();
    for case in f["models"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let layers = layers_for(name);
        let model = Model::new(CpuBackend, &layers, &[8], 7).unwrap();
        let (json, bytes) = tfjs::to_files(&layers, None, &[8], &model.get_weights(), None).unwrap();
        let back = tfjs::from_json(&json, Some(&bytes), "model.json").unwrap();
        assert_eq!(back.layers, layers, "{}", name);
        assert_eq!(back.input_shape, vec![8]);
        assert_eq!(back.weights, model.get_weights(), "{}", name);
    }
}

/// Keras's optimizers square an Embedding's gradient token by token before
/// adding (tf.IndexedSlices): three steps of each optimizer on a table with
/// repeated tokens match Keras (fixtures: tests/reference/make_embedding_goldens.py).
#[test]
fn embedding_updates_match_keras_token_by_token() {
    use gradlab::data::Encoded;
    use gradlab::optim::Schedule;
    use gradlab::trainer::{TrainConfig, Trainer};
    let f: Value = serde_json::from_str(include_str!("fixtures/embedding_goldens.json")).unwrap();
    let ids: Vec<Vec<f32>> = f["ids"].as_array().unwrap().iter().map(|r| floats(r)).collect();
    let classes: Vec<usize> = f["labels"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
    let layers: Vec<LayerConfig> = serde_json::from_str(r#"[{"type":"Embedding","input_dim":12,"output_dim":4,"mask_zero":true},{"type":"GlobalAveragePooling1D"},{"type":"Dense","units":3,"activation":"softmax"}]"#).unwrap();
    for case in f["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let mut optimizer = match name {
            "adam" => OptimizerConfig::new(OptimizerKind::Adam),
            "rmsprop" => OptimizerConfig::new(OptimizerKind::RmsProp),
            "adagrad" => OptimizerConfig::new(OptimizerKind::Adagrad),
            _ => OptimizerConfig::new(OptimizerKind::Sgd),
        };
        optimizer.learning_rate = if matches!(name, "adagrad" | "sgd_momentum") { 0.1 } else { 0.01 };
        if name == "sgd_momentum" {
            optimizer.momentum = 0.9;
        }
        let start: Vec<Vec<f32>> = case["start"].as_array().unwrap().iter().map(floats).collect();
        let weights = vec![vec![start[0].clone()], vec![], vec![start[1].clone(), start[2].clone()]];
        let model = Model::with_weights(CpuBackend, &layers, &[7], weights).unwrap();
        let config = TrainConfig { epochs: 3, batch_size: 4, optimizer, schedule: Schedule::Constant, loss: Loss::SparseCategoricalCrossentropy, seed: 0, shuffle: false, early_stopping_patience: None };
        let mut t = Trainer::new(model, config, vec!["a".into(), "b".into(), "c".into()], Encoded { ids: ids.clone(), classes: classes.clone() }, None).unwrap();
        for (step, want) in case["steps"].as_array().unwrap().iter().enumerate() {
            t.step().unwrap();
            assert!((t.batches[step].loss - want["loss"].as_f64().unwrap() as f32).abs() < 1e-5, "{} step {} loss", name, step + 1);
            let got: Vec<Vec<f32>> = t.model.get_weights().into_iter().flatten().collect();
            assert_eq!(got.len(), want["weights"].as_array().unwrap().len(), "{} step {}: weight tensors", name, step + 1);
            for (wi, (g, w)) in got.iter().zip(want["weights"].as_array().unwrap()).enumerate() {
                assert_close(&format!("{} step {} weight {}", name, step + 1, wi), g, &floats(w), 2e-5);
            }
        }
    }
}
