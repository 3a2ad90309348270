//! gradlab's fresh weights against Keras's (tests/fixtures/init_reference.json, made by
//! tests/reference/make_init_reference.py). The goldens set weights to a pattern, so only this
//! sees an initialiser: for every layer and weight, the same count of values, the same scale
//! (root mean square) and, where Keras draws uniformly or fills a constant, the same largest
//! magnitude — the uniform limit.

use gradlab::nn::LayerConfig;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

fn fixture() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/init_reference.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn stats(w: &[f32]) -> (f64, f64, f64) {
    let n = w.len().max(1) as f64;
    let max = w.iter().fold(0.0f64, |m, &v| m.max((v as f64).abs()));
    let rms = (w.iter().map(|&v| (v as f64) * (v as f64)).sum::<f64>() / n).sqrt();
    let mean = w.iter().map(|&v| v as f64).sum::<f64>() / n;
    (max, rms, mean)
}

fn close(got: f64, want: f64, rel: f64) -> bool {
    (got - want).abs() <= rel * want.abs() + 1e-9
}

#[test]
fn every_layer_starts_where_keras_starts() {
    let doc = fixture();
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in doc["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let layer: LayerConfig = serde_json::from_value(case["layer"].clone()).unwrap();
        let shapes: Vec<Vec<usize>> = serde_json::from_value(case["input_shapes"].clone()).unwrap();
        let inputs: Vec<&[usize]> = shapes.iter().map(|s| s.as_slice()).collect();
        let specs = layer.weights_for(&inputs);
        let values = layer.init_for(&inputs, &mut ChaCha8Rng::seed_from_u64(3));
        let keras = case["weights"].as_array().unwrap();
        assert_eq!(specs.len(), keras.len(), "{}: {} weights, Keras has {}", name, specs.len(), keras.len());
        assert_eq!(values.len(), keras.len(), "{}: init gave {} weights", name, values.len());
        for ((spec, w), k) in specs.iter().zip(&values).zip(keras) {
            let path = k["path"].as_str().unwrap();
            let count: usize = k["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).product();
            assert_eq!(w.len(), count, "{}: {} has {} values, Keras's {} has {}", name, spec.name, w.len(), path, count);
            let (max, rms, mean) = stats(w);
            let (k_max, k_rms, k_mean) = (k["max_abs"].as_f64().unwrap(), k["rms"].as_f64().unwrap(), k["mean"].as_f64().unwrap());
            // Uniform draws have max/rms = √3; constants max = rms. Others
            // (the orthogonal recurrent kernels) are held to their scale.
            let bounded = k_rms == 0.0 || (k_max / k_rms - 3f64.sqrt()).abs() < 0.05 || (k_max - k_rms).abs() < 1e-9;
            let mut wrong = Vec::new();
            if !close(rms, k_rms, 0.05) {
                wrong.push(format!("rms {:.4} (Keras {:.4})", rms, k_rms));
            }
            if bounded && !close(max, k_max, 0.03) {
                wrong.push(format!("largest {:.4} (Keras {:.4})", max, k_max));
            }
            if (mean - k_mean).abs() > 0.1 * k_rms + 1e-9 {
                wrong.push(format!("mean {:.4} (Keras {:.4})", mean, k_mean));
            }
            if !wrong.is_empty() {
                failures.push(format!("{}: {} ({}): {}", name, spec.name, path, wrong.join(", ")));
            }
            checked += 1;
        }
    }
    assert!(checked >= 70, "only {} weights checked", checked);
    assert!(failures.is_empty(), "{} of {} weights start unlike Keras's:\n{}", failures.len(), checked, failures.join("\n"));
}
