//! The image layers against Keras, number for number: Conv2D, pooling,
//! global pooling and BatchNormalization forward passes, and one training
//! step of a small CNN (loss, every gradient, and the weights after Adam,
//! moving statistics included). Fixtures from
//! `tests/reference/make_image_goldens.py`; this test never needs TensorFlow.

use gradlab::autodiff::Graph;
use gradlab::backend::{prelude::*, CpuBackend};
use gradlab::data::Encoded;
use gradlab::loss::Loss;
use gradlab::model::Model;
use gradlab::nn::{ForwardCtx, LayerConfig};
use gradlab::optim::{OptimizerConfig, OptimizerKind, Schedule};
use gradlab::trainer::{forward_loss, StepOutcome, TrainConfig, Trainer};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

fn fixtures() -> Value {
    serde_json::from_str(include_str!("fixtures/image_goldens.json")).unwrap()
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect()
}

fn shape(v: &Value) -> Vec<usize> {
    v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect()
}

fn assert_close(what: &str, got: &[f32], want: &[f32], tol: f32) {
    assert_eq!(got.len(), want.len(), "{}: {} values, Keras has {}", what, got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tol * (1.0 + w.abs()), "{}[{}]: gradlab {} vs Keras {}", what, i, g, w);
    }
}

/// One layer's output on the fixture's input, with the given weights.
fn run_layer(config: &LayerConfig, x_shape: &[usize], x: &[f32], weights: &[(Vec<usize>, Vec<f32>)], training: bool) -> (Vec<usize>, Vec<f32>, Vec<Vec<f32>>) {
    let be = CpuBackend;
    let mut g = Graph::new(&be);
    let w: Vec<_> = weights.iter().map(|(s, v)| g.constant(be.upload(s, v))).collect();
    let xv = g.constant(be.upload(x_shape, x));
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let (y, _) = config.forward(&mut g, &w, xv, None, &mut ForwardCtx { training, rng: &mut rng });
    let updates = g.updates.iter().map(|(_, t)| be.download(t)).collect();
    (g.shape(y), be.download(g.value(y)), updates)
}

#[test]
fn conv2d_matches_keras() {
    for case in fixtures()["conv2d"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let config: LayerConfig = serde_json::from_value(json!({
            "type": "Conv2D", "filters": case["filters"], "kernel_size": case["kernel_size"], "strides": case["strides"],
            "padding": case["padding"], "activation": case["activation"],
        }))
        .unwrap();
        let x_shape = shape(&case["x_shape"]);
        let [kh, kw] = [case["kernel_size"][0].as_u64().unwrap() as usize, case["kernel_size"][1].as_u64().unwrap() as usize];
        let f = case["filters"].as_u64().unwrap() as usize;
        let weights = [(vec![kh, kw, x_shape[3], f], floats(&case["kernel"])), (vec![f], floats(&case["bias"]))];
        let (s, y, _) = run_layer(&config, &x_shape, &floats(&case["x"]), &weights, false);
        assert_eq!(s, shape(&case["y_shape"]), "{}: output shape", name);
        assert_close(name, &y, &floats(&case["y"]), 1e-5);
    }
}

#[test]
fn pooling_matches_keras() {
    for case in fixtures()["pool"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let class = if case["kind"] == "max" { "MaxPooling2D" } else { "AveragePooling2D" };
        let config: LayerConfig = serde_json::from_value(json!({"type": class, "pool_size": case["pool_size"], "strides": case["strides"], "padding": case["padding"]})).unwrap();
        let (s, y, _) = run_layer(&config, &shape(&case["x_shape"]), &floats(&case["x"]), &[], false);
        assert_eq!(s, shape(&case["y_shape"]), "{}: output shape", name);
        assert_close(name, &y, &floats(&case["y"]), 1e-6);
    }
    let case = &fixtures()["global_average_pooling2d"];
    let config: LayerConfig = serde_json::from_value(json!({"type": "GlobalAveragePooling2D"})).unwrap();
    let (s, y, _) = run_layer(&config, &shape(&case["x_shape"]), &floats(&case["x"]), &[], false);
    assert_eq!(s, shape(&case["y_shape"]));
    assert_close("global average pooling", &y, &floats(&case["y"]), 1e-6);
}

#[test]
fn batch_normalization_matches_keras_in_both_modes() {
    let f = &fixtures()["batch_norm"];
    let config: LayerConfig = serde_json::from_value(json!({"type": "BatchNormalization", "momentum": f["momentum"], "epsilon": f["epsilon"]})).unwrap();
    let x_shape = shape(&f["x_shape"]);
    let c = *x_shape.last().unwrap();
    let weights: Vec<(Vec<usize>, Vec<f32>)> = ["gamma", "beta", "moving_mean", "moving_variance"].iter().map(|k| (vec![c], floats(&f[*k]))).collect();
    let x = floats(&f["x"]);
    let (_, y, updates) = run_layer(&config, &x_shape, &x, &weights, true);
    assert_close("training output", &y, &floats(&f["y_training"]), 1e-5);
    assert_eq!(updates.len(), 2, "training updates the moving mean and variance");
    assert_close("moving mean after", &updates[0], &floats(&f["moving_mean_after"]), 1e-6);
    assert_close("moving variance after", &updates[1], &floats(&f["moving_variance_after"]), 1e-6);
    let (_, y, updates) = run_layer(&config, &x_shape, &x, &weights, false);
    assert_close("inference output", &y, &floats(&f["y_inference"]), 1e-5);
    assert!(updates.is_empty(), "inference leaves the moving statistics alone");
}

