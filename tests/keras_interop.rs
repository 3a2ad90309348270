//! Models gradlab saved, opened in Keras 3 (TensorFlow 2.21) by
//! tools/keras_load.py, saved as .keras, loaded back with
//! keras.saving.load_model: they predict what gradlab predicts, to 1e-5,
//! for every preset and models using every layer, and the tokenizer travels
//! (tests/reference/keras_interop.py does the Keras side).
//!
//! Needs the Keras environment at target/bench/venv, which `./lab test`
//! creates (python3 -m venv; pip install tensorflow-cpu==2.21.0
//! keras-preprocessing==1.1.2). Without it this test fails, saying so.

#[path = "interop/cases.rs"]
mod cases;

#[test]
fn gradlab_models_predict_the_same_in_keras() {
    let python = cases::root().join("target/bench/venv/bin/python");
    assert!(python.is_file(), "{} is missing: ./lab test creates the Keras environment (python3 -m venv target/bench/venv; target/bench/venv/bin/pip install tensorflow-cpu==2.21.0 keras-preprocessing==1.1.2)", python.display());
    let tmp = tempfile::tempdir().unwrap();
    let cases = cases::build(tmp.path());
    let cases_json = tmp.path().join("cases.json");
    cases::write_json(&cases, &cases_json);
    let out = std::process::Command::new(&python).arg(cases::root().join("tests/reference/keras_interop.py")).arg(&cases_json).arg(tmp.path()).output().expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{}", stdout);
    assert!(out.status.success(), "tests/reference/keras_interop.py failed:\n{}\n{}", stdout, String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(&format!("all {} models agree", cases.len())), "{}", stdout);
    check_way_back(tmp.path(), &cases);
}

/// The way back, after the test above: each model, trained on for an epoch
/// in Keras and written by tools/keras_save.py, loads in gradlab and
/// predicts what Keras predicts.
fn check_way_back(dir: &std::path::Path, cases: &[cases::Case]) {
    use gradlab::backend::CpuBackend;
    use gradlab::io::tfjs;
    use gradlab::model::Model;
    for c in cases {
        let back = dir.join("back").join(&c.name);
        let saved = tfjs::load(&back.join("model.json")).unwrap_or_else(|e| panic!("{}: gradlab cannot read what keras_save.py wrote: {}", c.name, e));
        assert_eq!(saved.layers, c.layers, "{}: the layers changed on the way through Keras", c.name);
        assert_eq!(saved.wiring, c.wiring, "{}: the graph changed on the way through Keras", c.name);
        let original = tfjs::load(&c.dir.join("model.json")).unwrap();
        assert_eq!(saved.metadata, original.metadata, "{}: the tokenizer, labels or scaling changed", c.name);
        assert_ne!(saved.weights, original.weights, "{}: Keras's training changed no weight", c.name);
        let keras: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(back.join("keras.json")).unwrap()).unwrap();
        let model = Model::with_weights_wired(CpuBackend, &saved.layers, saved.wiring.as_deref(), &saved.input_shape, saved.weights).unwrap();
        let got = cases::predict_rows(&model, &c.inputs);
        let mut worst = 0.0f32;
        assert_eq!(got.len(), keras["output"].as_array().unwrap().len(), "{}: rows", c.name);
        for (i, (g, k)) in got.iter().zip(keras["output"].as_array().unwrap()).enumerate() {
            let k: Vec<Option<f64>> = k.as_array().unwrap().iter().map(|v| v.as_f64()).collect();
            if k.iter().any(|v| v.is_none()) {
                // Keras's 0/0 on a text without a token (see keras_interop.py).
                assert!(c.inputs[i].iter().all(|&v| v == 0.0), "{} row {}: NaN in Keras on a text with tokens", c.name, i);
                continue;
            }
            for (a, b) in g.iter().zip(&k) {
                worst = worst.max((*a as f64 - b.unwrap()).abs() as f32);
            }
        }
        println!("{:<28} back in gradlab after an epoch in Keras: max |gradlab − Keras| = {:.2e}", c.name, worst);
        assert!(worst <= 1e-5, "{}: gradlab differs from Keras by {:.3e} after the way back", c.name, worst);
    }
}
