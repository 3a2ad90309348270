//! Reading: a `model.json` from gradlab, TensorFlow.js or Keras (Sequential
//! or Functional) back into gradlab's layers, wiring, weights and metadata.

use serde_json::{json, Value};

use super::{mask_scores, Metadata, SavedModel, MASK_BRANCH, SUMMED};
use crate::data::{Side, Tokenizer};
use crate::error::{json_reason, Error, Message, Result};
use crate::msg;
use crate::model::architecture_wired;
use crate::nn::{Activation, KerasConfig, LayerConfig};

fn input_shape_of(c: &Value) -> Option<Vec<usize>> {
    for key in ["batch_input_shape", "batch_shape"] {
        if let Some(Value::Array(a)) = c.get(key) {
            if a.len() >= 2 {
                return a[1..].iter().map(|v| v.as_u64().map(|v| v as usize)).collect();
            }
        }
    }
    c.get("input_length").and_then(|v| v.as_u64()).map(|v| vec![v as usize])
}

/// A layer from its Keras config, through the registry; None for the
/// InputLayer, which only gives the input shape.
fn parse_layer(class: &str, c: &Value, file: &str) -> Result<Option<LayerConfig>> {
    if class == "InputLayer" {
        return Ok(None);
    }
    let config = KerasConfig::new(class, c, file);
    match LayerConfig::from_keras(&config) {
        Some(layer) => layer.map(Some),
        None => Err(Error::model_file(file, msg!("file.layer_type", name = &config.name, class = crate::error::printable(class, 60)))),
    }
}

