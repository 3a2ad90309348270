//! `gradlab explain` (each token's share of a prediction), `gradlab
//! attention` (each attention head's weights over a text's tokens, for a
//! language model or a Transformer classifier) and `gradlab project` (an
//! Embedding's table by principal components).

use super::*;
use crate::explain::words::MapPoint;
use crate::explain::{self, attention, words};
use crate::generate;
use crate::lab::AttentionLayer;

pub(super) fn explain(model_path: &Path, text: Option<String>, steps: usize, class: Option<&str>, json_out: bool) -> Result<()> {
    let (model, meta) = load_model(model_path)?;
    let Some(tok) = meta.tokenizer.as_ref() else {
        return Err(Error::setting("--model", msg!("cli.image_model_explain")));
    };
    let text = match text {
        Some(t) => t,
        None => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).map_err(|e| Error::io("standard input", &e))?;
            s.trim_end_matches(['\n', '\r']).to_string()
        }
    };
    let row = encode(tok, std::slice::from_ref(&text), &settings_of(&meta, model.input_len)).remove(0);
    let class = class
        .map(|c| meta.labels.iter().position(|l| l == c).ok_or_else(|| Error::setting("--class", msg!("data.unknown_label", label = crate::error::printable(c, 40), classes = meta.labels.join(", ")))))
        .transpose()?;
    let e = explain::explain(&model, &row, class, steps)?;
    let seen = words::seen_tokens(tok, &row);
    let at = |v: &[f32]| -> Vec<f32> { seen.iter().map(|(i, _)| v[*i]).collect() };
    let (ig, occ) = (at(&e.integrated_gradients), at(&e.occlusion));
    let tokens: Vec<&str> = seen.iter().map(|(_, w)| w.as_str()).collect();
    let label = |c: usize| meta.labels[c].clone();
    if json_out {
        let probs: serde_json::Map<String, Value> = meta.labels.iter().zip(&e.probabilities).map(|(l, p)| (l.clone(), json!(p))).collect();
        println!(
            "{}",
            json!({
                "text": text,
                "predicted": label(crate::trainer::predicted_class(&e.probabilities)),
                "explained": label(e.class),
                "probabilities": probs,
                "tokens": tokens,
                "positions": seen.iter().map(|(i, _)| i).collect::<Vec<_>>(),
                "integrated_gradients": ig,
                "occlusion": occ,
                "steps": e.steps,
                "score": e.score,
                "baseline_score": e.baseline_score,
                "completeness_error": e.completeness_error,
            })
        );
    } else {
        let parts: Vec<String> = meta.labels.iter().zip(&e.probabilities).map(|(l, v)| format!("{}={:.4}", l, v)).collect();
        println!("predicted {}\t{}", label(crate::trainer::predicted_class(&e.probabilities)), parts.join(" "));
        println!("each token's share of the log-odds of {}, log(p / (1 − p)): integrated gradients ({} steps) and occlusion", label(e.class), e.steps);
        println!("{:<24}{:>14}{:>12}", "token", "integrated", "occlusion");
        for ((t, a), o) in tokens.iter().zip(&ig).zip(&occ) {
            println!("{:<24}{:>+14.5}{:>+12.5}", crate::error::printable(t, 22), a, o);
        }
        let sum: f32 = ig.iter().sum();
        println!(
            "sum {:+.5}; log-odds(input) − log-odds(baseline) = {:+.5} − {:+.5} = {:+.5}; completeness error {:.2e}",
            sum,
            e.score,
            e.baseline_score,
            e.score - e.baseline_score,
            e.completeness_error
        );
    }
    Ok(())
}

