//! The command line as scripts use it: flags, JSON shapes, exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::io::Write;

use serde_json::Value;

mod common;

fn gradlab(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gradlab"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The first `n` real e-mails, as a file in `dir`.
fn mail_sample(dir: &Path, n: usize) -> PathBuf {
    let text = common::spam_text();
    let sample: String = text.lines().take(n).map(|l| format!("{}\n", l)).collect();
    let p = dir.join("mail.tsv");
    std::fs::write(&p, sample).unwrap();
    p
}

#[test]
fn train_json_save_predict_eval_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let data = mail_sample(dir.path(), 600);
    let save = dir.path().join("model");
    let o = gradlab(&["train", "--data", data.to_str().unwrap(), "--model", "bow", "--epochs", "12", "--json", "--save", save.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap_or_else(|e| panic!("not one JSON object ({}): {}", e, stdout(&o)));
    let history = v["history"].as_array().unwrap();
    assert_eq!(history.len(), 12);
    for key in ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds"] {
        assert!(history[0].get(key).is_some(), "history lacks {}", key);
    }
    assert!(history[11]["loss"].as_f64().unwrap() < history[0]["loss"].as_f64().unwrap(), "loss should fall: {:?}", history);
    assert!(v["train_samples_per_second"].as_f64().unwrap() > 0.0);
    let val = &v["validation"];
    // bow after 12 epochs on 600 e-mails removes well over half of the
    // majority class's errors (it reaches about 0.95 against about 0.7).
    common::assert_beats_majority("bow on 600 e-mails, validation", val["accuracy"].as_f64().unwrap(), &common::json_supports(val), 0.5);
    assert_eq!(val["classes"], serde_json::json!(["0", "1"]));
    assert_eq!(val["per_class"].as_array().unwrap().len(), 2);
    for key in ["label", "precision", "recall", "f1", "support"] {
        assert!(val["per_class"][0].get(key).is_some());
    }
    let cm = val["confusion_matrix"].as_array().unwrap();
    let total: u64 = cm.iter().flat_map(|r| r.as_array().unwrap()).map(|x| x.as_u64().unwrap()).sum();
    assert_eq!(total, 120, "20% of 600 rows are validated");
    assert_eq!(v["backend"]["kind"], "cpu");

    // The saved model is a TensorFlow.js layers-model with the tokenizer.
    let model_json = save.join("model.json");
    let mj: Value = serde_json::from_str(&std::fs::read_to_string(&model_json).unwrap()).unwrap();
    assert_eq!(mj["format"], "layers-model");
    // The first layer after an optional InputLayer.
    let first = mj["modelTopology"]["config"]["layers"].as_array().unwrap().iter().find(|l| l["class_name"] != "InputLayer").unwrap();
    assert_eq!(first["class_name"], "Embedding");
    assert!(mj["userDefinedMetadata"]["gradlab"]["tokenizer"]["config"]["word_index"].is_string());

    let o = gradlab(&["predict", "--model", model_json.to_str().unwrap(), "--json", "win money now, click here", "meeting notes for tomorrow"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let preds: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(preds.as_array().unwrap().len(), 2);
    let probs = preds[0]["probabilities"].as_object().unwrap();
    let sum: f64 = probs.values().map(|p| p.as_f64().unwrap()).sum();
    assert!((sum - 1.0).abs() < 1e-4);
    assert!(["0", "1"].contains(&preds[0]["label"].as_str().unwrap()));

    // Lines from standard input.
    let o = gradlab(&["predict", "--model", model_json.to_str().unwrap()], Some("one line\nanother line\n"));
    assert!(o.status.success());
    assert_eq!(stdout(&o).lines().count(), 2);

    let o = gradlab(&["eval", "--model", model_json.to_str().unwrap(), "--data", data.to_str().unwrap(), "--json"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let ev: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    common::assert_beats_majority("the saved bow model on the whole sample", ev["accuracy"].as_f64().unwrap(), &common::json_supports(&ev), 0.5);

    // A saved model trains on from its weights and tokenizer.
    let o = gradlab(&["train", "--data", data.to_str().unwrap(), "--model", model_json.to_str().unwrap(), "--epochs", "1", "--json"], None);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn same_seed_same_run_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let data = mail_sample(dir.path(), 300);
    let run = || {
        let o = gradlab(&["train", "--data", data.to_str().unwrap(), "--model", "cnn", "--epochs", "2", "--max-len", "40", "--json", "--seed", "7"], None);
        assert!(o.status.success(), "{}", stderr(&o));
        let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
        v["history"].as_array().unwrap().iter().map(|h| (h["loss"].as_f64().unwrap(), h["val_loss"].as_f64().unwrap())).collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}

#[test]
fn schedules_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = mail_sample(dir.path(), 200);
    for s in ["step:3:0.5", "exponential:10:0.9", "cosine:2:20", "plateau:0.5:1"] {
        let o = gradlab(&["train", "--data", data.to_str().unwrap(), "--model", "bow", "--epochs", "2", "--schedule", s, "--json"], None);
        assert!(o.status.success(), "{}: {}", s, stderr(&o));
    }
}

#[test]
fn human_output_looks_like_keras() {
    let dir = tempfile::tempdir().unwrap();
    let data = mail_sample(dir.path(), 200);
    let o = gradlab(&["train", "--data", data.to_str().unwrap(), "--model", "bow", "--epochs", "2"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Epoch 1/2") && out.contains("Epoch 2/2"), "{}", out);
    assert!(out.contains("val_accuracy:") && out.contains("val_loss:"), "{}", out);
    assert!(out.contains("confusion matrix"), "{}", out);
}

#[test]
fn tokenize_json_matches_keras_conventions() {
    let o = gradlab(&["tokenize", "--json", "--oov", "<OOV>", "--num-words", "4", "--max-len", "4", "--padding", "post"], Some("The cat sat.\nthe cat, the hat!\n"));
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["word_index"], serde_json::json!({"<OOV>": 1, "the": 2, "cat": 3, "sat": 4, "hat": 5}));
    assert_eq!(v["sequences"], serde_json::json!([[2, 3, 1, 0], [2, 3, 2, 1]]));
    // Without --max-len nothing is padded.
    let o = gradlab(&["tokenize"], Some("a b c\nb\n"));
    assert_eq!(stdout(&o), "2 1 3\n1\n");
}

#[test]
fn bad_input_fails_with_one_line_naming_the_fault() {
    let dir = tempfile::tempdir().unwrap();
    let data = mail_sample(dir.path(), 50);
    let d = data.to_str().unwrap();
    let one_class = dir.path().join("one.tsv");
    std::fs::write(&one_class, "a\tx y\na\ty z\n").unwrap();
    let bad_model = dir.path().join("model.json");
    std::fs::write(&bad_model, "{ not json").unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["train", "--data", "/no/such/file.tsv"], "/no/such/file.tsv"),
        (vec!["train", "--data", d, "--batch-size", "0"], "batch-size"),
        (vec!["train", "--data", d, "--lr", "NaN"], "learning-rate"),
        (vec!["train", "--data", d, "--lr", "1e9"], "learning-rate"),
        (vec!["train", "--data", d, "--max-len", "0"], "max-len"),
        (vec!["train", "--data", d, "--optimizer", "lion"], "--optimizer"),
        (vec!["train", "--data", d, "--val-split", "1.5"], "--val-split"),
        (vec!["train", "--data", d, "--schedule", "cosine:x"], "--schedule"),
        (vec!["train", "--data", one_class.to_str().unwrap()], "one class"),
        (vec!["train", "--data", d, "--model", bad_model.to_str().unwrap()], "model.json"),
        (vec!["predict", "--model", bad_model.to_str().unwrap(), "x"], "not valid JSON"),
    ];
    for (args, needle) in cases {
        let o = gradlab(&args, None);
        assert!(!o.status.success(), "{:?} should fail", args);
        let err = stderr(&o);
        assert!(err.contains(needle), "{:?}: error should name '{}': {}", args, needle, err);
        assert!(err.lines().filter(|l| !l.trim().is_empty()).count() <= 2, "{:?}: error should be short: {}", args, err);
    }
}


#[test]
fn bench_exports_the_rows_and_ids_its_peers_train_on() {
    let dir = tempfile::tempdir().unwrap();
    let data = mail_sample(dir.path(), 200);
    let out_dir = dir.path().join("export");
    let o = gradlab(&["bench", "--data", data.to_str().unwrap(), "--model", "bow", "--limit", "100", "--epochs", "2", "--export", out_dir.to_str().unwrap(), "--json"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["rows"], 100);
    assert_eq!(v["val_rows"], 40, "Keras's split: the last 20 % of 200 rows");
    assert_eq!(v["epoch_seconds"].as_array().unwrap().len(), 2);
    let acc = v["val_accuracy"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&acc));
    assert!(v["train_samples_per_s"].as_f64().unwrap() > 0.0 && v["infer_samples_per_s"].as_f64().unwrap() > 0.0);
    let ids: Value = serde_json::from_str(&std::fs::read_to_string(out_dir.join("ids.json")).unwrap()).unwrap();
    assert_eq!(ids["train"]["ids"].as_array().unwrap().len(), 100);
    assert_eq!(ids["val"]["ids"].as_array().unwrap().len(), 40);
    assert_eq!(ids["train"]["ids"][0].as_array().unwrap().len(), 100, "padded to max length");
    // rows.tsv splits back into the same rows with the exported fraction, as
    // the wasm run reads it.
    let rows = std::fs::read_to_string(out_dir.join("rows.tsv")).unwrap();
    assert_eq!(rows.lines().count(), 140);
    let f = ids["val_split"].as_f64().unwrap() as f32;
    let classes = vec![0usize; 140];
    let (t, val) = gradlab::data::split::split(&classes, f, gradlab::data::SplitMode::Last, 42);
    assert_eq!((t.len(), val.len()), (100, 40));

    let o = gradlab(&["bench", "--data", data.to_str().unwrap(), "--matmul", "8,33", "--json"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert!(v["matmul_gflops"]["33"].as_f64().unwrap() > 0.0);
    let o = gradlab(&["bench", "--data", data.to_str().unwrap(), "--matmul", "8,x"], None);
    assert!(!o.status.success() && stderr(&o).contains("'x' is not a size"));
}

fn gradlab_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gradlab")).args(args).envs(env.iter().copied()).stdin(Stdio::null()).output().unwrap()
}

#[test]
fn a_forced_gpu_without_an_adapter_is_an_error_not_a_cpu_run() {
    let dir = tempfile::tempdir().unwrap();
    let data = mail_sample(dir.path(), 50);
    // This build has only the Vulkan backend: asking wgpu for Metal leaves
    // it no adapter, as on a machine without a GPU driver.
    let o = gradlab_env(&["train", "--data", data.to_str().unwrap(), "--backend", "gpu", "--json"], &[("WGPU_BACKEND", "metal")]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("backend gpu") && err.contains("no GPU adapter"), "{}", err);
    assert!(stdout(&o).is_empty(), "nothing trained: {}", stdout(&o));
    // auto falls back to the CPU and says why.
    let o = gradlab_env(&["train", "--data", data.to_str().unwrap(), "--backend", "auto", "--epochs", "1", "--model", "bow", "--json"], &[("WGPU_BACKEND", "metal")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["backend"]["kind"], "cpu");
    assert!(v["backend"]["reason"].as_str().unwrap().contains("no GPU adapter"), "{}", v["backend"]);
}

/// Whether this machine has a GPU adapter (lavapipe counts); without one the
/// GPU command-line tests fail under GRADLAB_REQUIRE_GPU=1 and skip otherwise.
fn have_gpu() -> bool {
    common::gpu_or_skip().is_some()
}

#[test]
fn gpu_training_matches_cpu_and_survives_a_lost_device() {
    if !have_gpu() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = mail_sample(dir.path(), 200);
    let d = data.to_str().unwrap();
    let run = |backend: &str, env: &[(&str, &str)]| {
        let o = gradlab_env(&["train", "--data", d, "--model", "bow", "--epochs", "3", "--backend", backend, "--json"], env);
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_str::<Value>(&stdout(&o)).unwrap()
    };
    let cpu = run("cpu", &[]);
    let gpu = run("gpu", &[]);
    assert_eq!(gpu["backend"]["kind"], "gpu");
    assert!(!gpu["backend"]["adapter"].as_str().unwrap().is_empty());
    common::assert_same_len("gpu and cpu histories", gpu["history"].as_array().unwrap(), cpu["history"].as_array().unwrap());
    for (e, (g, c)) in gpu["history"].as_array().unwrap().iter().zip(cpu["history"].as_array().unwrap()).enumerate() {
        let (lg, lc) = (g["loss"].as_f64().unwrap(), c["loss"].as_f64().unwrap());
        assert!((lg - lc).abs() < 1e-4, "epoch {}: loss {} on the GPU, {} on the CPU", e + 1, lg, lc);
        assert_eq!(g["val_accuracy"], c["val_accuracy"], "epoch {}", e + 1);
    }
    // The device is lost in the second epoch (5 steps an epoch): training
    // goes on from the first epoch's end on the CPU, history intact, and
    // ends where a CPU-only run ends.
    let lost = run("gpu", &[("GRADLAB_TEST_LOSE_GPU_AT_STEP", "7")]);
    assert_eq!(lost["backend"]["kind"], "cpu");
    let note = lost["backend"]["notes"][0].as_str().unwrap();
    assert!(note.contains("GPU stopped") && note.contains("epoch 1"), "{}", note);
    assert_eq!(lost["history"].as_array().unwrap().len(), 3);
    common::assert_same_len("lost-device and cpu histories", lost["history"].as_array().unwrap(), cpu["history"].as_array().unwrap());
    for (g, c) in lost["history"].as_array().unwrap().iter().zip(cpu["history"].as_array().unwrap()) {
        assert!((g["loss"].as_f64().unwrap() - c["loss"].as_f64().unwrap()).abs() < 1e-4);
    }
}

#[test]
fn image_cnn_trains_on_digits_saves_and_evaluates() {
    let dir = tempfile::tempdir().unwrap();
    let digits = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/digits.csv");
    let save = dir.path().join("digits-model");
    let o = gradlab(&["train", "--data", digits, "--image-shape", "8x8x1", "--model", "image-cnn", "--epochs", "12", "--lr", "0.003", "--augment", "shift=0.05", "--json", "--save", save.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap_or_else(|e| panic!("not one JSON object ({}): {}", e, stdout(&o)));
    assert_eq!(v["history"].as_array().unwrap().len(), 12);
    let acc = v["validation"]["accuracy"].as_f64().unwrap();
    // Ten balanced digits: the majority class scores about 0.1.
    common::assert_beats_majority("image-cnn on digits, validation", acc, &common::json_supports(&v["validation"]), 0.9);
    assert_eq!(v["validation"]["classes"].as_array().unwrap().len(), 10);
    assert!(v["train_samples_per_second"].as_f64().unwrap() > 0.0);
    let model_json: Value = serde_json::from_str(&std::fs::read_to_string(save.join("model.json")).unwrap()).unwrap();
    let layers = model_json.pointer("/modelTopology/config/layers").unwrap().as_array().unwrap();
    assert_eq!(layers[0]["class_name"], "Conv2D");
    assert_eq!(layers[0]["config"]["batch_input_shape"], serde_json::json!([null, 8, 8, 1]));
    assert_eq!(model_json.pointer("/userDefinedMetadata/gradlab/scaling/kind").unwrap(), "unit");
    // The saved model evaluates raw pixels: its scaling travels with it.
    let o = gradlab(&["eval", "--model", save.join("model.json").to_str().unwrap(), "--data", digits, "--json"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let e: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    common::assert_beats_majority("the saved image-cnn on all digits", e["accuracy"].as_f64().unwrap(), &common::json_supports(&e), 0.9);
    // Training the saved model further keeps its layers and scaling.
    let o = gradlab(&["train", "--data", digits, "--model", save.join("model.json").to_str().unwrap(), "--epochs", "1", "--json"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = gradlab(&["predict", "--model", save.join("model.json").to_str().unwrap(), "hello"], None);
    assert!(!o.status.success() && stderr(&o).contains("image model"), "{}", stderr(&o));
}

#[test]
fn bad_image_flags_name_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("px.csv");
    std::fs::write(&data, "a,1,2,3,4\nb,4,3,2,1\na,0,0,0,0\nb,9,9,9,9\n").unwrap();
    let d = data.to_str().unwrap();
    let o = gradlab(&["train", "--data", d, "--image-shape", "2by2", "--model", "image-cnn"], None);
    assert!(stderr(&o).contains("--image-shape") && stderr(&o).contains("2by2"), "{}", stderr(&o));
    let o = gradlab(&["train", "--data", d, "--image-shape", "2x2", "--augment", "rotate=500"], None);
    assert!(stderr(&o).contains("--augment") && stderr(&o).contains("500"), "{}", stderr(&o));
    let o = gradlab(&["train", "--data", d, "--image-shape", "2x2", "--scale", "log"], None);
    assert!(stderr(&o).contains("--scale"), "{}", stderr(&o));
    // 2×2 images are too small for image-cnn's 3×3 kernel: the layer is named.
    let o = gradlab(&["train", "--data", d, "--image-shape", "2x2", "--model", "image-cnn"], None);
    assert!(!o.status.success() && stderr(&o).contains("layer 1") && stderr(&o).contains("Conv2D"), "{}", stderr(&o));
}

#[test]
fn bench_exports_the_images_its_peers_train_on() {
    let dir = tempfile::tempdir().unwrap();
    let digits = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/digits.csv");
    let out_dir = dir.path().join("export");
    let o = gradlab(&["bench", "--data", digits, "--model", "image-cnn", "--image-shape", "8x8x1", "--limit", "200", "--epochs", "1", "--export", out_dir.to_str().unwrap(), "--json"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["rows"], 200);
    assert!(v["val_accuracy"].as_f64().is_some_and(|a| (0.0..=1.0).contains(&a)));
    let ids: Value = serde_json::from_str(&std::fs::read_to_string(out_dir.join("ids.json")).unwrap()).unwrap();
    assert_eq!(ids["kind"], "image");
    assert_eq!(ids["image_shape"], serde_json::json!([8, 8, 1]));
    let train = ids["train"]["ids"].as_array().unwrap();
    assert_eq!(train.len(), 200);
    assert_eq!(train[0].as_array().unwrap().len(), 64);
    // The peers train on scaled pixels in [0, 1]; rows.csv keeps the raw ones for the wasm path.
    assert!(train.iter().flat_map(|r| r.as_array().unwrap()).all(|p| (0.0..=1.0).contains(&p.as_f64().unwrap())));
    let csv = std::fs::read_to_string(out_dir.join("rows.csv")).unwrap();
    let val = ids["val"]["ids"].as_array().unwrap().len();
    assert_eq!(csv.lines().filter(|l| !l.starts_with("label")).count(), 200 + val);
}
