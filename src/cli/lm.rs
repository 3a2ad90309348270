//! Language models on the command line: `gradlab train --task lm` (any
//! text → next-token prediction) and `gradlab generate` (`gradlab
//! attention`, for them and classifiers alike, is in explain.rs). The data
//! is cut as `data::lm` says; training runs through the same `Trainer` as
//! classification, with one target per position.

use super::*;
use crate::data::lm::{self, LanguageModelMeta, LmText};
use crate::generate::{self, Sampling};
use crate::presets::{gpt, transformer, Positions, TransformerSizes, LM_PRESETS};

/// The Transformer sizes the flags ask for, over a preset's defaults.
pub(super) fn sizes(a: &TrainArgs, default: TransformerSizes) -> TransformerSizes {
    TransformerSizes {
        layers: a.layers.unwrap_or(default.layers),
        heads: a.heads.unwrap_or(default.heads),
        d_model: a.d_model.unwrap_or(default.d_model),
        ffn: a.ffn.unwrap_or(default.ffn),
        dropout: default.dropout,
        positions: match a.positions {
            PositionsArg::Learned => Positions::Learned,
            PositionsArg::Sine => Positions::Sine,
        },
    }
}

/// The `transformer` classifier with the flags' sizes.
pub(super) fn transformer_preset(a: &TrainArgs, num_words: usize, max_len: usize, classes: usize) -> Vec<LayerConfig> {
    transformer(num_words, max_len, classes, !a.no_mask, sizes(a, TransformerSizes::CLASSIFIER))
}

pub(super) fn train_lm(a: TrainArgs) -> Result<()> {
    let text = read_text(&a.data)?;
    let saved = if a.model.ends_with(".json") || Path::new(&a.model).is_file() { Some(tfjs::load(Path::new(&a.model))?) } else { None };
    if saved.is_none() && !LM_PRESETS.contains(&a.model.as_str()) {
        return Err(Error::setting("--model", msg!("cli.not_lm_preset_or_file", model = &a.model, presets = LM_PRESETS.join(", "))));
    }
    // The tokenizer: the saved model's, or learned from the training part
    // of the text (see `LmText`).
    let saved_meta = match &saved {
        Some(s) => Some(s.metadata.as_ref().and_then(|m| m.language_model.clone()).ok_or_else(|| Error::setting("--model", msg!("cli.not_language_model", model = &a.model)))?),
        None => None,
    };
    let context = saved_meta.as_ref().map_or(a.context, |m| m.context);
    let data = LmText::with_tokenizer(&text, saved_meta.map(|m| m.tokenizer), &a.tokenizer, a.vocab, context, a.val_split).map_err(|e| match e {
        Error::InvalidSetting { field, reason } => Error::setting(format!("--{}", field.replace('_', "-")), reason),
        Error::EmptyData { reason, .. } => Error::EmptyData { source_name: a.data.display().to_string(), reason },
        other => other,
    })?;
    let LmText { characters, tokenizer, train_ids, val_ids, .. } = data;
    let train_set = lm::as_rows(&train_ids, context)?;
    let val_set = if val_ids.len() > context { Some(lm::as_rows(&val_ids, context)?) } else { None };
    let vocab = tokenizer.vocab_size();
    let layers = match &saved {
        Some(s) => s.layers.clone(),
        None => gpt(vocab, context, sizes(&a, TransformerSizes::GPT)),
    };
    let model = match saved {
        Some(s) => Model::with_weights_wired(CpuBackend, &s.layers, s.wiring.as_deref(), &s.input_shape, s.weights)?,
        None => Model::new(CpuBackend, &layers, &[context], a.seed)?,
    };
    if model.positions() != context || model.output_classes() != vocab {
        return Err(Error::setting("--model", msg!("cli.not_language_model", model = &a.model)));
    }
    let optimizer_kind = OptimizerKind::from_name(&a.optimizer).ok_or_else(|| Error::setting("--optimizer", msg!("cli.unknown_optimizer", name = &a.optimizer)))?;
    let mut optimizer = OptimizerConfig::new(optimizer_kind);
    if let Some(lr) = a.lr {
        optimizer.learning_rate = lr;
    }
    optimizer.clip_norm = a.clip_norm;
    let steps_per_epoch = train_set.ids.len().div_ceil(a.batch_size);
    let epochs = match a.steps {
        Some(s) => s.div_ceil(steps_per_epoch),
        None => a.epochs,
    };
    let config = TrainConfig { epochs, batch_size: a.batch_size, optimizer, schedule: parse_schedule(&a.schedule)?, loss: Loss::SparseCategoricalCrossentropy, seed: a.seed, shuffle: !a.no_shuffle, early_stopping_patience: a.patience };
    let labels: Vec<String> = (0..vocab as u32).map(|i| tokenizer.token(i)).collect();
    let trainer = Trainer::new(model, config, labels, train_set, val_set).map_err(|e| as_flag(e, "--epochs"))?;
    let selected = select(a.backend.into(), &architecture(&layers, &[context])?, a.batch_size)?;
    let meta = LanguageModelMeta { tokenizer, context };
    let entropy = lm::unigram_entropy(&train_ids);
    if !a.json {
        println!("backend: {}", selected.reason);
        println!("text: {} characters, {} training and {} validation tokens, vocabulary {}; unigram entropy {:.3} nats/token", characters, train_ids.len(), val_ids.len(), vocab, entropy);
    }
    let backend = json!({"name": if selected.gpu.is_some() { "gpu" } else { "cpu" }, "reason": selected.reason.english()});
    match selected.gpu {
        Some(g) => run_lm(trainer.move_to(g)?, &a, &meta, entropy, backend),
        None => run_lm(trainer, &a, &meta, entropy, backend),
    }
}