/// Read `model.json` text and its weight bytes (all shards, concatenated in
/// manifest order). `file` names the model in errors.
pub fn from_json(text: &str, weight_bytes: Option<&[u8]>, file: &str) -> Result<SavedModel> {
    let root: Value = serde_json::from_str(text).map_err(|e| Error::model_file(file, msg!("file.not_json", reason = json_reason(&e))))?;
    let topo = root.get("modelTopology").ok_or_else(|| Error::model_file(file, msg!("file.no_topology")))?;
    let topo = topo.get("model_config").unwrap_or(topo);
    let class = topo.get("class_name").and_then(|v| v.as_str()).unwrap_or("");
    let (layer_values, wiring, mask_branches) = match class {
        "Sequential" => (
            match topo.get("config") {
                Some(Value::Array(a)) => a.clone(),
                Some(c) => c.get("layers").and_then(|l| l.as_array()).cloned().ok_or_else(|| Error::model_file(file, msg!("file.no_layers")))?,
                None => return Err(Error::model_file(file, msg!("file.no_config"))),
            },
            None,
            Vec::new(),
        ),
        "Model" | "Functional" => functional_graph(topo, file)?,
        _ => return Err(Error::model_file(file, msg!("file.not_sequential", class = crate::error::printable(class, 60)))),
    };
    let mut layers = Vec::new();
    // The file's own layer names, which its weight names start with.
    let mut layer_names: Vec<Option<String>> = Vec::new();
    let mut input_shape = None;
    // A graph's: per value, the node it gives (0 the input, k layer k's
    // output), and per layer, the values it reads.
    let mut node_of: Vec<usize> = Vec::with_capacity(layer_values.len());
    let mut reads: Vec<Vec<usize>> = Vec::new();
    for (vi, lv) in layer_values.iter().enumerate() {
        let class = lv.get("class_name").and_then(|v| v.as_str()).ok_or_else(|| Error::model_file(file, msg!("file.no_class_name")))?;
        let cfg = lv.get("config").cloned().unwrap_or(json!({}));
        if input_shape.is_none() {
            input_shape = input_shape_of(&cfg);
        }
        if class == "LeakyReLU" {
            let name = cfg.get("name").and_then(|n| n.as_str()).unwrap_or(class);
            // TensorFlow.js writes the slope as alpha, Keras 3 as negative_slope; both default to 0.3.
            let slope = cfg.get("alpha").or_else(|| cfg.get("negative_slope")).and_then(|v| v.as_f64()).unwrap_or(0.3);
            let previous = layers.last_mut().filter(|l: &&mut LayerConfig| l.activation() == Some(Activation::Linear));
            match previous {
                Some(l) if (slope - crate::nn::activation::LEAKY_RELU_SLOPE as f64).abs() < 1e-6 => l.set_activation(Activation::LeakyRelu),
                _ => return Err(Error::model_file(file, msg!("file.leaky_relu", name = name, slope = slope))),
            }
            // In a graph it must follow the layer it activates, which nothing else reads.
            if let Some(w) = &wiring {
                let before = vi.checked_sub(1);
                let alone = before.is_some_and(|b| w[vi] == [b] && !w.iter().enumerate().any(|(k, r)| k != vi && r.contains(&b)));
                if !alone || layers.is_empty() {
                    return Err(Error::model_file(file, msg!("file.leaky_relu", name = name, slope = slope)));
                }
            }
            node_of.push(layers.len());
            continue;
        }
        // Alone (not under its Add), Keras's layer replaces its input by the term.
        if LayerConfig::keras_term_class(class) && lv.get(SUMMED).is_none() {
            let name = cfg.get("name").and_then(|n| n.as_str()).unwrap_or(class);
            return Err(Error::model_file(file, msg!("file.term_alone", name = crate::error::printable(name, 60), class = class)));
        }
        match parse_layer(class, &cfg, file)? {
            Some(l) => {
                layers.push(l);
                layer_names.push(cfg.get("name").and_then(|n| n.as_str()).map(str::to_string));
                node_of.push(layers.len());
                if let Some(w) = &wiring {
                    reads.push(w[vi].iter().map(|&j| node_of[j]).collect());
                }
            }
            None => node_of.push(0),
        }
    }
    let wiring = wiring.filter(|_| reads != crate::model::sequential_wiring(layers.len())).map(|_| reads);
    let metadata = parse_metadata(&root, file)?;
    let input_shape = input_shape
        .or_else(|| metadata.as_ref().map(|m| vec![m.max_len]))
        .ok_or_else(|| Error::model_file(file, msg!("file.no_input_shape")))?;
    let infos = architecture_wired(&layers, wiring.as_deref(), &input_shape).map_err(|e| Error::model_file(file, e.message()))?;

    // Weights: the manifest lists them layer by layer in Keras's order.
    let manifest: Vec<Value> = root
        .get("weightsManifest")
        .and_then(|m| m.as_array())
        .map(|groups| groups.iter().flat_map(|g| g.get("weights").and_then(|w| w.as_array()).cloned().unwrap_or_default()).collect())
        .unwrap_or_default();
    for (i, info) in infos.iter().enumerate() {
        if mask_branches.iter().any(|(name, _)| layer_names[i].as_deref() == Some(name)) && !info.receives_mask {
            return Err(Error::model_file(file, msg!("file.dot_needs_mask", name = &info.name)));
        }
    }
    let expected: usize = infos.iter().map(|l| l.weights.len()).sum::<usize>() + mask_branches.len();
    let weights = match weight_bytes {
        None => Vec::new(),
        Some(bytes) => {
            if manifest.len() != expected {
                return Err(Error::model_file(file, msg!("file.manifest_count", listed = manifest.len(), needed = expected)));
            }
            // Each manifest entry's name, shape and byte offset, in file order.
            let mut at = 0usize;
            let mut entries = Vec::with_capacity(manifest.len());
            for e in &manifest {
                let name = e.get("name").and_then(|v| v.as_str()).unwrap_or("?").to_string();
                let shape: Vec<usize> = e.get("shape").and_then(|s| s.as_array()).map(|a| a.iter().filter_map(|v| v.as_u64().map(|v| v as usize)).collect()).unwrap_or_default();
                let dtype = e.get("dtype").and_then(|v| v.as_str()).unwrap_or("float32");
                if dtype != "float32" || e.get("quantization").is_some() {
                    return Err(Error::model_file(file, msg!("file.dtype", name = name, dtype = dtype)));
                }
                let n: usize = shape.iter().product();
                entries.push((name, shape, at));
                at += 4 * n;
            }
            // The masked averages' score tables: checked, not model weights.
            for (_, scores) in &mask_branches {
                let key = format!("{}/embeddings", scores);
                let (_, shape, start) = entries.iter().find(|(n, _, _)| *n == key).ok_or_else(|| Error::model_file(file, msg!("file.manifest_missing", key = &key)))?;
                let (vocab, end) = (shape.first().copied().unwrap_or(0), start + 4 * shape.iter().product::<usize>());
                if shape.len() != 2 || shape[1] != 2 || bytes.len() < end {
                    return Err(Error::model_file(file, msg!("file.scores_shape", key = &key, shape = format!("{:?}", shape))));
                }
                let values: Vec<f32> = bytes[*start..end].chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
                if values != mask_scores(vocab) {
                    return Err(Error::model_file(file, msg!("file.scores_changed", key = &key, layer = scores)));
                }
            }
            entries.retain(|(n, _, _)| !mask_branches.iter().any(|(_, s)| n.strip_prefix(s.as_str()).is_some_and(|r| r.starts_with('/'))));
            // TensorFlow.js lists trainable weights before non-trainable ones
            // (a BatchNormalization's moving statistics come last), so match
            // entries to layers by name ("layer/weight") when every one can
            // be; otherwise take them in order, as Keras writes them.
            let by_name: Option<Vec<usize>> = infos
                .iter()
                .zip(&layer_names)
                .flat_map(|(info, lname)| info.weights.iter().map(move |spec| (lname, spec.name)))
                .map(|(lname, wname)| entries.iter().position(|(n, _, _)| lname.as_deref().is_some_and(|l| n.strip_prefix(l).and_then(|r| r.strip_prefix('/')) == Some(wname))))
                .collect();
            let order: Vec<usize> = match by_name {
                Some(o) if { let mut u = o.clone(); u.sort_unstable(); u.dedup(); u.len() == o.len() } => o,
                _ => (0..entries.len()).collect(),
            };
            let mut next = order.into_iter();
            let mut out = Vec::new();
            if bytes.len() > at {
                return Err(Error::model_file(file, msg!("file.extra_bytes", bytes = bytes.len(), accounted = at)));
            }
            for info in &infos {
                let mut layer_ws = Vec::new();
                for spec in &info.weights {
                    let (name, shape, start) = &entries[next.next().unwrap()];
                    if *shape != spec.shape {
                        return Err(Error::model_file(file, msg!("file.weight_shape", name = name, shape = format!("{:?}", shape), layer = &info.name, want = format!("{:?}", spec.shape), weight = &spec.name)));
                    }
                    let end = start + 4 * shape.iter().product::<usize>();
                    if bytes.len() < end {
                        return Err(Error::model_file(file, msg!("file.short", bytes = bytes.len(), name = name, start = start, end = end)));
                    }
                    let values: Vec<f32> = bytes[*start..end].chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
                    if let Some(at) = values.iter().position(|v| !v.is_finite()) {
                        return Err(Error::model_file(file, msg!("file.non_finite_weight", name = name, value = values[at], index = at)));
                    }
                    layer_ws.push(values);
                }
                out.push(layer_ws);
            }
            out
        }
    };
    Ok(SavedModel { layers, wiring, input_shape, weights, metadata })
}