/// `tsne`: t-SNE's perplexity, for t-SNE in place of PCA. A classifier's
/// words come with the class each leans to; a language model's tokens
/// (its first `count` ids: the most frequent characters or words of its
/// text) with their kind, since it has no classes.
pub(super) fn project(model_path: &Path, components: usize, count: usize, tsne: Option<f64>, near: Option<&str>, json_out: bool) -> Result<()> {
    let unknown = |w: &str| Error::setting("--near", msg!("explain.unknown_word", word = crate::error::printable(w, 40)));
    if tfjs::load(model_path)?.metadata.as_ref().is_some_and(|m| m.language_model.is_some()) {
        let (model, meta) = super::lm::load_lm(model_path)?;
        let tokens = crate::lab::tokens_by_id(&meta.tokenizer, count);
        let placed = match tsne {
            Some(perplexity) => Placed::by_tsne(crate::lab::token_tsne_run(&model, &tokens, components, perplexity, None).map_err(tsne_field)?, "tokens"),
            None => Placed::by_pca(words::token_map(&model, &tokens, components).ok_or_else(|| first_layer(&model))?, "tokens"),
        };
        let neighbours = near.map(|w| crate::lab::token_neighbours(&model, &meta.tokenizer, w, 10).ok_or_else(|| unknown(w))).transpose()?;
        let kind = |p: &MapPoint| words::TOKEN_KINDS[p.class];
        placed.print(
            json_out,
            |p| json!({"token": p.word, "id": p.id, "coords": p.coords, "kind": kind(p)}),
            |p| format!("{:<12}{}  {}", format!("{:?}", p.word), coords(p), kind(p)),
            near.zip(neighbours).map(|(w, n)| ("token", format!("{w:?}"), n.into_iter().map(|(t, c)| (format!("{t:?}"), t, c)).collect())),
        );
        return Ok(());
    }
    let (model, meta) = load_model(model_path)?;
    let Some(tok) = meta.tokenizer.as_ref() else {
        return Err(Error::setting("--model", msg!("cli.image_model_explain")));
    };
    let placed = match tsne {
        Some(perplexity) => Placed::by_tsne(crate::lab::tsne_run(&model, tok, meta.padding, count, components, perplexity, None).map_err(tsne_field)?, "words"),
        None => Placed::by_pca(words::embedding_map(&model, tok, meta.padding, count, components).ok_or_else(|| first_layer(&model))?, "words"),
    };
    let neighbours = near.map(|w| words::neighbours(&model, tok, w, 10).ok_or_else(|| unknown(w))).transpose()?;
    let leans = |p: &MapPoint| &meta.labels[p.class];
    placed.print(
        json_out,
        |p| json!({"word": p.word, "id": p.id, "coords": p.coords, "leans_to": leans(p), "probability": p.probability}),
        |p| format!("{:<20}{}  leans to {} ({:.2})", crate::error::printable(&p.word, 18), coords(p), leans(p), p.probability),
        near.zip(neighbours).map(|(w, n)| ("word", format!("{w:?}"), n.into_iter().map(|(t, c)| (format!("{:<18}", crate::error::printable(&t, 18)), t, c)).collect())),
    );
    Ok(())
}

fn first_layer(model: &Model<CpuBackend>) -> Error {
    Error::setting("--model", msg!("explain.first_layer", layer = model.layers[0].config.class_name()))
}

fn coords(p: &MapPoint) -> String {
    p.coords.iter().map(|v| format!("{:+9.3}", v)).collect()
}

/// t-SNE's refusals, on the flag that caused them.
fn tsne_field(e: crate::error::Message) -> Error {
    let field = match e.code {
        "explain.tsne_size" => "--words",
        "explain.tsne_perplexity" => "--perplexity",
        _ => "--model",
    };
    Error::setting(field, e)
}

/// The points `project` placed, by PCA or by t-SNE (run to its end, as the
/// page animates it), with the method's own figures.
struct Placed {
    points: Vec<MapPoint>,
    /// JSON: `method` and PCA's variances or t-SNE's run.
    figures: Value,
    /// The first line of the text output.
    summary: String,
}

impl Placed {
    fn by_pca(map: words::EmbeddingMap, what: &str) -> Placed {
        let ratios: Vec<String> = map.explained_variance_ratio.iter().map(|r| format!("{:.1} %", r * 100.0)).collect();
        Placed {
            summary: format!("{} {what} of {} dimensions; the components explain {}", map.points.len(), map.width, ratios.join(", ")),
            figures: json!({"method": "pca", "explained_variance_ratio": map.explained_variance_ratio, "explained_variance": map.explained_variance, "width": map.width}),
            points: map.points,
        }
    }