fn run_lm<B: Backend>(mut t: Trainer<B>, a: &TrainArgs, meta: &LanguageModelMeta, entropy: f64, backend: Value) -> Result<()> {
    let context = meta.context;
    let limit = a.steps.unwrap_or(usize::MAX);
    let mut history = Vec::new();
    let record = |e: &crate::trainer::EpochRecord| json!({"epoch": e.epoch, "loss": e.loss, "val_loss": e.val_loss, "val_perplexity": e.val_loss.map(f64::exp), "seconds": e.seconds});
    while !t.is_done() && t.batches.len() < limit {
        match t.step()? {
            StepOutcome::EpochEnd(_, e) => {
                if !a.json {
                    let val = e.val_loss.map_or(String::new(), |v| format!(", validation {:.4} (perplexity {:.2})", v, v.exp()));
                    println!("epoch {}: loss {:.4}{}, {:.1}s", e.epoch, e.loss, val, e.seconds);
                }
                history.push(record(&e));
            }
            StepOutcome::Batch(_) | StepOutcome::Done => {}
        }
    }
    // --steps may end inside an epoch: that part is measured as one more
    // entry, with the validation loss at the last step.
    if t.batch_in_epoch() > 0 && !t.is_done() {
        let done = t.batch_in_epoch();
        let recent = &t.batches[t.batches.len() - done..];
        let loss = recent.iter().map(|b| b.loss as f64).sum::<f64>() / done as f64;
        let val = t.val_data().map(|v| t.evaluate(v).loss);
        let (secs, _) = t.training_time();
        let prior: f64 = t.epochs.iter().map(|e| e.train_seconds).sum();
        history.push(json!({"epoch": t.epoch + 1, "partial": true, "loss": loss, "val_loss": val, "val_perplexity": val.map(f64::exp), "seconds": secs - prior}));
        if !a.json {
            let v = val.map_or(String::new(), |v| format!(", validation {:.4} (perplexity {:.2})", v, v.exp()));
            println!("{} steps: loss {:.4}{}", t.batches.len(), loss, v);
        }
    }
    let (seconds, windows) = t.training_time();
    let tokens_per_second = if seconds > 0.0 { (windows * context) as f64 / seconds } else { 0.0 };
    if let Some(dir) = &a.save {
        let metadata = Metadata { tokenizer: None, labels: Vec::new(), max_len: context, padding: Side::Post, truncating: Side::Post, scaling: None, framing: None, language_model: Some(meta.clone()) };
        tfjs::save_dir(dir, &t.model.configs(), t.model.wiring().as_deref(), &t.model.input_shape, &t.model.get_weights(), Some(&metadata))?;
        if !a.json {
            println!("saved to {}", dir.join("model.json").display());
        }
        for w in tfjs::tfjs_incompatibilities(&t.model.layers) {
            eprintln!("gradlab: warning: {}", w.message);
        }
    }
    if a.json {
        let mut v = json!({
            "history": history,
            "steps": t.batches.len(),
            "tokens_per_second": tokens_per_second,
            "vocab_size": meta.tokenizer.vocab_size(),
            "context": context,
            "parameters": t.model.param_count(),
            "unigram_entropy": entropy,
            "backend": backend,
        });
        if let Some(reason) = &t.stopped {
            v["stopped"] = json!(reason.english());
        }
        println!("{}", v);
    } else {
        println!("training: {:.0} tokens/s; {} parameters", tokens_per_second, t.model.param_count());
    }
    Ok(())
}