fn step_model() -> (Model<CpuBackend>, Value) {
    let f = fixtures()["step"].clone();
    let layers: Vec<LayerConfig> = serde_json::from_value(f["layers"].clone()).unwrap();
    let weights: Vec<Vec<Vec<f32>>> = f["weights_before"].as_array().unwrap().iter().map(|ws| ws.as_array().unwrap().iter().map(floats).collect()).collect();
    (Model::with_weights(CpuBackend, &layers, &shape(&f["input_shape"]), weights).unwrap(), f)
}

#[test]
fn cnn_gradients_match_keras() {
    let (model, f) = step_model();
    let be = CpuBackend;
    let rows: Vec<Vec<f32>> = floats(&f["x"]).chunks(64).map(|r| r.to_vec()).collect();
    let rows: Vec<&Vec<f32>> = rows.iter().collect();
    let classes: Vec<usize> = f["labels"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
    let mut g = Graph::new(&be);
    let vars = model.weight_vars(&mut g);
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let (l, _) = forward_loss(&model, Loss::SparseCategoricalCrossentropy, &mut g, &vars, &rows, &classes, &mut ForwardCtx { training: true, rng: &mut rng });
    assert_close("loss", &be.download(g.value(l)), &[f["loss_before"].as_f64().unwrap() as f32], 1e-6);
    let grads = g.backward(l);
    assert_eq!(model.layers.len(), f["gradients"].as_array().unwrap().len(), "layers with gradients");
    for (li, (layer, want)) in model.layers.iter().zip(f["gradients"].as_array().unwrap()).enumerate() {
        let trainable: Vec<_> = layer.weights.iter().zip(&vars[li]).filter(|(s, _)| s.trainable).collect();
        assert_eq!(trainable.len(), want.as_array().unwrap().len(), "layer {} ({})", li + 1, layer.name);
        for ((spec, v), w) in trainable.into_iter().zip(want.as_array().unwrap()) {
            let got = be.download(grads.get(*v).unwrap_or_else(|| panic!("{}/{} has no gradient", layer.name, spec.name)));
            // Gradients are differences of nearly equal sums: compare to the
            // tensor's scale, not element by element.
            let want = floats(w);
            let scale = want.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            assert_eq!(got.len(), want.len(), "{}/{} gradient length", layer.name, spec.name);
            for (i, (a, b)) in got.iter().zip(&want).enumerate() {
                assert!((a - b).abs() <= 1e-4 * scale + 1e-7, "{}/{} gradient [{}]: gradlab {} vs Keras {}", layer.name, spec.name, i, a, b);
            }
        }
    }
}

#[test]
fn one_adam_step_of_a_cnn_matches_keras() {
    let (model, f) = step_model();
    let rows: Vec<Vec<f32>> = floats(&f["x"]).chunks(64).map(|r| r.to_vec()).collect();
    let classes: Vec<usize> = f["labels"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
    let mut optimizer = OptimizerConfig::new(OptimizerKind::Adam);
    optimizer.learning_rate = f["optimizer"]["learning_rate"].as_f64().unwrap() as f32;
    let config = TrainConfig { epochs: 1, batch_size: 6, optimizer, schedule: Schedule::Constant, loss: Loss::SparseCategoricalCrossentropy, seed: 0, shuffle: false, early_stopping_patience: None };
    let labels = vec!["0".to_string(), "1".into(), "2".into()];
    let mut t = Trainer::new(model, config, labels, Encoded { ids: rows, classes }, None).unwrap();
    let record = match t.step().unwrap() {
        StepOutcome::EpochEnd(b, _) => b,
        other => panic!("one batch should end the epoch: {:?}", other),
    };
    assert!((record.loss - f["loss_before"].as_f64().unwrap() as f32).abs() < 1e-5, "loss {} vs Keras {}", record.loss, f["loss_before"]);
    assert_eq!(t.model.layers.len(), f["weights_after"].as_array().unwrap().len(), "layers");
    for (li, (layer, want)) in t.model.layers.iter().zip(f["weights_after"].as_array().unwrap()).enumerate() {
        assert_eq!(layer.weights.len(), want.as_array().unwrap().len(), "{} weight tensors", layer.name);
        for (wi, (spec, w)) in layer.weights.iter().zip(want.as_array().unwrap()).enumerate() {
            let got = CpuBackend.download(&t.model.weights[li][wi]);
            assert_close(&format!("{}/{}", layer.name, spec.name), &got, &floats(w), 2e-5);
        }
    }
}