    fn by_tsne(mut run: crate::lab::TsneRun, what: &str) -> Placed {
        while run.advance(100) {}
        let f = run.frame();
        Placed {
            summary: format!("{} {what} by t-SNE (perplexity {}): KL divergence {:.4} after {} iterations", f.points.len(), f.perplexity, f.kl_divergence.unwrap_or(f64::NAN), f.iteration),
            figures: json!({"method": "tsne", "perplexity": f.perplexity, "iterations": f.iteration, "kl_divergence": f.kl_divergence}),
            points: f.points,
        }
    }

    /// As JSON (each point by `as_json`, the neighbours under `key`) or as
    /// text (the first 30 points by `as_line`); `near`: the word asked,
    /// shown, and its neighbours (shown, as found, cosine).
    fn print(self, json_out: bool, as_json: impl Fn(&MapPoint) -> Value, as_line: impl Fn(&MapPoint) -> String, near: Option<(&str, String, Vec<(String, String, f32)>)>) {
        if json_out {
            let mut v = self.figures;
            v["points"] = self.points.iter().map(as_json).collect();
            if let Some((key, _, n)) = &near {
                v["neighbours"] = n.iter().map(|(_, w, c)| json!({*key: w, "cosine": c})).collect();
            }
            println!("{}", v);
            return;
        }
        println!("{}", self.summary);
        for p in self.points.iter().take(30) {
            println!("{}", as_line(p));
        }
        if let Some((_, asked, n)) = near {
            println!("nearest to {asked} by cosine (in the table, not the picture):");
            for (shown, _, c) in n {
                println!("  {shown}  {c:.3}");
            }
        }
    }
}

/// A language model reads the text's last `context` tokens; a classifier
/// the text tokenized, padded and masked as `gradlab predict` reads it,
/// only the real tokens shown (src/explain/attention.rs).
pub(super) fn attention(path: &Path, text: &str, json: bool) -> Result<()> {
    let saved = tfjs::load(path)?;
    let on_model = |e: Error| match e {
        Error::InvalidSetting { field, reason } if field == "model" => Error::setting("--model", reason),
        other => other,
    };
    let (tokens, ids, layers) = if saved.metadata.as_ref().is_some_and(|m| m.language_model.is_some()) {
        let (model, meta) = load_lm(path)?;
        let ids = meta.tokenizer.encode(text);
        let ids = ids[ids.len().saturating_sub(meta.context)..].to_vec();
        let maps = generate::attention_maps(&model, &ids).map_err(on_model)?;
        (ids.iter().map(|&i| meta.tokenizer.token(i)).collect::<Vec<_>>(), ids.iter().map(|&i| i as usize).collect::<Vec<_>>(), AttentionLayer::from_maps(&model, maps))
    } else {
        let (model, meta) = load_model(path)?;
        if !attention::has_attention(&model) {
            return Err(Error::setting("--model", msg!("attention.no_layer")));
        }
        let tok = meta.tokenizer.as_ref().expect("a model that attends reads tokens");
        let row = encode(tok, &[text.to_string()], &settings_of(&meta, model.input_len)).remove(0);
        let keep = attention::shown_positions(&model, &row);
        let maps = attention::attention_maps(&model, &row, &keep).map_err(on_model)?;
        (attention::words_at(tok, &row, &keep), keep.iter().map(|&i| row[i] as usize).collect(), AttentionLayer::from_maps(&model, maps))
    };
    if json {
        println!("{}", json!({"tokens": tokens, "ids": ids, "layers": layers}));
        return Ok(());
    }
    for l in &layers {
        println!("{} ({} heads over {} tokens); rows attend to columns:", l.name, l.heads.len(), tokens.len());
        for (h, map) in l.heads.iter().enumerate() {
            println!("  head {}", h + 1);
            for (word, row) in tokens.iter().zip(map) {
                println!("  {:>4} {}", format!("{:?}", word), row.iter().map(|p| format!("{:5.2}", p)).collect::<String>());
            }
        }
    }
    Ok(())
}
