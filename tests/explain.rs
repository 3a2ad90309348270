//! Attributions and the embedding projector (src/explain), on models whose
//! answer is known and on models trained on real data.

use gradlab::backend::CpuBackend;
use gradlab::data::image;
use gradlab::data::split::{split, SplitMode};
use gradlab::data::{encode, parse, Encoded, LabelledTexts, ParseOptions, Scaling, ScalingKind, Side, TextSettings, Tokenizer};
use gradlab::explain::{explain, nearest, pca, words};
use gradlab::loss::Loss;
use gradlab::model::Model;
use gradlab::nn::activation::Activation;
use gradlab::nn::{Dense, Embedding, GlobalAveragePooling1D, LayerConfig};
use gradlab::optim::{OptimizerConfig, OptimizerKind, Schedule};
use gradlab::presets::{image_preset, preset};
use gradlab::trainer::{TrainConfig, Trainer};
use serde_json::Value;

mod common;

fn fit(model: Model<CpuBackend>, epochs: usize, labels: Vec<String>, train: Encoded, val: Encoded) -> (Model<CpuBackend>, f64, f64) {
    let config = TrainConfig { epochs, batch_size: 32, optimizer: OptimizerConfig::new(OptimizerKind::Adam), schedule: Schedule::Constant, loss: Loss::CategoricalCrossentropy, seed: 42, shuffle: true, early_stopping_patience: None };
    let majority = {
        let mut counts = vec![0usize; labels.len()];
        val.classes.iter().for_each(|&c| counts[c] += 1);
        *counts.iter().max().unwrap() as f64 / val.classes.len() as f64
    };
    let mut trainer = Trainer::new(model, config, labels, train, Some(val)).unwrap();
    while !trainer.is_done() {
        trainer.step().unwrap();
    }
    let acc = trainer.last_validation.as_ref().unwrap().report.accuracy;
    (trainer.model, acc, majority)
}

struct Spam {
    tok: Tokenizer,
    settings: TextSettings,
    val_texts: Vec<String>,
    val: Encoded,
    train: Encoded,
    labels: Vec<String>,
}

fn spam() -> Spam {
    let parsed = parse(&common::spam_text(), &ParseOptions::default(), "spamassassin.tsv").unwrap();
    let all = LabelledTexts::from_rows(&parsed.rows, None).unwrap();
    let (t, v) = split(&all.classes, 0.2, SplitMode::Last, 0);
    let (train_set, val_set) = (all.subset(&t), all.subset(&v));
    let settings = TextSettings::default();
    let mut tok = Tokenizer::new(Some(settings.num_words), settings.oov_token.as_deref());
    tok.fit_on_texts(&train_set.texts);
    let enc = |s: &LabelledTexts| Encoded { ids: encode(&tok, &s.texts, &settings), classes: s.classes.clone() };
    let (train, val) = (enc(&train_set), enc(&val_set));
    Spam { settings, val_texts: val_set.texts.clone(), val, train, labels: all.labels.clone(), tok }
}

fn spam_model(s: &Spam, name: &str, epochs: usize) -> Model<CpuBackend> {
    let layers = preset(name, s.settings.num_words, s.settings.max_len, 2, true).unwrap();
    let model = Model::new(CpuBackend, &layers, &[s.settings.max_len], 42).unwrap();
    let (model, acc, majority) = fit(model, epochs, s.labels.clone(), s.train.clone(), s.val.clone());
    eprintln!("{name}: validation accuracy {acc:.4} (majority class {majority:.4})");
    assert!(acc > majority + 0.1, "{name} did not learn: {acc} against the majority class's {majority}");
    model
}

