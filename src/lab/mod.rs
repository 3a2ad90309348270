//! A lab session: what the page holds between clicks. It turns pasted text
//! into a dataset report, settings into a checked model and a trainer, and
//! answers the page's questions (summary, progress, metrics, predictions)
//! as plain serialisable structs. The wasm layer only converts these to
//! JavaScript values, so everything here is tested natively.
//!
//! `settings.rs` holds the form's settings, `views.rs` the answers,
//! `text.rs` and `images.rs` each kind of data; this file the session
//! itself: the backend, the run, training slices, metrics, the insides and
//! the model file.

mod explain;
mod language_projector;
mod tsne_run;
mod images;
mod language;
mod language_settings;
mod language_views;
mod placement;
mod settings;
mod text;
mod views;

use serde::{Deserialize, Serialize};

use crate::backend::gpu::GpuBackend;
use crate::backend_choice::{step_flops, BackendRequest};
use crate::backend::prelude::*;
use crate::backend::{ready_now, CpuBackend};
use crate::clock::now_seconds;
use crate::data::clean::{clean, CleanOptions, CleanReport};
use crate::data::parse::{parse, LabelColumn, ParseOptions, Rejected};
use crate::data::pipeline::{self, Dataset, Holdout, Splits};
use crate::data::split::{looks_sorted, SplitMode};
use crate::data::{pad, Augmentation, Encoded, Framing, ImageSet, ImageShape, LabelledTexts, Scaling, ScalingKind, Side, TextSettings, Tokenizer};
use crate::error::{Error, Message, Result};
use crate::msg;
use crate::insides::{insides, lstm_gates, GateMap, Insides};
use crate::io::tfjs::{self, Metadata};
use crate::loss::Loss;
use crate::metrics::Report;
use crate::model::{classifier_architecture_wired, Model};
use crate::nn::LayerConfig;
use crate::optim::{OptimizerConfig, OptimizerKind, Schedule};
use crate::presets::{image_preset, lint, preset, IMAGE_PRESETS};

pub use language::LanguageLab;
pub use language_settings::LmSettings;
pub use language_views::{AttentionLayer, AttentionView, Generated, LmProgress, LmSample, LmStep, LmTextReport, LmValidation, NextToken, TokenChip};
pub use settings::Settings;
use text::*;
use placement::Placement;
pub use views::*;
pub use images::{label_of_path, resample, AugmentedPreview, FeatureMaps, FilterView, ImageDataReport, ImageFile, ImagePrediction, ImagePreview, LayerMaps};
pub use language_projector::{token_neighbours, tokens_by_id};
pub use explain::{ImageExplanation, TextExplanation, PAGE_STEPS};
pub use tsne_run::{token_tsne_run, tsne_run, TsneFrame, TsneRun};
use crate::trainer::{predicted_class, BatchRecord, EpochRecord, StepOutcome, TrainConfig, Trainer};

/// Largest paste the lab accepts (bytes): beyond it the page would stall.
pub const MAX_INPUT_BYTES: usize = 32_000_000;

/// Examples whose activations the insides view shows.
const INSIDES_EXAMPLES: usize = 64;

/// The lab's state between clicks.
pub struct Lab {
    pub settings: Settings,
    /// The labelled texts or images loaded, split.
    data: Option<Dataset>,
    /// How raw input becomes the model's: the tokenizer for text, the
    /// pixel scaling and the framing of drawings for images; fitted on the
    /// training split, or an uploaded model's (whose data may not be loaded,
    /// so one of each kind can be held at once).
    tokenizer: Option<Tokenizer>,
    scaling: Option<Scaling>,
    /// Where the training images' ink sits (None for photos and the like).
    framing: Option<Framing>,
    trainer: Option<Trainer<CpuBackend>>,
    /// Why `trainer` cannot train: an uploaded model with no data of its
    /// labels loaded holds a placeholder row so that it can predict, and
    /// must never train on it.
    untrainable: Option<Message>,
    reported_batches: usize,
    reported_epochs: usize,
    /// Where it trains. On the GPU the run keeps its own copy between
    /// slices; `trainer` holds the state as of the last slice's end, so
    /// everything else (metrics, predictions, insides, downloads) reads the
    /// CPU copy.
    placement: Placement,
}

