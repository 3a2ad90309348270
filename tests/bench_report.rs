//! `gradlab bench` reports only what it measured: accuracy beside the
//! majority-class baseline of its validation rows, "did not learn" for a
//! model that does not beat it, figures with their spreads, and no peer
//! figures of its own (the peers are `./lab bench`'s).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn gradlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gradlab")).args(args).output().unwrap()
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

/// `n` rows whose labels are `label(i)` and whose texts are `body(i)`.
fn rows(dir: &Path, name: &str, n: usize, label: impl Fn(usize) -> &'static str, body: impl Fn(usize) -> String) -> PathBuf {
    let p = dir.join(name);
    let s: String = (0..n).map(|i| format!("{}\t{}\n", label(i), body(i))).collect();
    std::fs::write(&p, s).unwrap();
    p
}

fn bench_json(data: &Path, model: &str, epochs: &str) -> Value {
    let o = gradlab(&["bench", "--data", data.to_str().unwrap(), "--model", model, "--epochs", epochs, "--json"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("not one JSON object ({e}): {out}"))
}

// 200 rows, Keras's split: the last 40 validate. Every 4th row is "b", so
// the validation rows are 30 "a" and 10 "b": a baseline of 0.75.
fn label(i: usize) -> &'static str {
    if i % 4 == 3 { "b" } else { "a" }
}

#[test]
fn a_model_that_cannot_beat_the_majority_class_is_reported_as_not_learning() {
    let dir = tempfile::tempdir().unwrap();
    // Every row one word of its own: the validation rows' words were never
    // seen in training, so they all encode alike (out of vocabulary) and get
    // the same prediction: accuracy is at most the majority share, whatever the weights.
    let data = rows(dir.path(), "unseen.tsv", 200, label, |i| format!("w{i}x"));
    let v = bench_json(&data, "bow", "2");
    assert_eq!(v["val_rows"], 40);
    assert_eq!(v["majority_baseline"].as_f64(), Some(0.75), "{v}");
    let acc = v["val_accuracy"].as_f64().unwrap();
    assert!(acc <= 0.75, "{v}");
    assert_eq!(v["learned"], false, "{v}");

    let o = gradlab(&["bench", "--data", data.to_str().unwrap(), "--model", "bow", "--epochs", "2"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.contains("majority-class baseline of the validation rows is 0.7500"), "{out}");
    assert!(out.contains("did not learn"), "{out}");
}

#[test]
fn a_model_that_beats_the_majority_class_is_reported_as_learning() {
    let dir = tempfile::tempdir().unwrap();
    // The label is in the words: bow learns it.
    let data = rows(dir.path(), "words.tsv", 200, label, |i| if label(i) == "b" { format!("cheap pills buy now offer {i}") } else { format!("meeting notes for the agenda {i}") });
    let v = bench_json(&data, "bow", "30");
    assert_eq!(v["majority_baseline"].as_f64(), Some(0.75), "{v}");
    let acc = v["val_accuracy"].as_f64().unwrap();
    assert!(acc > 0.95, "bow should separate the two vocabularies: {v}");
    assert_eq!(v["learned"], true, "{v}");

    // Each timed epoch is a figure (the 29 after the first) and the reported
    // speed is their median; inference is 3 timed passes.
    let n = v["rows"].as_f64().unwrap();
    let epoch_seconds: Vec<f64> = v["epoch_seconds"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
    let each: Vec<f64> = v["epoch_samples_per_s"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
    assert_eq!(epoch_seconds.len(), 30);
    assert_eq!(each.len(), 29, "the first epoch is not timed when there are several");
    for (s, sps) in epoch_seconds[1..].iter().zip(&each) {
        assert!((n / s - sps).abs() <= 1e-9 * sps, "{s} s for {n} rows is not {sps}/s");
    }
    let mut sorted = each.clone();
    sorted.sort_by(f64::total_cmp);
    assert_eq!(v["train_samples_per_s"].as_f64(), Some(sorted[14]), "the median of 29 figures");
    assert_eq!(v["infer_seconds"].as_array().unwrap().len(), 3);
    assert!(v["timed_epochs"].as_str().unwrap().contains("epochs 2–30"), "{v}");

    let one = bench_json(&data, "bow", "1");
    assert_eq!(one["epoch_samples_per_s"].as_array().unwrap().len(), 1, "one epoch: it is the timed one");
    assert!(one["timed_epochs"].as_str().unwrap().contains("epoch 1"), "{one}");
}

#[test]
fn gradlab_bench_prints_no_peer_figures_and_says_who_compares() {
    let dir = tempfile::tempdir().unwrap();
    let data = rows(dir.path(), "words.tsv", 200, label, |i| format!("row {i} words"));
    let o = gradlab(&["bench", "--data", data.to_str().unwrap(), "--model", "lstm", "--limit", "64", "--epochs", "2"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    // It measured gradlab only: no Keras or TensorFlow.js figure, no ratio to one.
    assert!(!out.contains("reference") && !out.contains("vs "), "{out}");
    assert!(out.contains("./lab bench"), "{out}");
    assert!(out.contains("the median of epoch 2"), "{out}");
}
