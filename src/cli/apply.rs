//! Applying a saved model: `gradlab eval`, `predict` and `tokenize`.

use super::*;

/// A saved model with what it needs to read text (or, for an image
/// model, its pixel scaling).
pub(super) fn load_model(path: &Path) -> Result<(Model<CpuBackend>, Metadata)> {
    let saved = tfjs::load(path)?;
    let file = path.display().to_string();
    let meta = saved.metadata.clone().ok_or_else(|| Error::model_file(&file, msg!("file.no_metadata")))?;
    let images = saved.input_shape.len() == 3;
    if images && meta.scaling.is_none() {
        return Err(Error::model_file(&file, msg!("file.no_scaling_cli")));
    }
    if !images && meta.tokenizer.is_none() {
        // A language model carries its own tokenizer, not a classifier's:
        // say what it is and which commands take it.
        let why = if meta.language_model.is_some() { msg!("file.language_model_cli") } else { msg!("file.no_tokenizer_cli") };
        return Err(Error::model_file(&file, why));
    }
    if saved.weights.is_empty() {
        return Err(Error::model_file(&file, msg!("file.no_weights")));
    }
    let model = Model::with_weights_wired(CpuBackend, &saved.layers, saved.wiring.as_deref(), &saved.input_shape, saved.weights).map_err(|e| Error::model_file(&file, e.message()))?;
    if meta.labels.len() != model.output_classes() && !(model.output_classes() == 1 && meta.labels.len() == 2) {
        return Err(Error::model_file(&file, msg!("file.labels_outputs", labels = meta.labels.len(), outputs = model.output_classes())));
    }
    Ok((model, meta))
}

pub(super) fn settings_of(meta: &Metadata, input_len: usize) -> TextSettings {
    TextSettings { num_words: meta.tokenizer.as_ref().map(|t| t.vocab_size()).unwrap_or(2), max_len: input_len, padding: meta.padding, truncating: meta.truncating, oov_token: None }
}

pub(super) fn eval(model_path: &Path, data: &Path, json_out: bool) -> Result<()> {
    let (model, meta) = load_model(model_path)?;
    let enc = match meta.scaling {
        Some(scaling) => {
            let shape = <[usize; 3]>::try_from(model.input_shape.as_slice()).expect("an image model reads [h, w, c]");
            let set = image::parse_csv(&read_text(data)?, Some(shape), None)?;
            if !json_out && !set.rejected.is_empty() {
                eprintln!("{}: {} line(s) rejected; the first: line {}: {}", data.display(), set.rejected.len(), set.rejected[0].line, set.rejected[0].reason);
            }
            let classes = set.classes.iter().map(|&c| {
                let label = &set.labels[c];
                meta.labels.iter().position(|l| l == label).ok_or_else(|| Error::setting(data.display().to_string(), msg!("data.unknown_label", label = crate::error::printable(label, 40), classes = meta.labels.join(", "))))
            }).collect::<Result<Vec<usize>>>()?;
            Encoded { ids: set.pixels.iter().map(|p| scaling.apply(p)).collect(), classes }
        }
        None => {
            let rows = read_rows(data, None, &CleanOptions::default(), json_out)?;
            let set = LabelledTexts::from_rows(&rows, Some(&meta.labels))?;
            let tok = meta.tokenizer.as_ref().unwrap();
            Encoded { ids: encode(tok, &set.texts, &settings_of(&meta, model.input_len)), classes: set.classes }
        }
    };
    model.check_ids(&enc.ids)?;
    let ev = crate::trainer::evaluate(&model, Loss::CategoricalCrossentropy, &meta.labels, &enc, 256);
    if json_out {
        let mut v = report_json(&ev.report);
        v["loss"] = json!(ev.loss);
        println!("{}", v);
    } else {
        println!("loss {:.4}", ev.loss);
        print_report(&ev.report);
    }
    Ok(())
}

pub(super) fn predict(model_path: &Path, texts: Vec<String>, json_out: bool) -> Result<()> {
    let (model, meta) = load_model(model_path)?;
    if meta.tokenizer.is_none() {
        return Err(Error::setting("--model", msg!("cli.image_model_predict")));
    }
    let texts = if texts.is_empty() {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| Error::io("standard input", &e))?;
        s.lines().map(str::to_string).collect()
    } else {
        texts
    };
    let tok = meta.tokenizer.as_ref().unwrap();
    let ids = encode(tok, &texts, &settings_of(&meta, model.input_len));
    model.check_ids(&ids)?;
    let probs = model.predict(&ids, 256);
    let probs: Vec<Vec<f32>> = probs.into_iter().map(|p| if p.len() == 1 { vec![1.0 - p[0], p[0]] } else { p }).collect();
    if json_out {
        let list: Vec<Value> = texts
            .iter()
            .zip(&probs)
            .map(|(t, p)| {
                let probs: serde_json::Map<String, Value> = meta.labels.iter().zip(p).map(|(l, v)| (l.clone(), json!(v))).collect();
                json!({"text": t, "label": meta.labels[predicted_class(p)], "probabilities": probs})
            })
            .collect();
        println!("{}", Value::Array(list));
    } else {
        for p in &probs {
            let parts: Vec<String> = meta.labels.iter().zip(p).map(|(l, v)| format!("{}={:.4}", l, v)).collect();
            println!("{}\t{}", meta.labels[predicted_class(p)], parts.join(" "));
        }
    }
    Ok(())
}

pub(super) fn tokenize(num_words: Option<usize>, oov: Option<String>, max_len: Option<usize>, padding: Side, truncating: Side, json_out: bool) -> Result<()> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).map_err(|e| Error::io("standard input", &e))?;
    let texts: Vec<&str> = s.lines().collect();
    let mut tok = Tokenizer::new(num_words, oov.as_deref());
    tok.fit_on_texts(&texts);
    let mut seqs = tok.texts_to_sequences(&texts);
    if let Some(len) = max_len {
        seqs = pad::pad_sequences(&seqs, Some(len), padding, truncating);
    }
    if json_out {
        println!("{}", json!({"word_index": tok.word_index, "sequences": seqs}));
    } else {
        for s in seqs {
            println!("{}", s.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(" "));
        }
    }
    Ok(())
}
