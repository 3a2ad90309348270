//! `gradlab train`: data and model prepared from the flags, the epochs run
//! with a progress line (or JSON), the model saved.

use super::*;

pub(super) fn progress_bar(done: usize, total: usize) -> String {
    let width = 20;
    let filled = if total == 0 { width } else { done * width / total };
    format!("{}{}", "━".repeat(filled), " ".repeat(width - filled))
}

pub(super) fn train(a: TrainArgs) -> Result<()> {
    if !(0.0..1.0).contains(&a.val_split) || a.val_split.is_nan() {
        return Err(Error::setting("--val-split", msg!("value.in_unit_open", value = a.val_split)));
    }
    let optimizer_kind = OptimizerKind::from_name(&a.optimizer).ok_or_else(|| Error::setting("--optimizer", msg!("cli.unknown_optimizer", name = &a.optimizer)))?;
    let mut optimizer = OptimizerConfig::new(optimizer_kind);
    if let Some(lr) = a.lr {
        optimizer.learning_rate = lr;
    }
    optimizer.clip_norm = a.clip_norm;
    let loss = Loss::from_name(&a.loss).ok_or_else(|| Error::setting("--loss", msg!("cli.unknown_loss", name = &a.loss)))?;
    let schedule = parse_schedule(&a.schedule)?;
    let config = TrainConfig { epochs: a.epochs, batch_size: a.batch_size, optimizer, schedule, loss, seed: a.seed, shuffle: !a.no_shuffle, early_stopping_patience: a.patience };
    config.validate().map_err(|e| match e {
        Error::InvalidSetting { field, reason } => Error::setting(format!("--{}", field.replace('_', "-")), reason),
        other => other,
    })?;
    let saved = if a.model.ends_with(".json") || Path::new(&a.model).is_file() { Some(tfjs::load(Path::new(&a.model))?) } else { None };
    let images = a.image_shape.is_some() || IMAGE_PRESETS.contains(&a.model.as_str()) || saved.as_ref().is_some_and(|s| s.input_shape.len() == 3);
    let (trainer, metadata) = if images { prepare_images(&a, config, saved)? } else { prepare_text(&a, config, saved)? };
    let layers = trainer.model.configs();
    let input_shape = trainer.model.input_shape.clone();
    let labels = trainer.labels.clone();
    let batch_size = trainer.config.batch_size;
    // Built on the CPU first: that validates data and model, and is the
    // checkpoint a lost GPU falls back to.
    let selected = select(a.backend.into(), &classifier_architecture_wired(&layers, trainer.model.wiring().as_deref(), &input_shape)?, batch_size)?;
    if !a.json {
        print!("{}", summary(&trainer.model.layers));
        println!("backend: {}", selected.reason);
    }
    let mut backend_note = Vec::new();
    let mut running = match &selected.gpu {
        Some(g) => Running::Gpu(trainer.move_to(g.clone())?, trainer),
        None => Running::Cpu(trainer),
    };
    // For tests of the fallback: lose the GPU device after this many steps,
    // or fail in some other way (a bug: the run must stop, not fall back).
    let lose_at: Option<usize> = std::env::var("GRADLAB_TEST_LOSE_GPU_AT_STEP").ok().and_then(|v| v.parse().ok());
    let panic_at: Option<usize> = std::env::var("GRADLAB_TEST_GPU_PANIC_AT_STEP").ok().and_then(|v| v.parse().ok());

    let tty = std::io::stdout().is_terminal();
    let mut epoch_start = now_seconds();
    let mut failure = None;
    loop {
        let (done, batch, epoch) = running.position();
        if done {
            break;
        }
        if !a.json && batch == 0 {
            println!("Epoch {}/{}", epoch + 1, a.epochs);
            epoch_start = now_seconds();
        }
        let outcome = match &mut running {
            Running::Cpu(t) => t.step(),
            Running::Gpu(t, checkpoint) => {
                let g = t.model.backend.clone();
                if lose_at == Some(t.batches.len()) {
                    g.lose_device();
                }
                let steps_done = t.batches.len();
                // A lost device makes wgpu panic; the message is reported
                // below, so the default hook's backtrace is held back.
                let hook = std::panic::take_hook();
                std::panic::set_hook(Box::new(|_| {}));
                let o = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    if panic_at == Some(steps_done) {
                        panic!("test failure injected at step {}", steps_done);
                    }
                    t.step()
                }));
                std::panic::set_hook(hook);
                match (o, g.lost()) {
                    (Ok(o), None) => {
                        if let Ok(StepOutcome::EpochEnd(..)) = o {
                            *checkpoint = t.move_to(CpuBackend)?;
                        }
                        o
                    }
                    // Only a lost device may fall back to the CPU: any other
                    // failure is a bug, and continuing would hide it.
                    (Err(p), None) => {
                        let what = p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_else(|| "a panic without a message".into());
                        return Err(Error::Backend {
                            backend: "gpu".into(),
                            reason: msg!("backend.gpu_bug", step = steps_done + 1, detail = what.trim()),
                        });
                    }
                    (_, Some(why)) => {
                        let note = msg!("backend.gpu_stopped_epoch", detail = why.trim(), epoch = checkpoint.epoch).english();
                        if !a.json {
                            println!("\n{}", note);
                        }
                        backend_note.push(note);
                        let cpu = std::mem::replace(checkpoint, checkpoint.move_to(CpuBackend)?);
                        running = Running::Cpu(cpu);
                        continue;
                    }
                }
            }
        };
        match outcome {
            Ok(StepOutcome::Batch(_)) => {
                if !a.json && tty {
                    let (done, loss, acc) = running.epoch_so_far();
                    let steps = running.steps_per_epoch();
                    let elapsed = now_seconds() - epoch_start;
                    let eta = elapsed / done as f64 * (steps - done) as f64;
                    print!("\r{}/{} {} ETA {:.0}s - accuracy: {:.4} - loss: {:.4}   ", done, steps, progress_bar(done, steps), eta, acc, loss);
                    let _ = std::io::stdout().flush();
                }
            }
            Ok(StepOutcome::EpochEnd(_, e)) => {
                if !a.json {
                    let steps = running.steps_per_epoch();
                    let mut line = format!("\r{}/{} {} {:.0}s {:.0}ms/step - accuracy: {:.4} - loss: {:.4}", steps, steps, progress_bar(1, 1), e.seconds, e.seconds * 1000.0 / steps as f64, e.accuracy, e.loss);
                    if let (Some(vl), Some(va)) = (e.val_loss, e.val_accuracy) {
                        line.push_str(&format!(" - val_accuracy: {:.4} - val_loss: {:.4}", va, vl));
                    }
                    println!("{}", line);
                }
            }
            Ok(StepOutcome::Done) => break,
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    let backend_json = match &running {
        Running::Gpu(t, _) => json!({"kind": "gpu", "adapter": t.model.backend.adapter().name, "reason": selected.reason.english()}),
        Running::Cpu(_) => json!({"kind": "cpu", "adapter": null, "reason": selected.reason.english(), "notes": backend_note}),
    };
    let _ = labels;
    let finish = Finish { a: &a, metadata: &metadata, layers: &layers, input_shape: &input_shape, backend: backend_json, failure };
    match running {
        Running::Cpu(t) => finish.report(&t),
        Running::Gpu(t, _) => finish.report(&t),
    }
}