impl Default for Lab {
    fn default() -> Self {
        Lab::new()
    }
}

impl Lab {
    /// The texts loaded, split; None for images or no data.
    fn texts(&self) -> Option<&Splits<LabelledTexts>> {
        self.data.as_ref().and_then(Dataset::texts)
    }
    /// The images loaded, split; None for text or no data.
    fn images(&self) -> Option<&Splits<ImageSet>> {
        self.data.as_ref().and_then(Dataset::images)
    }
    fn tokenizer(&self) -> Option<&Tokenizer> {
        self.tokenizer.as_ref()
    }
    /// The validation rows the settings ask for.
    fn holdout<S>(&self) -> Holdout<S> {
        let s = &self.settings;
        Holdout::Fraction { fraction: s.val_split, mode: s.split, seed: s.seed }
    }
    fn scaling(&self) -> Option<Scaling> {
        self.scaling
    }
    fn framing(&self) -> Option<Framing> {
        self.framing
    }

    pub fn new() -> Self {
        Lab {
            settings: Settings::default(),
            data: None,
            tokenizer: None,
            scaling: None,
            framing: None,
            trainer: None,
            untrainable: None,
            reported_batches: 0,
            reported_epochs: 0,
            placement: Placement::default(),
        }
    }

    /// Record what opening a GPU gave (the page does it once, asynchronously).
    pub fn set_gpu_found(&mut self, found: std::result::Result<GpuBackend, Message>) {
        let flops = self.step_flops();
        self.placement.set_found(found, flops);
    }

    /// Train on the CPU, the GPU, or let `auto` decide from the adapter and
    /// the model's work per step. Returns (backend, why).
    pub fn choose_backend(&mut self, request: BackendRequest) -> (String, Message) {
        let flops = self.step_flops();
        self.placement.choose(request, flops)
    }

    /// The settings' wiring of their custom layers (a graph), if any: a
    /// preset is always a chain.
    fn wiring(&self) -> Option<&[Vec<usize>]> {
        self.settings.wiring.as_deref().filter(|_| self.settings.preset == "custom")
    }

    /// The model's floating-point operations per training step (0 when the
    /// settings build no model).
    fn step_flops(&self) -> f64 {
        let classes = self.classes();
        self.settings.layer_list(classes).ok().and_then(|l| classifier_architecture_wired(&l, self.wiring(), &self.input_shape()).ok()).map(|a| step_flops(&a, self.settings.batch_size)).unwrap_or(0.0)
    }

    fn apply_backend(&mut self) {
        let flops = self.step_flops();
        self.placement.apply(flops);
    }

    /// "cpu" or "gpu (adapter)".
    pub fn backend_name(&self) -> String {
        self.placement.name()
    }

    /// Drop the GPU copy of the run: the CPU copy changed or was replaced.
    fn invalidate_gpu(&mut self) {
        self.placement.invalidate();
    }

    /// Start a GPU training slice: the run on the GPU (uploaded from the CPU
    /// copy when there is none yet) and the generation it belongs to. None
    /// when training on the CPU.
    pub fn gpu_slice_begin(&mut self) -> Result<Option<(Trainer<GpuBackend>, u64)>> {
        if !self.placement.on_gpu() {
            return Ok(None);
        }
        self.trainer_to_train()?;
        self.placement.begin(self.trainer.as_ref().expect("trainer_to_train made one"))
    }

    /// Finish a GPU slice: keep the GPU run and the CPU copy read back from
    /// it, unless the run was replaced meanwhile, and report progress.
    pub fn gpu_slice_end(&mut self, generation: u64, gpu_trainer: Trainer<GpuBackend>, cpu_copy: Result<Trainer<CpuBackend>>, failure: Option<Error>) -> Result<Progress> {
        if let Some(cpu) = self.placement.end(generation, gpu_trainer, cpu_copy)? {
            self.trainer = Some(cpu);
        }
        let progress = self.progress();
        match failure {
            Some(e) => Err(e),
            None => Ok(progress),
        }
    }