/// The layers a functional layer takes its input from, in call order.
fn inbound_names(layer: &Value) -> std::result::Result<Vec<String>, Message> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            // Keras 3: {"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": [name, 0, 0]}}], "kwargs": {…}}
            Value::Object(o) if o.contains_key("args") => {
                walk(&o["args"], out);
                // Tensors passed by keyword, in MultiHeadAttention's call order.
                for key in ["query", "value", "key"] {
                    if let Some(t) = o.get("kwargs").and_then(|k| k.get(key)) {
                        walk(t, out);
                    }
                }
            }
            Value::Object(o) => match o.get("keras_history").and_then(|h| h.get(0)).and_then(|n| n.as_str()) {
                Some(name) => out.push(name.to_string()),
                None => o.values().for_each(|x| walk(x, out)),
            },
            // TensorFlow.js and Keras 2: [[[name, node, tensor, kwargs], …]]
            Value::Array(a) if a.len() >= 3 && a[1].is_number() => match a[0].as_str() {
                Some(name) => out.push(name.to_string()),
                None => a.iter().for_each(|x| walk(x, out)),
            },
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let nodes = layer.get("inbound_nodes").and_then(|n| n.as_array()).cloned().unwrap_or_default();
    if nodes.len() > 1 {
        return Err(msg!("file.shared_layer"));
    }
    let mut out = Vec::new();
    nodes.iter().for_each(|n| walk(n, &mut out));
    Ok(out)
}

