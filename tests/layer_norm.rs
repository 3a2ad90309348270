//! LayerNormalization against Keras, number for number: the output, and
//! the gradients of sum(y · r) for the input, gamma and beta, on sequences,
//! vectors, images and rows whose variance is near epsilon. Fixture from
//! `tests/reference/make_layer_norm_goldens.py`; never needs TensorFlow.
//! The tape's use of these gradients is checked by finite differences in
//! tests/gradcheck.rs, and the GPU kernels against the CPU in the
//! conformance suite.

use gradlab::autodiff::Graph;
use gradlab::backend::{prelude::*, CpuBackend};
use gradlab::nn::{ForwardCtx, KerasConfig, LayerConfig};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

fn floats(v: &Value) -> Vec<f32> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect()
}

/// Within `tol` of the tensor's largest value: gradients are differences
/// of nearly equal sums, so an element near zero carries its row's error.
fn assert_close(what: &str, got: &[f32], want: &[f32], tol: f32) {
    assert_eq!(got.len(), want.len(), "{}: {} values, Keras has {}", what, got.len(), want.len());
    let scale = want.iter().fold(1.0f32, |m, v| m.max(v.abs()));
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tol * scale, "{}[{}]: gradlab {} vs Keras {}", what, i, g, w);
    }
}

#[test]
fn layer_normalization_matches_keras() {
    let doc: Value = serde_json::from_str(include_str!("fixtures/layer_norm_goldens.json")).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    let be = CpuBackend;
    for case in cases {
        let shape: Vec<usize> = case["x_shape"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
        let c = *shape.last().unwrap();
        let name = format!("{:?} + {} (epsilon {})", shape, case["offset"], case["epsilon"]);
        // Through the registry, as a model file would build it.
        let config = json!({"name": "ln", "axis": -1, "epsilon": case["epsilon"]});
        let layer = LayerConfig::from_keras(&KerasConfig::new("LayerNormalization", &config, "model.json")).unwrap().unwrap();
        assert_eq!(layer.output_shape(&shape[1..]).unwrap(), shape[1..].to_vec());
        let specs = layer.weights(&shape[1..]);
        assert_eq!(specs.iter().map(|w| (w.name, w.shape.clone())).collect::<Vec<_>>(), vec![("gamma", vec![c]), ("beta", vec![c])], "Keras's weights");
        let (x, gamma, beta) = (be.upload(&shape, &floats(&case["x"])), be.upload(&[c], &floats(&case["gamma"])), be.upload(&[c], &floats(&case["beta"])));
        let mut g = Graph::new(&be);
        let w = [g.constant(gamma.clone()), g.constant(beta)];
        let xv = g.constant(x.clone());
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let (y, _) = layer.forward(&mut g, &w, xv, None, &mut ForwardCtx { training: true, rng: &mut rng });
        assert_eq!(g.shape(y), shape);
        // The definition (computed in float64) to 1e-5, and Keras to that
        // plus Keras's own float32 error (3.7e-5 where rows sit at 10 ± 0.05).
        let got = be.download(g.value(y));
        assert_close(&format!("{} y (the definition)", name), &got, &floats(&case["y_exact"]), 1e-5);
        assert_close(&format!("{} y (Keras)", name), &got, &floats(&case["y"]), 1e-5 + case["keras_error"].as_f64().unwrap() as f32);
        // d(sum(y · r))/dy = r.
        let eps = case["epsilon"].as_f64().unwrap() as f32;
        let (dx, dgamma, dbeta) = be.layer_norm_backward(&x, &gamma, eps, &be.upload(&shape, &floats(&case["r"])));
        let keras_grad = case["keras_grad_error"].as_f64().unwrap() as f32;
        for (what, got) in [("dx", be.download(&dx)), ("dgamma", be.download(&dgamma)), ("dbeta", be.download(&dbeta))] {
            assert_close(&format!("{} {} (the definition)", name, what), &got, &floats(&case[format!("{}_exact", what)]), 1e-5);
            assert_close(&format!("{} {} (Keras)", name, what), &got, &floats(&case[what]), 1e-5 + keras_grad);
        }
    }
}

#[test]
fn layer_normalization_refuses_what_it_does_not_compute() {
    for (config, why) in [
        (json!({"name": "ln", "axis": [1, 2]}), "only the last axis"),
        (json!({"name": "ln", "axis": -1, "center": false}), "center"),
        (json!({"name": "ln", "axis": -1, "rms_scaling": true}), "rms_scaling"),
    ] {
        let err = LayerConfig::from_keras(&KerasConfig::new("LayerNormalization", &config, "model.json")).unwrap().unwrap_err().to_string();
        assert!(err.contains(why) && err.contains("ln"), "{}: {}", config, err);
    }
    let layer: LayerConfig = serde_json::from_value(json!({"type": "LayerNormalization"})).unwrap();
    assert_eq!(serde_json::to_value(&layer).unwrap(), json!({"type": "LayerNormalization", "epsilon": 1e-3f32}));
    let bad: LayerConfig = serde_json::from_value(json!({"type": "LayerNormalization", "epsilon": -1.0})).unwrap();
    assert!(bad.output_shape(&[4]).unwrap_err().to_string().contains("epsilon"));
}