    pub fn set_settings(&mut self, settings: Settings) -> Result<()> {
        settings.validate()?;
        if settings == self.settings {
            // The page re-sends its form often; an unchanged form keeps the
            // trained (or uploaded) model.
            return Ok(());
        }
        // Settings that only steer training apply to a run in progress; the
        // rest (data, vocabulary, model, split, seed) start a new one.
        let steering_only = Settings {
            loss: self.settings.loss,
            optimizer: self.settings.optimizer,
            learning_rate: self.settings.learning_rate,
            schedule: self.settings.schedule.clone(),
            clip_norm: self.settings.clip_norm,
            batch_size: self.settings.batch_size,
            epochs: self.settings.epochs,
            augmentation: self.settings.augmentation,
            ..settings.clone()
        } == self.settings;
        if steering_only {
            let augmentation = self.images().and(Some(settings.augmentation)).filter(|a| !a.is_identity());
            if let Some(t) = &mut self.trainer {
                t.update_config(settings.train_config())?;
                t.augmentation = augmentation;
            }
            self.invalidate_gpu();
            self.settings = settings;
            self.apply_backend();
            return Ok(());
        }
        let data_changed = settings.label_column != self.settings.label_column
            || settings.cleaning != self.settings.cleaning
            || settings.image_shape != self.settings.image_shape
            || settings.grayscale != self.settings.grayscale
            || settings.image_size != self.settings.image_size;
        self.settings = settings;
        if !data_changed {
            self.refit();
            self.refit_images();
        }
        self.trainer = None;
        self.invalidate_gpu();
        self.apply_backend();
        Ok(())
    }

    pub fn classes(&self) -> usize {
        self.data.as_ref().map_or(2, |d| d.labels().len())
    }

    /// The Keras-style summary of the current settings' model.
    pub fn summary(&self) -> Result<Summary> {
        let layers = self.settings.layer_list(self.classes())?;
        let infos = classifier_architecture_wired(&layers, self.wiring(), &self.input_shape())?;
        Ok(Summary {
            rows: SummaryRow::all(&infos),
            total_params: infos.iter().map(|l| l.param_count()).sum(),
            lints: lint(&layers, self.settings.padding == Side::Post).into_iter().map(|l| LintInfo { layer: l.layer, message: l.message, fix: l.fix.map(str::to_string) }).collect(),
            tfjs_incompatibilities: crate::io::tfjs::tfjs_incompatibilities(&infos).into_iter().map(|w| w.message).collect(),
        })
    }

    /// What is still missing before training can start.
    pub fn missing(&self) -> Vec<Message> {
        let mut m = Vec::new();
        let labels = self.data.as_ref().map(|d| d.labels().len());
        match labels {
            None => m.push(msg!("missing.data", reason = msg!("missing.no_data"))),
            Some(n) if n < 2 => m.push(msg!("missing.data", reason = msg!("missing.two_classes"))),
            _ => {}
        }
        if let Err(e) = self.summary() {
            m.push(msg!("missing.model", reason = e.message()));
        }
        if let Err(e) = self.settings.validate() {
            m.push(msg!("missing.settings", reason = e.message()));
        }
        if let Some(why) = self.trainer.as_ref().and(self.untrainable.as_ref()) {
            m.push(msg!("missing.data", reason = why));
        }
        m
    }

    fn ensure_trainer(&mut self) -> Result<&mut Trainer<CpuBackend>> {
        if self.trainer.is_none() {
            let missing = self.missing();
            if let Some(first) = missing.first() {
                return Err(Error::setting("training", msg!("lab.not_ready", reason = first)));
            }
            let layers = self.settings.layer_list(self.classes())?;
            let model = Model::new_wired(CpuBackend, &layers, self.wiring(), &self.input_shape(), self.settings.seed)?;
            let trainer = if let Some(images) = self.images() {
                let train = self.encode_images(&images.train);
                let val = images.val.as_ref().map(|v| self.encode_images(v));
                let mut t = Trainer::new(model, self.settings.train_config(), images.labels().to_vec(), train, val)?;
                t.augmentation = Some(self.settings.augmentation).filter(|a| !a.is_identity());
                t
            } else {
                let texts = self.texts().unwrap();
                let tok = self.tokenizer().unwrap();
                let ts = self.settings.text();
                let enc = |s: &LabelledTexts| pipeline::encode_texts(tok, s, &ts);
                Trainer::new(model, self.settings.train_config(), texts.labels().to_vec(), enc(&texts.train), texts.val.as_ref().map(enc))?
            };
            self.trainer = Some(trainer);
            self.untrainable = None;
            self.reported_batches = 0;
            self.reported_epochs = 0;
        }
        Ok(self.trainer.as_mut().unwrap())
    }

