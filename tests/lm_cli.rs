//! Language models on the command line (`train --task lm`, `generate`,
//! `attention`), as scripts use them: the JSON they print, that a small GPT
//! trained on real text learns (its validation loss well below the text's
//! unigram entropy, the loss of a model that ignores context), that the
//! saved model carries its tokenizer, and that bad input is refused with a
//! message naming the flag. `attention` also reads a Transformer
//! classifier: its maps are checked against softmax(q·kᵀ/√d) recomputed
//! here from the saved weights.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

mod common;

fn gradlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gradlab")).args(args).output().unwrap()
}

fn json_of(o: &Output) -> Value {
    assert!(o.status.success(), "gradlab failed: {}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({}): {}", e, String::from_utf8_lossy(&o.stdout)))
}

/// The text of the first `n` real e-mails, one file.
fn corpus(dir: &Path, n: usize) -> PathBuf {
    let text: String = common::spam_text().lines().take(n).map(|l| format!("{}\n", l.split_once('\t').map_or(l, |(_, t)| t))).collect();
    let p = dir.join("corpus.txt");
    std::fs::write(&p, text).unwrap();
    p
}

const SMALL: [&str; 10] = ["--layers", "1", "--heads", "2", "--d-model", "32", "--ffn", "64", "--context", "32"];

