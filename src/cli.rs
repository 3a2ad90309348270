//! The command-line trainer: `gradlab train | eval | predict | tokenize | bench`.
//! Scripts depend on its flags and its JSON, so both are kept stable.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::{json, Value};

use crate::backend::gpu::GpuBackend;
use crate::backend_choice::{select, BackendRequest};
use crate::backend::{Backend, CpuBackend};
use crate::clock::now_seconds;
use crate::data::clean::{clean, CleanOptions};
use crate::data::parse::{LabelColumn, ParseOptions};
use crate::data::split::{looks_sorted, split, SplitMode};
use crate::data::image::{self, ImageSet, ImageShape};
use crate::data::{encode, pad, parse, Augmentation, Encoded, Framing, LabelledTexts, Scaling, ScalingKind, Side, TextSettings, Tokenizer};
use crate::error::{Error, Result};
use crate::io::tfjs::{self, Metadata};
use crate::loss::Loss;
use crate::metrics::Report;
use crate::model::{architecture, Model};
use crate::nn::LayerConfig;
use crate::optim::{OptimizerConfig, OptimizerKind, Schedule};
use crate::presets::{image_preset, lint, preset, IMAGE_PRESETS, PRESETS};
use crate::data::{MAX_LEN, MAX_NUM_WORDS, MIN_NUM_WORDS};
use crate::trainer::{predicted_class, StepOutcome, TrainConfig, Trainer, MAX_BATCH_SIZE, MAX_EPOCHS};