/// A saved language model, on the CPU, with its tokenizer and context.
pub(super) fn load_lm(path: &Path) -> Result<(Model<CpuBackend>, LanguageModelMeta)> {
    let saved = tfjs::load(path)?;
    let meta = saved.metadata.as_ref().and_then(|m| m.language_model.clone()).ok_or_else(|| Error::setting("--model", msg!("cli.not_language_model", model = path.display().to_string())))?;
    let model = Model::with_weights_wired(CpuBackend, &saved.layers, saved.wiring.as_deref(), &saved.input_shape, saved.weights)?;
    Ok((model, meta))
}

pub(super) fn generate(path: &Path, prompt: &str, tokens: usize, sampling: Sampling, seed: u64, json: bool) -> Result<()> {
    sampling.validate().map_err(|e| match e {
        Error::InvalidSetting { field, reason } => Error::setting(format!("--{}", field.replace('_', "-")), reason),
        other => other,
    })?;
    let (model, meta) = load_lm(path)?;
    // An empty prompt starts from the unknown token (or a line break), as from nothing.
    let mut ids = meta.tokenizer.encode(prompt);
    let unknown = meta.tokenizer.unknown_id().map_or(0, |u| ids.iter().filter(|&&i| i == u).count());
    if unknown > 0 {
        eprintln!("gradlab: warning: {}", msg!("lm.prompt_unknown", count = unknown));
    }
    if ids.is_empty() {
        ids.push(meta.tokenizer.start_id());
    }
    let mut out = std::io::stdout();
    if !json {
        print!("{}", prompt);
    }
    // Written as soon as the bytes make whole characters: a byte-pair token
    // may be part of one.
    let mut pending: Vec<u8> = Vec::new();
    let new = generate::generate(&model, &ids, tokens, &sampling, meta.tokenizer.unknown_id(), seed, |id| {
        if !json {
            pending.extend(meta.tokenizer.piece(id));
            print!("{}", lm::take_whole_chars(&mut pending));
            let _ = out.flush();
        }
    })?;
    if !json && !pending.is_empty() {
        print!("{}", String::from_utf8_lossy(&pending));
    }
    if json {
        println!("{}", json!({"prompt": prompt, "text": meta.tokenizer.decode(&new), "tokens": new, "seed": seed, "temperature": sampling.temperature, "top_k": sampling.top_k, "top_p": sampling.top_p}));
    } else {
        println!();
    }
    Ok(())
}