    /// The run to train: as `ensure_trainer`, but an uploaded model with no
    /// data of its classes (which can predict and be looked inside) says
    /// what it needs instead of training on its placeholder row.
    fn trainer_to_train(&mut self) -> Result<&mut Trainer<CpuBackend>> {
        self.ensure_trainer()?;
        if let Some(why) = &self.untrainable {
            return Err(Error::setting("training", why.clone()));
        }
        Ok(self.trainer.as_mut().unwrap())
    }

    /// Train for about `budget_ms` (at least one batch), or to the end of the
    /// epoch with `to_epoch_end`. Returns the progress and the new records.
    pub fn train_slice(&mut self, budget_ms: f64, max_batches: usize, to_epoch_end: bool) -> Result<Progress> {
        let trainer = self.trainer_to_train()?;
        let failure = ready_now(run_slice(trainer, budget_ms, max_batches, to_epoch_end));
        let progress = self.progress();
        match failure {
            Some(e) => Err(e),
            None => Ok(progress),
        }
    }

    /// Progress with the records not yet reported.
    pub fn progress(&mut self) -> Progress {
        let Some(t) = &self.trainer else {
            return Progress { epoch: 0, epochs: self.settings.epochs, batch: 0, batches_per_epoch: 0, done: false, stopped: None, samples_per_second: 0.0, eta_seconds: 0.0, new_batches: vec![], new_epochs: vec![], backend: self.backend_name() };
        };
        // Samples/s of the training steps alone, as the benchmarks count them.
        let (secs, samples) = t.training_time();
        let sps = if secs > 0.0 { samples as f64 / secs } else { 0.0 };
        let remaining_samples = (t.config.epochs.saturating_sub(t.epoch) * t.train_len()).saturating_sub(t.batch_in_epoch() * t.config.batch_size);
        let p = Progress {
            epoch: t.epoch,
            epochs: t.config.epochs,
            batch: t.batch_in_epoch(),
            batches_per_epoch: t.steps_per_epoch(),
            done: t.is_done(),
            stopped: t.stopped.clone(),
            samples_per_second: sps,
            eta_seconds: if sps > 0.0 { remaining_samples as f64 / sps } else { 0.0 },
            new_batches: t.batches[self.reported_batches..].to_vec(),
            new_epochs: t.epochs[self.reported_epochs..].to_vec(),
            backend: self.backend_name(),
        };
        self.reported_batches = t.batches.len();
        self.reported_epochs = t.epochs.len();
        p
    }

    /// Forget the trained model (the next slice starts fresh from the seed).
    pub fn reset(&mut self) {
        self.trainer = None;
        self.invalidate_gpu();
    }

    /// Metrics of the last validation, with the worst-misclassified rows.
    pub fn evaluation(&self) -> Option<EvaluationView> {
        let t = self.trainer.as_ref()?;
        let ev = t.last_validation.as_ref()?;
        let (classes, lines, labels) = match self.data.as_ref()? {
            Dataset::Text(s) => s.val.as_ref().map(|v| (&v.classes, &v.lines, &v.labels))?,
            Dataset::Images(s) => s.val.as_ref().map(|v| (&v.classes, &v.lines, &v.labels))?,
        };
        let mut worst: Vec<Misclassified> = ev
            .probabilities
            .iter()
            .enumerate()
            .filter(|(i, p)| predicted_class(p) != classes[*i])
            .map(|(i, p)| {
                let truth = classes[i];
                let tp = if p.len() == 1 { if truth == 1 { p[0] } else { 1.0 - p[0] } } else { p[truth] };
                let text = self.texts().and_then(|s| s.val.as_ref()).map(|v| v.texts[i].chars().take(200).collect()).unwrap_or_default();
                Misclassified { line: lines[i], text, image: None, truth: labels[truth].clone(), predicted: labels[predicted_class(p)].clone(), truth_probability: tp, index: i }
            })
            .collect();
        worst.sort_by(|a, b| a.truth_probability.total_cmp(&b.truth_probability));
        // The gallery of images shows more of them than the list of texts.
        worst.truncate(if self.images().is_some() { 32 } else { 10 });
        for w in worst.iter_mut() {
            w.image = self.val_image(w.index);
        }
        Some(EvaluationView { epoch: t.epoch, loss: ev.loss, report: ev.report.clone(), worst })
    }

