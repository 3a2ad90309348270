//! Writing: gradlab's layers as Keras's config in TensorFlow.js's layers-model
//! format (a Sequential, or a functional graph where the model has wires, a
//! masked average or a term layer) and the weights as one binary file.

use serde_json::{json, Value};

use super::{mask_scores, Metadata, MASK_INPUT, TERM_SUFFIX, WEIGHTS_FILE};
use crate::error::{Message, Result};
use crate::msg;
use crate::model::{architecture_wired, is_sequential, LayerInfo};
use crate::nn::{Activation, LayerConfig};

fn layer_json(info: &LayerInfo, first: bool, input_shape: &[usize]) -> Value {
    let mut c = json!({"name": info.name, "trainable": true, "dtype": "float32"});
    let obj = c.as_object_mut().unwrap();
    if first {
        let batch: Vec<Value> = std::iter::once(Value::Null).chain(input_shape.iter().map(|&d| json!(d))).collect();
        obj.insert("batch_input_shape".into(), Value::Array(batch));
    }
    let inputs: Vec<&[usize]> = info.input_shapes.iter().map(Vec::as_slice).collect();
    for (k, v) in info.config.keras_config_for(&inputs).as_object().unwrap() {
        obj.insert(k.clone(), v.clone());
    }
    json!({"class_name": info.config.class_name(), "config": c})
}

/// A layer that stock TensorFlow.js (4.22) cannot load or compute as
/// gradlab does, with why and what to do. The file is still written: Keras
/// (tools/keras_load.py) and gradlab read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Incompatibility {
    /// 1-based, as the page numbers layers.
    pub layer: usize,
    pub message: Message,
}

/// What a saved model's users should know before loading it in
/// TensorFlow.js: empty when `tf.loadLayersModel` loads it and predicts
/// what gradlab predicts (tests/tfjs_interop.rs checks both ways).
pub fn tfjs_incompatibilities(layers: &[LayerInfo]) -> Vec<Incompatibility> {
    let mut out = Vec::new();
    // Per node: whether its mask went through an Add or Concatenate, which
    // TensorFlow.js 4.22 merge into a mask of the wrong shape ([1, batch,
    // time]); a layer that reads masks (a recurrent layer, a Concatenate)
    // then fails on it.
    let mut merged = vec![false];
    for (i, l) in layers.iter().enumerate() {
        let merge = l.config.tfjs_merges_masks();
        let reads_merged = l.receives_mask && l.inputs.iter().any(|&j| merged[j]);
        let message = l.config.tfjs_incompatibility().or_else(|| (reads_merged && l.config.tfjs_reads_mask()).then(|| msg!("tfjs.merged_mask", layer = l.config.describe())));
        if let Some(message) = message {
            out.push(Incompatibility { layer: i + 1, message: msg!("tfjs.at_layer", index = i + 1, reason = message) });
        }
        merged.push((merge && l.receives_mask) || reads_merged);
    }
    out
}

/// TensorFlow.js has no 'leaky_relu' activation, only a LeakyReLU layer: a
/// layer with that activation is written as the layer with none, then
/// LeakyReLU with Keras's slope; gradlab (and tools/keras_load.py) read the
/// pair back as the one layer.
fn split_leaky_relu(info: &LayerInfo, mut layer: Value) -> Vec<Value> {
    if info.config.activation() != Some(Activation::LeakyRelu) {
        return vec![layer];
    }
    layer["config"]["activation"] = json!("linear");
    let slope = crate::nn::activation::LEAKY_RELU_SLOPE;
    vec![layer, json!({"class_name": "LeakyReLU", "config": {"name": format!("{}_leaky_relu", info.name), "alpha": slope, "trainable": true, "dtype": "float32"}})]
}

fn node(mut layer: Value, inputs: &[&str]) -> Value {
    let name = layer["config"]["name"].clone();
    layer["name"] = name;
    layer["inbound_nodes"] = if inputs.is_empty() { json!([]) } else { json!([inputs.iter().map(|i| json!([i, 0, 0, {}])).collect::<Vec<_>>()]) };
    layer
}

