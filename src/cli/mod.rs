//! The command-line trainer: `gradlab train | generate | attention | explain |
//! project | eval | predict | tokenize | bench | gpu-bench`.
//! Scripts depend on its flags and its JSON, so both are kept stable.
//!
//! This file holds the flags (clap) and what the commands share (reading
//! and cleaning data files); `train.rs`, `apply.rs` (eval, predict,
//! tokenize) and `bench.rs` (bench, gpu-bench) run the commands.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::{json, Value};

use crate::backend::gpu::GpuBackend;
use crate::backend_choice::{select, BackendRequest};
use crate::backend::{Backend, CpuBackend};
use crate::clock::now_seconds;
use crate::msg;
use crate::data::clean::{clean, CleanOptions};
use crate::data::parse::{LabelColumn, ParseOptions};
use crate::data::pipeline::{self, Holdout, Splits};
use crate::data::split::{looks_sorted, SplitMode};
use crate::data::image::{self, ImageSet, ImageShape};
use crate::data::{encode, pad, parse, Augmentation, Encoded, LabelledTexts, Scaling, ScalingKind, Side, TextSettings, Tokenizer};
use crate::error::{Error, Result};
use crate::io::tfjs::{self, Metadata};
use crate::loss::Loss;
use crate::metrics::Report;
use crate::model::{architecture, classifier_architecture, classifier_architecture_wired, summary, Model};
use crate::nn::LayerConfig;
use crate::optim::{OptimizerConfig, OptimizerKind, Schedule};
use crate::presets::{image_preset, lint, preset, IMAGE_PRESETS, PRESETS};
use crate::data::{MAX_LEN, MAX_NUM_WORDS, MIN_NUM_WORDS};
use crate::trainer::{predicted_class, StepOutcome, TrainConfig, Trainer, MAX_BATCH_SIZE, MAX_EPOCHS};

mod apply;
mod bench;
mod explain;
mod lm;
mod train;

use apply::*;
use bench::*;
use explain::*;
use lm::*;
use train::*;