#[test]
fn a_small_gpt_learns_real_text_and_writes_in_its_alphabet() {
    let dir = tempfile::tempdir().unwrap();
    let data = corpus(dir.path(), 300);
    let save = dir.path().join("gpt");
    let mut args = vec!["train", "--task", "lm", "--data", data.to_str().unwrap(), "--steps", "300", "--val-split", "0.1", "--seed", "3", "--save", save.to_str().unwrap(), "--json"];
    args.extend(SMALL);
    let out = json_of(&gradlab(&args));
    let history = out["history"].as_array().unwrap();
    assert!(!history.is_empty());
    let last = history.last().unwrap();
    let (val, entropy) = (last["val_loss"].as_f64().unwrap(), out["unigram_entropy"].as_f64().unwrap());
    assert!((last["val_perplexity"].as_f64().unwrap() - val.exp()).abs() < 1e-6 * val.exp());
    // Knowing only how common each character is gives the entropy; a model
    // that learned anything about order is well below it.
    assert!(val < entropy - 0.4, "validation loss {} is not well below the unigram entropy {}", val, entropy);
    assert_eq!(out["steps"], 300);
    assert!(out["tokens_per_second"].as_f64().unwrap() > 0.0);
    assert!(out["parameters"].as_u64().unwrap() > 10_000);
    assert_eq!(out["backend"]["name"], "cpu");
    let vocab = out["vocab_size"].as_u64().unwrap() as usize;
    assert!(vocab > 30, "{}", vocab);

    // The saved model carries its tokenizer: generation continues a prompt
    // in the corpus's characters, the same with the same seed.
    let model = save.join("model.json");
    let gen = |seed: &str, temperature: &str| json_of(&gradlab(&["generate", "--model", model.to_str().unwrap(), "--prompt", "The ", "--tokens", "60", "--temperature", temperature, "--top-k", "20", "--seed", seed, "--json"]));
    let a = gen("1", "0.8");
    let text = a["text"].as_str().unwrap();
    assert_eq!(text.chars().count(), 60);
    let alphabet: std::collections::HashSet<char> = std::fs::read_to_string(&data).unwrap().chars().collect();
    assert!(text.chars().all(|c| alphabet.contains(&c)), "{:?} has characters the corpus lacks", text);
    assert_eq!(gen("1", "0.8")["text"], a["text"], "the same seed draws the same text");
    assert_ne!(gen("2", "0.8")["text"], a["text"], "another seed draws another text");
    // Temperature 0 is greedy: every seed gives the same text.
    assert_eq!(gen("1", "0")["text"], gen("2", "0")["text"]);

    // Attention: one map per block and head over the text's tokens, each
    // row a distribution over the tokens at or before it.
    let att = json_of(&gradlab(&["attention", "--model", model.to_str().unwrap(), "--json", "Hello there"]));
    assert_eq!(att["tokens"].as_array().unwrap().len(), 11);
    let layers = att["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1);
    let heads = layers[0]["heads"].as_array().unwrap();
    assert_eq!(heads.len(), 2);
    for head in heads {
        for (i, row) in head.as_array().unwrap().iter().enumerate() {
            let row: Vec<f64> = row.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-5, "row {} sums to {}", i, row.iter().sum::<f64>());
            assert!(row[i + 1..].iter().all(|&p| p == 0.0), "token {} attends to a later one: {:?}", i, row);
        }
    }
    assert_ne!(heads[0], heads[1], "the two heads learned the same map");

    // The projector over its characters, each with its kind.
    let map = json_of(&gradlab(&["project", "--model", model.to_str().unwrap(), "--json", "--words", "20", "--near", "e"]));
    let points = map["points"].as_array().unwrap();
    assert_eq!(points.len(), 20);
    let kinds: Vec<&str> = points.iter().map(|p| p["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"letter") && kinds.contains(&"space"), "{kinds:?}");
    assert_eq!(map["neighbours"].as_array().unwrap().len(), 10);
    let tsne = json_of(&gradlab(&["project", "--model", model.to_str().unwrap(), "--json", "--words", "30", "--method", "tsne", "--perplexity", "5"]));
    assert_eq!((tsne["method"].as_str(), tsne["iterations"].as_u64(), tsne["points"].as_array().unwrap().len()), (Some("tsne"), Some(1000), 30));
}

#[test]
fn bad_language_model_input_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "  \n").unwrap();
    let short = dir.path().join("short.txt");
    std::fs::write(&short, "just a few words").unwrap();
    let data = corpus(dir.path(), 20);
    for (args, want) in [
        (vec!["--data", empty.to_str().unwrap()], "empty"),
        (vec!["--data", short.to_str().unwrap()], "--context"),
        (vec!["--data", data.to_str().unwrap(), "--tokenizer", "morse"], "--tokenizer"),
        (vec!["--data", data.to_str().unwrap(), "--vocab", "1"], "--vocab"),
        (vec!["--data", data.to_str().unwrap(), "--tokenizer", "bpe", "--vocab", "200"], "256 byte values"),
        (vec!["--data", data.to_str().unwrap(), "--model", "lstm"], "--model"),
        (vec!["--data", data.to_str().unwrap(), "--val-split", "0.95"], "val"),
        (vec!["--data", data.to_str().unwrap(), "--heads", "16", "--d-model", "8"], "16 heads"),
    ] {
        let mut all = vec!["train", "--task", "lm", "--steps", "1"];
        all.extend(args.iter().copied());
        let o = gradlab(&all);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.contains(want), "{:?}: {}", args, err);
    }
    // Words, as Keras's Tokenizer reads them: generation writes words.
    let save = dir.path().join("words");
    let mut args = vec!["train", "--task", "lm", "--tokenizer", "word", "--data", data.to_str().unwrap(), "--steps", "3", "--save", save.to_str().unwrap(), "--json"];
    args.extend(SMALL);
    let out = json_of(&gradlab(&args));
    assert!(out["vocab_size"].as_u64().unwrap() > 100);
    let gen = json_of(&gradlab(&["generate", "--model", save.join("model.json").to_str().unwrap(), "--prompt", "the", "--tokens", "5", "--json"]));
    assert_eq!(gen["text"].as_str().unwrap().split(' ').count(), 5, "{}", gen["text"]);
    // Byte pairs, as GPT-2's tokenizer: fewer tokens than characters, every
    // text encodes, and generation writes whole characters.
    let save = dir.path().join("bpe");
    let mut args = vec!["train", "--task", "lm", "--tokenizer", "bpe", "--vocab", "400", "--data", data.to_str().unwrap(), "--steps", "3", "--save", save.to_str().unwrap(), "--json"];
    args.extend(SMALL);
    let out = json_of(&gradlab(&args));
    assert_eq!(out["vocab_size"], 400);
    let model = save.join("model.json");
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    let merges = saved.pointer("/userDefinedMetadata/gradlab/language_model/tokenizer/bpe/merges").unwrap_or_else(|| panic!("merges in {saved:#}"));
    assert_eq!(merges.as_array().unwrap().len(), 400 - 256);
    let att = json_of(&gradlab(&["attention", "--model", model.to_str().unwrap(), "--json", "the message was sent"]));
    let tokens = att["tokens"].as_array().unwrap();
    assert!(tokens.len() < "the message was sent".len(), "{tokens:?}");
    assert_eq!(tokens.iter().map(|t| t.as_str().unwrap()).collect::<String>(), "the message was sent");
    let o = gradlab(&["generate", "--model", model.to_str().unwrap(), "--prompt", "你好 the", "--tokens", "20", "--seed", "3"]);
    let text = String::from_utf8(o.stdout).expect("whole characters");
    assert!(o.status.success() && text.starts_with("你好 the"), "{text}");
    let gen = json_of(&gradlab(&["generate", "--model", model.to_str().unwrap(), "--prompt", "你好 the", "--tokens", "20", "--seed", "3", "--json"]));
    assert_eq!(format!("你好 the{}\n", gen["text"].as_str().unwrap()), text);
    // A classifier is not a language model.
    let o = gradlab(&["generate", "--model", dir.path().join("none.json").to_str().unwrap()]);
    assert!(!o.status.success());
    // Nor a language model a classifier: the commands that take one say so
    // and name the ones that take it (`project` takes both).
    for args in [vec!["explain", "some text"], vec!["predict", "some text"]] {
        let command = args[0];
        let mut all = vec![command, "--model", model.to_str().unwrap()];
        all.extend(&args[1..]);
        let o = gradlab(&all);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.contains("it is a language model") && err.contains("gradlab generate"), "{command}: {err}");
    }
}

