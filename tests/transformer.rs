//! Attention and the Transformer layers against Keras 3 and keras_hub,
//! number for number: MultiHeadAttention (plain, causal, padded, both,
//! without biases, and across two inputs each with its own padding mask or
//! none) with its attention scores, keras_hub's
//! TransformerEncoder and TransformerDecoder (post-LN and pre-LN, relu and
//! gelu, padded), TokenAndPositionEmbedding with mask_zero, and two whole
//! models: the `transformer` classifier's and the `gpt` language model's
//! loss (over every position for the GPT), every gradient and one Adam step.
//! Fixture from `tests/reference/make_transformer_goldens.py`; never needs
//! TensorFlow. The fused attention kernels are checked against their
//! definition on both backends in the conformance suite, and these layers
//! by finite differences in tests/gradcheck.rs.

use gradlab::autodiff::{Graph, Var};
use gradlab::backend::{prelude::*, CpuBackend};
use gradlab::model::Model;
use gradlab::nn::attention::Heads;
use gradlab::nn::{ForwardCtx, KerasConfig, LayerConfig};
use gradlab::data::Encoded;
use gradlab::loss::Loss;
use gradlab::optim::{OptimizerConfig, OptimizerKind, Schedule};
use gradlab::trainer::{forward_loss, StepOutcome, TrainConfig, Trainer};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

fn fixtures() -> Value {
    serde_json::from_str(include_str!("fixtures/transformer_goldens.json")).unwrap()
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect()
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect()
}

/// Within `tol` of the tensor's largest value: gradients are differences
/// of nearly equal sums, so an element near zero carries its row's error.
fn assert_close(what: &str, got: &[f32], want: &[f32], tol: f32) {
    assert_eq!(got.len(), want.len(), "{}: {} values, Keras has {}", what, got.len(), want.len());
    let scale = want.iter().fold(1e-3f32, |m, v| m.max(v.abs()));
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tol * scale, "{}[{}]: gradlab {} vs Keras {} (scale {})", what, i, g, w, scale);
    }
}

/// The gradient of attention's key bias is exactly 0 (adding a constant to
/// every score of a row leaves its softmax alone): both sides hold rounding
/// noise, which is compared to zero, not to each other.
fn zero_by_definition(what: &str, got: &[f32], keras: &[f32]) -> bool {
    if !what.ends_with("key/bias") {
        return false;
    }
    assert!(got.iter().chain(keras).all(|g| g.abs() <= 1e-5), "{}: gradlab {:?}, Keras {:?}, both should be 0 but for rounding", what, got, keras);
    true
}

/// The values at the positions a padding mask keeps ([batch, time, d]
/// flattened; `lengths` per sample, or every position).
fn live(v: &[f32], shape: &[usize], lengths: &Value) -> Vec<f32> {
    let (t, d) = (shape[1], shape[2]);
    let lengths: Vec<usize> = if lengths.is_null() { vec![t; shape[0]] } else { usizes(lengths) };
    v.chunks(t * d).zip(lengths).flat_map(|(sample, n)| sample[..n * d].to_vec()).collect()
}

fn padding_mask(g: &mut Graph<CpuBackend>, shape: &[usize], lengths: &Value) -> Option<Var> {
    (!lengths.is_null()).then(|| {
        let m: Vec<f32> = usizes(lengths).iter().flat_map(|&n| (0..shape[1]).map(move |i| f32::from(i < n))).collect();
        g.constant(CpuBackend.upload(&shape[..2], &m))
    })
}

/// Σ y·r as a graph scalar, so backward gives d(Σ y·r)/d everything.
fn dot_loss(g: &mut Graph<CpuBackend>, y: Var, r: &[f32]) -> Var {
    let n = r.len();
    let flat = g.reshape(y, &[1, n]);
    let r = g.constant(CpuBackend.upload(&[n, 1], r));
    let l = g.matmul(flat, r);
    g.reshape(l, &[1])
}