#[derive(Parser)]
#[command(name = "gradlab", version, about = "Train, evaluate and apply Keras-style text classifiers")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a model on labelled text (label<TAB>text or CSV) or images (a CSV of label,pixels with --image-shape),
    /// or (--task lm) a language model on any text.
    Train(TrainArgs),
    /// Continue a prompt with a language model saved by `train --task lm`.
    Generate {
        #[arg(long)]
        model: PathBuf,
        #[arg(long, default_value = "")]
        prompt: String,
        #[arg(long, default_value_t = 200, allow_negative_numbers = true, value_parser = count(1, 100_000))]
        tokens: usize,
        #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
        temperature: f32,
        #[arg(long, allow_negative_numbers = true)]
        top_k: Option<usize>,
        #[arg(long, allow_negative_numbers = true)]
        top_p: Option<f32>,
        #[arg(long, default_value_t = 42, allow_negative_numbers = true, value_parser = seed)]
        seed: u64,
        #[arg(long)]
        json: bool,
    },
    /// Every attention layer's and head's weights over a text's tokens.
    Attention {
        #[arg(long)]
        model: PathBuf,
        #[arg(long)]
        json: bool,
        text: String,
    },
    /// Why a text classifier answered as it did: each token's share of the
    /// predicted class's probability by integrated gradients and by
    /// occlusion.
    Explain {
        #[arg(long)]
        model: PathBuf,
        /// Points on the integrated-gradients path (Gauss–Legendre).
        #[arg(long, default_value_t = 64, allow_negative_numbers = true, value_parser = count(crate::explain::attribution::MIN_STEPS, crate::explain::attribution::MAX_STEPS))]
        steps: usize,
        /// Explain this class instead of the predicted one.
        #[arg(long)]
        class: Option<String>,
        #[arg(long)]
        json: bool,
        /// The text (standard input when left out).
        text: Option<String>,
    },
    /// An Embedding's table by principal components: each word's place,
    /// the variance each component explains, the class each word alone
    /// leans to, and (--near WORD) its nearest neighbours by cosine.
    Project {
        #[arg(long)]
        model: PathBuf,
        /// Components: 2 or 3.
        #[arg(long, default_value_t = 2, value_parser = count(2, 3))]
        components: usize,
        /// The most frequent words to place (the tokenizer's first ids;
        /// t-SNE takes at most 1000).
        #[arg(long, default_value_t = 500, value_parser = count(1, 100_000))]
        words: usize,
        /// pca, or tsne: scikit-learn's exact t-SNE from the PCA layout.
        #[arg(long, value_enum, default_value_t = MethodArg::Pca)]
        method: MethodArg,
        /// t-SNE's perplexity (about how many neighbours each word keeps).
        #[arg(long, default_value_t = 30.0, allow_negative_numbers = true)]
        perplexity: f64,
        #[arg(long)]
        near: Option<String>,
        #[arg(long)]
        json: bool,
    },
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
    /// square sizes and LSTM-shaped products, the fused attention against
    /// the same composed of general ops, then training samples/s.
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

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum TaskArg {
    /// Labelled examples → classes.
    Classify,
    /// Any text → the next token (a language model).
    Lm,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum MethodArg {
    Pca,
    Tsne,
}

#[derive(Clone, Copy, ValueEnum)]
enum PositionsArg {
    Learned,
    Sine,
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
    /// classify (labelled examples) or lm (a language model on any text).
    #[arg(long, value_enum, default_value = "classify")]
    task: TaskArg,
    #[arg(long)]
    data: PathBuf,
    /// A language model's tokenizer: char (one id per character), word (Keras's Tokenizer: lower case, no punctuation) or bpe (GPT-2's byte-level byte-pair encoding, learned from the text; --vocab defaults to 512).
    #[arg(long, default_value = "char")]
    tokenizer: String,
    /// A language model's vocabulary: at most this many ids (char, word: the most frequent tokens, the rest read as unknown; bpe: the 256 bytes and learned merges up to this size).
    #[arg(long, allow_negative_numbers = true, value_parser = count(2, 1_000_000))]
    vocab: Option<usize>,
    /// A language model's context: tokens it reads at once.
    #[arg(long, default_value_t = 64, allow_negative_numbers = true, value_parser = count(1, 4096))]
    context: usize,
    /// Transformer blocks (transformer, gpt).
    #[arg(long, allow_negative_numbers = true, value_parser = count(1, 64))]
    layers: Option<usize>,
    /// Attention heads per block (transformer, gpt).
    #[arg(long, allow_negative_numbers = true, value_parser = count(1, 64))]
    heads: Option<usize>,
    /// Width of the token vectors (transformer, gpt).
    #[arg(long, allow_negative_numbers = true, value_parser = count(1, 4096))]
    d_model: Option<usize>,
    /// How a Transformer tells positions apart: a learned vector each (keras_hub's TokenAndPositionEmbedding), or fixed sinusoids (an Embedding, then SinePositionEncoding added).
    #[arg(long, value_enum, default_value = "learned")]
    positions: PositionsArg,
    /// Width of the blocks' feed-forward layer (transformer, gpt).
    #[arg(long, allow_negative_numbers = true, value_parser = count(1, 16384))]
    ffn: Option<usize>,
    /// Train this many steps (batches) instead of --epochs (language models).
    #[arg(long, allow_negative_numbers = true, value_parser = count(1, 100_000_000))]
    steps: Option<usize>,
    #[arg(long)]
    val_data: Option<PathBuf>,
    #[arg(long, default_value_t = 0.2, allow_negative_numbers = true)]
    val_split: f32,
    /// How --val-split chooses rows: stratified and shuffled, or Keras's last fraction.
    #[arg(long, value_enum, default_value = "stratified")]
    split: SplitArg,
    /// lstm (the default), cnn, bow, transformer, image-cnn; with --task lm,
    /// gpt (the default); or a path to a model.json.
    #[arg(long, default_value = "")]
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
        Command::Train(mut a) => {
            let lm = a.task == TaskArg::Lm;
            if a.model.is_empty() {
                a.model = if lm { "gpt" } else { "lstm" }.into();
            }
            if lm {
                train_lm(a)
            } else {
                train(a)
            }
        }
        Command::Generate { model, prompt, tokens, temperature, top_k, top_p, seed, json } => generate(&model, &prompt, tokens, crate::generate::Sampling { temperature, top_k, top_p }, seed, json),
        Command::Attention { model, json, text } => attention(&model, &text, json),
        Command::Explain { model, steps, class, json, text } => explain(&model, text, steps, class.as_deref(), json),
        Command::Project { model, components, words, method, perplexity, near, json } => project(&model, components, words, (method == MethodArg::Tsne).then_some(perplexity), near.as_deref(), json),
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
    let bytes = std::fs::read(path).map_err(|e| Error::io(path.display(), &e))?;
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
        return Err(Error::EmptyData { source_name: path.display().to_string(), reason: msg!("data.cleaned_away") });
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
            other => return Err(Error::setting("--clean", msg!("cli.clean_step", step = other))),
        }
    }
    Ok(o)
}

/// A setting's error, named as the command line's flag.
fn as_flag(e: Error, flag: &str) -> Error {
    match e {
        Error::InvalidSetting { reason, .. } => Error::setting(flag, reason),
        other => other,
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

