//! Models as graphs: layers that read any earlier layers (Keras's
//! functional models). The wiring is checked with messages that name the
//! layer; a graph trains from the command line, is saved as Keras's
//! functional config and read back as the same graph; and a graph written
//! by hand as Keras 3 writes one (its `args`/`kwargs` nodes, a causal
//! mask in the call) reads as the layers it names. The numbers are
//! checked elsewhere: against Keras in tests/keras_interop.rs, by finite
//! differences in tests/gradcheck.rs.

use std::process::Command;

use gradlab::backend::CpuBackend;
use gradlab::io::tfjs;
use gradlab::model::{architecture_wired, summary, Model};
use gradlab::nn::LayerConfig;
use serde_json::{json, Value};

mod common;

fn j(s: &str) -> LayerConfig {
    serde_json::from_str(s).unwrap()
}

/// Embedding(mask) → MHA(x, x) → Add(x, mha) → GAP → Dense: a residual attention.
fn residual() -> (Vec<LayerConfig>, Vec<Vec<usize>>) {
    (
        vec![
            j(r#"{"type":"Embedding","input_dim":50,"output_dim":8,"mask_zero":true}"#),
            j(r#"{"type":"MultiHeadAttention","num_heads":2,"key_dim":4}"#),
            j(r#"{"type":"Add"}"#),
            j(r#"{"type":"GlobalAveragePooling1D"}"#),
            j(r#"{"type":"Dense","units":2,"activation":"softmax"}"#),
        ],
        vec![vec![0], vec![1, 1], vec![1, 2], vec![3], vec![4]],
    )
}

fn reason(layers: &[LayerConfig], wiring: &[Vec<usize>]) -> String {
    architecture_wired(layers, Some(wiring), &[6]).expect_err("refused").to_string()
}

#[test]
fn wiring_is_checked_with_the_layer_named() {
    let (layers, wiring) = residual();
    assert!(architecture_wired(&layers, Some(&wiring), &[6]).is_ok());
    // A layer reading itself or a later layer: the order is the graph's.
    let mut w = wiring.clone();
    w[2] = vec![1, 3];
    let e = reason(&layers, &w);
    assert!(e.contains("layer 3") && e.contains("layer 3, which is not before it"), "{}", e);
    // A layer whose output goes nowhere.
    let mut w = wiring.clone();
    w[2] = vec![1, 1];
    let e = reason(&layers, &w);
    assert!(e.contains("layer 2") && e.contains("goes to no later layer"), "{}", e);
    // Add of different shapes, naming both.
    let mut l = layers.clone();
    l.insert(2, j(r#"{"type":"Dense","units":5}"#));
    let e = architecture_wired(&l, Some(&[vec![0], vec![1, 1], vec![2], vec![1, 3], vec![4], vec![5]]), &[6]).unwrap_err().to_string();
    assert!(e.contains("layer 4") && e.contains("[6, 8]") && e.contains("[6, 5]"), "{}", e);
    // An attention whose query carries the padding mask and whose value does
    // not (a Conv1D drops it): Keras masks the query rows only, and so does
    // gradlab (tests/gradcheck.rs and tests/transformer.rs check the numbers).
    assert!(architecture_wired(
        &[j(r#"{"type":"Embedding","input_dim":50,"output_dim":8,"mask_zero":true}"#), j(r#"{"type":"Conv1D","filters":8,"kernel_size":1}"#), j(r#"{"type":"MultiHeadAttention","num_heads":2,"key_dim":4}"#), j(r#"{"type":"Flatten"}"#), j(r#"{"type":"Dense","units":2,"activation":"softmax"}"#)],
        Some(&[vec![0], vec![1], vec![1, 2], vec![3], vec![4]]),
        &[6],
    )
    .is_ok());
    // Too few and too many inputs.
    let mut w = wiring.clone();
    w[1] = vec![1];
    assert!(reason(&layers, &w).contains("takes 2–3 input(s) but receives 1"));
    let mut w = wiring;
    w[3] = vec![3, 3];
    assert!(reason(&layers, &w).contains("takes 1 input(s) but receives 2"));
}

#[test]
fn a_graph_summary_says_what_each_layer_reads() {
    let (layers, wiring) = residual();
    let infos = architecture_wired(&layers, Some(&wiring), &[6]).unwrap();
    let s = summary(&infos);
    assert!(s.contains("Connected to"), "{}", s);
    let add = s.lines().find(|l| l.starts_with("add (Add)")).unwrap();
    assert!(add.ends_with("embedding, multi_head_attention"), "{}", add);
    // A chain keeps Keras's Sequential table.
    let chain = architecture_wired(&[layers[0].clone(), layers[3].clone(), layers[4].clone()], None, &[6]).unwrap();
    assert!(!summary(&chain).contains("Connected to"));
}

#[test]
fn the_page_lab_builds_the_graph_its_settings_wire() {
    use gradlab::lab::{Lab, Settings};
    // The page keeps an uploaded graph's wiring as a setting (in storage and
    // the address), so a reload builds the same graph.
    let (layers, wiring) = residual();
    let settings = Settings { preset: "custom".into(), layers: Some(layers.clone()), wiring: Some(wiring.clone()), max_len: 6, num_words: 50, ..Settings::default() };
    let mut lab = Lab::new();
    lab.set_settings(settings.clone()).unwrap();
    let rows = lab.summary().unwrap().rows;
    assert_eq!(rows[1].inputs, ["embedding", "embedding"]);
    assert_eq!(rows[2].inputs, ["embedding", "multi_head_attention"]);
    // Without it the same layers are a chain, and the attention says what it lacks.
    lab.set_settings(Settings { wiring: None, ..settings.clone() }).unwrap();
    let e = lab.summary().unwrap_err().to_string();
    assert!(e.contains("takes 2–3 input(s) but receives 1"), "{}", e);
    // Wiring that does not fit its layers is refused by count.
    lab.set_settings(Settings { wiring: Some(wiring[..4].to_vec()), ..settings.clone() }).unwrap();
    let e = lab.summary().unwrap_err().to_string();
    assert!(e.contains('5') && e.contains('4'), "{}", e);
    // A preset is a chain whatever wiring the settings still hold.
    lab.set_settings(Settings { preset: "bow".into(), ..settings }).unwrap();
    let rows = lab.summary().unwrap().rows;
    assert!(rows.iter().enumerate().skip(1).all(|(i, r)| r.inputs == [rows[i - 1].name.clone()]));
}

#[test]
fn a_graph_trains_from_the_command_line_and_saves_as_keras_functional() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("mail.tsv");
    std::fs::write(&data, common::spam_text().lines().take(300).collect::<Vec<_>>().join("\n")).unwrap();
    // A causal cross-attention (with a key) over a Concatenate, in a residual Add.
    let layers = vec![
        j(r#"{"type":"Embedding","input_dim":800,"output_dim":8,"mask_zero":false}"#),
        j(r#"{"type":"Dense","units":4,"activation":"tanh"}"#),
        j(r#"{"type":"Concatenate"}"#),
        j(r#"{"type":"MultiHeadAttention","num_heads":2,"key_dim":4,"use_causal_mask":true}"#),
        j(r#"{"type":"Add"}"#),
        j(r#"{"type":"GlobalMaxPooling1D"}"#),
        j(r#"{"type":"Dense","units":2,"activation":"softmax"}"#),
    ];
    let wiring = vec![vec![0], vec![1], vec![1, 2], vec![3, 1, 2], vec![3, 4], vec![5], vec![6]];
    let init = dir.path().join("init");
    let model = Model::new_wired(CpuBackend, &layers, Some(&wiring), &[30], 1).unwrap();
    tfjs::save_dir(&init, &layers, Some(&wiring), &[30], &model.get_weights(), None).unwrap();
    let saved = dir.path().join("trained");
    let out = Command::new(env!("CARGO_BIN_EXE_gradlab"))
        .args(["train", "--data", data.to_str().unwrap(), "--model", init.join("model.json").to_str().unwrap(), "--epochs", "2", "--num-words", "800", "--max-len", "30", "--save", saved.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}\n{}", text, String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("Connected to") && text.contains("concatenate, embedding, dense"), "{}", text);
    // Keras's functional config: the attention reads (query, value, key) and keeps its causal mask in the call.
    let file: Value = serde_json::from_str(&std::fs::read_to_string(saved.join("model.json")).unwrap()).unwrap();
    assert_eq!(file["modelTopology"]["class_name"], "Model");
    let mha = file["modelTopology"]["config"]["layers"].as_array().unwrap().iter().find(|l| l["class_name"] == "MultiHeadAttention").unwrap();
    assert_eq!(mha["inbound_nodes"], json!([[["concatenate", 0, 0, {"use_causal_mask": true}], ["embedding", 0, 0, {}], ["dense", 0, 0, {}]]]));
    assert!(mha["config"].get("use_causal_mask").is_none(), "Keras's config has no use_causal_mask: {}", mha["config"]);
    let back = tfjs::load(&saved.join("model.json")).unwrap();
    assert_eq!(back.layers, layers);
    assert_eq!(back.wiring.as_ref(), Some(&wiring));
    // The trained weights moved, and the saved model predicts.
    assert_ne!(back.weights, model.get_weights());
    let out = Command::new(env!("CARGO_BIN_EXE_gradlab")).args(["predict", "--model", saved.join("model.json").to_str().unwrap(), "--json", "free money now"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Its attention map, over the words (a square per head, causal).
    let out = Command::new(env!("CARGO_BIN_EXE_gradlab")).args(["attention", "--model", saved.join("model.json").to_str().unwrap(), "--json", "free money now"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let maps: Value = serde_json::from_str(&String::from_utf8_lossy(&out.stdout)).unwrap();
    let layer = &maps["layers"][0];
    assert_eq!(layer["name"], "multi_head_attention");
    let heads = layer["heads"].as_array().unwrap();
    assert_eq!(heads.len(), 2);
    for head in heads {
        // No padding mask here: every one of the 30 positions, rows summing to 1, nothing above the diagonal.
        let rows = head.as_array().unwrap();
        assert_eq!(rows.len(), 30);
        for (i, row) in rows.iter().enumerate() {
            let row: Vec<f64> = row.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-4, "row {} sums to {}", i, row.iter().sum::<f64>());
            assert!(row[i + 1..].iter().all(|&v| v == 0.0), "row {} attends ahead", i);
        }
    }
}

/// A functional model as Keras 3 writes it (`args`, `kwargs`, tensors by
/// keyword, the causal mask in the call), with no weights file: the layers
/// and wiring it names.
#[test]
fn a_keras_3_functional_config_reads_as_its_graph() {
    let tensor = |name: &str| json!({"class_name": "__keras_tensor__", "config": {"shape": [null, 6, 8], "dtype": "float32", "keras_history": [name, 0, 0]}});
    let layer = |class: &str, name: &str, config: Value, node: Value| {
        let mut c = config;
        c["name"] = json!(name);
        json!({"class_name": class, "name": name, "config": c, "inbound_nodes": if node.is_null() { json!([]) } else { json!([node]) }})
    };
    let topology = json!({"class_name": "Functional", "config": {"name": "m", "layers": [
        layer("InputLayer", "ids", json!({"batch_shape": [null, 6], "dtype": "int32"}), Value::Null),
        layer("Embedding", "emb", json!({"input_dim": 20, "output_dim": 8, "mask_zero": true}), json!({"args": [tensor("ids")], "kwargs": {}})),
        // The query by position, the value by keyword; the causal mask as a call argument.
        layer("MultiHeadAttention", "att", json!({"num_heads": 2, "key_dim": 4, "value_dim": 4, "dropout": 0.0, "use_bias": true, "output_shape": null, "attention_axes": [1]}), json!({"args": [tensor("emb")], "kwargs": {"value": tensor("emb"), "use_causal_mask": true}})),
        layer("Add", "res", json!({}), json!({"args": [[tensor("emb"), tensor("att")]], "kwargs": {}})),
        layer("LayerNormalization", "ln", json!({"axis": -1, "epsilon": 1e-5}), json!({"args": [tensor("res")], "kwargs": {}})),
        layer("Dense", "logits", json!({"units": 20}), json!({"args": [tensor("ln")], "kwargs": {}})),
    ], "input_layers": [["ids", 0, 0]], "output_layers": [["logits", 0, 0]]}});
    let text = json!({"format": "layers-model", "modelTopology": topology}).to_string();
    let saved = tfjs::from_json(&text, None, "keras3.json").unwrap();
    let classes: Vec<&str> = saved.layers.iter().map(|l| l.class_name()).collect();
    assert_eq!(classes, ["Embedding", "MultiHeadAttention", "Add", "LayerNormalization", "Dense"]);
    match &saved.layers[1] {
        LayerConfig::MultiHeadAttention(m) => assert!(m.use_causal_mask && m.value_dim.is_none()),
        other => panic!("{:?}", other),
    }
    assert_eq!(saved.wiring, Some(vec![vec![0], vec![1, 1], vec![1, 2], vec![3], vec![4]]));
    // A cycle, and a layer reading a name that is not there, are refused by name.
    let mut cyclic: Value = serde_json::from_str(&text).unwrap();
    cyclic["modelTopology"]["config"]["layers"][1]["inbound_nodes"] = json!([{"args": [tensor("ln")], "kwargs": {}}]);
    let e = tfjs::from_json(&cyclic.to_string(), None, "cyclic.json").unwrap_err().to_string();
    assert!(e.contains("cycle"), "{}", e);
    let mut missing: Value = serde_json::from_str(&text).unwrap();
    missing["modelTopology"]["config"]["layers"][3]["inbound_nodes"] = json!([{"args": [[tensor("emb"), tensor("nowhere")]], "kwargs": {}}]);
    let e = tfjs::from_json(&missing.to_string(), None, "missing.json").unwrap_err().to_string();
    assert!(e.contains("res") && e.contains("'nowhere'"), "{}", e);
}