/// Text → token ids, and the model: a preset or a saved model.json (which
/// brings its layers, weights and maybe tokenizer and labels).
pub(super) fn prepare_text(a: &TrainArgs, config: TrainConfig, saved: Option<tfjs::SavedModel>) -> Result<(Trainer<CpuBackend>, Metadata)> {
    let mut settings = TextSettings { num_words: a.num_words, max_len: a.max_len, padding: a.padding.into(), truncating: a.truncating.into(), oov_token: if a.oov.is_empty() { None } else { Some(a.oov.clone()) } };
    settings.validate()?;
    let cleaning = clean_options(&a.clean)?;

    let rows = read_rows(&a.data, a.label_column, &cleaning, a.json)?;
    let model_labels = saved.as_ref().and_then(|s| s.metadata.as_ref()).map(|m| m.labels.clone()).filter(|l| !l.is_empty());
    let all = LabelledTexts::from_rows(&rows, model_labels.as_deref())?;
    let holdout = match &a.val_data {
        Some(p) => {
            let vrows = read_rows(p, a.label_column, &cleaning, a.json)?;
            Holdout::Separate(LabelledTexts::from_rows(&vrows, Some(&all.labels))?)
        }
        None => holdout(a, &all.classes),
    };
    let data = Splits::new(all, holdout);
    let labels = data.labels().to_vec();
    if labels.len() < 2 {
        return Err(Error::EmptyData { source_name: a.data.display().to_string(), reason: msg!("data.one_class", class = crate::error::printable(&labels.join(""), 40)) });
    }

    let saved_tok = saved.as_ref().and_then(|s| s.metadata.as_ref()).and_then(|m| m.tokenizer.clone());
    let tokenizer = match saved_tok {
        Some(t) => t,
        None => {
            // A loaded model fixes the vocabulary size through its Embedding.
            if let Some(rows) = saved.as_ref().and_then(|s| s.layers.first()).and_then(|l| l.vocabulary()) {
                settings.num_words = settings.num_words.min(rows);
            }
            pipeline::fit_tokenizer(&data.train, &settings)
        }
    };
    let backend = CpuBackend;
    let model = match &saved {
        Some(s) => {
            settings.max_len = s.input_shape[0];
            if s.weights.is_empty() {
                Model::new_wired(backend, &s.layers, s.wiring.as_deref(), &s.input_shape, a.seed)?
            } else {
                Model::with_weights_wired(backend, &s.layers, s.wiring.as_deref(), &s.input_shape, s.weights.clone())?
            }
        }
        None => {
            let layers = if a.model == "transformer" { Some(transformer_preset(a, settings.num_words, settings.max_len, labels.len())) } else { preset(&a.model, settings.num_words, settings.max_len, labels.len(), !a.no_mask) }.ok_or_else(|| Error::setting("--model", msg!("cli.not_preset_or_file", model = &a.model)))?;
            Model::new(backend, &layers, &[settings.max_len], a.seed)?
        }
    };
    if !a.json {
        for l in lint(&model.configs(), settings.padding == Side::Post) {
            eprintln!("warning: layer {}: {}", l.layer, l.message);
        }
    }
    let train_enc = pipeline::encode_texts(&tokenizer, &data.train, &settings);
    let val_enc = data.val.as_ref().map(|v| pipeline::encode_texts(&tokenizer, v, &settings));
    let metadata = Metadata { tokenizer: Some(tokenizer), labels: labels.clone(), max_len: settings.max_len, padding: settings.padding, truncating: settings.truncating, scaling: None, framing: None, language_model: None };
    Ok((Trainer::new(model, config, labels, train_enc, val_enc)?, metadata))
}