/// Uploads the case's weights as parameters, checking each name ends as
/// Keras's path does and each shape is Keras's.
fn weights(g: &mut Graph<CpuBackend>, case: &Value, specs: &[(String, Vec<usize>)]) -> Vec<Var> {
    let keras = case["weights"].as_array().unwrap();
    assert_eq!(specs.len(), keras.len(), "{}: weights {:?}", case["name"], specs);
    specs
        .iter()
        .zip(keras)
        .map(|((name, shape), w)| {
            let path = w["name"].as_str().unwrap();
            assert!(path.ends_with(name.as_str()), "{}: weight {} where Keras has {}", case["name"], name, path);
            assert_eq!(shape, &usizes(&w["shape"]), "{}: {} shape", case["name"], name);
            g.param(CpuBackend.upload(shape, &floats(&w["values"])))
        })
        .collect()
}

fn check_gradients(g: &Graph<CpuBackend>, loss: Var, case: &Value, x: Option<Var>, w: &[Var], tol: f32) {
    let grads = g.backward(loss);
    let name = case["name"].as_str().unwrap_or("case");
    if let Some(x) = x {
        assert_close(&format!("{} dx", name), &CpuBackend.download(grads.get(x).unwrap()), &floats(&case["dx"]), tol);
    }
    for (i, (v, want)) in w.iter().zip(case["dweights"].as_array().unwrap()).enumerate() {
        let what = format!("{} d{}", name, case["weights"][i]["name"].as_str().unwrap());
        let got = CpuBackend.download(grads.get(*v).unwrap_or_else(|| panic!("{} has no gradient", what)));
        if !zero_by_definition(&what, &got, &floats(want)) {
            assert_close(&what, &got, &floats(want), tol);
        }
    }
}

#[test]
fn multi_head_attention_matches_keras() {
    let doc = fixtures();
    let cases = doc["attention"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    let be = CpuBackend;
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let shape = usizes(&case["x_shape"]);
        let heads = Heads {
            prefix: "",
            heads: case["heads"].as_u64().unwrap() as usize,
            key_dim: case["key_dim"].as_u64().unwrap() as usize,
            value_dim: case["value_dim"].as_u64().unwrap() as usize,
            use_bias: case["use_bias"].as_bool().unwrap(),
            dropout: 0.0,
        };
        let mut g = Graph::new(&be);
        let specs: Vec<_> = heads.weights(shape[2]).into_iter().map(|s| (s.name.to_string(), s.shape)).collect();
        let w = weights(&mut g, case, &specs);
        let x = g.param(be.upload(&shape, &floats(&case["x"])));
        let mask = padding_mask(&mut g, &shape, &case["lengths"]);
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let causal = case["causal"].as_bool().unwrap();
        let y = heads.forward(&mut g, &w, x, mask, causal, &mut ForwardCtx { training: true, rng: &mut rng });
        assert_eq!(g.shape(y), shape);
        // Padding queries are where Keras's own two paths disagree (see
        // the script); no layer reads them. Everything else to 1e-5.
        let got = be.download(g.value(y));
        assert_close(&format!("{} y (the definition)", name), &live(&got, &shape, &case["lengths"]), &live(&floats(&case["y_exact"]), &shape, &case["lengths"]), 1e-5);
        assert_close(&format!("{} y (Keras)", name), &live(&got, &shape, &case["lengths"]), &live(&floats(&case["y"]), &shape, &case["lengths"]), 1e-5);
        // The scores of the last forward pass, as Keras returns them with
        // return_attention_scores (padding queries all 0).
        assert_eq!(g.attentions.len(), 1);
        let probs = g.saved(g.attentions[0]).unwrap();
        assert_eq!(be.shape(probs), [shape[0], heads.heads, shape[1], shape[1]]);
        assert_close(&format!("{} scores", name), &be.download(probs), &floats(&case["scores"]), 1e-5);
        if causal {
            let p = be.download(probs);
            let t = shape[1];
            assert!(p.chunks(t * t).all(|m| (0..t).all(|i| (i + 1..t).all(|j| m[i * t + j] == 0.0))), "{}: a query sees a later key", name);
        }
        let loss = dot_loss(&mut g, y, &floats(&case["r"]));
        check_gradients(&g, loss, case, Some(x), &w, 1e-4);
    }
}

