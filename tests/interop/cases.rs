//! The models that the reference tools load (tests/tfjs_interop.rs for
//! TensorFlow.js, tests/keras_interop.rs for Keras): every preset, masked
//! and not, and models that between them use every layer gradlab has, all
//! trained briefly by the `gradlab train` command on real data and saved
//! with `--save`, with what gradlab predicts for them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use gradlab::backend::{CpuBackend, Padding};
use gradlab::data::{encode, image, TextSettings};
use gradlab::io::tfjs;
use gradlab::model::Model;
use gradlab::nn::activation::Activation;
use gradlab::nn::{Add, Concatenate, MultiHeadAttention, BatchNormalization, LayerNormalization, Conv1D, Conv2D, Dense, Dropout, Embedding, Flatten, GlobalAveragePooling1D, GlobalMaxPooling1D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, Gru, LayerConfig, Lstm, MaxPooling2D, Pair, Pooling2D};
use serde_json::{json, Value};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One saved model and what gradlab predicts for it.
pub struct Case {
    pub name: String,
    pub dir: PathBuf,
    pub layers: Vec<LayerConfig>,
    /// A functional graph's wiring (None: Sequential).
    pub wiring: Option<Vec<Vec<usize>>>,
    /// The rows the model reads: token ids, or an image's scaled pixels.
    pub inputs: Vec<Vec<f32>>,
    /// The texts behind the ids (text models).
    pub texts: Option<Vec<String>>,
    /// gradlab's probabilities, one row per input (a language model's
    /// logits at every position, one after another).
    pub gradlab: Vec<Vec<f32>>,
    /// A language model: next-token logits at every position.
    pub lm: bool,
}

/// What a model predicts for each input row: its probabilities, or for a
/// language model the logits of every position in one row.
pub fn predict_rows(model: &Model<CpuBackend>, inputs: &[Vec<f32>]) -> Vec<Vec<f32>> {
    let rows = model.predict(inputs, 8);
    let k = model.positions();
    rows.chunks(k).map(|c| c.concat()).collect()
}

fn gradlab(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_gradlab")).args(args).output().expect("run gradlab");
    assert!(out.status.success(), "gradlab {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Real e-mails to predict: texts the models did not train on, whole (cut
/// to the model's length by the tokenizer) and as short openings, so many
/// rows end in padding; plus an empty text and one of punctuation only,
/// which leave no token at all.
fn sentences() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("../shared/data/spamassassin.tsv")).expect("../shared/data/spamassassin.tsv");
    let rows: Vec<&str> = text.lines().skip(5000).filter_map(|l| l.split_once('\t').map(|(_, t)| t)).take(24).collect();
    assert_eq!(rows.len(), 24);
    let mut out: Vec<String> = rows[..12].iter().map(|s| s.to_string()).collect();
    for s in &rows[12..] {
        out.push(s.split_whitespace().take(3 + s.len() % 9).collect::<Vec<_>>().join(" "));
    }
    out.push(String::new());
    out.push("!!! ??? ...".into());
    out
}

/// A layer list as a model.json without metadata, for `gradlab train --model`.
fn topology_file(dir: &Path, name: &str, layers: &[LayerConfig], wiring: Option<&[Vec<usize>]>, input_shape: &[usize]) -> PathBuf {
    let model = Model::new_wired(CpuBackend, layers, wiring, input_shape, 7).unwrap_or_else(|e| panic!("{}: {}", name, e));
    let d = dir.join(format!("{}-init", name));
    tfjs::save_dir(&d, layers, wiring, input_shape, &model.get_weights(), None).unwrap();
    d.join("model.json")
}