/// A CSV of label,pixels → scaled images, and an image model.
pub(super) fn prepare_images(a: &TrainArgs, config: TrainConfig, saved: Option<tfjs::SavedModel>) -> Result<(Trainer<CpuBackend>, Metadata)> {
    let saved_shape: Option<ImageShape> = saved.as_ref().and_then(|s| <[usize; 3]>::try_from(s.input_shape.as_slice()).ok());
    let shape = match (a.image_shape.as_deref(), saved_shape) {
        (_, Some(s)) => Some(s),
        (None | Some("auto"), None) => None,
        (Some(s), None) => Some(image::parse_shape(s).map_err(|e| as_flag(e, "--image-shape"))?),
    };
    let model_labels = saved.as_ref().and_then(|s| s.metadata.as_ref()).map(|m| m.labels.clone()).filter(|l| !l.is_empty());
    let read = |path: &Path, shape: Option<ImageShape>, labels: Option<&[String]>| -> Result<ImageSet> {
        let set = image::parse_csv(&read_text(path)?, shape, labels).map_err(|e| match e {
            Error::EmptyData { reason, .. } => Error::EmptyData { source_name: path.display().to_string(), reason },
            other => other,
        })?;
        if !a.json && !set.rejected.is_empty() {
            eprintln!("{}: {} line(s) rejected", path.display(), set.rejected.len());
            for r in set.rejected.iter().take(5) {
                eprintln!("  line {}: {}", r.line, r.reason);
            }
        }
        Ok(set)
    };
    let all = read(&a.data, shape, model_labels.as_deref())?;
    let holdout = match &a.val_data {
        Some(p) => Holdout::Separate(read(p, Some(all.shape), Some(&all.labels))?),
        None => holdout(a, &all.classes),
    };
    let data = Splits::new(all, holdout);
    let labels = data.labels().to_vec();
    if labels.len() < 2 {
        return Err(Error::EmptyData { source_name: a.data.display().to_string(), reason: msg!("data.one_class", class = crate::error::printable(&labels.join(""), 40)) });
    }
    // A saved model brings its scaling and framing; else both are fitted on
    // the training images.
    let kind = ScalingKind::from_name(&a.scale).ok_or_else(|| Error::setting("--scale", msg!("cli.scale", value = &a.scale)))?;
    let (scaling, framing) = match saved.as_ref().and_then(|s| s.metadata.as_ref()).filter(|m| m.scaling.is_some()) {
        Some(m) => (m.scaling.unwrap(), m.framing),
        None => pipeline::fit_images(&data.train, kind),
    };
    let augmentation = Augmentation::parse(&a.augment).map_err(|e| as_flag(e, "--augment"))?;
    let shape = data.all.shape.to_vec();
    let model = match &saved {
        Some(s) if s.weights.is_empty() => Model::new_wired(CpuBackend, &s.layers, s.wiring.as_deref(), &shape, a.seed)?,
        Some(s) => Model::with_weights_wired(CpuBackend, &s.layers, s.wiring.as_deref(), &shape, s.weights.clone())?,
        None => {
            let layers = image_preset(&a.model, labels.len()).ok_or_else(|| Error::setting("--model", msg!("cli.not_image_preset_or_file", model = &a.model)))?;
            Model::new(CpuBackend, &layers, &shape, a.seed)?
        }
    };
    let metadata = Metadata { tokenizer: None, labels: labels.clone(), max_len: 0, padding: Side::Post, truncating: Side::Post, scaling: Some(scaling), framing, language_model: None };
    let mut trainer = Trainer::new(model, config, labels, pipeline::encode_images(scaling, &data.train), data.val.as_ref().map(|v| pipeline::encode_images(scaling, v)))?;
    trainer.augmentation = (!augmentation.is_identity()).then_some(augmentation);
    Ok((trainer, metadata))
}