/// The functional graph of a model whose layers are wired as a graph, or
/// that has a masked average (see above) or a term layer (sinusoidal
/// positions: Keras's layer and an Add).
fn functional_topology(infos: &[LayerInfo], input_shape: &[usize]) -> (Value, Vec<(String, Vec<usize>, Vec<f32>)>) {
    let steps = input_shape[0];
    let batch: Vec<Value> = std::iter::once(Value::Null).chain(input_shape.iter().map(|&d| json!(d))).collect();
    let mut layers = vec![node(json!({"class_name": "InputLayer", "config": {"batch_input_shape": batch, "dtype": "float32", "sparse": false, "name": MASK_INPUT}}), &[])];
    let mut extra = Vec::new();
    // The Keras layer whose output is each node (the input, then each layer's).
    let mut outputs = vec![MASK_INPUT.to_string()];
    for info in infos {
        let sources: Vec<String> = info.inputs.iter().map(|&j| outputs[j].clone()).collect();
        let prev = sources[0].clone();
        if info.config.tfjs_masked_mean(info.receives_mask) {
            let vocab = infos.first().and_then(|l| l.config.vocabulary()).expect("a mask starts at an Embedding");
            let p = &info.name;
            let n = |suffix: &str| format!("{}{}", p, suffix);
            let common = |name: String| json!({"name": name, "trainable": false, "dtype": "float32"});
            let mut scores = common(n("_mask_scores"));
            for (k, v) in json!({"input_dim": vocab, "output_dim": 2, "mask_zero": false, "input_length": steps,
                "embeddings_initializer": {"class_name": "Zeros", "config": {}}, "embeddings_regularizer": null, "activity_regularizer": null, "embeddings_constraint": null}).as_object().unwrap() {
                scores[k] = v.clone();
            }
            let with = |name: String, extra: Value| {
                let mut c = common(name);
                for (k, v) in extra.as_object().unwrap() {
                    c[k] = v.clone();
                }
                c
            };
            layers.push(node(json!({"class_name": "Embedding", "config": scores}), &[MASK_INPUT]));
            layers.push(node(json!({"class_name": "Flatten", "config": with(n("_mask_flat"), json!({"data_format": "channels_last"}))}), &[&n("_mask_scores")]));
            layers.push(node(json!({"class_name": "Activation", "config": with(n("_mask_softmax"), json!({"activation": "softmax"}))}), &[&n("_mask_flat")]));
            layers.push(node(json!({"class_name": "Reshape", "config": with(n("_mask_grid"), json!({"target_shape": [steps, 2, 1]}))}), &[&n("_mask_softmax")]));
            layers.push(node(json!({"class_name": "Cropping2D", "config": with(n("_mask_crop"), json!({"cropping": [[0, 0], [0, 1]], "data_format": "channels_last"}))}), &[&n("_mask_grid")]));
            layers.push(node(json!({"class_name": "Flatten", "config": with(n("_mask_weights"), json!({"data_format": "channels_last"}))}), &[&n("_mask_crop")]));
            layers.push(node(json!({"class_name": "Dot", "config": {"name": p, "trainable": true, "dtype": "float32", "axes": 1, "normalize": false}}), &[&n("_mask_weights"), &prev]));
            extra.push((format!("{}/embeddings", n("_mask_scores")), vec![vocab, 2], mask_scores(vocab)));
            outputs.push(info.name.clone());
        } else if info.config.keras_term() {
            // Keras's layer gives the term; an Add named as the layer sums it with its input.
            let term = format!("{}{}", info.name, TERM_SUFFIX);
            let mut l = layer_json(info, false, input_shape);
            l["config"]["name"] = json!(term);
            layers.push(node(l, &[&prev]));
            layers.push(node(json!({"class_name": "Add", "config": {"name": info.name, "trainable": true, "dtype": "float32"}}), &[&prev, &term]));
            outputs.push(info.name.clone());
        } else {
            // A split LeakyReLU's second piece reads the first.
            let mut reads = sources.clone();
            for l in split_leaky_relu(info, layer_json(info, false, input_shape)) {
                let refs: Vec<&str> = reads.iter().map(String::as_str).collect();
                let mut v = node(l, &refs);
                // Call arguments Keras keeps in the node, not the config.
                let args = info.config.call_args();
                if args.as_object().is_some_and(|a| !a.is_empty()) {
                    v["inbound_nodes"][0][0][3] = args;
                }
                reads = vec![v["name"].as_str().unwrap().to_string()];
                layers.push(v);
            }
            outputs.extend(reads);
        }
    }
    let out = outputs.last().unwrap().clone();
    let topology = json!({"class_name": "Model", "config": {"name": "model", "layers": layers, "input_layers": [[MASK_INPUT, 0, 0]], "output_layers": [[out, 0, 0]]}});
    (topology, extra)
}

/// Build `model.json` and the weight bytes. A model whose padding mask
/// reaches a GlobalAveragePooling1D is written as a functional graph that
/// TensorFlow.js computes as Keras does (see `functional_topology`); any
/// other as a Sequential model. See `tfjs_incompatibilities` for what
/// TensorFlow.js cannot load.
pub fn to_files(layers: &[LayerConfig], wiring: Option<&[Vec<usize>]>, input_shape: &[usize], weights: &[Vec<Vec<f32>>], metadata: Option<&Metadata>) -> Result<(String, Vec<u8>)> {
    let infos = architecture_wired(layers, wiring, input_shape)?;
    let functional = !is_sequential(&infos) || infos.iter().any(|l| l.config.tfjs_masked_mean(l.receives_mask) || l.config.keras_term());
    let (topology, extra) = if functional {
        functional_topology(&infos, input_shape)
    } else {
        let topology_layers: Vec<Value> = infos.iter().enumerate().flat_map(|(i, l)| split_leaky_relu(l, layer_json(l, i == 0, input_shape))).collect();
        (json!({"class_name": "Sequential", "config": {"name": "sequential", "layers": topology_layers}}), Vec::new())
    };
    let mut manifest = Vec::new();
    let mut bytes = Vec::new();
    for (info, ws) in infos.iter().zip(weights) {
        for (spec, w) in info.weights.iter().zip(ws) {
            manifest.push(json!({"name": format!("{}/{}", info.name, spec.name), "shape": spec.shape, "dtype": "float32"}));
            for v in w {
                bytes.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
    for (name, shape, values) in &extra {
        manifest.push(json!({"name": name, "shape": shape, "dtype": "float32"}));
        for v in values {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
    }
    let mut topology = topology;
    topology["keras_version"] = json!("tfjs-layers 4.22.0");
    topology["backend"] = json!("tensor_flow.js");
    let mut root = json!({
        "format": "layers-model",
        "generatedBy": format!("gradlab {}", env!("CARGO_PKG_VERSION")),
        "convertedBy": null,
        "modelTopology": topology,
        "weightsManifest": [{"paths": [WEIGHTS_FILE], "weights": manifest}]
    });
    if let Some(m) = metadata {
        root["userDefinedMetadata"] = json!({"gradlab": {
            "labels": m.labels, "max_len": m.max_len, "padding": m.padding.name(), "truncating": m.truncating.name(),
            "tokenizer": m.tokenizer.as_ref().map(|t| t.to_keras_json()),
            "scaling": m.scaling,
            "framing": m.framing,
            "language_model": m.language_model,
        }});
    }
    Ok((serde_json::to_string_pretty(&root).unwrap(), bytes))
}