#[test]
fn a_linear_model_gets_its_exact_attributions() {
    // Embedding (no mask) → mean over 5 positions → Dense(2, softmax): the
    // log-odds of class 1 is linear in the embeddings, so integrated
    // gradients must equal (E[id] − E[0])·(w₁ − w₀)/5 for every token,
    // and removing a token (setting it to padding) changes the log-odds by
    // exactly that much too.
    let layers = vec![
        LayerConfig::Embedding(Embedding { input_dim: 9, output_dim: 3, mask_zero: false }),
        LayerConfig::GlobalAveragePooling1D(GlobalAveragePooling1D {}),
        LayerConfig::Dense(Dense::new(2, Activation::Softmax)),
    ];
    let model = Model::new(CpuBackend, &layers, &[5], 11).unwrap();
    let w = model.get_weights();
    let (table, kernel, bias) = (&w[0][0], &w[2][0], &w[2][1]);
    let row = [4.0, 7.0, 1.0, 0.0, 0.0];
    let e = explain(&model, &row, Some(1), 8).unwrap();
    let want: Vec<f32> = row
        .iter()
        .map(|&id| {
            let id = id as usize;
            (0..3).map(|k| (table[id * 3 + k] - table[k]) * (kernel[k * 2 + 1] - kernel[k * 2]) / 5.0).sum()
        })
        .collect();
    common::assert_all_close("integrated gradients", &e.integrated_gradients, &want, 1e-4, 1e-6);
    common::assert_all_close("occlusion", &e.occlusion, &want, 1e-4, 1e-6);
    // The score is the log-odds, z₁ − z₀ for two classes.
    let pooled: Vec<f32> = (0..3).map(|k| row.iter().map(|&id| table[id as usize * 3 + k]).sum::<f32>() / 5.0).collect();
    let z = |c: usize| bias[c] + (0..3).map(|k| pooled[k] * kernel[k * 2 + c]).sum::<f32>();
    assert!((e.score - (z(1) - z(0))).abs() < 1e-5, "{} vs {}", e.score, z(1) - z(0));
    assert!(e.completeness_error < 1e-5);
    // Explaining the other class flips every sign.
    let other = explain(&model, &row, Some(0), 8).unwrap();
    let flipped: Vec<f32> = want.iter().map(|v| -v).collect();
    common::assert_all_close("the other class", &other.integrated_gradients, &flipped, 1e-4, 1e-6);
    // Bad requests are named, not panics.
    assert!(explain(&model, &row, Some(2), 8).unwrap_err().to_string().contains("class 2"));
    assert!(explain(&model, &row, None, 1).is_err());
    assert!(explain(&model, &row[..4], None, 8).is_err());
    assert!(explain(&model, &[99.0, 0.0, 0.0, 0.0, 0.0], None, 8).is_err());
}

/// |Σ attributions − Δscore| within 1 % of |Δscore| (or 1e-3 nats when the
/// input barely moves the score).
fn assert_complete(what: &str, e: &gradlab::explain::Explanation) {
    let delta = (e.score - e.baseline_score) as f64;
    let sum: f64 = e.integrated_gradients.iter().map(|&v| v as f64).sum();
    assert!((sum - delta).abs() - e.completeness_error as f64 <= 1e-4 * delta.abs().max(1.0), "{what}: the reported error is not |Σ − Δ|");
    assert!(e.completeness_error as f64 <= (0.01 * delta.abs()).max(1e-3), "{what}: completeness error {} for a score change of {delta}", e.completeness_error);
}

#[test]
fn trained_spam_models_are_complete_and_occlusion_agrees_on_the_strongest_tokens() {
    let s = spam();
    let mut agree = 0;
    let mut strongest = 0;
    for (name, epochs) in [("bow", 3), ("cnn", 2), ("lstm", 1), ("transformer", 1)] {
        let model = spam_model(&s, name, epochs);
        let mut worst = 0.0f64;
        for (i, row) in s.val.ids.iter().enumerate().step_by(60).take(20) {
            let e = explain(&model, row, None, 64).unwrap();
            assert_complete(&format!("{name}, validation text {i}"), &e);
            worst = worst.max(e.completeness_error as f64 / ((e.score - e.baseline_score).abs() as f64).max(1e-9));
            // Padding gets nothing from either method.
            for (p, &id) in row.iter().enumerate() {
                if id == 0.0 {
                    assert!(e.integrated_gradients[p].abs() < 1e-6 && e.occlusion[p] == 0.0, "{name}: padding at {p} got an attribution");
                }
            }
            // The three strongest tokens by integrated gradients: the sign
            // occlusion gives them.
            let mut order: Vec<usize> = (0..row.len()).filter(|&p| row[p] != 0.0).collect();
            order.sort_by(|&a, &b| e.integrated_gradients[b].abs().total_cmp(&e.integrated_gradients[a].abs()));
            for &p in order.iter().take(3) {
                strongest += 1;
                if e.integrated_gradients[p].signum() == e.occlusion[p].signum() {
                    agree += 1;
                }
            }
        }
        eprintln!("{name}: worst relative completeness error {worst:.2e}");
    }
    eprintln!("occlusion agrees in sign on {agree} of the {strongest} strongest tokens");
    assert!(agree as f64 >= 0.9 * strongest as f64, "occlusion agrees in sign on only {agree} of {strongest} strongest tokens");
    // The tokens a text's explanation lists are the ones the model saw.
    let text = &s.val_texts[0];
    let seen = words::seen_tokens(&s.tok, &s.val.ids[0]);
    let first: Vec<String> = s.tok.words(text).into_iter().take(3).map(|w| if s.tok.word_index.get(&w).is_some_and(|&i| i < s.settings.num_words) { w } else { "<OOV>".into() }).collect();
    assert_eq!(seen.iter().take(3).map(|(_, w)| w.clone()).collect::<Vec<_>>(), first);
}