/// Each weight's byte offset in the shard and its values, by name.
type Weights = std::collections::HashMap<String, (usize, Vec<f32>)>;

/// model.json's weights, read from its shard as little-endian float32 in
/// the manifest's order, and the shard's bytes.
fn saved_weights(dir: &Path) -> (Vec<u8>, Weights) {
    let m: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("model.json")).unwrap()).unwrap();
    let group = &m["weightsManifest"][0];
    let bytes = std::fs::read(dir.join(group["paths"][0].as_str().unwrap())).unwrap();
    let mut at = 0;
    let mut out = std::collections::HashMap::new();
    for w in group["weights"].as_array().unwrap() {
        assert_eq!(w["dtype"], "float32");
        let n: usize = w["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).product();
        let v = bytes[at..at + 4 * n].chunks(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
        out.insert(w["name"].as_str().unwrap().to_string(), (at, v));
        at += 4 * n;
    }
    (bytes, out)
}

#[test]
fn a_transformer_classifier_shows_its_attention_over_the_real_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("t");
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/spam.tsv");
    let (heads, key_dim, d) = (2, 8, 16);
    json_of(&gradlab(&["train", "--data", data, "--model", "transformer", "--epochs", "1", "--max-len", "24", "--num-words", "500", "--layers", "2", "--heads", "2", "--d-model", "16", "--ffn", "32", "--save", save.to_str().unwrap(), "--json"]));
    // One epoch of small embeddings leaves the maps nearly uniform; larger
    // queries and keys make a wrong scale, mask or head order show (any
    // weights are a model).
    let (mut bytes, w) = saved_weights(&save);
    for part in ["query/kernel", "query/bias", "key/kernel", "key/bias"] {
        let name = format!("transformer_encoder/self_attention_layer/{part}");
        let (at, v) = &w[&name];
        for (i, x) in v.iter().enumerate() {
            bytes[at + 4 * i..at + 4 * i + 4].copy_from_slice(&(x * 100.0).to_le_bytes());
        }
    }
    std::fs::write(save.join("group1-shard1of1.bin"), &bytes).unwrap();
    let (_, w) = saved_weights(&save);
    let model = save.join("model.json");
    let model = model.to_str().unwrap();
    let text = "Claim your FREE prize now, click here to win";
    let att = json_of(&gradlab(&["attention", "--model", model, "--json", text]));
    let explained = json_of(&gradlab(&["explain", "--model", model, "--json", "--steps", "16", text]));
    // The tokens the model reads, padding left out.
    assert_eq!(att["tokens"], explained["tokens"], "the model's view of the text");
    let tokens = att["tokens"].as_array().unwrap();
    let n = tokens.len();
    assert_eq!(n, 9);
    let ids: Vec<usize> = att["ids"].as_array().unwrap().iter().map(|i| i.as_u64().unwrap() as usize).collect();
    assert_eq!(ids.len(), n);
    assert!(ids.iter().all(|&i| i > 0), "no padding id among {ids:?}");
    let positions: Vec<usize> = explained["positions"].as_array().unwrap().iter().map(|p| p.as_u64().unwrap() as usize).collect();
    let layers = att["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 2, "one map per encoder block");
    assert_eq!(layers[0]["name"], "transformer_encoder");
    let map = |l: usize, h: usize| -> Vec<Vec<f64>> { layers[l]["heads"][h].as_array().unwrap().iter().map(|r| r.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect()).collect() };
    for (l, layer) in layers.iter().enumerate() {
        assert_eq!(layer["heads"].as_array().unwrap().len(), heads);
        for h in 0..heads {
            let m = map(l, h);
            assert_eq!(m.len(), n);
            for row in &m {
                assert_eq!(row.len(), n);
                assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-5, "a row sums to {}", row.iter().sum::<f64>());
            }
        }
    }
    // The first block's maps from the saved weights: x = token + position
    // embedding, q and k per head, softmax over the real tokens (the
    // padding mask gives padded keys nothing).
    let (tok, pos) = (&w["token_and_position_embedding/token_embedding/embeddings"].1, &w["token_and_position_embedding/position_embedding/embeddings"].1);
    let x: Vec<Vec<f64>> = ids.iter().zip(&positions).map(|(&id, &p)| (0..d).map(|i| (tok[id * d + i] + pos[p * d + i]) as f64).collect()).collect();
    let project = |kernel: &[f32], bias: &[f32], h: usize| -> Vec<Vec<f64>> {
        x.iter().map(|xr| (0..key_dim).map(|j| bias[h * key_dim + j] as f64 + (0..d).map(|i| xr[i] * kernel[(i * heads + h) * key_dim + j] as f64).sum::<f64>()).collect()).collect()
    };
    let get = |s: &str| &w[&format!("transformer_encoder/self_attention_layer/{s}")].1;
    let mut sharp = 0.0f64;
    for h in 0..heads {
        let (q, k) = (project(get("query/kernel"), get("query/bias"), h), project(get("key/kernel"), get("key/bias"), h));
        let shown = map(0, h);
        for a in 0..n {
            let scores: Vec<f64> = (0..n).map(|b| (0..key_dim).map(|j| q[a][j] * k[b][j]).sum::<f64>() / (key_dim as f64).sqrt()).collect();
            let max = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let e: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
            let z: f64 = e.iter().sum();
            for b in 0..n {
                let want = e[b] / z;
                assert!((shown[a][b] - want).abs() < 1e-4, "block 1 head {} row {:?} column {:?}: {} shown, {} recomputed", h + 1, tokens[a], tokens[b], shown[a][b], want);
                sharp = sharp.max(want);
            }
        }
    }
    assert!(sharp > 0.5, "the recomputed maps are too flat ({sharp}) to tell a wrong computation");
    // The text form: a block, a head, a row per token.
    let o = gradlab(&["attention", "--model", model, text]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success() && out.contains("transformer_encoder_1 (2 heads over 9 tokens)") && out.contains("\"free\""), "{out}");
    // A model without attention, and a text with no token, are refused by name.
    let bow = dir.path().join("bow");
    json_of(&gradlab(&["train", "--data", data, "--model", "bow", "--epochs", "1", "--max-len", "24", "--num-words", "500", "--save", bow.to_str().unwrap(), "--json"]));
    let o = gradlab(&["attention", "--model", bow.join("model.json").to_str().unwrap(), text]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("--model") && err.contains("no attention layer"), "{err}");
    let o = gradlab(&["attention", "--model", model, "  "]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("no token"), "{err}");
}