    /// The model from inside: histograms of weights, activations (on the
    /// first validation rows) and the last gradients, and the gates of an
    /// LSTM over example `example`: `gate_layer` if it is one of the model's
    /// LSTMs, else the first (the page's choice may predate a model change).
    /// Before any step it shows the fresh initial weights.
    pub fn insides(&mut self, example: usize, gate_layer: Option<usize>) -> Result<InsidesView> {
        self.ensure_trainer()?;
        let t = self.trainer.as_ref().unwrap();
        let from_val = t.val_data().is_some_and(|v| !v.ids.is_empty());
        let rows = if from_val { t.val_data().unwrap() } else { t.train_data() };
        let ids: Vec<Vec<f32>> = rows.ids.iter().take(INSIDES_EXAMPLES).cloned().collect();
        let grads = t.last_gradients.as_ref().map(|(s, g)| (*s, g.as_slice()));
        let view = insides(&t.model, &ids, t.batches.len(), grads, 30);
        let lstm_layers: Vec<(usize, String)> = t.model.layers.iter().enumerate().filter(|(_, l)| l.config.has_gates()).map(|(i, l)| (i, l.name.clone())).collect();
        let chosen = gate_layer.filter(|l| lstm_layers.iter().any(|(i, _)| i == l)).or(lstm_layers.first().map(|(i, _)| *i));
        let example = match chosen {
            Some(layer) if !rows.ids.is_empty() => {
                let index = example.min(rows.ids.len() - 1);
                let gates = lstm_gates(&t.model, layer, &rows.ids[index])?;
                // An uploaded model without matching data has no rows to show.
                let Some(set) = self.texts().and_then(|s| if from_val { s.val.as_ref() } else { Some(&s.train) }).filter(|s| s.texts.len() == rows.ids.len()) else {
                    return Ok(InsidesView { insides: view, lstm_layers, example: None });
                };
                let words = self.tokenizer().unwrap().index_word();
                let ids = &rows.ids[index];
                let tokens = gates.steps.iter().map(|&s| match ids[s] as usize {
                    0 => "·".to_string(),
                    id => words.get(id).copied().flatten().unwrap_or("?").to_string(),
                }).collect();
                Some(GateExample { layer, index, count: rows.ids.len(), line: set.lines[index], label: set.labels[set.classes[index]].clone(), text: set.texts[index].chars().take(300).collect(), tokens, gates })
            }
            _ => None,
        };
        Ok(InsidesView { insides: view, lstm_layers, example })
    }

    /// The trained model in TensorFlow.js's format, with its tokenizer.
    pub fn export_model(&self) -> Result<(String, Vec<u8>)> {
        let t = self.trainer.as_ref().ok_or_else(|| Error::setting("download", msg!("lab.no_model_yet")))?;
        // What the model reads decides what travels with it: a tokenizer kept
        // from text loaded earlier must not ride along with an image model.
        let images = t.model.input_shape.len() == 3;
        let meta = Metadata {
            tokenizer: if images { None } else { self.tokenizer().cloned() },
            labels: t.labels.clone(),
            max_len: t.model.input_len,
            padding: self.settings.padding,
            truncating: self.settings.truncating,
            scaling: if images { self.scaling() } else { None },
            framing: if images { self.framing() } else { None },
            language_model: None,
        };
        tfjs::to_files(&t.model.configs(), t.model.wiring().as_deref(), &t.model.input_shape, &t.model.get_weights(), Some(&meta))
    }