#[test]
fn a_trained_digit_model_is_complete_over_pixels() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/digits.csv")).unwrap();
    let set = image::parse_csv(&text, Some([8, 8, 1]), None).unwrap();
    let scaling = Scaling::fit(ScalingKind::Unit, &set.pixels);
    let ids: Vec<Vec<f32>> = set.pixels.iter().map(|p| scaling.apply(p)).collect();
    let (t, v) = split(&set.classes, 0.2, SplitMode::Stratified, 1);
    let pick = |idx: &[usize]| Encoded { ids: idx.iter().map(|&i| ids[i].clone()).collect(), classes: idx.iter().map(|&i| set.classes[i]).collect() };
    let model = Model::new(CpuBackend, &image_preset("image-cnn", 10).unwrap(), &[8, 8, 1], 42).unwrap();
    let (model, acc, majority) = fit(model, 8, set.labels.clone(), pick(&t), pick(&v));
    eprintln!("image-cnn on digits: validation accuracy {acc:.4} (majority class {majority:.4})");
    assert!(acc > 0.8, "the digit model did not learn: {acc}");
    for &i in v.iter().take(12) {
        let e = explain(&model, &ids[i], None, 64).unwrap();
        assert_eq!((e.integrated_gradients.len(), e.occlusion.len()), (64, 64));
        assert_complete(&format!("digit {i}"), &e);
        // A black pixel equals the baseline: nothing to attribute.
        for (p, &x) in ids[i].iter().enumerate() {
            if x == 0.0 {
                assert_eq!(e.integrated_gradients[p], 0.0);
            }
        }
    }
}