/// The layer in a functional model, each input with its own padding mask
/// or none: a query [2, 4, 6] over a value [2, 6, 5] of other lengths.
/// Keras masks the query's padding rows and the value's padding keys; the
/// output carries the query's mask.
#[test]
fn attention_with_a_mask_on_each_input_matches_keras() {
    let doc = fixtures();
    let cases = doc["cross_attention"].as_array().unwrap();
    assert_eq!(cases.len(), 3);
    let be = CpuBackend;
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let (qs, vs) = (usizes(&case["query_shape"]), usizes(&case["value_shape"]));
        let config = json!({"name": "mha", "num_heads": case["heads"], "key_dim": case["key_dim"]});
        let layer = LayerConfig::from_keras(&KerasConfig::new("MultiHeadAttention", &config, "model.json")).unwrap().unwrap();
        let inputs: [&[usize]; 2] = [&qs[1..], &vs[1..]];
        let mut g = Graph::new(&be);
        let specs: Vec<_> = layer.weights_for(&inputs).into_iter().map(|s| (s.name.to_string(), s.shape)).collect();
        let w = weights(&mut g, case, &specs);
        let (q, v) = (g.param(be.upload(&qs, &floats(&case["query"]))), g.param(be.upload(&vs, &floats(&case["value"]))));
        let masks = [padding_mask(&mut g, &qs, &case["query_lengths"]), padding_mask(&mut g, &vs, &case["value_lengths"])];
        assert_eq!(layer.mask_out_of(&[masks[0].is_some(), masks[1].is_some()]), masks[0].is_some(), "{}: the output carries the query's mask", name);
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let (y, mask_out) = layer.forward_many(&mut g, &w, &[q, v], &masks, &mut ForwardCtx { training: true, rng: &mut rng });
        assert_eq!(mask_out, masks[0], "{}", name);
        assert_eq!(g.shape(y), qs);
        // Padding queries are where Keras's two paths disagree (see
        // tests/reference/make_transformer_goldens.py); no layer reads them.
        let got = be.download(g.value(y));
        assert_close(&format!("{} y", name), &live(&got, &qs, &case["query_lengths"]), &live(&floats(&case["y"]), &qs, &case["query_lengths"]), 1e-5);
        let probs = be.download(g.saved(g.attentions[0]).unwrap());
        assert_close(&format!("{} scores", name), &probs, &floats(&case["scores"]), 1e-5);
        // A padded key gets no weight from any query.
        if !case["value_lengths"].is_null() {
            let (heads, tq, tk) = (case["heads"].as_u64().unwrap() as usize, qs[1], vs[1]);
            for (b, n) in usizes(&case["value_lengths"]).into_iter().enumerate() {
                assert!(probs[b * heads * tq * tk..][..heads * tq * tk].chunks(tk).all(|row| row[n..].iter().all(|&p| p == 0.0)), "{}: a padded key is attended", name);
            }
        }
        let loss = dot_loss(&mut g, y, &floats(&case["r"]));
        check_gradients(&g, loss, case, None, &w, 1e-4);
        let grads = g.backward(loss);
        assert_close(&format!("{} d query", name), &be.download(grads.get(q).unwrap()), &floats(&case["dquery"]), 1e-4);
        assert_close(&format!("{} d value", name), &be.download(grads.get(v).unwrap()), &floats(&case["dvalue"]), 1e-4);
    }
}