/// The validation rows --val-split and --split ask for, with a warning
/// when a "last" split of sorted labels would see mostly one class.
pub(super) fn holdout<S>(a: &TrainArgs, classes: &[usize]) -> Holdout<S> {
    if a.val_split <= 0.0 {
        return Holdout::Nothing;
    }
    let mode = match a.split {
        SplitArg::Stratified => SplitMode::Stratified,
        SplitArg::Last => SplitMode::Last,
    };
    if mode == SplitMode::Last && looks_sorted(classes) && !a.json {
        eprintln!("warning: the labels arrive sorted, so the last {}% of rows are mostly one class", (a.val_split * 100.0).round());
    }
    Holdout::Fraction { fraction: a.val_split, mode, seed: a.seed }
}

/// A training run on the backend it was given, and on the GPU the CPU
/// checkpoint (the last epoch's end) it falls back to if the device is lost.
pub(super) enum Running {
    Cpu(Trainer<CpuBackend>),
    Gpu(Trainer<GpuBackend>, Trainer<CpuBackend>),
}

impl Running {
    fn trainer_position<B: Backend>(t: &Trainer<B>) -> (bool, usize, usize) {
        (t.is_done(), t.batch_in_epoch(), t.epoch)
    }
    /// (done, batch in the epoch, epochs completed)
    fn position(&self) -> (bool, usize, usize) {
        match self {
            Running::Cpu(t) => Self::trainer_position(t),
            Running::Gpu(t, _) => Self::trainer_position(t),
        }
    }
    /// (batches in this epoch, their mean loss, their mean accuracy)
    fn epoch_so_far(&self) -> (usize, f64, f64) {
        fn of<B: Backend>(t: &Trainer<B>) -> (usize, f64, f64) {
            let done = t.batch_in_epoch().min(t.batches.len());
            let recent = &t.batches[t.batches.len() - done..];
            let mean = |f: fn(&crate::trainer::BatchRecord) -> f32| recent.iter().map(|b| f(b) as f64).sum::<f64>() / done.max(1) as f64;
            (done, mean(|b| b.loss), mean(|b| b.accuracy))
        }
        match self {
            Running::Cpu(t) => of(t),
            Running::Gpu(t, _) => of(t),
        }
    }
    fn steps_per_epoch(&self) -> usize {
        match self {
            Running::Cpu(t) => t.steps_per_epoch(),
            Running::Gpu(t, _) => t.steps_per_epoch(),
        }
    }
}

/// What the end of `train` needs, whichever backend trained.
pub(super) struct Finish<'a> {
    a: &'a TrainArgs,
    metadata: &'a Metadata,
    layers: &'a [LayerConfig],
    input_shape: &'a [usize],
    backend: Value,
    failure: Option<Error>,
}