#[test]
fn pca_matches_numpy() {
    let r: Value = serde_json::from_str(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/pca_reference.json")).unwrap()).unwrap();
    let floats = |v: &Value| -> Vec<f64> { v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect() };
    let table: Vec<f32> = floats(&r["table"]).into_iter().map(|v| v as f32).collect();
    let width = r["width"].as_u64().unwrap() as usize;
    let p = pca(&table, width, 3);
    common::assert_all_close("explained variance", &p.explained_variance, &floats(&r["explained_variance"]), 1e-6, 1e-9);
    common::assert_all_close("explained variance ratio", &p.explained_variance_ratio, &floats(&r["explained_variance_ratio"]), 1e-6, 1e-9);
    for (i, (got, want)) in p.components.iter().zip(r["components"].as_array().unwrap()).enumerate() {
        common::assert_all_close(format!("component {i}"), got, &floats(want), 1e-5, 1e-6);
        for (j, other) in p.components.iter().enumerate() {
            let d: f64 = got.iter().zip(other).map(|(a, b)| a * b).sum();
            assert!((d - if i == j { 1.0 } else { 0.0 }).abs() < 1e-9, "components {i} and {j}: dot {d}");
        }
    }
    for (i, want) in r["coords_first_rows"].as_array().unwrap().iter().enumerate() {
        let got: Vec<f64> = p.coords[i].iter().map(|&v| v as f64).collect();
        common::assert_all_close(format!("row {i}'s coordinates"), &got, &floats(want), 1e-4, 1e-4);
    }
    // Degenerate tables give fewer components, not a panic.
    assert!(pca(&[1.0, 2.0, 1.0, 2.0], 2, 2).components.is_empty(), "identical rows have no variance");
    assert_eq!(pca(&[1.0, 2.0], 2, 2).components.len(), 0, "one row");
    assert_eq!(pca(&[0.0, 0.0, 1.0, 1.0, 2.0, 2.0], 2, 3).components.len(), 2);
}

#[test]
fn a_planted_synonym_pair_are_neighbours() {
    // Six classes, each named by one signal word in a sentence of filler;
    // class 0's signal is either "alpha" or "beta", used interchangeably.
    // Whatever the model learns for one it must learn for the other.
    let filler = ["the", "a", "of", "and", "to", "in", "is", "it", "that", "was", "for", "on"];
    let signals = ["gamma", "delta", "kappa", "sigma", "omega"];
    let mut texts = Vec::new();
    let mut classes = Vec::new();
    let mut state = 12345u64;
    let mut next = |n: usize| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 33) % n as u64) as usize
    };
    for i in 0..1800 {
        let class = i % 6;
        let signal = if class == 0 { if next(2) == 0 { "alpha" } else { "beta" } } else { signals[class - 1] };
        let mut words: Vec<&str> = (0..7).map(|_| filler[next(filler.len())]).collect();
        words.insert(next(8), signal);
        texts.push(words.join(" "));
        classes.push(class);
    }
    let settings = TextSettings { max_len: 10, ..TextSettings::default() };
    let mut tok = Tokenizer::new(Some(settings.num_words), settings.oov_token.as_deref());
    tok.fit_on_texts(&texts);
    let enc = Encoded { ids: encode(&tok, &texts, &settings), classes };
    let layers = preset("bow", tok.vocab_size(), settings.max_len, 6, true).unwrap();
    let model = Model::new(CpuBackend, &layers, &[settings.max_len], 3).unwrap();
    let labels: Vec<String> = (0..6).map(|c| c.to_string()).collect();
    let (model, acc, majority) = fit(model, 8, labels, enc.clone(), enc);
    assert!(acc > 0.95, "the synthetic task was not learned: {acc} (majority {majority})");
    let table = model.get_weights().swap_remove(0).swap_remove(0);
    let width = table.len() / tok.vocab_size();
    let id = |w: &str| tok.word_index[w];
    let words: Vec<usize> = tok.word_index.values().copied().collect();
    let near = nearest(&table, width, id("alpha"), 3, &words);
    eprintln!("nearest to alpha: {:?}", near.iter().map(|(i, c)| (tok.index_word()[*i], *c)).collect::<Vec<_>>());
    assert_eq!(near[0].0, id("beta"), "beta is alpha's nearest neighbour");
    // Each word alone leans to its class.
    let lean = words::leanings(&model, &[id("alpha"), id("beta"), id("gamma"), id("omega")], Side::Post);
    assert_eq!(lean.iter().map(|l| l.0).collect::<Vec<_>>(), vec![0, 0, 1, 5]);
    // The two principal components of the signal words separate the
    // classes: alpha and beta fall closer to each other than to any other.
    let ids: Vec<usize> = ["alpha", "beta", "gamma", "delta", "kappa", "sigma", "omega"].iter().map(|w| id(w)).collect();
    let picked: Vec<f32> = ids.iter().flat_map(|&i| table[i * width..(i + 1) * width].to_vec()).collect();
    let p = pca(&picked, width, 3);
    let dist = |a: usize, b: usize| p.coords[a].iter().zip(&p.coords[b]).map(|(x, y)| (x - y).powi(2)).sum::<f32>();
    for other in 2..7 {
        assert!(dist(0, 1) < dist(0, other), "alpha is nearer {} than beta in the projection", ["", "", "gamma", "delta", "kappa", "sigma", "omega"][other]);
    }
    // t-SNE over every word the projector would place: beta is the point
    // nearest alpha's in the picture.
    let mut run = gradlab::lab::tsne_run(&model, &tok, Side::Post, 100, 2, 5.0, None).unwrap();
    while run.advance(100) {}
    let frame = run.frame();
    assert!(frame.done && frame.iteration == 1000 && frame.kl_divergence.is_some_and(|kl| kl.is_finite()), "{:?}", (frame.iteration, frame.kl_divergence));
    let at = |w: &str| frame.points.iter().find(|p| p.word == w).unwrap_or_else(|| panic!("{w} placed")).coords.clone();
    let alpha = at("alpha");
    let nearest_point = frame.points.iter().filter(|p| p.word != "alpha").min_by(|a, b| {
        let d = |c: &[f32]| c.iter().zip(&alpha).map(|(x, y)| (x - y).powi(2)).sum::<f32>();
        d(&a.coords).total_cmp(&d(&b.coords))
    });
    assert_eq!(nearest_point.unwrap().word, "beta", "beta is nearest alpha in the t-SNE picture of {} words", frame.points.len());
    assert_eq!(frame.points.iter().find(|p| p.word == "beta").unwrap().class, 0, "beta leans to alpha's class");
    // Its settings are checked, each named.
    let refused = |count: usize, perplexity: f64| gradlab::lab::tsne_run(&model, &tok, Side::Post, count, 2, perplexity, None).map(|_| ()).unwrap_err().code;
    let placed = frame.points.len();
    assert!(gradlab::lab::tsne_run(&model, &tok, Side::Post, 100, 2, placed as f64 - 0.5, None).is_ok());
    assert_eq!(refused(100, placed as f64), "explain.tsne_perplexity", "{placed} words leave {} neighbours at most", placed - 1);
    assert_eq!(refused(100, f64::NAN), "explain.tsne_perplexity");
    assert_eq!(refused(100, 0.5), "explain.tsne_perplexity");
    assert_eq!(refused(1001, 5.0), "explain.tsne_size");
    assert_eq!(refused(0, 5.0), "explain.tsne_size");
}