#[test]
fn transformer_blocks_match_keras_hub() {
    let doc = fixtures();
    let cases = doc["blocks"].as_array().unwrap();
    assert_eq!(cases.len(), 5);
    let be = CpuBackend;
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let shape = usizes(&case["x_shape"]);
        // Through the registry, from the config keras_hub serialises.
        let mut config = case["config"].clone();
        config["name"] = json!("block");
        let class = case["class"].as_str().unwrap();
        let layer = LayerConfig::from_keras(&KerasConfig::new(class, &config, "model.json")).unwrap().unwrap();
        assert_eq!(layer.output_shape(&shape[1..]).unwrap(), shape[1..].to_vec());
        let mut g = Graph::new(&be);
        let specs: Vec<_> = layer.weights(&shape[1..]).into_iter().map(|s| (s.name.to_string(), s.shape)).collect();
        let w = weights(&mut g, case, &specs);
        let x = g.param(be.upload(&shape, &floats(&case["x"])));
        let mask = padding_mask(&mut g, &shape, &case["lengths"]);
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let (y, mask_out) = layer.forward(&mut g, &w, x, mask, &mut ForwardCtx { training: true, rng: &mut rng });
        assert_eq!(mask_out, mask, "{}: the block passes its mask on", name);
        let got = be.download(g.value(y));
        assert_close(&format!("{} y", name), &live(&got, &shape, &case["lengths"]), &live(&floats(&case["y"]), &shape, &case["lengths"]), 1e-5);
        let loss = dot_loss(&mut g, y, &floats(&case["r"]));
        check_gradients(&g, loss, case, Some(x), &w, 1e-4);
    }
}

#[test]
fn token_and_position_embedding_matches_keras_hub() {
    let case = fixtures()["token_and_position_embedding"].clone();
    let be = CpuBackend;
    let ids: Vec<Vec<f32>> = case["ids"].as_array().unwrap().iter().map(|r| usizes(r).iter().map(|&i| i as f32).collect()).collect();
    let (b, t) = (ids.len(), ids[0].len());
    let config = json!({"name": "tpe", "vocabulary_size": case["vocabulary_size"], "sequence_length": case["sequence_length"], "embedding_dim": case["embedding_dim"], "mask_zero": true});
    let layer = LayerConfig::from_keras(&KerasConfig::new("TokenAndPositionEmbedding", &config, "model.json")).unwrap().unwrap();
    let d = case["embedding_dim"].as_u64().unwrap() as usize;
    assert_eq!(layer.output_shape(&[t]).unwrap(), vec![t, d]);
    let mut g = Graph::new(&be);
    let specs: Vec<_> = layer.weights(&[t]).into_iter().map(|s| (s.name.to_string(), s.shape)).collect();
    let w = weights(&mut g, &case, &specs);
    let x = g.constant(be.upload(&[b, t], &ids.concat()));
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let (y, mask) = layer.forward(&mut g, &w, x, None, &mut ForwardCtx { training: true, rng: &mut rng });
    assert_close("y", &be.download(g.value(y)), &floats(&case["y"]), 1e-6);
    let want_mask: Vec<f32> = case["mask"].as_array().unwrap().iter().flat_map(|r| usizes(r).into_iter().map(|v| v as f32)).collect();
    assert_eq!(be.download(g.value(mask.expect("mask_zero gives a mask"))), want_mask);
    let loss = dot_loss(&mut g, y, &floats(&case["r"]));
    check_gradients(&g, loss, &case, None, &w, 1e-5);
    // Longer than its positions: refused with both numbers.
    let err = layer.output_shape(&[case["sequence_length"].as_u64().unwrap() as usize + 1]).unwrap_err().to_string();
    assert!(err.contains('7') && err.contains('6'), "{}", err);
}

fn model_case(name: &str) -> (Model<CpuBackend>, Value) {
    let doc = fixtures();
    let f = doc["models"].as_array().unwrap().iter().find(|m| m["name"] == name).unwrap().clone();
    let layers: Vec<LayerConfig> = serde_json::from_value(f["layers"].clone()).unwrap();
    let weights: Vec<Vec<Vec<f32>>> = f["weights_before"].as_array().unwrap().iter().map(|ws| ws.as_array().unwrap().iter().map(floats).collect()).collect();
    let model = Model::with_weights(CpuBackend, &layers, &usizes(&f["input_shape"]), weights).unwrap();
    // Every weight where Keras has it.
    for (layer, names) in model.layers.iter().zip(f["weight_names"].as_array().unwrap()) {
        let names: Vec<&str> = names.as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
        assert_eq!(layer.weights.len(), names.len(), "{}: {} weights", name, layer.name);
        for (spec, path) in layer.weights.iter().zip(names) {
            assert!(path.ends_with(spec.name), "{}: {} where Keras has {}", name, spec.name, path);
        }
    }
    (model, f)
}