/// A call argument of a functional layer's node: Keras 3 keeps it in the
/// node's `kwargs`, Keras 2 and TensorFlow.js in the first input's
/// fourth entry.
fn call_arg(layer: &Value, key: &str) -> Option<Value> {
    let node = layer.pointer("/inbound_nodes/0")?;
    node.pointer(&format!("/kwargs/{}", key)).or_else(|| node.pointer(&format!("/0/3/{}", key))).cloned()
}

/// A functional model's layers in an order where each comes after what it
/// reads, with what each reads (positions in that list; the InputLayer
/// reads nothing). gradlab's masked-average branches (see
/// `functional_topology`) read back as their Dot's GlobalAveragePooling1D,
/// and an Add of an input and a term layer's term of that input as the
/// term layer (the sum). Also returns, per branch, the Dot's name and its
/// score Embedding's name.
#[allow(clippy::type_complexity)]
fn functional_graph(topo: &Value, file: &str) -> Result<(Vec<Value>, Option<Vec<Vec<usize>>>, Vec<(String, String)>)> {
    let bad = |why: Message| Error::model_file(file, why);
    let values = topo.pointer("/config/layers").and_then(|l| l.as_array()).ok_or_else(|| bad(msg!("file.no_layers")))?;
    struct Node {
        name: String,
        class: String,
        value: Value,
        inputs: Vec<String>,
    }
    let mut nodes = Vec::new();
    for v in values {
        let class = v.get("class_name").and_then(|c| c.as_str()).ok_or_else(|| bad(msg!("file.no_class_name")))?.to_string();
        let name = v.get("name").or_else(|| v.pointer("/config/name")).and_then(|n| n.as_str()).ok_or_else(|| bad(msg!("file.no_name", class = crate::error::printable(&class, 60))))?.to_string();
        let inputs = inbound_names(v).map_err(|e| bad(msg!("file.named_layer", name = crate::error::printable(&name, 60), reason = e)))?;
        nodes.push(Node { name, class, value: v.clone(), inputs });
    }
    let find = |name: &str| nodes.iter().position(|n| n.name == name);
    let inputs: Vec<usize> = (0..nodes.len()).filter(|&i| nodes[i].class == "InputLayer").collect();
    let [input] = inputs[..] else { return Err(bad(msg!("file.input_count", count = inputs.len()))) };
    let mut skip = vec![false; nodes.len()];
    // For each Dot: the layer it averages.
    let mut averages: Vec<(usize, usize)> = Vec::new();
    let mut branches = Vec::new();
    for (i, n) in nodes.iter().enumerate().filter(|(_, n)| n.class == "Dot") {
        let not_ours = |why: Message| bad(msg!("file.dot_not_ours", name = &n.name, reason = why));
        let [w, x] = &n.inputs[..] else { return Err(not_ours(msg!("file.dot_two_inputs"))) };
        let x = find(x).ok_or_else(|| not_ours(msg!("file.dot_input_missing")))?;
        let mut at = find(w).ok_or_else(|| not_ours(msg!("file.dot_input_missing")))?;
        let mut branch = Vec::new();
        for (class, _) in MASK_BRANCH.iter().rev() {
            let l = &nodes[at];
            if l.class != *class {
                return Err(not_ours(msg!("file.dot_wrong_class", name = &l.name, class = &l.class, expected = *class)));
            }
            let c = &l.value["config"];
            let ok = match *class {
                "Cropping2D" => c["cropping"] == json!([[0, 0], [0, 1]]),
                "Reshape" => c["target_shape"].as_array().is_some_and(|t| t.len() == 3 && t[1] == json!(2) && t[2] == json!(1)),
                "Activation" => c["activation"] == json!("softmax"),
                "Embedding" => c["output_dim"] == json!(2) && c["mask_zero"] != json!(true),
                _ => true,
            };
            if !ok {
                return Err(not_ours(msg!("file.dot_configured", name = &l.name, class = *class)));
            }
            branch.push(at);
            let [src] = &l.inputs[..] else { return Err(not_ours(msg!("file.dot_one_input", name = &l.name))) };
            at = find(src).ok_or_else(|| not_ours(msg!("file.dot_an_input_missing")))?;
        }
        if at != input {
            return Err(not_ours(msg!("file.dot_scores_input")));
        }
        branch.iter().for_each(|&b| skip[b] = true);
        branches.push((n.name.clone(), nodes[*branch.last().unwrap()].name.clone()));
        averages.push((i, x));
    }
    // For each Add of an input and a term layer's term of that same input
    // (as `functional_topology` writes sinusoidal positions): the term.
    let mut terms: Vec<(usize, usize, usize)> = Vec::new();
    for (i, n) in nodes.iter().enumerate().filter(|(_, n)| n.class == "Add") {
        let not_ours = |why: Message| bad(msg!("file.add_not_ours", name = &n.name, reason = why));
        // Any other Add is a layer of its own (a residual connection).
        let [a, b] = &n.inputs[..] else { continue };
        // An input that is not there is named below, with the rest of the graph's.
        let (Some(a), Some(b)) = (find(a), find(b)) else { continue };
        let (x, term) = match (LayerConfig::keras_term_class(&nodes[a].class), LayerConfig::keras_term_class(&nodes[b].class)) {
            (false, true) => (a, b),
            (true, false) => (b, a),
            _ => continue,
        };
        if nodes[term].inputs != [nodes[x].name.clone()] {
            return Err(not_ours(msg!("file.add_term_input", term = &nodes[term].name)));
        }
        skip[term] = true;
        terms.push((i, term, x));
    }
    if let Some(t) = nodes.iter().enumerate().find(|(i, n)| !skip[*i] && LayerConfig::keras_term_class(&n.class)) {
        return Err(bad(msg!("file.term_alone", name = &t.1.name, class = &t.1.class)));
    }
    // The rest is a graph from the input: each kept layer's sources.
    let sources = |i: usize| -> Vec<String> {
        match (averages.iter().find(|(d, _)| *d == i), terms.iter().find(|(a, _, _)| *a == i)) {
            (Some((_, x)), _) | (None, Some((_, _, x))) => vec![nodes[*x].name.clone()],
            _ => nodes[i].inputs.clone(),
        }
    };
    let kept: Vec<usize> = (0..nodes.len()).filter(|&i| !skip[i]).collect();
    let mut reads: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for &i in kept.iter().filter(|&&i| i != input) {
        if sources(i).is_empty() {
            return Err(bad(msg!("file.chain_stray", name = &nodes[i].name)));
        }
        for src in sources(i) {
            match find(&src) {
                Some(j) if !skip[j] => reads[i].push(j),
                _ => return Err(bad(msg!("file.graph_source", name = &nodes[i].name, source = crate::error::printable(&src, 60)))),
            }
        }
    }
    // Kahn's order, keeping the file's order among layers that are ready.
    let mut order: Vec<usize> = Vec::with_capacity(kept.len());
    let mut placed = vec![false; nodes.len()];
    while order.len() < kept.len() {
        let Some(&next) = kept.iter().find(|&&i| !placed[i] && reads[i].iter().all(|&j| placed[j])) else {
            let stuck = kept.iter().find(|&&i| !placed[i]).unwrap();
            return Err(bad(msg!("file.graph_cycle", name = &nodes[*stuck].name)));
        };
        placed[next] = true;
        order.push(next);
    }
    if order[0] != input {
        return Err(bad(msg!("file.chain_stray", name = &nodes[order[0]].name)));
    }
    let last = &nodes[*order.last().unwrap()].name;
    if let Some(out) = topo.pointer("/config/output_layers").and_then(|o| o.get(0)).and_then(|o| if o.is_string() { Some(o) } else { o.get(0) }).and_then(|n| n.as_str()) {
        if out != last {
            // The output comes last unless some layer leads nowhere.
            let stray = order.iter().rev().find(|&&i| nodes[i].name != out).map(|&i| nodes[i].name.clone()).unwrap_or_default();
            return Err(bad(msg!("file.chain_stray", name = stray)));
        }
    }
    let position = |i: usize| order.iter().position(|&o| o == i).unwrap();
    let wiring: Vec<Vec<usize>> = order.iter().map(|&i| reads[i].iter().map(|&j| position(j)).collect()).collect();
    let layers = order
        .iter()
        .map(|&i| match (averages.iter().any(|(d, _)| *d == i), terms.iter().find(|(a, _, _)| *a == i)) {
            (true, _) => json!({"class_name": "GlobalAveragePooling1D", "config": {"name": nodes[i].name}}),
            // The term layer in the Add's place, under the Add's name.
            (false, Some((_, t, _))) => {
                let mut v = nodes[*t].value.clone();
                v["config"]["name"] = json!(nodes[i].name);
                v[SUMMED] = json!(true);
                v
            }
            _ => {
                let mut v = nodes[i].value.clone();
                for &arg in LayerConfig::call_args_of(&nodes[i].class) {
                    if let Some(value) = call_arg(&v, arg) {
                        v["config"][arg] = value;
                    }
                }
                v
            }
        })
        .collect();
    Ok((layers, Some(wiring), branches))
}