fn text_case(dir: &Path, train: &Path, name: &str, model: &str, extra: &[&str]) -> Case {
    let save = dir.join(name);
    let mut args = vec!["train", "--data", train.to_str().unwrap(), "--model", model, "--epochs", "2", "--batch-size", "16", "--num-words", "1500", "--max-len", "40", "--save", save.to_str().unwrap(), "--json"];
    args.extend_from_slice(extra);
    gradlab(&args);
    let saved = tfjs::load(&save.join("model.json")).unwrap();
    let meta = saved.metadata.clone().expect("metadata");
    let tok = meta.tokenizer.as_ref().expect("tokenizer");
    let texts = sentences();
    let settings = TextSettings { max_len: saved.input_shape[0], padding: meta.padding, truncating: meta.truncating, ..TextSettings::default() };
    let inputs = encode(tok, &texts, &settings);
    // gradlab predict's own probabilities, per label.
    let model_json = save.join("model.json");
    let mut args = vec!["predict", "--model", model_json.to_str().unwrap(), "--json"];
    args.extend(texts.iter().map(|t| t.as_str()));
    let out: Value = serde_json::from_str(&gradlab(&args)).unwrap();
    let rows = out.as_array().unwrap();
    assert_eq!(rows.len(), texts.len());
    let gradlab = rows.iter().map(|r| meta.labels.iter().map(|l| r["probabilities"][l].as_f64().unwrap_or_else(|| panic!("{}: no probability for {}", name, l)) as f32).collect()).collect();
    Case { name: name.into(), dir: save, layers: saved.layers, wiring: saved.wiring, inputs, texts: Some(texts), gradlab, lm: false }
}

/// A small GPT trained by `gradlab train --task lm` on the e-mails' text,
/// and its logits for windows of text it did not train on.
fn lm_case(dir: &Path, name: &str, extra: &[&str]) -> Case {
    let text = std::fs::read_to_string(root().join("../shared/data/spamassassin.tsv")).unwrap();
    let body = |from: usize, n: usize| text.lines().skip(from).take(n).filter_map(|l| l.split_once('\t').map(|(_, t)| t.to_string())).collect::<Vec<_>>().join("\n");
    let corpus = dir.join(format!("{}.txt", name));
    std::fs::write(&corpus, body(0, 120)).unwrap();
    let save = dir.join(name);
    let mut args = vec!["train", "--task", "lm", "--data", corpus.to_str().unwrap(), "--steps", "30", "--layers", "2", "--heads", "2", "--d-model", "16", "--ffn", "32", "--context", "24", "--save", save.to_str().unwrap(), "--json"];
    args.extend_from_slice(extra);
    gradlab(&args);
    let saved = tfjs::load(&save.join("model.json")).unwrap();
    let meta = saved.metadata.as_ref().and_then(|m| m.language_model.clone()).expect("a language model's metadata");
    let ids = meta.tokenizer.encode(&body(5000, 20));
    let inputs: Vec<Vec<f32>> = ids.chunks_exact(meta.context).take(10).map(|w| w.iter().map(|&i| i as f32).collect()).collect();
    assert_eq!(inputs.len(), 10);
    let model = Model::with_weights_wired(CpuBackend, &saved.layers, saved.wiring.as_deref(), &saved.input_shape, saved.weights.clone()).unwrap();
    let gradlab = predict_rows(&model, &inputs);
    Case { name: name.into(), dir: save, layers: saved.layers, wiring: saved.wiring, inputs, texts: None, gradlab, lm: true }
}

fn image_case(dir: &Path, name: &str, model: &str) -> Case {
    let save = dir.join(name);
    let digits = root().join("samples/digits.csv");
    gradlab(&["train", "--data", digits.to_str().unwrap(), "--image-shape", "8x8x1", "--model", model, "--epochs", "2", "--save", save.to_str().unwrap(), "--json"]);
    let saved = tfjs::load(&save.join("model.json")).unwrap();
    let scaling = saved.metadata.as_ref().and_then(|m| m.scaling).expect("scaling");
    let set = image::parse_csv(&std::fs::read_to_string(&digits).unwrap(), Some([8, 8, 1]), None).unwrap();
    let inputs: Vec<Vec<f32>> = set.pixels.iter().skip(1700).take(24).map(|p| scaling.apply(p)).collect();
    // What gradlab predicts for images (`gradlab predict` reads text, so
    // this is its library call, as `gradlab eval` and the page make it).
    let model = Model::with_weights_wired(CpuBackend, &saved.layers, saved.wiring.as_deref(), &saved.input_shape, saved.weights.clone()).unwrap();
    let gradlab = model.predict(&inputs, 8);
    Case { name: name.into(), dir: save, layers: saved.layers, wiring: saved.wiring, inputs, texts: None, gradlab, lm: false }
}