impl Finish<'_> {
    fn report<B: Backend>(self, trainer: &Trainer<B>) -> Result<()> {
        let a = self.a;
        if let Some(reason) = &trainer.stopped {
            if self.failure.is_none() && !a.json {
                println!("{}", reason);
            }
        }
        let train_seconds: f64 = trainer.epochs.iter().map(|e| e.train_seconds).sum();
        let samples = trainer.epochs.len() as f64 * trainer.train_len() as f64;
        let samples_per_second = if train_seconds > 0.0 { samples / train_seconds } else { 0.0 };

        if let Some(dir) = &a.save {
            tfjs::save_dir(dir, self.layers, trainer.model.wiring().as_deref(), self.input_shape, &trainer.model.get_weights(), Some(self.metadata))?;
            if !a.json {
                println!("saved to {}", dir.join("model.json").display());
            }
            // On standard error, so that --json's standard output stays one object.
            for w in tfjs::tfjs_incompatibilities(&trainer.model.layers) {
                eprintln!("gradlab: warning: {}", w.message);
            }
        }
        let validation = trainer.last_validation.as_ref().map(|v| v.report.clone());
        if a.json {
            let history: Vec<Value> = trainer
                .epochs
                .iter()
                .map(|e| json!({"epoch": e.epoch, "loss": e.loss, "accuracy": e.accuracy, "val_loss": e.val_loss, "val_accuracy": e.val_accuracy, "seconds": e.seconds}))
                .collect();
            let mut v = json!({
                "history": history,
                "train_samples_per_second": samples_per_second,
                "validation": validation.as_ref().map(report_json),
                "backend": self.backend,
            });
            if let Some(reason) = &trainer.stopped {
                v["stopped"] = json!(reason.english());
            }
            println!("{}", v);
        } else {
            println!("training: {:.1} samples/s", samples_per_second);
            if let Some(r) = &validation {
                print_report(r);
            }
        }
        match self.failure {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// `constant`, `step:EVERY:GAMMA`, `exponential:STEPS:RATE`,
/// `cosine:WARMUP:STEPS` or `plateau:FACTOR:PATIENCE`.
pub(super) fn parse_schedule(s: &str) -> Result<Schedule> {
    let bad = || Error::setting("--schedule", msg!("cli.schedule", value = s));
    let parts: Vec<&str> = s.split(':').collect();
    // Step counts are whole numbers ≥ 1 (0.5 would become 0 steps).
    let num = |i: usize| parts.get(i).and_then(|p| p.parse::<f64>().ok()).filter(|v| v.is_finite() && *v > 0.0).ok_or_else(bad);
    let steps = |i: usize| parts.get(i).and_then(|p| p.parse::<u64>().ok()).filter(|v| *v >= 1).ok_or_else(bad);
    Ok(match parts[0] {
        "constant" if parts.len() == 1 => Schedule::Constant,
        "step" if parts.len() == 3 => Schedule::Step { every: steps(1)?, gamma: num(2)? as f32 },
        "exponential" if parts.len() == 3 => Schedule::Exponential { decay_steps: steps(1)?, rate: num(2)? as f32 },
        "cosine" if parts.len() == 3 => Schedule::Cosine { warmup: parts[1].parse().map_err(|_| bad())?, decay_steps: steps(2)?, alpha: 0.0 },
        "plateau" if parts.len() == 3 => Schedule::ReduceOnPlateau { factor: num(1)? as f32, patience: steps(2)? as usize, min_lr: 1e-7 },
        _ => return Err(bad()),
    })
}

pub(super) fn report_json(r: &Report) -> Value {
    json!({
        "accuracy": r.accuracy,
        "macro_f1": r.macro_f1,
        "weighted_f1": r.weighted_f1,
        "classes": r.classes,
        "per_class": r.per_class.iter().map(|c| json!({"label": c.label, "precision": c.precision, "recall": c.recall, "f1": c.f1, "support": c.support})).collect::<Vec<_>>(),
        "confusion_matrix": r.confusion_matrix,
    })
}

pub(super) fn print_report(r: &Report) {
    println!("\nValidation: accuracy {:.4}, macro F1 {:.4}, weighted F1 {:.4}", r.accuracy, r.macro_f1, r.weighted_f1);
    println!("{:>16} {:>10} {:>10} {:>10} {:>10}", "class", "precision", "recall", "f1", "support");
    for c in &r.per_class {
        println!("{:>16} {:>10.4} {:>10.4} {:>10.4} {:>10}", c.label, c.precision, c.recall, c.f1, c.support);
    }
    println!("confusion matrix (rows: true, columns: predicted):");
    for (label, row) in r.classes.iter().zip(&r.confusion_matrix) {
        println!("{:>16} {}", label, row.iter().map(|v| format!("{:>7}", v)).collect::<String>());
    }
}