/// An optional field of gradlab's metadata (absent or null: None).
fn optional<T: serde::de::DeserializeOwned>(m: &Value, key: &str, file: &str) -> Result<Option<T>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v.clone()).map(Some).map_err(|e| Error::model_file(file, msg!("file.metadata_field", key = key, reason = json_reason(&e)))),
    }
}

fn parse_metadata(root: &Value, file: &str) -> Result<Option<Metadata>> {
    let Some(m) = root.pointer("/userDefinedMetadata/gradlab") else { return Ok(None) };
    let side = |key: &str| Side::from_name(m.get(key).and_then(|v| v.as_str()).unwrap_or("post")).ok_or_else(|| Error::model_file(file, msg!("file.metadata_side", key = key)));
    let tokenizer = match m.get("tokenizer") {
        None | Some(Value::Null) => None,
        Some(t) => Some(Tokenizer::from_keras_json(t).map_err(|e| Error::model_file(file, e))?),
    };
    Ok(Some(Metadata {
        tokenizer,
        labels: m.get("labels").and_then(|l| l.as_array()).map(|a| a.iter().map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())).collect()).unwrap_or_default(),
        max_len: m.get("max_len").and_then(|v| v.as_u64()).unwrap_or(0) as usize,
        padding: side("padding")?,
        truncating: side("truncating")?,
        scaling: optional(m, "scaling", file)?,
        framing: optional(m, "framing", file)?,
        language_model: optional(m, "language_model", file)?,
    }))
}