#[derive(Parser)]
#[command(name = "gradlab", version, about = "Train, evaluate and apply Keras-style text classifiers")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a model on labelled text (label<TAB>text or CSV) or images (a CSV of label,pixels with --image-shape).
    Train(TrainArgs),
    /// Evaluate a saved model on labelled text.
    Eval {
        #[arg(long)]
        model: PathBuf,
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Predict the class of texts (arguments, or lines of standard input).
    Predict {
        #[arg(long)]
        model: PathBuf,
        #[arg(long)]
        json: bool,
        texts: Vec<String>,
    },
    /// Fit a tokenizer on texts from standard input (one per line) and print their sequences.
    Tokenize {
        #[arg(long, allow_negative_numbers = true, value_parser = count(MIN_NUM_WORDS, MAX_NUM_WORDS))]
        num_words: Option<usize>,
        #[arg(long)]
        oov: Option<String>,
        #[arg(long, allow_negative_numbers = true, value_parser = count(1, MAX_LEN))]
        max_len: Option<usize>,
        #[arg(long, value_enum, default_value = "post")]
        padding: SideArg,
        #[arg(long, value_enum, default_value = "post")]
        truncating: SideArg,
        #[arg(long)]
        json: bool,
    },
    /// Train a preset and print what was measured: training samples/s (the
    /// epochs after the first, or the only one), inference samples/s, and
    /// validation accuracy beside the majority-class baseline. Only gradlab
    /// is measured; `./lab bench` compares it with TensorFlow.js and Keras.
    Bench {
        /// Labelled text, or a pixel CSV (label,p0,…) for an image preset (image-cnn).
        #[arg(long)]
        data: PathBuf,
        #[arg(long, default_value = "lstm")]
        model: String,
        /// Train on at most this many rows (0: all of the training split).
        #[arg(long, default_value_t = 0)]
        limit: usize,
        #[arg(long, default_value_t = 1)]
        epochs: usize,
        /// Leave the padding mask off (Keras's classic example has none).
        #[arg(long)]
        no_mask: bool,
        /// Write the exact rows (rows.tsv) and token ids (ids.json) trained
        /// on into this folder, so the peers of bench/run.mjs use the same.
        #[arg(long)]
        export: Option<PathBuf>,
        /// Instead of training, time square matrix products of these sizes
        /// (comma-separated) and print GFLOP/s.
        #[arg(long)]
        matmul: Option<String>,
        /// Train on this backend.
        #[arg(long, value_enum, default_value = "cpu")]
        backend: BackendArg,
        #[arg(long, default_value_t = 32)]
        batch_size: usize,
        /// Seed of the initial weights, shuffling and dropout.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// An image preset's image shape, e.g. 8x8x1 (default: a grayscale
        /// square inferred from the pixel count).
        #[arg(long)]
        image_shape: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The GPU backend beside the CPU backend: matrix-product GFLOP/s for
    /// square sizes and LSTM-shaped products, then training samples/s.
    GpuBench {
        /// Square matrix sizes (comma-separated).
        #[arg(long, default_value = "64,128,256,512,1024")]
        sizes: String,
        /// Batch size of the LSTM-shaped products and of training.
        #[arg(long, default_value_t = 256)]
        batch_size: usize,
        /// Labelled data to train on (skipped without it).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Presets to train (comma-separated).
        #[arg(long, default_value = "lstm")]
        models: String,
        /// Train on at most this many rows.
        #[arg(long, default_value_t = 1024)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

/// A whole-number flag's accepted range, so that a bad value (`--epochs -1`)
/// is named with its range by the parser, as the engine's checks name it.
fn count(min: usize, max: usize) -> clap::builder::RangedI64ValueParser<usize> {
    // Parsed as a signed number so that "-1" is reported as out of range,
    // not as "invalid digit".
    clap::builder::RangedI64ValueParser::<usize>::new().range(min as i64..=max as i64)
}

/// A seed: any whole number in 0..=u64::MAX.
fn seed(s: &str) -> std::result::Result<u64, String> {
    s.trim().parse::<u64>().map_err(|_| format!("a seed is a whole number in 0..={}", u64::MAX))
}

#[derive(Clone, Copy, ValueEnum)]
enum SideArg {
    Pre,
    Post,
}
impl From<SideArg> for Side {
    fn from(s: SideArg) -> Side {
        match s {
            SideArg::Pre => Side::Pre,
            SideArg::Post => Side::Post,
        }
    }
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum BackendArg {
    Cpu,
    Gpu,
    Auto,
}

#[derive(Clone, Copy, ValueEnum)]
enum SplitArg {
    Stratified,
    Last,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColumnArg {
    First,
    Last,
}

#[derive(Args)]
struct TrainArgs {
    #[arg(long)]
    data: PathBuf,
    #[arg(long)]
    val_data: Option<PathBuf>,
    #[arg(long, default_value_t = 0.2, allow_negative_numbers = true)]
    val_split: f32,
    /// How --val-split chooses rows: stratified and shuffled, or Keras's last fraction.
    #[arg(long, value_enum, default_value = "stratified")]
    split: SplitArg,
    /// lstm, cnn, bow, image-cnn, or a path to a model.json.
    #[arg(long, default_value = "lstm")]
    model: String,
    /// Train on images: the data is a CSV of label,p0,…,pN and this is one
    /// image's shape (8x8x1, 28x28, 32x32x3), or "auto" for a grayscale
    /// square. Implied by --model image-cnn.
    #[arg(long)]
    image_shape: Option<String>,
    /// Image pixel scaling: unit (divide by the largest value: [0, 1]) or
    /// standardize (training set mean 0, deviation 1).
    #[arg(long, default_value = "unit")]
    scale: String,
    /// Random moves of training images each epoch, e.g.
    /// shift=0.1,rotate=10,zoom=0.1,flip (default: none).
    #[arg(long, default_value = "none")]
    augment: String,
    #[arg(long, default_value_t = 10, allow_negative_numbers = true, value_parser = count(1, MAX_EPOCHS))]
    epochs: usize,
    #[arg(long, default_value_t = 32, allow_negative_numbers = true, value_parser = count(1, MAX_BATCH_SIZE))]
    batch_size: usize,
    #[arg(long, default_value = "adam")]
    optimizer: String,
    #[arg(long, allow_negative_numbers = true)]
    lr: Option<f32>,
    #[arg(long, default_value = "categorical_crossentropy")]
    loss: String,
    #[arg(long, default_value_t = 10_000, allow_negative_numbers = true, value_parser = count(MIN_NUM_WORDS, MAX_NUM_WORDS))]
    num_words: usize,
    #[arg(long, default_value_t = 100, allow_negative_numbers = true, value_parser = count(1, MAX_LEN))]
    max_len: usize,
    #[arg(long, value_enum, default_value = "post")]
    padding: SideArg,
    #[arg(long, value_enum, default_value = "post")]
    truncating: SideArg,
    #[arg(long, default_value = "<OOV>")]
    oov: String,
    #[arg(long, default_value_t = 42, allow_negative_numbers = true, value_parser = seed)]
    seed: u64,
    #[arg(long)]
    no_shuffle: bool,
    #[arg(long)]
    no_mask: bool,
    #[arg(long, value_enum, default_value = "cpu")]
    backend: BackendArg,
    /// Learning-rate schedule: constant, step:EVERY:GAMMA, exponential:STEPS:RATE,
    /// cosine:WARMUP:STEPS, plateau:FACTOR:PATIENCE.
    #[arg(long, default_value = "constant")]
    schedule: String,
    /// Clip gradients to this global norm.
    #[arg(long, allow_negative_numbers = true)]
    clip_norm: Option<f32>,
    /// Stop when validation loss has not improved for this many epochs.
    #[arg(long, allow_negative_numbers = true, value_parser = count(1, MAX_EPOCHS))]
    patience: Option<usize>,
    /// Which column holds the label (detected when not given).
    #[arg(long, value_enum)]
    label_column: Option<ColumnArg>,
    /// Cleaning steps, comma-separated: html,urls,unicode,whitespace,empty,duplicates.
    #[arg(long, value_delimiter = ',')]
    clean: Vec<String>,
    #[arg(long)]
    save: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

/// Run the command line; returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let result = match cli.command {
        Command::Train(a) => train(a),
        Command::Eval { model, data, json } => eval(&model, &data, json),
        Command::Predict { model, json, texts } => predict(&model, texts, json),
        Command::Tokenize { num_words, oov, max_len, padding, truncating, json } => tokenize(num_words, oov, max_len, padding.into(), truncating.into(), json),
        Command::Bench { data, model, limit, epochs, no_mask, export, matmul, backend, batch_size, seed, image_shape, json } => match matmul {
            Some(sizes) => bench_matmul(&sizes, json),
            None => bench(&BenchArgs { data: &data, preset: &model, limit, epochs, mask: !no_mask, export: export.as_deref(), json, backend: backend.into(), batch_size, seed, image_shape: image_shape.as_deref() }),
        },
        Command::GpuBench { sizes, batch_size, data, models, limit, json } => gpu_bench(&sizes, batch_size, data.as_deref(), &models, limit, json),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("gradlab: error: {}", e);
            1
        }
    }
}

fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::Io { path: path.display().to_string(), reason: e.to_string() })?;
    Ok(String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

fn read_rows(path: &Path, label_column: Option<ColumnArg>, cleaning: &CleanOptions, quiet: bool) -> Result<Vec<crate::data::Row>> {
    let text = read_text(path)?;
    let opts = ParseOptions {
        label_column: label_column.map(|c| match c {
            ColumnArg::First => LabelColumn::First,
            ColumnArg::Last => LabelColumn::Last,
        }),
        ..Default::default()
    };
    let parsed = parse(&text, &opts, &path.display().to_string())?;
    if !quiet && !parsed.rejected.is_empty() {
        eprintln!("{}: {} line(s) rejected", path.display(), parsed.rejected.len());
        for r in parsed.rejected.iter().take(5) {
            eprintln!("  line {}: {}", r.line, r.reason);
        }
    }
    let (rows, report) = clean(parsed.rows, cleaning);
    if !quiet && *cleaning != CleanOptions::default() {
        eprintln!("cleaning: {:?}", report);
    }
    if rows.is_empty() {
        return Err(Error::EmptyData { source_name: path.display().to_string(), reason: "cleaning removed every row".into() });
    }
    Ok(rows)
}

fn clean_options(steps: &[String]) -> Result<CleanOptions> {
    let mut o = CleanOptions::default();
    for s in steps {
        match s.as_str() {
            "html" => o.strip_html = true,
            "urls" => o.strip_urls = true,
            "unicode" => o.normalize_unicode = true,
            "whitespace" => o.normalize_whitespace = true,
            "empty" => o.drop_empty = true,
            "duplicates" => o.drop_duplicates = true,
            other => return Err(Error::setting("--clean", format!("unknown step '{}' (use html, urls, unicode, whitespace, empty, duplicates)", other))),
        }
    }
    Ok(o)
}

fn progress_bar(done: usize, total: usize) -> String {
    let width = 20;
    let filled = if total == 0 { width } else { done * width / total };
    format!("{}{}", "━".repeat(filled), " ".repeat(width - filled))
}

fn train(a: TrainArgs) -> Result<()> {
    if !(0.0..1.0).contains(&a.val_split) || a.val_split.is_nan() {
        return Err(Error::setting("--val-split", format!("{} must be in [0, 1)", a.val_split)));
    }
    let optimizer_kind = OptimizerKind::from_name(&a.optimizer).ok_or_else(|| Error::setting("--optimizer", format!("unknown optimizer '{}' (adam, sgd, rmsprop, adagrad, adamw)", a.optimizer)))?;
    let mut optimizer = OptimizerConfig::new(optimizer_kind);
    if let Some(lr) = a.lr {
        optimizer.learning_rate = lr;
    }
    optimizer.clip_norm = a.clip_norm;
    let loss = Loss::from_name(&a.loss).ok_or_else(|| Error::setting("--loss", format!("unknown loss '{}'", a.loss)))?;
    let schedule = parse_schedule(&a.schedule)?;
    let config = TrainConfig { epochs: a.epochs, batch_size: a.batch_size, optimizer, schedule, loss, seed: a.seed, shuffle: !a.no_shuffle, early_stopping_patience: a.patience };
    config.validate().map_err(|e| match e {
        Error::InvalidSetting { field, reason } => Error::setting(format!("--{}", field.replace(' ', "-")), reason),
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
    let selected = select(a.backend.into(), &architecture(&layers, &input_shape)?, batch_size)?;
    if !a.json {
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
                            reason: format!("training failed at step {} with the device still working ({}); this is a bug in gradlab, so the run stops rather than continue on the CPU (--backend cpu trains on the CPU)", steps_done + 1, what.trim()),
                        });
                    }
                    (_, Some(why)) => {
                        let note = format!("the GPU stopped ({}); training continues on the CPU from the end of epoch {} with the history so far", why.trim(), checkpoint.epoch);
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
        Running::Gpu(t, _) => json!({"kind": "gpu", "adapter": t.model.backend.adapter().name, "reason": selected.reason}),
        Running::Cpu(_) => json!({"kind": "cpu", "adapter": null, "reason": selected.reason, "notes": backend_note}),
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
fn prepare_text(a: &TrainArgs, config: TrainConfig, saved: Option<tfjs::SavedModel>) -> Result<(Trainer<CpuBackend>, Metadata)> {
    let mut settings = TextSettings { num_words: a.num_words, max_len: a.max_len, padding: a.padding.into(), truncating: a.truncating.into(), oov_token: if a.oov.is_empty() { None } else { Some(a.oov.clone()) } };
    settings.validate()?;
    let cleaning = clean_options(&a.clean)?;

    let rows = read_rows(&a.data, a.label_column, &cleaning, a.json)?;
    let model_labels = saved.as_ref().and_then(|s| s.metadata.as_ref()).map(|m| m.labels.clone()).filter(|l| !l.is_empty());
    let all = LabelledTexts::from_rows(&rows, model_labels.as_deref())?;
    let (train_set, val_set) = match &a.val_data {
        Some(p) => {
            let vrows = read_rows(p, a.label_column, &cleaning, a.json)?;
            (all.clone(), Some(LabelledTexts::from_rows(&vrows, Some(&all.labels))?))
        }
        None if a.val_split > 0.0 => {
            let (t, v) = validation_split(a, &all.classes);
            (all.subset(&t), Some(all.subset(&v)))
        }
        None => (all.clone(), None),
    };
    let labels = all.labels.clone();
    if labels.len() < 2 {
        return Err(Error::EmptyData { source_name: a.data.display().to_string(), reason: format!("it has only one class ('{}'); a classifier needs at least two", crate::error::printable(&labels.join(""), 40)) });
    }

    let saved_tok = saved.as_ref().and_then(|s| s.metadata.as_ref()).and_then(|m| m.tokenizer.clone());
    let tokenizer = match saved_tok {
        Some(t) => t,
        None => {
            // A loaded model fixes the vocabulary size through its Embedding.
            if let Some(rows) = saved.as_ref().and_then(|s| s.layers.first()).and_then(|l| l.vocabulary()) {
                settings.num_words = settings.num_words.min(rows);
            }
            let mut t = Tokenizer::new(Some(settings.num_words), settings.oov_token.as_deref());
            t.fit_on_texts(&train_set.texts);
            t
        }
    };
    let backend = CpuBackend;
    let model = match &saved {
        Some(s) => {
            settings.max_len = s.input_shape[0];
            if s.weights.is_empty() {
                Model::new(backend, &s.layers, &s.input_shape, a.seed)?
            } else {
                Model::with_weights(backend, &s.layers, &s.input_shape, s.weights.clone())?
            }
        }
        None => {
            let layers = preset(&a.model, settings.num_words, labels.len(), !a.no_mask).ok_or_else(|| Error::setting("--model", format!("'{}' is neither a preset (lstm, cnn, bow; image-cnn for images) nor a model.json file", a.model)))?;
            Model::new(backend, &layers, &[settings.max_len], a.seed)?
        }
    };
    if !a.json {
        for l in lint(&model.configs(), settings.padding == Side::Post) {
            eprintln!("warning: layer {}: {}", l.layer, l.message);
        }
    }
    let train_enc = Encoded { ids: encode(&tokenizer, &train_set.texts, &settings), classes: train_set.classes.clone() };
    let val_enc = val_set.as_ref().map(|v| Encoded { ids: encode(&tokenizer, &v.texts, &settings), classes: v.classes.clone() });
    let metadata = Metadata { tokenizer: Some(tokenizer), labels: labels.clone(), max_len: settings.max_len, padding: settings.padding, truncating: settings.truncating, scaling: None, framing: None };
    Ok((Trainer::new(model, config, labels, train_enc, val_enc)?, metadata))
}

/// A CSV of label,pixels → scaled images, and an image model.
fn prepare_images(a: &TrainArgs, config: TrainConfig, saved: Option<tfjs::SavedModel>) -> Result<(Trainer<CpuBackend>, Metadata)> {
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
    let (train_set, val_set) = match &a.val_data {
        Some(p) => (all.clone(), Some(read(p, Some(all.shape), Some(&all.labels))?)),
        None if a.val_split > 0.0 => {
            let (t, v) = validation_split(a, &all.classes);
            (all.subset(&t), Some(all.subset(&v)))
        }
        None => (all.clone(), None),
    };
    let labels = all.labels.clone();
    if labels.len() < 2 {
        return Err(Error::EmptyData { source_name: a.data.display().to_string(), reason: format!("it has only one class ('{}'); a classifier needs at least two", crate::error::printable(&labels.join(""), 40)) });
    }
    let scaling = match saved.as_ref().and_then(|s| s.metadata.as_ref()).and_then(|m| m.scaling) {
        Some(s) => s,
        None => {
            let kind = ScalingKind::from_name(&a.scale).ok_or_else(|| Error::setting("--scale", format!("'{}' is not unit or standardize", a.scale)))?;
            Scaling::fit(kind, &train_set.pixels)
        }
    };
    let augmentation = Augmentation::parse(&a.augment).map_err(|e| as_flag(e, "--augment"))?;
    let shape = all.shape.to_vec();
    let model = match &saved {
        Some(s) if s.weights.is_empty() => Model::new(CpuBackend, &s.layers, &shape, a.seed)?,
        Some(s) => Model::with_weights(CpuBackend, &s.layers, &shape, s.weights.clone())?,
        None => {
            let layers = image_preset(&a.model, labels.len()).ok_or_else(|| Error::setting("--model", format!("'{}' is not an image preset (image-cnn) nor a model.json file", a.model)))?;
            Model::new(CpuBackend, &layers, &shape, a.seed)?
        }
    };
    let encode_images = |set: &ImageSet| Encoded { ids: set.pixels.iter().map(|p| scaling.apply(p)).collect(), classes: set.classes.clone() };
    let framing = match saved.as_ref().and_then(|s| s.metadata.as_ref()) {
        Some(m) if m.scaling.is_some() => m.framing,
        _ => Framing::fit(&train_set.pixels, train_set.shape),
    };
    let metadata = Metadata { tokenizer: None, labels: labels.clone(), max_len: 0, padding: Side::Post, truncating: Side::Post, scaling: Some(scaling), framing };
    let mut trainer = Trainer::new(model, config, labels, encode_images(&train_set), val_set.as_ref().map(encode_images))?;
    trainer.augmentation = (!augmentation.is_identity()).then_some(augmentation);
    Ok((trainer, metadata))
}

/// Training and validation row indices by --val-split and --split, with a
/// warning when a "last" split of sorted labels would see mostly one class.
fn validation_split(a: &TrainArgs, classes: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let mode = match a.split {
        SplitArg::Stratified => SplitMode::Stratified,
        SplitArg::Last => SplitMode::Last,
    };
    if mode == SplitMode::Last && looks_sorted(classes) && !a.json {
        eprintln!("warning: the labels arrive sorted, so the last {}% of rows are mostly one class", (a.val_split * 100.0).round());
    }
    split(classes, a.val_split, mode, a.seed)
}

/// A setting's error, named as the command line's flag.
fn as_flag(e: Error, flag: &str) -> Error {
    match e {
        Error::InvalidSetting { reason, .. } => Error::setting(flag, reason),
        other => other,
    }
}

/// A training run on the backend it was given, and on the GPU the CPU
/// checkpoint (the last epoch's end) it falls back to if the device is lost.
enum Running {
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

impl From<BackendArg> for BackendRequest {
    fn from(b: BackendArg) -> Self {
        match b {
            BackendArg::Cpu => BackendRequest::Cpu,
            BackendArg::Gpu => BackendRequest::Gpu,
            BackendArg::Auto => BackendRequest::Auto,
        }
    }
}

/// What the end of `train` needs, whichever backend trained.
struct Finish<'a> {
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
            tfjs::save_dir(dir, self.layers, self.input_shape, &trainer.model.get_weights(), Some(self.metadata))?;
            if !a.json {
                println!("saved to {}", dir.join("model.json").display());
            }
            // On standard error, so that --json's standard output stays one object.
            for w in tfjs::tfjs_incompatibilities(self.layers) {
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
                v["stopped"] = json!(reason);
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
fn parse_schedule(s: &str) -> Result<Schedule> {
    let bad = || Error::setting("--schedule", format!("'{}' is not constant, step:EVERY:GAMMA, exponential:STEPS:RATE, cosine:WARMUP:STEPS or plateau:FACTOR:PATIENCE", s));
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

fn report_json(r: &Report) -> Value {
    json!({
        "accuracy": r.accuracy,
        "macro_f1": r.macro_f1,
        "weighted_f1": r.weighted_f1,
        "classes": r.classes,
        "per_class": r.per_class.iter().map(|c| json!({"label": c.label, "precision": c.precision, "recall": c.recall, "f1": c.f1, "support": c.support})).collect::<Vec<_>>(),
        "confusion_matrix": r.confusion_matrix,
    })
}

fn print_report(r: &Report) {
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

/// A saved model with what it needs to read text (or, for an image
/// model, its pixel scaling).
fn load_model(path: &Path) -> Result<(Model<CpuBackend>, Metadata)> {
    let saved = tfjs::load(path)?;
    let file = path.display().to_string();
    let meta = saved.metadata.clone().ok_or_else(|| Error::model_file(&file, "it carries no gradlab tokenizer and labels (userDefinedMetadata.gradlab); train it with gradlab or add them"))?;
    let images = saved.input_shape.len() == 3;
    if images && meta.scaling.is_none() {
        return Err(Error::model_file(&file, "an image model needs its pixel scaling (userDefinedMetadata.gradlab.scaling)"));
    }
    if !images && meta.tokenizer.is_none() {
        return Err(Error::model_file(&file, "it carries no tokenizer"));
    }
    if saved.weights.is_empty() {
        return Err(Error::model_file(&file, "it has no weights"));
    }
    let model = Model::with_weights(CpuBackend, &saved.layers, &saved.input_shape, saved.weights).map_err(|e| Error::model_file(&file, e.to_string()))?;
    if meta.labels.len() != model.output_classes() && !(model.output_classes() == 1 && meta.labels.len() == 2) {
        return Err(Error::model_file(&file, format!("it names {} labels but outputs {} values", meta.labels.len(), model.output_classes())));
    }
    Ok((model, meta))
}

fn settings_of(meta: &Metadata, input_len: usize) -> TextSettings {
    TextSettings { num_words: meta.tokenizer.as_ref().map(|t| t.vocab_size()).unwrap_or(2), max_len: input_len, padding: meta.padding, truncating: meta.truncating, oov_token: None }
}

fn eval(model_path: &Path, data: &Path, json_out: bool) -> Result<()> {
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
                meta.labels.iter().position(|l| l == label).ok_or_else(|| Error::setting(format!("{}", data.display()), format!("label '{}' is not one of the model's classes ({})", crate::error::printable(label, 40), meta.labels.join(", "))))
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

fn predict(model_path: &Path, texts: Vec<String>, json_out: bool) -> Result<()> {
    let (model, meta) = load_model(model_path)?;
    if meta.tokenizer.is_none() {
        return Err(Error::setting("--model", "this is an image model: evaluate it on a pixel CSV with `gradlab eval`"));
    }
    let texts = if texts.is_empty() {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| Error::Io { path: "standard input".into(), reason: e.to_string() })?;
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

fn tokenize(num_words: Option<usize>, oov: Option<String>, max_len: Option<usize>, padding: Side, truncating: Side, json_out: bool) -> Result<()> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).map_err(|e| Error::Io { path: "standard input".into(), reason: e.to_string() })?;
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

struct BenchArgs<'a> {
    data: &'a Path,
    preset: &'a str,
    limit: usize,
    epochs: usize,
    mask: bool,
    export: Option<&'a Path>,
    json: bool,
    backend: BackendRequest,
    batch_size: usize,
    seed: u64,
    /// An image preset's image shape (None: inferred).
    image_shape: Option<&'a str>,
}

/// Peak resident memory of this process in MB (Linux), for the benchmark table.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Training and inference speed of one preset on Keras's split of `data`
/// (the last 20 % validate), as `bench/run.mjs` compares with its peers.
fn bench(a: &BenchArgs) -> Result<()> {
    let out = bench_quiet(a)?;
    print_bench(a, &out);
    Ok(())
}

fn print_bench(a: &BenchArgs, out: &Value) {
    if a.json {
        println!("{}", out);
        return;
    }
    let f = |key: &str| out[key].as_f64().unwrap_or(f64::NAN);
    let spread = |key: &str| {
        let xs: Vec<f64> = out[key].as_array().map(|v| v.iter().filter_map(Value::as_f64).collect()).unwrap_or_default();
        let (lo, hi) = xs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| (lo.min(x), hi.max(x)));
        if xs.len() > 1 { format!(" (min–max {lo:.0}–{hi:.0} over {} figures)", xs.len()) } else { String::new() }
    };
    println!("gradlab native ({}), preset {}: {} training rows × {} epochs, {} validation rows", out["backend"].as_str().unwrap_or(""), a.preset, out["rows"], out["epochs"], out["val_rows"]);
    println!("  training: {:.1} samples/s, the median of {}{}", f("train_samples_per_s"), out["timed_epochs"].as_str().unwrap_or(""), spread("epoch_samples_per_s"));
    println!("  inference: {:.0} samples/s, the median of {} timed passes after a warm one{}", f("infer_samples_per_s"), out["infer_seconds"].as_array().map_or(0, |v| v.len()), spread("infer_samples_per_s_each"));
    let (acc, base) = (f("val_accuracy"), f("majority_baseline"));
    let verdict = if out["learned"].as_bool() == Some(true) { format!("{:+.1} points above it", 100.0 * (acc - base)) } else { "did not learn: not above it".to_string() };
    println!("  validation accuracy {acc:.4}; the majority-class baseline of the validation rows is {base:.4} ({verdict})");
    println!("  This measures gradlab only; `./lab bench` runs TensorFlow.js and Keras beside it on the same rows and compares.");
}

/// The majority-class baseline of a split: the share of its most common class
/// (what a model that always answers that class scores).
fn majority_baseline(classes: &[usize]) -> f64 {
    let mut counts = std::collections::HashMap::new();
    for &c in classes {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    counts.values().copied().max().unwrap_or(0) as f64 / classes.len().max(1) as f64
}

fn median(xs: &[f64]) -> f64 {
    let mut s = xs.to_vec();
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

/// `bench`'s measurement, as the JSON object it prints.
fn bench_quiet(a: &BenchArgs) -> Result<Value> {
    if IMAGE_PRESETS.contains(&a.preset) {
        return bench_images(a);
    }
    let rows = read_rows(a.data, None, &CleanOptions::default(), true)?;
    let all = LabelledTexts::from_rows(&rows, None)?;
    let (t, v) = split(&all.classes, 0.2, SplitMode::Last, 42);
    let mut train_set = all.subset(&t);
    let val_set = all.subset(&v);
    if a.limit > 0 && a.limit < train_set.texts.len() {
        train_set = train_set.subset(&(0..a.limit).collect::<Vec<_>>());
    }
    let settings = TextSettings::default();
    let mut tok = Tokenizer::new(Some(settings.num_words), settings.oov_token.as_deref());
    tok.fit_on_texts(&train_set.texts);
    let layers = preset(a.preset, settings.num_words, all.labels.len(), a.mask).ok_or_else(|| Error::setting("--model", format!("unknown preset '{}' (text: {}; images: {})", a.preset, PRESETS.join(", "), IMAGE_PRESETS.join(", "))))?;
    let enc = Encoded { ids: encode(&tok, &train_set.texts, &settings), classes: train_set.classes.clone() };
    let val = Encoded { ids: encode(&tok, &val_set.texts, &settings), classes: val_set.classes.clone() };
    if let Some(dir) = a.export {
        export_bench_data(dir, &all.labels, &train_set, &val_set, &enc, &val, &settings)?;
    }
    bench_train(a, &layers, &[settings.max_len], &all.labels, enc, val, a.mask)
}

/// `bench` for an image preset: a pixel CSV split as Keras's
/// validation_split (the last 20 %), pixels divided by the training rows'
/// largest value (16 for the digits), as `gradlab train` and the lab do.
fn bench_images(a: &BenchArgs) -> Result<Value> {
    let shape = match a.image_shape {
        None | Some("auto") => None,
        Some(s) => Some(image::parse_shape(s).map_err(|e| as_flag(e, "--image-shape"))?),
    };
    let all = image::parse_csv(&read_text(a.data)?, shape, None).map_err(|e| match e {
        Error::EmptyData { reason, .. } => Error::EmptyData { source_name: a.data.display().to_string(), reason },
        other => other,
    })?;
    if !all.rejected.is_empty() {
        let r = &all.rejected[0];
        return Err(Error::EmptyData { source_name: a.data.display().to_string(), reason: format!("{} line(s) rejected (the peers of bench/run.mjs must train on the same rows); line {}: {}", all.rejected.len(), r.line, r.reason) });
    }
    let (t, v) = split(&all.classes, 0.2, SplitMode::Last, 42);
    let mut train_set = all.subset(&t);
    let val_set = all.subset(&v);
    if a.limit > 0 && a.limit < train_set.len() {
        train_set = train_set.subset(&(0..a.limit).collect::<Vec<_>>());
    }
    let scaling = Scaling::fit(ScalingKind::Unit, &train_set.pixels);
    let encode_images = |set: &ImageSet| Encoded { ids: set.pixels.iter().map(|p| scaling.apply(p)).collect(), classes: set.classes.clone() };
    let (enc, val) = (encode_images(&train_set), encode_images(&val_set));
    if let Some(dir) = a.export {
        export_bench_images(dir, &all.labels, &train_set, &val_set, &enc, &val, scaling)?;
    }
    let layers = image_preset(a.preset, all.labels.len()).expect("an image preset");
    bench_train(a, &layers, &all.shape, &all.labels, enc, val, false)
}

/// Train `a.epochs` epochs of `layers` on `enc` (Adam 0.001, shuffled) and
/// time inference on `val`: the JSON object `bench` prints.
fn bench_train(a: &BenchArgs, layers: &[LayerConfig], input_shape: &[usize], labels: &[String], enc: Encoded, val: Encoded, mask: bool) -> Result<Value> {
    let n = enc.ids.len();
    let model = Model::new(CpuBackend, layers, input_shape, a.seed)?;
    let config = TrainConfig { epochs: a.epochs.max(1), batch_size: a.batch_size, optimizer: OptimizerConfig::new(OptimizerKind::Adam), schedule: Schedule::Constant, loss: Loss::CategoricalCrossentropy, seed: a.seed, shuffle: true, early_stopping_patience: None };
    let trainer = Trainer::new(model, config, labels.to_vec(), enc, None)?;
    let selected = select(a.backend, &architecture(layers, input_shape)?, a.batch_size)?;
    let backend_name = if selected.gpu.is_some() { "gpu" } else { "cpu" };
    let (epoch_seconds, ev, infer_seconds) = match &selected.gpu {
        Some(g) => run_bench_epochs(trainer.move_to(g.clone())?, a.epochs, &val)?,
        None => run_bench_epochs(trainer, a.epochs, &val)?,
    };
    // The timed epochs, the same for every system of bench/run.mjs: those
    // after the first when there are several (the peers compile or warm up
    // in their first), else the only one. Each is one figure; the median counts.
    let first_timed = if epoch_seconds.len() > 1 { 1 } else { 0 };
    let epoch_sps: Vec<f64> = epoch_seconds[first_timed..].iter().map(|s| n as f64 / s).collect();
    let timed_epochs = match (first_timed, epoch_seconds.len()) {
        (0, _) => "epoch 1 (the only one)".to_string(),
        (_, 2) => "epoch 2 (the first warms up)".to_string(),
        (_, e) => format!("epochs 2–{e} (the first warms up)"),
    };
    let infer_each: Vec<f64> = infer_seconds.iter().map(|s| val.ids.len() as f64 / s).collect();
    let baseline = majority_baseline(&val.classes);
    let out = json!({
        "system": "gradlab-native", "backend": backend_name, "adapter": selected.gpu.as_ref().map(|g| g.adapter().name.clone()), "batch_size": a.batch_size, "preset": a.preset, "mask": mask, "rows": n, "val_rows": val.ids.len(), "epochs": epoch_seconds.len(),
        "epoch_seconds": epoch_seconds, "timed_epochs": timed_epochs, "epoch_samples_per_s": epoch_sps, "train_samples_per_s": median(&epoch_sps),
        "infer_rows": val.ids.len(), "infer_seconds": infer_seconds, "infer_samples_per_s_each": infer_each, "infer_samples_per_s": median(&infer_each),
        "val_accuracy": ev.report.accuracy, "majority_baseline": baseline, "learned": ev.report.accuracy > baseline, "peak_mb": peak_rss_mb(),
    });
    Ok(out)
}

/// Train `epochs` epochs, timing each, then time inference on `val`: a warm
/// pass, then 3 timed passes (as the peers of bench/run.mjs do).
fn run_bench_epochs<B: Backend>(mut trainer: Trainer<B>, epochs: usize, val: &Encoded) -> Result<(Vec<f64>, crate::trainer::Evaluation, Vec<f64>)> {
    let mut epoch_seconds = Vec::new();
    for _ in 0..epochs.max(1) {
        let start = now_seconds();
        trainer.epoch()?;
        epoch_seconds.push(now_seconds() - start);
    }
    let mut ev = trainer.evaluate(val);
    let mut infer_seconds = Vec::new();
    for _ in 0..3 {
        let start = now_seconds();
        ev = trainer.evaluate(val);
        infer_seconds.push(now_seconds() - start);
    }
    Ok((epoch_seconds, ev, infer_seconds))
}

fn gpu_bench(sizes: &str, batch_size: usize, data: Option<&Path>, models: &str, limit: usize, json_out: bool) -> Result<()> {
    use crate::backend::timing::matmul_gflops;
    let squares: Vec<usize> = sizes.split(',').map(|s| s.trim().parse().map_err(|_| Error::setting("--sizes", format!("'{}' is not a size", s)))).collect::<Result<_>>()?;
    let gpu = GpuBackend::new().map_err(|e| Error::Backend { backend: "gpu".into(), reason: e.0 })?;
    let adapter = gpu.adapter().clone();
    if !json_out {
        println!("GPU: {} ({}{}); CPU backend: {} threads", adapter.name, adapter.backend, if adapter.software { ", software" } else { "" }, std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
        println!("{:<34} {:>12} {:>12} {:>8}", "matrix product", "GPU GFLOP/s", "CPU GFLOP/s", "GPU/CPU");
    }
    let mut products = Vec::new();
    // The squares, then the products of an LSTM(64) layer over 100 steps:
    // the input projection for all steps at once, one recurrent step, and
    // the weight gradient (Aᵀ·B).
    let (t, d, h4, b) = (100, 64, 256, batch_size);
    let shapes = squares.iter().map(|&n| (format!("{n}×{n}×{n}"), n, n, n, false)).chain([
        (format!("LSTM input  {}×{}×{}", b * t, d, h4), b * t, d, h4, false),
        (format!("LSTM step   {}×{}×{}", b, d, h4), b, d, h4, false),
        (format!("LSTM dW  ({}ᵀ)×{}×{}", b * t, d, h4), d, b * t, h4, true),
    ]);
    for (label, m, k, n, trans_a) in shapes {
        let g = matmul_gflops(&gpu, m, k, n, trans_a, || gpu.sync());
        let c = matmul_gflops(&CpuBackend, m, k, n, trans_a, || {});
        if !json_out {
            println!("{:<34} {:>12.1} {:>12.1} {:>7.2}x", label, g, c, g / c);
        }
        products.push(json!({"shape": label, "m": m, "k": k, "n": n, "gpu_gflops": g, "cpu_gflops": c}));
    }
    let mut training = Vec::new();
    if let Some(data) = data {
        for preset_name in models.split(',') {
            let mut row = json!({"preset": preset_name, "batch_size": batch_size});
            for (name, request) in [("cpu", BackendRequest::Cpu), ("gpu", BackendRequest::Gpu)] {
                let args = BenchArgs { data, preset: preset_name, limit, epochs: 2, mask: true, export: None, json: true, backend: request, batch_size, seed: 42, image_shape: None };
                let out = bench_quiet(&args)?;
                row[name] = out["train_samples_per_s"].clone();
                row[format!("{}_val_accuracy", name)] = out["val_accuracy"].clone();
            }
            if !json_out {
                let (c, g) = (row["cpu"].as_f64().unwrap_or(0.0), row["gpu"].as_f64().unwrap_or(0.0));
                println!("training {:<6} batch {:>4}: GPU {:>9.1} samples/s, CPU {:>9.1} samples/s, GPU/CPU {:.2}x", preset_name, batch_size, g, c, g / c);
            }
            training.push(row);
        }
    }
    if json_out {
        println!("{}", json!({"adapter": adapter.name, "software": adapter.software, "matmul": products, "training": training}));
    }
    Ok(())
}

/// The validation fraction that splits `classes` (training rows first) back
/// into exactly `train_len` training rows with Keras's "last" split.
fn last_split_fraction(classes: &[usize], train_len: usize) -> f64 {
    let mut fraction = (((classes.len() - train_len) as f64 / classes.len() as f64) * 1e7).round() / 1e7;
    for _ in 0..20 {
        let (t, _) = split(classes, fraction as f32, SplitMode::Last, 42);
        match t.len().cmp(&train_len) {
            std::cmp::Ordering::Equal => break,
            std::cmp::Ordering::Greater => fraction += 1e-7,
            std::cmp::Ordering::Less => fraction -= 1e-7,
        }
    }
    fraction
}

/// rows.tsv: the training rows then the validation rows, with the
/// validation fraction that splits them back exactly (Keras's "last" split);
/// ids.json: the token ids every peer trains on.
fn export_bench_data(dir: &Path, labels: &[String], train: &LabelledTexts, val: &LabelledTexts, enc: &Encoded, val_enc: &Encoded, settings: &TextSettings) -> Result<()> {
    let io = |e: std::io::Error| Error::Io { path: dir.display().to_string(), reason: e.to_string() };
    std::fs::create_dir_all(dir).map_err(io)?;
    let classes: Vec<usize> = train.classes.iter().chain(&val.classes).copied().collect();
    let fraction = last_split_fraction(&classes, train.texts.len());
    let mut tsv = String::new();
    for (texts, cls) in [(&train.texts, &train.classes), (&val.texts, &val.classes)] {
        for (t, &c) in texts.iter().zip(cls) {
            tsv.push_str(&format!("{}\t{}\n", labels[c], t));
        }
    }
    std::fs::write(dir.join("rows.tsv"), tsv).map_err(io)?;
    let ints = |e: &Encoded| e.ids.iter().map(|r| r.iter().map(|&v| v as u32).collect::<Vec<_>>()).collect::<Vec<_>>();
    let ids = json!({
        "num_words": settings.num_words, "max_len": settings.max_len, "labels": labels, "val_split": fraction,
        "train": {"ids": ints(enc), "classes": enc.classes}, "val": {"ids": ints(val_enc), "classes": val_enc.classes},
    });
    std::fs::write(dir.join("ids.json"), ids.to_string()).map_err(io)?;
    Ok(())
}

/// An image workload's export: rows.csv (label,p0,… with the raw pixels,
/// training rows then validation rows, for the lab's `load_image_csv` with
/// the "last" split of `val_split`) and ids.json (the scaled pixels, flat
/// per image in height × width × channels order, that the peers train on).
fn export_bench_images(dir: &Path, labels: &[String], train: &ImageSet, val: &ImageSet, enc: &Encoded, val_enc: &Encoded, scaling: Scaling) -> Result<()> {
    let io = |e: std::io::Error| Error::Io { path: dir.display().to_string(), reason: e.to_string() };
    std::fs::create_dir_all(dir).map_err(io)?;
    let classes: Vec<usize> = train.classes.iter().chain(&val.classes).copied().collect();
    let fraction = last_split_fraction(&classes, train.len());
    let pixels = train.shape.iter().product::<usize>();
    let mut csv = String::from("label");
    for i in 0..pixels {
        csv.push_str(&format!(",p{i}"));
    }
    csv.push('\n');
    for set in [train, val] {
        for (px, &c) in set.pixels.iter().zip(&set.classes) {
            csv.push_str(&labels[c]);
            for v in px {
                csv.push_str(&format!(",{v}"));
            }
            csv.push('\n');
        }
    }
    std::fs::write(dir.join("rows.csv"), csv).map_err(io)?;
    let ids = json!({
        "kind": "image", "image_shape": train.shape, "scaling": scaling, "labels": labels, "val_split": fraction,
        "train": {"ids": enc.ids, "classes": enc.classes}, "val": {"ids": val_enc.ids, "classes": val_enc.classes},
    });
    std::fs::write(dir.join("ids.json"), ids.to_string()).map_err(io)?;
    Ok(())
}

/// GFLOP/s of the CPU backend's matrix product for square sizes.
fn bench_matmul(sizes: &str, json_out: bool) -> Result<()> {
    let mut out = serde_json::Map::new();
    for size in sizes.split(',') {
        let n: usize = size.trim().parse().map_err(|_| Error::setting("--matmul", format!("'{}' is not a size", size)))?;
        let gflops = crate::backend::cpu::matmul_gflops(n);
        out.insert(n.to_string(), json!(gflops));
        if !json_out {
            println!("matmul {n}×{n}×{n}: {gflops:.1} GFLOP/s");
        }
    }
    if json_out {
        println!("{}", json!({"system": "gradlab-native", "matmul_gflops": out}));
    }
    Ok(())
}