/// Every preset and every layer, trained and saved by `gradlab train`.
pub fn build(dir: &Path) -> Vec<Case> {
    let train = dir.join("train.tsv");
    let text = std::fs::read_to_string(root().join("../shared/data/spamassassin.tsv")).unwrap();
    std::fs::write(&train, text.lines().take(480).collect::<Vec<_>>().join("\n")).unwrap();
    let dense = |units, activation| LayerConfig::Dense(Dense::new(units, activation));
    let emb = |output_dim, mask_zero| LayerConfig::Embedding(Embedding { input_dim: 1500, output_dim, mask_zero });
    let conv1d = |filters, kernel_size, strides, activation| LayerConfig::Conv1D(Conv1D { filters, kernel_size, strides, activation });
    let conv2d = |filters, k, s, padding, activation| LayerConfig::Conv2D(Conv2D { filters, kernel_size: Pair([k, k]), strides: Pair([s, s]), padding, activation });
    let bn = || LayerConfig::BatchNormalization(BatchNormalization { momentum: 0.9, epsilon: 1e-3 });
    let ln = |epsilon| LayerConfig::LayerNormalization(LayerNormalization { epsilon });
    let text_models: Vec<(&str, Vec<LayerConfig>)> = vec![
        // The mask through Dense (leaky_relu: a LeakyReLU layer in TF.js), Dropout, BatchNormalization and
        // LayerNormalization into an LSTM's sequences, then a masked average of those.
        ("every-masked-lstm-average", vec![emb(16, true), dense(12, Activation::LeakyRelu), LayerConfig::Dropout(Dropout { rate: 0.2 }), bn(), ln(1e-3), LayerConfig::Lstm(Lstm::new(10, true)), LayerConfig::GlobalAveragePooling1D(GlobalAveragePooling1D {}), dense(8, Activation::Gelu), dense(2, Activation::Softmax)]),
        // A masked LSTM's sequences (padding steps included) into max pooling.
        ("every-masked-lstm-max", vec![emb(12, true), LayerConfig::Lstm(Lstm::new(8, true)), LayerConfig::GlobalMaxPooling1D(GlobalMaxPooling1D {}), dense(6, Activation::Swish), dense(2, Activation::Softmax)]),
        // Convolutions (a strided one), an LSTM after them, every activation TF.js names.
        ("every-conv1d", vec![emb(16, false), conv1d(12, 3, 1, Activation::Elu), conv1d(8, 3, 2, Activation::Softplus), LayerConfig::Lstm(Lstm::new(6, true)), LayerConfig::GlobalAveragePooling1D(GlobalAveragePooling1D {}), dense(6, Activation::Sigmoid), dense(6, Activation::Linear), dense(2, Activation::Softmax)]),
        ("every-flatten", vec![emb(8, false), conv1d(6, 5, 1, Activation::Relu), LayerConfig::Flatten(Flatten {}), LayerConfig::Dropout(Dropout { rate: 0.3 }), dense(2, Activation::Softmax)]),
        // Keras's GRU (reset_after=True), masked, stacked.
        ("every-gru", vec![emb(12, true), LayerConfig::Gru(Gru { units: 8, return_sequences: true }), LayerConfig::Gru(Gru { units: 6, return_sequences: false }), dense(2, Activation::Softmax)]),
        // leaky_relu (TF.js has it only as a LeakyReLU layer) in a Sequential model.
        ("every-leaky-relu", vec![emb(8, false), LayerConfig::GlobalAveragePooling1D(GlobalAveragePooling1D {}), dense(6, Activation::LeakyRelu), dense(2, Activation::Softmax)]),
    ];
    // Functional graphs (layer i reads the nodes listed: 0 the input, k layer k).
    let mha = |num_heads, key_dim, value_dim, output_shape, use_causal_mask| LayerConfig::MultiHeadAttention(MultiHeadAttention { num_heads, key_dim, value_dim, dropout: 0.1, use_bias: true, output_shape, use_causal_mask });
    let add = || LayerConfig::Add(Add {});
    let graph_models: Vec<(&str, Vec<LayerConfig>, Vec<Vec<usize>>)> = vec![
        // An encoder block spelled out: self-attention under the padding mask and a
        // feed-forward, each in a residual Add and a LayerNormalization, then a masked average.
        ("graph-residual-attention", vec![emb(16, true), mha(2, 8, None, None, false), add(), ln(1e-5), dense(32, Activation::Relu), dense(16, Activation::Linear), add(), ln(1e-5), LayerConfig::GlobalAveragePooling1D(GlobalAveragePooling1D {}), dense(2, Activation::Softmax)],
            vec![vec![0], vec![1, 1], vec![1, 2], vec![3], vec![4], vec![5], vec![4, 6], vec![7], vec![8], vec![9]]),
        // Cross-attention with a key of its own, a causal mask, value_dim and output_shape,
        // over a Concatenate of two branches; a three-way Add.
        ("graph-cross-causal", vec![emb(12, false), dense(8, Activation::Relu), dense(6, Activation::Tanh), LayerConfig::Concatenate(Concatenate {}), mha(2, 4, Some(3), Some(10), true), dense(10, Activation::Linear), dense(10, Activation::Gelu), add(), LayerConfig::GlobalMaxPooling1D(GlobalMaxPooling1D {}), dense(2, Activation::Softmax)],
            vec![vec![0], vec![1], vec![1], vec![2, 3], vec![4, 1, 2], vec![1], vec![3], vec![5, 6, 7], vec![8], vec![9]]),
        // Masks of their own: an attention from the padded tokens over a Conv1D's shorter,
        // unmasked sequence (Keras masks the query rows), and one the other way (Keras masks
        // the keys), each averaged (the first under its query's mask), joined.
        ("graph-masks-their-own", vec![emb(16, true), conv1d(16, 3, 1, Activation::Relu), mha(2, 8, None, None, false), mha(2, 8, None, None, false), LayerConfig::GlobalAveragePooling1D(GlobalAveragePooling1D {}), LayerConfig::GlobalAveragePooling1D(GlobalAveragePooling1D {}), LayerConfig::Concatenate(Concatenate {}), dense(2, Activation::Softmax)],
            vec![vec![0], vec![1], vec![1, 2], vec![2, 1], vec![3], vec![4], vec![5, 6], vec![7]]),
        // What TensorFlow.js runs too: branches joined by Add and Concatenate (without the
        // padding mask, whose merge TensorFlow.js 4.22 gets wrong; the export says so).
        ("graph-add-concat", vec![emb(12, false), dense(8, Activation::Relu), dense(8, Activation::Tanh), add(), LayerConfig::Concatenate(Concatenate {}), LayerConfig::GlobalAveragePooling1D(GlobalAveragePooling1D {}), dense(2, Activation::Softmax)],
            vec![vec![0], vec![1], vec![1], vec![2, 3], vec![4, 1], vec![5], vec![6]]),
        // Masked branches: Add, then Concatenate, under the mask into a masked average (Keras;
        // TensorFlow.js refuses it, as the export warns).
        ("graph-masked-merges", vec![emb(12, true), dense(8, Activation::Relu), dense(8, Activation::Tanh), add(), LayerConfig::Concatenate(Concatenate {}), LayerConfig::GlobalAveragePooling1D(GlobalAveragePooling1D {}), dense(2, Activation::Softmax)],
            vec![vec![0], vec![1], vec![1], vec![2, 3], vec![4, 1], vec![5], vec![6]]),
    ];
    let pool = |k, s: Option<usize>, padding| Pooling2D { pool_size: Pair([k, k]), strides: s.map(|s| Pair([s, s])), padding };
    let image_models: Vec<(&str, Vec<LayerConfig>)> = vec![
        ("every-image-a", vec![conv2d(8, 3, 1, Padding::Same, Activation::Relu), bn(), LayerConfig::MaxPooling2D(MaxPooling2D(pool(2, None, Padding::Valid))), conv2d(12, 3, 1, Padding::Valid, Activation::Tanh), LayerConfig::AveragePooling2D(AveragePooling2D(pool(2, Some(1), Padding::Same))), LayerConfig::Flatten(Flatten {}), LayerConfig::Dropout(Dropout { rate: 0.25 }), dense(10, Activation::Softmax)]),
        ("every-image-b", vec![conv2d(6, 3, 2, Padding::Same, Activation::Relu), LayerConfig::MaxPooling2D(MaxPooling2D(pool(3, Some(1), Padding::Same))), LayerConfig::GlobalMaxPooling2D(GlobalMaxPooling2D {}), dense(10, Activation::Softmax)]),
        ("every-image-c", vec![conv2d(6, 3, 1, Padding::Valid, Activation::Relu), bn(), ln(1e-5), LayerConfig::AveragePooling2D(AveragePooling2D(pool(2, None, Padding::Valid))), LayerConfig::GlobalAveragePooling2D(GlobalAveragePooling2D {}), dense(10, Activation::Softmax)]),
    ];

    let mut cases = vec![
        text_case(dir, &train, "lstm", "lstm", &[]),
        text_case(dir, &train, "lstm-no-mask", "lstm", &["--no-mask"]),
        text_case(dir, &train, "cnn", "cnn", &[]),
        text_case(dir, &train, "bow", "bow", &[]),
        text_case(dir, &train, "bow-no-mask", "bow", &["--no-mask"]),
        text_case(dir, &train, "transformer", "transformer", &[]),
        // Sinusoidal positions: written as Keras's SinePositionEncoding and an Add.
        text_case(dir, &train, "transformer-sine", "transformer", &["--positions", "sine"]),
        lm_case(dir, "gpt", &[]),
        lm_case(dir, "gpt-sine", &["--positions", "sine"]),
        image_case(dir, "image-cnn", "image-cnn"),
    ];
    for (name, layers) in &text_models {
        let file = topology_file(dir, name, layers, None, &[40]);
        cases.push(text_case(dir, &train, name, file.to_str().unwrap(), &[]));
    }
    for (name, layers, wiring) in &graph_models {
        let file = topology_file(dir, name, layers, Some(wiring), &[40]);
        let case = text_case(dir, &train, name, file.to_str().unwrap(), &[]);
        assert_eq!(case.wiring.as_ref(), Some(wiring), "{}: the graph changed through `gradlab train --save`", name);
        cases.push(case);
    }
    for (name, layers) in &image_models {
        let file = topology_file(dir, name, layers, None, &[8, 8, 1]);
        cases.push(image_case(dir, name, file.to_str().unwrap()));
    }
    // Between them, the models use every layer gradlab has.
    let used: std::collections::BTreeSet<&str> = cases.iter().flat_map(|c| c.layers.iter().map(|l| l.class_name())).collect();
    for l in LayerConfig::catalogue().iter().map(|k| k.class) {
        assert!(used.contains(l), "no model uses {}", l);
    }
    cases
}