fn gradlab(args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gradlab")).args(args).stdin(std::process::Stdio::null()).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn the_command_line_explains_and_projects() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("bow");
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/spam.tsv");
    let (ok, _, err) = gradlab(&["train", "--data", data, "--model", "bow", "--epochs", "6", "--save", save.to_str().unwrap(), "--json"]);
    assert!(ok, "{err}");
    let model = save.join("model.json");
    let model = model.to_str().unwrap();
    let text = "Click here to claim your FREE money now, limited offer";
    let (ok, out, err) = gradlab(&["explain", "--model", model, "--json", text]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let tokens: Vec<&str> = v["tokens"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert_eq!(tokens[..4], ["click", "here", "to", "claim"], "tokens as the model saw them");
    for field in ["integrated_gradients", "occlusion"] {
        assert_eq!(v[field].as_array().unwrap().len(), tokens.len(), "{field}: one number per token");
    }
    assert_eq!(v["predicted"], "1", "{out}");
    assert!(v["probabilities"]["1"].as_f64().unwrap() > 0.5);
    assert!(v["steps"].as_u64().unwrap() >= 64);
    let ig: f64 = v["integrated_gradients"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).sum();
    let delta = v["score"].as_f64().unwrap() - v["baseline_score"].as_f64().unwrap();
    assert!((v["completeness_error"].as_f64().unwrap() - (ig - delta).abs()).abs() < 1e-4 * delta.abs().max(1.0));
    assert!(v["completeness_error"].as_f64().unwrap() <= 0.01 * delta.abs(), "{out}");
    // The other class, and the human-readable form.
    let (ok, out, _) = gradlab(&["explain", "--model", model, "--class", "0", "--steps", "32", text]);
    assert!(ok && out.contains("log-odds of 0") && out.contains("completeness error"), "{out}");
    let (ok, _, err) = gradlab(&["explain", "--model", model, "--class", "maybe", text]);
    assert!(!ok && err.contains("maybe"), "{err}");
    let (ok, _, err) = gradlab(&["explain", "--model", model, "--steps", "1000", text]);
    assert!(!ok && err.contains("steps"), "{err}");

    let (ok, out, err) = gradlab(&["project", "--model", model, "--json", "--words", "200", "--components", "3", "--near", "free"]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let points = v["points"].as_array().unwrap();
    assert_eq!(points.len(), 200);
    assert_eq!(points[0]["coords"].as_array().unwrap().len(), 3);
    assert!(points.iter().all(|p| p["leans_to"] == "0" || p["leans_to"] == "1"));
    let ratios: Vec<f64> = v["explained_variance_ratio"].as_array().unwrap().iter().map(|r| r.as_f64().unwrap()).collect();
    assert!(ratios.windows(2).all(|w| w[0] >= w[1]) && ratios.iter().sum::<f64>() <= 1.0 + 1e-9, "{ratios:?}");
    let near = v["neighbours"].as_array().unwrap();
    assert_eq!(near.len(), 10);
    assert!(near.iter().all(|n| n["word"] != "free"), "a word is not its own neighbour");
    let (ok, _, err) = gradlab(&["project", "--model", model, "--near", "zzzunseen"]);
    assert!(!ok && err.contains("zzzunseen"), "{err}");

    // By t-SNE: the run to its end, the same every time.
    let (ok, out, err) = gradlab(&["project", "--model", model, "--json", "--words", "120", "--method", "tsne", "--perplexity", "12"]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["method"], "tsne");
    assert_eq!(v["points"].as_array().unwrap().len(), 120);
    assert_eq!(v["iterations"], 1000);
    assert!(v["kl_divergence"].as_f64().is_some_and(|kl| kl > 0.0 && kl < 5.0), "{}", v["kl_divergence"]);
    assert!(v["points"].as_array().unwrap().iter().all(|p| p["coords"].as_array().unwrap().len() == 2));
    let (_, again, _) = gradlab(&["project", "--model", model, "--json", "--words", "120", "--method", "tsne", "--perplexity", "12"]);
    assert_eq!(out, again, "the same model gives the same picture");
    let (ok, out, err) = gradlab(&["project", "--model", model, "--words", "50", "--method", "tsne", "--perplexity", "5"]);
    assert!(ok && out.contains("50 words by t-SNE (perplexity 5): KL divergence"), "{out}{err}");
    let (ok, _, err) = gradlab(&["project", "--model", model, "--words", "50", "--method", "tsne", "--perplexity", "50"]);
    assert!(!ok && err.contains("--perplexity") && err.contains("below the number of words placed (50)"), "{err}");
    let (ok, _, err) = gradlab(&["project", "--model", model, "--words", "3000", "--method", "tsne"]);
    assert!(!ok && err.contains("--words") && err.contains("1 to 1000 words"), "{err}");
}

#[test]
fn the_lab_explains_the_model_it_trained() {
    use gradlab::lab::Lab;
    let mut lab = Lab::new();
    assert!(lab.explain_text("free money").is_err(), "nothing to explain before training");
    lab.set_settings(gradlab::lab::Settings { preset: "bow".into(), epochs: 6, ..lab.settings.clone() }).unwrap();
    lab.load_data(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/spam.tsv")).unwrap()).unwrap();
    while !lab.train_slice(1e9, 100_000, false).unwrap().done {}
    let e = lab.explain_text("Claim your FREE prize money now, click here").unwrap();
    assert_eq!(e.tokens.len(), e.integrated_gradients.len());
    assert_eq!(e.tokens[1].0, "your");
    let delta = e.score - e.baseline_score;
    assert!(e.completeness_error <= 0.01 * delta.abs(), "{e:?}");
    let ig_sum: f32 = e.integrated_gradients.iter().sum();
    assert!((ig_sum - delta).abs() <= e.completeness_error + 1e-4);
    assert!(lab.attention("free money").unwrap_err().to_string().contains("no attention layer"), "a bag of words has no attention maps");
    let map = lab.projector(150, 2).unwrap();
    assert_eq!(map.points.len(), 150);
    assert!(map.points.iter().all(|p| p.coords.len() == 2 && p.coords.iter().all(|v| v.is_finite())));
    assert!(map.points.iter().any(|p| p.class == 0) && map.points.iter().any(|p| p.class == 1), "words lean both ways");
    let near = lab.neighbours("Free", 5).unwrap();
    assert_eq!(near.len(), 5);
    assert!(lab.neighbours("qqqnotaword", 5).unwrap_err().to_string().contains("qqqnotaword"));
    assert!(lab.projector(100, 4).is_err() && lab.projector(0, 2).is_err());
    // The drawing pad's path: a digit model explained over its pixels.
    let mut lab = Lab::new();
    lab.load_image_csv(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/digits.csv")).unwrap()).unwrap();
    lab.set_settings(gradlab::lab::Settings { epochs: 3, ..lab.settings.clone() }).unwrap();
    while !lab.train_slice(1e9, 100_000, false).unwrap().done {}
    let mut pad = vec![0.0f32; 64 * 64];
    for y in 8..56 {
        pad[y * 64 + 30] = 1.0;
        pad[y * 64 + 31] = 1.0;
    }
    let e = lab.explain_image(&pad, 64, 64).unwrap();
    assert_eq!((e.height, e.width, e.integrated_gradients.len(), e.input.len()), (8, 8, 64, 64));
    assert!(e.completeness_error <= 0.01 * (e.score - e.baseline_score).abs().max(0.1), "{e:?}");
    assert!(lab.projector(100, 2).is_err(), "an image model has no word vectors");
    assert!(lab.explain_image(&[f32::NAN; 4], 2, 2).is_err());
}