fn rows(v: &Value) -> Vec<Vec<f32>> {
    v.as_array().unwrap().iter().map(|r| usizes(r).iter().map(|&i| i as f32).collect()).collect()
}

fn check_model_gradients(name: &str, model: &Model<CpuBackend>, g: &Graph<CpuBackend>, loss: Var, vars: &[Vec<Var>], f: &Value) {
    let grads = g.backward(loss);
    for (li, (layer, want)) in model.layers.iter().zip(f["gradients"].as_array().unwrap()).enumerate() {
        let want = want.as_array().unwrap();
        assert_eq!(layer.weights.len(), want.len(), "{}: {} gradients", name, layer.name);
        for ((spec, v), w) in layer.weights.iter().zip(&vars[li]).zip(want) {
            let what = format!("{} {}/{}", name, layer.name, spec.name);
            let got = CpuBackend.download(grads.get(*v).unwrap_or_else(|| panic!("{} has no gradient", what)));
            if !zero_by_definition(&what, &got, &floats(w)) {
                assert_close(&what, &got, &floats(w), 1e-4);
            }
        }
    }
}

#[test]
fn transformer_classifier_loss_gradients_and_adam_step_match_keras() {
    let (model, f) = model_case("transformer");
    let ids = rows(&f["x"]);
    let classes = usizes(&f["y"]);
    let be = CpuBackend;
    let mut g = Graph::new(&be);
    let vars = model.weight_vars(&mut g);
    let refs: Vec<&Vec<f32>> = ids.iter().collect();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let (l, _) = forward_loss(&model, Loss::SparseCategoricalCrossentropy, &mut g, &vars, &refs, &classes, &mut ForwardCtx { training: true, rng: &mut rng });
    assert_close("transformer loss", &be.download(g.value(l)), &[f["loss_before"].as_f64().unwrap() as f32], 1e-6);
    check_model_gradients("transformer", &model, &g, l, &vars, &f);
    // One step of Adam through the trainer.
    let (model, _) = model_case("transformer");
    let mut optimizer = OptimizerConfig::new(OptimizerKind::Adam);
    optimizer.learning_rate = f["optimizer"]["learning_rate"].as_f64().unwrap() as f32;
    let config = TrainConfig { epochs: 1, batch_size: ids.len(), optimizer, schedule: Schedule::Constant, loss: Loss::SparseCategoricalCrossentropy, seed: 0, shuffle: false, early_stopping_patience: None };
    let labels = vec!["0".to_string(), "1".into(), "2".into()];
    let mut t = Trainer::new(model, config, labels, Encoded { ids, classes }, None).unwrap();
    let record = match t.step().unwrap() {
        StepOutcome::EpochEnd(b, _) => b,
        other => panic!("one batch should end the epoch: {:?}", other),
    };
    assert!((record.loss - f["loss_before"].as_f64().unwrap() as f32).abs() < 1e-5, "loss {} vs Keras {}", record.loss, f["loss_before"]);
    for (li, (layer, want)) in t.model.layers.iter().zip(f["weights_after"].as_array().unwrap()).enumerate() {
        for (wi, (spec, w)) in layer.weights.iter().zip(want.as_array().unwrap()).enumerate() {
            assert_close(&format!("after one step: {}/{}", layer.name, spec.name), &CpuBackend.download(&t.model.weights[li][wi]), &floats(w), 2e-5);
        }
    }
}