/// The cases as the reference tools' scripts read them.
/// Whether the model averages over time under the padding mask (a text
/// without a token is then Keras's 0/0): the engine's own account of which
/// layer receives a mask, through whatever graph.
fn masked_average(c: &Case) -> bool {
    let saved = tfjs::load(&c.dir.join("model.json")).unwrap();
    let infos = gradlab::model::architecture_wired(&saved.layers, saved.wiring.as_deref(), &saved.input_shape).unwrap();
    infos.iter().any(|l| matches!(l.config, LayerConfig::GlobalAveragePooling1D(_)) && l.receives_mask)
}

pub fn write_json(cases: &[Case], path: &Path) {
    let v: Vec<Value> = cases
        .iter()
        .map(|c| json!({"name": c.name, "dir": c.dir, "inputs": c.inputs, "texts": c.texts, "gradlab": c.gradlab, "lm": c.lm, "layers": c.layers.iter().map(|l| l.describe()).collect::<Vec<_>>(), "masked_average": masked_average(c)}))
        .collect();
    std::fs::write(path, serde_json::to_string(&v).unwrap()).unwrap();
}

/// The largest absolute difference between two sets of rows; panics when
/// their shapes differ or a value is not finite.
pub fn max_diff(name: &str, got: &[Vec<f32>], want: &[Vec<f32>]) -> f32 {
    assert_eq!(got.len(), want.len(), "{}: {} rows against {}", name, got.len(), want.len());
    let mut worst = 0.0f32;
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g.len(), w.len(), "{} row {}: {} values against {}", name, i, g.len(), w.len());
        for (a, b) in g.iter().zip(w) {
            assert!(a.is_finite() && b.is_finite(), "{} row {}: {} vs {}", name, i, a, b);
            worst = worst.max((a - b).abs());
        }
    }
    worst
}
