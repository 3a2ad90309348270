//! Defects found by trying the lab as a new user would: binary files given
//! as data, negative numbers for whole-number flags, a GPU failure that is
//! not a lost device, and a model uploaded with no data to train it on.

use std::path::Path;
use std::process::{Command, Output};

use gradlab::lab::Lab;

mod common;

fn gradlab_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gradlab"));
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn gradlab(args: &[&str]) -> Output {
    gradlab_env(args, &[])
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// No byte that moves a terminal's cursor, rings its bell or starts an escape.
#[track_caller]
fn assert_no_control_bytes(what: &str, bytes: &[u8]) {
    if let Some(b) = bytes.iter().find(|&&b| (b < 0x20 && b != b'\n' && b != b'\t') || b == 0x7f) {
        panic!("{} prints control byte {:#04x}: {:?}", what, b, String::from_utf8_lossy(bytes));
    }
}

/// A few "files" that are not text: a zip-like archive header, a PNG's
/// signature and chunks, and random bytes, some with tabs and newlines so
/// that a line-based parser could read label/text pairs out of them.
fn binary_files() -> Vec<(&'static str, Vec<u8>)> {
    let mut zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00".to_vec();
    zip.extend(b"\xc5\x98SY\t\x1b[31m\x07\x00\x00\nmimetypeapplication/epub\x00\x00\t\x01\x02\n".repeat(40));
    let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x08".to_vec();
    png.extend((0..4000u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8));
    let noisy: Vec<u8> = (0..6000u32).map(|i| match i % 37 {
        0 => b'\n',
        5 => b'\t',
        _ => (i.wrapping_mul(40503) >> 7) as u8,
    }).collect();
    vec![("zip", zip), ("png", png), ("noise", noisy)]
}

#[test]
fn a_binary_file_is_named_binary_and_no_control_byte_is_printed() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in binary_files() {
        let p = dir.path().join(format!("{}.bin", name));
        std::fs::write(&p, &bytes).unwrap();
        let o = gradlab(&["train", "--data", p.to_str().unwrap(), "--epochs", "1"]);
        assert_eq!(o.status.code(), Some(1), "{}: {}", name, stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("data is binary, not text") && err.contains("line "), "{}: {}", name, err);
        assert!(!err.contains("only one class"), "{}: {}", name, err);
        assert_no_control_bytes(name, &o.stderr);
        assert_no_control_bytes(name, &o.stdout);
        // The same through the library, as the page calls it.
        let text = String::from_utf8_lossy(&bytes);
        let e = Lab::new().load_data(&text).unwrap_err().to_string();
        assert!(e.starts_with("data is binary, not text (a NUL or control byte on line "), "{}: {}", name, e);
    }
    // Text with a few stray bytes, as real mail has, is still text.
    let p = dir.path().join("mail.tsv");
    let mut mail = String::new();
    for i in 0..40 {
        mail.push_str(&format!("{}\tHello \u{FFFD} there, message number {} about the meeting\n", if i % 2 == 0 { "ham" } else { "spam" }, i));
    }
    std::fs::write(&p, mail).unwrap();
    let o = gradlab(&["train", "--data", p.to_str().unwrap(), "--model", "bow", "--epochs", "1", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn labels_with_control_characters_are_escaped_in_messages() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("one.tsv");
    std::fs::write(&p, "bad\u{1b}[2Jlabel\tfirst text\nbad\u{1b}[2Jlabel\tsecond text\n").unwrap();
    let o = gradlab(&["train", "--data", p.to_str().unwrap(), "--epochs", "1"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("only one class ('bad\\u{1b}[2Jlabel')"), "{}", stderr(&o));
    assert_no_control_bytes("one-class message", &o.stderr);
}

#[test]
fn negative_and_out_of_range_whole_numbers_name_the_flag_and_its_range() {
    let data = common::spam_path();
    let d = data.to_str().unwrap();
    for (flag, value, range) in [
        ("--epochs", "-1", "1..=100000"),
        ("--epochs", "0", "1..=100000"),
        ("--batch-size", "-32", "1..=65536"),
        ("--num-words", "-5", "2..=5000000"),
        ("--max-len", "-100", "1..=10000"),
        ("--patience", "-2", "1..=100000"),
        ("--seed", "-7", "0.."),
    ] {
        let o = gradlab(&["train", "--data", d, flag, value]);
        assert_eq!(o.status.code(), Some(2), "{} {}: {}", flag, value, stderr(&o));
        let err = stderr(&o);
        assert!(err.contains(&format!("invalid value '{}' for '{}", value, flag)) && err.contains(range), "{} {}: {}", flag, value, err);
    }
    // Negative decimals reach the engine's own checks, which name them too.
    for (flag, value) in [("--val-split", "-0.2"), ("--lr", "-0.001")] {
        let o = gradlab(&["train", "--data", d, flag, value]);
        assert_eq!(o.status.code(), Some(1), "{} {}: {}", flag, value, stderr(&o));
        let err = stderr(&o);
        assert!(err.contains(value) && (err.contains(flag) || err.contains("learning rate")), "{} {}: {}", flag, value, err);
    }
}

#[test]
fn a_gpu_failure_that_is_not_a_lost_device_stops_the_run() {
    if common::gpu_or_skip().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let text: String = common::spam_text().lines().take(200).map(|l| format!("{}\n", l)).collect();
    let data = dir.path().join("mail.tsv");
    std::fs::write(&data, text).unwrap();
    let o = gradlab_env(&["train", "--data", data.to_str().unwrap(), "--model", "bow", "--epochs", "2", "--backend", "gpu", "--json"], &[("GRADLAB_TEST_GPU_PANIC_AT_STEP", "3")]);
    assert_eq!(o.status.code(), Some(1), "a failing GPU run must exit non-zero: {}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("backend gpu: training failed at step 4") && err.contains("test failure injected at step 3") && err.contains("bug"), "{}", err);
    assert!(o.stdout.is_empty(), "no result may be printed for a run that stopped: {}", String::from_utf8_lossy(&o.stdout));
}

/// A saved bow model (model.json, weights) trained on ham/spam mail.
fn saved_model(dir: &Path) -> (String, Vec<u8>) {
    let text: String = common::spam_text().lines().take(300).map(|l| format!("{}\n", l)).collect();
    let data = dir.join("mail.tsv");
    std::fs::write(&data, text).unwrap();
    let save = dir.join("model");
    let o = gradlab(&["train", "--data", data.to_str().unwrap(), "--model", "bow", "--epochs", "2", "--json", "--save", save.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    (std::fs::read_to_string(save.join("model.json")).unwrap(), std::fs::read(save.join("group1-shard1of1.bin")).unwrap())
}

#[test]
fn an_uploaded_model_without_its_data_predicts_but_says_what_training_needs() {
    let dir = tempfile::tempdir().unwrap();
    let (json, weights) = saved_model(dir.path());

    // Before any data: it predicts, and training names what is missing
    // instead of training on a placeholder row.
    let mut lab = Lab::new();
    lab.import_model(&json, &weights).unwrap();
    let p = lab.predict("Congratulations, you have won a free cruise, click here now").unwrap();
    assert!(p.probabilities.iter().all(|(_, v)| v.is_finite()) && (p.probabilities.iter().map(|(_, v)| v).sum::<f32>() - 1.0).abs() < 1e-4, "{:?}", p.probabilities);
    let e = lab.train_slice(50.0, 4, false).unwrap_err().to_string();
    assert!(e.contains("the uploaded model has no rows to train on") && e.contains("'0', '1'"), "{}", e);
    assert!(lab.missing().iter().any(|m| m.to_string().contains("no rows to train on")), "{:?}", lab.missing());
    assert_eq!(lab.progress().new_batches.len(), 0, "nothing may have trained");

    // Data with other classes: named, both sets of classes.
    let other: String = (0..40).map(|i| format!("{}\tsome words for row {}\n", if i % 2 == 0 { "pos" } else { "neg" }, i)).collect();
    lab.load_data(&other).unwrap();
    lab.import_model(&json, &weights).unwrap();
    let e = lab.train_slice(50.0, 4, false).unwrap_err().to_string();
    assert!(e.contains("classes ('0', '1') differ from those of the rows loaded ('neg', 'pos')"), "{}", e);

    // Data with the model's classes: it trains further.
    let same: String = common::spam_text().lines().skip(300).take(200).map(|l| format!("{}\n", l)).collect();
    lab.load_data(&same).unwrap();
    lab.import_model(&json, &weights).unwrap();
    let progress = lab.train_slice(1e9, 3, false).unwrap();
    assert_eq!(progress.new_batches.len(), 3, "{:?}", progress);
    assert!(lab.missing().is_empty(), "{:?}", lab.missing());
}

#[test]
fn schedules_keras_refuses_are_refused_with_the_flag_named() {
    let data = common::spam_path();
    let d = data.to_str().unwrap();
    for (spec, want) in [
        ("plateau:1.5:2", "between 0 and 1"),
        ("plateau:1:2", "between 0 and 1"),
        ("exponential:0.5:0.9", "exponential:STEPS:RATE"),
        ("step:0:0.5", "step:EVERY:GAMMA"),
        ("cosine:10:0", "cosine:WARMUP:STEPS"),
    ] {
        let o = gradlab(&["train", "--data", d, "--schedule", spec, "--epochs", "1"]);
        assert_eq!(o.status.code(), Some(1), "{}: {}", spec, stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("invalid value for --schedule") && err.contains(want), "{}: {}", spec, err);
    }
}

#[test]
fn a_model_tensorflow_js_cannot_load_says_so_before_the_download() {
    let mut lab = Lab::new();
    let rows: String = common::spam_text().lines().take(120).map(|l| format!("{}\n", l)).collect();
    lab.load_data(&rows).unwrap();
    assert!(lab.summary().unwrap().tfjs_incompatibilities.is_empty(), "the lstm preset loads in TF.js");
    let mut s = lab.settings.clone();
    s.preset = "custom".into();
    s.layers = Some(
        [r#"{"type":"Embedding","input_dim":10000,"output_dim":8,"mask_zero":true}"#, r#"{"type":"GRU","units":8}"#, r#"{"type":"Dense","units":2,"activation":"softmax"}"#]
            .iter()
            .map(|j| serde_json::from_str(j).unwrap())
            .collect(),
    );
    lab.set_settings(s).unwrap();
    let warnings = lab.summary().unwrap().tfjs_incompatibilities;
    assert_eq!(warnings.len(), 1, "{:?}", warnings);
    assert!(warnings[0].to_string().starts_with("layer 2, GRU") && warnings[0].to_string().contains("TensorFlow.js cannot load this model"), "{}", warnings[0]);
}