    /// Use an uploaded model (and its tokenizer) for prediction and further
    /// training on the current data.
    pub fn import_model(&mut self, json: &str, weights: &[u8]) -> Result<Summary> {
        let saved = tfjs::from_json(json, Some(weights), "uploaded_model")?;
        let meta = saved.metadata.clone().ok_or_else(|| Error::model_file("uploaded_model", msg!("file.no_gradlab_metadata")))?;
        if saved.input_shape.len() == 3 {
            return self.import_image_model(saved, meta);
        }
        let tok = meta.tokenizer.clone().ok_or_else(|| Error::model_file("uploaded_model", msg!("file.no_tokenizer")))?;
        self.settings.preset = "custom".into();
        self.settings.layers = Some(saved.layers.clone());
        self.settings.wiring = saved.wiring.clone();
        self.settings.max_len = saved.input_shape[0];
        self.settings.padding = meta.padding;
        self.settings.truncating = meta.truncating;
        self.settings.num_words = tok.num_words.unwrap_or(tok.word_index.len() + 1);
        self.tokenizer = Some(tok);
        let model = Model::with_weights_wired(CpuBackend, &saved.layers, saved.wiring.as_deref(), &saved.input_shape, saved.weights)?;
        let ts = self.settings.text();
        let enc = |s: &LabelledTexts| pipeline::encode_texts(self.tokenizer().unwrap(), s, &ts);
        let data_labels = self.texts().map(|t| t.labels().to_vec());
        let (train, val) = match self.texts() {
            Some(t) if t.labels() == meta.labels => (enc(&t.train), t.val.as_ref().map(enc)),
            // No matching data: a one-row placeholder keeps the trainer usable
            // for prediction; `untrainable` stops it from training on it.
            _ => (Encoded { ids: vec![vec![0.0; saved.input_shape.iter().product()]], classes: vec![0] }, None),
        };
        let trainer = Trainer::new(model, self.settings.train_config(), meta.labels.clone(), train, val)?;
        self.untrainable = untrainable_reason(&meta.labels, data_labels.as_deref(), false);
        self.trainer = Some(trainer);
        self.invalidate_gpu();
        self.summary()
    }
}

/// Why an uploaded model with `labels` cannot train on the data loaded
/// (whose labels are `data`, if any), or None when it can.
pub(crate) fn untrainable_reason(labels: &[String], data: Option<&[String]>, images: bool) -> Option<Message> {
    let names = |l: &[String]| l.iter().map(|s| format!("'{}'", crate::error::printable(s, 40))).collect::<Vec<_>>().join(", ");
    match (data, images) {
        (Some(d), _) if d == labels => None,
        (Some(d), false) => Some(msg!("lab.untrainable_classes_rows", model = names(labels), data = names(d))),
        (Some(d), true) => Some(msg!("lab.untrainable_classes_images", model = names(labels), data = names(d))),
        (None, false) => Some(msg!("lab.untrainable_no_rows", classes = names(labels))),
        (None, true) => Some(msg!("lab.untrainable_no_images", classes = names(labels))),
    }
}

/// Step `trainer` for about `budget_ms` (at least one batch, at most
/// `max_batches`), and with `to_epoch_end` no further than the end of the
/// epoch; the error that stopped it, if one did. The budget holds either
/// way: an epoch longer than a slice takes several (the page's pause gets
/// through between them), and a short one never runs into the next.
pub async fn run_slice<B: Backend>(trainer: &mut Trainer<B>, budget_ms: f64, max_batches: usize, to_epoch_end: bool) -> Option<Error> {
    let start = now_seconds();
    let mut n = 0;
    while !trainer.is_done() && n < max_batches.max(1) {
        match trainer.step_async().await {
            Ok(StepOutcome::EpochEnd(..)) if to_epoch_end => break,
            Ok(StepOutcome::Done) => break,
            Ok(_) => n += 1,
            Err(e) => return Some(e),
        }
        if (now_seconds() - start) * 1000.0 >= budget_ms {
            break;
        }
    }
    None
}

/// A training slice on the GPU (see `run_slice`), then the run read back
/// into a CPU copy for everything the page shows. Owns its trainer, so the
/// page can go on using the lab while the GPU works.
pub async fn gpu_slice_run(mut trainer: Trainer<GpuBackend>, budget_ms: f64, max_batches: usize, to_epoch_end: bool) -> (Trainer<GpuBackend>, Result<Trainer<CpuBackend>>, Option<Error>) {
    let failure = run_slice(&mut trainer, budget_ms, max_batches, to_epoch_end).await;
    let copy = trainer.move_to_async(CpuBackend).await;
    (trainer, copy, failure)
}