#[test]
fn gpt_loss_over_every_position_gradients_and_adam_step_match_keras() {
    let (model, f) = model_case("gpt");
    let x = rows(&f["x"]);
    let y = rows(&f["y"]);
    let (b, t) = (x.len(), x[0].len());
    let be = CpuBackend;
    let mut g = Graph::new(&be);
    let vars = model.weight_vars(&mut g);
    let ids = g.constant(be.upload(&[b, t], &x.concat()));
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let logits = model.forward(&mut g, &vars, ids, &mut ForwardCtx { training: true, rng: &mut rng }, true);
    let v = model.output_classes();
    assert_eq!(g.shape(logits), [b, t, v]);
    // Sparse cross-entropy from logits, averaged over all b·t positions.
    let flat = g.reshape(logits, &[b * t, v]);
    let target = g.constant(be.upload(&[b * t], &y.concat()));
    let l = g.softmax_cross_entropy(flat, target, true);
    assert_close("gpt loss", &be.download(g.value(l)), &[f["loss_before"].as_f64().unwrap() as f32], 1e-6);
    assert_eq!(g.attentions.len(), 2, "one attention per decoder block");
    check_model_gradients("gpt", &model, &g, l, &vars, &f);
    // One step of Adam through the trainer, a target at every position.
    let (model, _) = model_case("gpt");
    let mut optimizer = OptimizerConfig::new(OptimizerKind::Adam);
    optimizer.learning_rate = f["optimizer"]["learning_rate"].as_f64().unwrap() as f32;
    let config = TrainConfig { epochs: 1, batch_size: b, optimizer, schedule: Schedule::Constant, loss: Loss::SparseCategoricalCrossentropy, seed: 0, shuffle: false, early_stopping_patience: None };
    let labels: Vec<String> = (0..v).map(|i| i.to_string()).collect();
    let targets: Vec<usize> = y.concat().iter().map(|&c| c as usize).collect();
    let mut t = Trainer::new(model, config, labels, Encoded { ids: x, classes: targets }, None).unwrap();
    let record = match t.step().unwrap() {
        StepOutcome::EpochEnd(b, _) => b,
        other => panic!("one batch should end the epoch: {:?}", other),
    };
    assert!((record.loss - f["loss_before"].as_f64().unwrap() as f32).abs() < 1e-5, "loss {} vs Keras {}", record.loss, f["loss_before"]);
    for (li, (layer, want)) in t.model.layers.iter().zip(f["weights_after"].as_array().unwrap()).enumerate() {
        for (wi, (spec, w)) in layer.weights.iter().zip(want.as_array().unwrap()).enumerate() {
            assert_close(&format!("gpt after one step: {}/{}", layer.name, spec.name), &CpuBackend.download(&t.model.weights[li][wi]), &floats(w), 2e-5);
        }
    }
}

/// Sinusoidal positions: keras_hub's SinePositionEncoding added to its
/// input, as gradlab's layer is. The padding mask stops there, as it does
/// in Keras (its layer drops the mask and Add keeps one only when both
/// inputs have one; the fixture records that Keras's sum has no mask).
#[test]
fn sine_position_encoding_matches_keras_hub() {
    let doc: Value = serde_json::from_str(include_str!("fixtures/sine_goldens.json")).unwrap();
    let be = CpuBackend;
    for case in doc["cases"].as_array().unwrap() {
        let shape = usizes(&case["shape"]);
        let (b, t, d) = (shape[0], shape[1], shape[2]);
        let config = json!({"name": "sine", "max_wavelength": case["max_wavelength"]});
        let layer = LayerConfig::from_keras(&KerasConfig::new("SinePositionEncoding", &config, "model.json")).unwrap().unwrap();
        assert_eq!(layer.output_shape(&[t, d]).unwrap(), vec![t, d]);
        assert!(!layer.mask_out(true), "Keras's Add of the term drops the mask");
        assert!(case["sum_has_mask"] == json!(false), "the fixture: Keras's sum has a mask");
        let w = case["max_wavelength"].as_u64().unwrap() as usize;
        assert_close("encoding", &gradlab::nn::sine_position_encoding::encoding(t, d, w), &floats(&case["encoding"])[..t * d], 2e-6);
        let mut g = Graph::new(&be);
        let x = g.constant(be.upload(&[b, t, d], &floats(&case["x"])));
        let mask = g.constant(be.upload(&[b, t], &vec![1.0; b * t]));
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let (y, m) = layer.forward(&mut g, &[], x, Some(mask), &mut ForwardCtx { training: true, rng: &mut rng });
        assert_close(&format!("x + encoding {:?}", shape), &be.download(g.value(y)), &floats(&case["sum"]), 2e-6);
        assert_eq!(m, None, "the mask stops here");
    }
}
