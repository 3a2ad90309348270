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
}
