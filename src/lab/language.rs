//! A language-model session: what the page holds between clicks when its
//! task is generation (issue 17's engine side). Any text becomes a `gpt`
//! trained a slice at a time; the answers (the text's report, progress with
//! samples over time, generated tokens with the next token's candidates,
//! attention maps) are plain serialisable structs (`language_views.rs`),
//! so everything here is tested natively and the wasm layer only converts
//! them. Its form is `language_settings.rs`.
//!
//! The text is cut as `data::lm` cuts it for `gradlab train --task lm`,
//! and the model is the same `gpt` preset, so the page and the command
//! line train the same thing from the same settings.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::backend::gpu::GpuBackend;
use crate::backend::CpuBackend;
use crate::backend_choice::BackendRequest;
use crate::clock::now_seconds;
use crate::data::lm::{self, LanguageModelMeta, LmText, LmTokenizer};
use crate::data::Encoded;
use crate::error::{Error, Message, Result};
use crate::generate::{self, Sampling};
use crate::io::tfjs::{self, Metadata};
use crate::loss::Loss;
use crate::model::Model;
use crate::nn::LayerConfig;
use crate::msg;
use crate::optim::{OptimizerConfig, OptimizerKind, Schedule};
use crate::presets::{gpt, Positions, TransformerSizes};
use crate::trainer::{StepOutcome, TrainConfig, Trainer};

use super::language_settings::LmSettings;
use super::language_views::*;
use super::placement::Placement;
use super::SummaryRow;

/// Windows of the held-out text a quick validation reads.
const QUICK_WINDOWS: usize = 64;
/// Candidates the page draws for the next token.
const CANDIDATES: usize = 10;

/// A generation in progress: the tokens so far, its generator, and the
/// bytes of a character not yet complete.
struct Generation {
    ids: Vec<u32>,
    rng: ChaCha8Rng,
    sampling: Sampling,
    pending: Vec<u8>,
    logits: Vec<f32>,
}

/// The session.
pub struct LanguageLab {
    pub settings: LmSettings,
    pub(super) text: Option<LmText>,
    /// The run as of the last step or GPU slice: generation, samples,
    /// attention and downloads read it.
    trainer: Option<Trainer<CpuBackend>>,
    /// Where it trains, and the GPU's copy of the run between slices.
    placement: Placement,
    /// Samples taken before a GPU slice, reported at its end.
    pending_samples: Vec<LmSample>,
    meta: Option<LanguageModelMeta>,
    /// A model file loaded before any text (its tokenizer in `meta`): it
    /// generates at once, and the first text loaded is cut with its
    /// tokenizer and trains it on.
    model_only: Option<Model<CpuBackend>>,
    quick_val: Option<Encoded>,
    reported_steps: usize,
    reported_epochs: usize,
    next_sample: usize,
    generation: Option<Generation>,
}

impl Default for LanguageLab {
    fn default() -> Self {
        Self::new()
    }
}

impl LanguageLab {
    pub fn new() -> Self {
        LanguageLab { settings: LmSettings::default(), text: None, trainer: None, placement: Placement::default(), pending_samples: Vec::new(), meta: None, model_only: None, quick_val: None, reported_steps: 0, reported_epochs: 0, next_sample: 0, generation: None }
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

    /// "cpu" or "gpu (adapter)", and why.
    pub fn backend(&self) -> (String, Message) {
        self.placement.answer()
    }

    /// The floating-point operations of one training step: a batch of
    /// windows, every token's training FLOPs (0 before a text is loaded).
    fn step_flops(&self) -> f64 {
        self.trainer.as_ref().map_or(0.0, |t| lm::training_flops_per_token(&t.model) * (self.settings.batch_size * self.settings.context) as f64)
    }

    /// The run changed on the CPU side: a GPU copy is stale, and the work
    /// per step may have changed what `auto` takes.
    fn changed(&mut self) {
        self.placement.invalidate();
        let flops = self.step_flops();
        self.placement.apply(flops);
    }

    /// New settings. Those of the run (epochs, batch size, learning rate,
    /// the samples' rhythm) apply from the next step and keep the weights;
    /// those of the text's cut or the model's shape (tokenizer, vocabulary,
    /// context, split, sizes, seed) cut the text again and start a fresh
    /// model, whose report is returned.
    pub fn set_settings(&mut self, settings: LmSettings) -> Result<Option<LmTextReport>> {
        settings.validate()?;
        self.keeps_the_held_model(&settings)?;
        let old = std::mem::replace(&mut self.settings, settings.clone());
        let shape = |s: &LmSettings| (s.tokenizer.clone(), s.vocab, s.context, s.val_split.to_bits(), s.layers, s.heads, s.d_model, s.ffn, s.seed);
        if shape(&old) != shape(&settings) || self.trainer.is_none() {
            return match self.text.as_ref().map(|t| t.source.clone()) {
                Some(source) => self.load_text(&source).map(Some).inspect_err(|_| self.settings = old),
                None => Ok(None),
            };
        }
        let trainer = self.trainer.as_mut().expect("checked above");
        let mut config = trainer.config.clone();
        config.epochs = settings.epochs;
        config.batch_size = settings.batch_size;
        config.optimizer.learning_rate = settings.learning_rate;
        if let Err(e) = trainer.update_config(config) {
            self.settings = old;
            return Err(e);
        }
        if settings.sample_every != old.sample_every {
            let step = trainer.batches.len();
            self.next_sample = if self.next_sample == 0 { 0 } else { (step / settings.sample_every + 1) * settings.sample_every };
        }
        self.changed();
        Ok(None)
    }

    /// A model loaded without text is what it is: settings that would make
    /// another model are refused (not the model silently dropped) until a
    /// text is loaded; then they start a fresh model from it. The seed and
    /// the split apply when the text comes.
    fn keeps_the_held_model(&self, new: &LmSettings) -> Result<()> {
        if self.model_only.is_none() {
            return Ok(());
        }
        let old = &self.settings;
        // (field, whether it changed, the model's value)
        let fields = [
            ("tokenizer", old.tokenizer != new.tokenizer, old.tokenizer.clone()),
            ("vocab", old.vocab != new.vocab, old.vocab.map_or(String::new(), |v| v.to_string())),
            ("context", old.context != new.context, old.context.to_string()),
            ("layers", old.layers != new.layers, old.layers.to_string()),
            ("heads", old.heads != new.heads, old.heads.to_string()),
            ("d_model", old.d_model != new.d_model, old.d_model.to_string()),
            ("ffn", old.ffn != new.ffn, old.ffn.to_string()),
        ];
        match fields.into_iter().find(|(_, changed, _)| *changed) {
            Some((field, _, value)) => Err(Error::setting(field, msg!("lm.model_fixed", value = value))),
            None => Ok(()),
        }
    }

    /// Any text: its tokenizer learned from the training part, the held-out
    /// tail, and a fresh model; or, when a model file came first, the text
    /// cut with that model's tokenizer for it to train on (a refused text
    /// keeps the model).
    pub fn load_text(&mut self, text: &str) -> Result<LmTextReport> {
        let Some(model) = &self.model_only else { return self.build(text, None) };
        let tokenizer = self.meta.as_ref().expect("a model-only session keeps its meta").tokenizer.clone();
        let copy = Model::with_weights_wired(CpuBackend, &model.configs(), model.wiring().as_deref(), &model.input_shape, model.get_weights())?;
        self.build(text, Some((copy, tokenizer)))
    }

    /// A model file (`model.json` and its weights, as the page downloads
    /// them or `gradlab train --task lm --save` writes them) in place of the
    /// model: the text loaded is cut again with the model's own tokenizer and
    /// context, so the model generates, shows its attention and trains on
    /// from its weights. Without a text the model generates and shows its
    /// attention at once, and trains when a text comes. The settings take
    /// the model's sizes. A file that is not a language model changes
    /// nothing.
    pub fn import_model(&mut self, json: &str, weights: &[u8]) -> Result<LmTextReport> {
        self.import(json, weights, true)
    }

    /// A model file in place of the model and of the text (a bundle saved
    /// with a model and no text): as `import_model` without a text; the
    /// text loaded before goes only if the file is taken.
    pub fn import_model_alone(&mut self, json: &str, weights: &[u8]) -> Result<LmTextReport> {
        self.import(json, weights, false)
    }

    fn import(&mut self, json: &str, weights: &[u8], with_text: bool) -> Result<LmTextReport> {
        let saved = tfjs::from_json(json, Some(weights), "uploaded_model")?;
        let meta = saved.metadata.as_ref().and_then(|m| m.language_model.clone()).ok_or_else(|| Error::model_file("uploaded_model", msg!("lm.not_language_model")))?;
        let source = self.text.as_ref().filter(|_| with_text).map(|t| t.source.clone());
        let model = Model::with_weights_wired(CpuBackend, &saved.layers, saved.wiring.as_deref(), &saved.input_shape, saved.weights)?;
        // A file whose parts disagree (hand-edited, or cut from two models)
        // is refused rather than read with the wrong window or vocabulary.
        let outputs = model.layers.last().and_then(|l| l.output_shape.last().copied()).unwrap_or(0);
        if model.input_shape != [meta.context] || outputs != meta.tokenizer.vocab_size() {
            return Err(Error::model_file("uploaded_model", msg!("lm.model_mismatch", window = model.input_shape.first().copied().unwrap_or(0), context = meta.context, outputs = outputs, vocab = meta.tokenizer.vocab_size())));
        }
        let old = self.settings.clone();
        let s = &mut self.settings;
        s.tokenizer = meta.tokenizer.kind().into();
        s.vocab = Some(meta.tokenizer.vocab_size());
        s.context = meta.context;
        let blocks: Vec<_> = model.layers.iter().filter_map(|l| match &l.config { LayerConfig::TransformerDecoder(d) => Some((&d.block, l.input_shape.last().copied())), _ => None }).collect();
        if let Some((block, d)) = blocks.first() {
            s.layers = blocks.len();
            s.heads = block.num_heads;
            s.ffn = block.intermediate_dim;
            s.d_model = d.unwrap_or(s.d_model);
        }
        let report = self.settings.validate().and_then(|_| match source {
            Some(source) => self.build(&source, Some((model, meta.tokenizer))),
            None => Ok(self.hold_model(model, meta)),
        });
        if report.is_err() {
            self.settings = old;
        }
        report
    }

    /// A model without a text: what the report can say of it alone.
    fn hold_model(&mut self, model: Model<CpuBackend>, meta: LanguageModelMeta) -> LmTextReport {
        let merges = match &meta.tokenizer {
            LmTokenizer::Bpe { bpe } => bpe.merge_lines(),
            _ => Vec::new(),
        };
        let report = LmTextReport {
            characters: 0,
            training_tokens: 0,
            validation_tokens: 0,
            vocab_size: meta.tokenizer.vocab_size(),
            unigram_entropy: None,
            passage: Vec::new(),
            merge_count: merges.len(),
            merges: merges.into_iter().take(20).collect(),
            steps_per_epoch: 0,
            parameters: model.param_count(),
            flops_per_token: lm::training_flops_per_token(&model),
            layers: SummaryRow::all(&model.layers),
            model_only: true,
        };
        self.meta = Some(meta);
        self.model_only = Some(model);
        self.text = None;
        self.trainer = None;
        self.quick_val = None;
        self.start_over();
        report
    }

    /// A new model or fresh weights: no history, samples or generation.
    fn start_over(&mut self) {
        self.reported_steps = 0;
        self.reported_epochs = 0;
        self.next_sample = 0;
        self.generation = None;
        self.pending_samples.clear();
        self.changed();
    }

    /// The text cut as the settings say, and a fresh model; or, given one
    /// (an imported model and its tokenizer), the text cut with that
    /// tokenizer for it.
    fn build(&mut self, text: &str, imported: Option<(Model<CpuBackend>, LmTokenizer)>) -> Result<LmTextReport> {
        if text.len() > super::MAX_INPUT_BYTES {
            return Err(Error::EmptyData { source_name: "text".into(), reason: msg!("data.too_big", mb = format!("{:.1}", text.len() as f64 / 1e6), max = super::MAX_INPUT_BYTES / 1_000_000) });
        }
        let s = &self.settings;
        s.validate()?;
        let (model, data) = match imported {
            Some((model, tokenizer)) => {
                let data = LmText::with_tokenizer(text, Some(tokenizer), &s.tokenizer, s.vocab, s.context, s.val_split)?;
                (model, data)
            }
            None => {
                let data = LmText::prepare(text, &s.tokenizer, s.vocab, s.context, s.val_split)?;
                let sizes = TransformerSizes { layers: s.layers, heads: s.heads, d_model: s.d_model, ffn: s.ffn, dropout: 0.0, positions: Positions::Learned };
                let layers = gpt(data.tokenizer.vocab_size(), s.context, sizes);
                (Model::new(CpuBackend, &layers, &[s.context], s.seed)?, data)
            }
        };
        let vocab = data.tokenizer.vocab_size();
        let train_set = lm::as_rows(&data.train_ids, s.context)?;
        let val_set = if data.val_ids.len() > s.context { Some(lm::as_rows(&data.val_ids, s.context)?) } else { None };
        let quick_val = val_set.as_ref().map(|v| Encoded { ids: v.ids[..v.ids.len().min(QUICK_WINDOWS)].to_vec(), classes: v.classes[..v.ids.len().min(QUICK_WINDOWS) * s.context].to_vec() });
        let mut optimizer = OptimizerConfig::new(OptimizerKind::Adam);
        optimizer.learning_rate = s.learning_rate;
        let config = TrainConfig { epochs: s.epochs, batch_size: s.batch_size, optimizer, schedule: Schedule::Constant, loss: Loss::SparseCategoricalCrossentropy, seed: s.seed, shuffle: true, early_stopping_patience: None };
        let labels: Vec<String> = (0..vocab as u32).map(|i| data.tokenizer.token(i)).collect();
        let parameters = model.param_count();
        let layer_rows = SummaryRow::all(&model.layers);
        let flops_per_token = lm::training_flops_per_token(&model);
        let trainer = Trainer::new(model, config, labels, train_set, val_set)?;
        let merges = match &data.tokenizer {
            LmTokenizer::Bpe { bpe } => bpe.merge_lines(),
            _ => Vec::new(),
        };
        let report = LmTextReport {
            characters: data.characters,
            training_tokens: data.train_ids.len(),
            validation_tokens: data.val_ids.len(),
            vocab_size: vocab,
            unigram_entropy: Some(lm::unigram_entropy(&data.train_ids)),
            passage: data.train_ids.iter().take(48).map(|&id| TokenChip { id, text: data.tokenizer.token(id) }).collect(),
            merge_count: merges.len(),
            merges: merges.into_iter().take(20).collect(),
            steps_per_epoch: trainer.steps_per_epoch(),
            parameters,
            flops_per_token,
            layers: layer_rows,
            model_only: false,
        };
        self.model_only = None;
        self.meta = Some(LanguageModelMeta { tokenizer: data.tokenizer.clone(), context: s.context });
        self.text = Some(data);
        self.trainer = Some(trainer);
        self.quick_val = quick_val;
        self.start_over();
        Ok(report)
    }

    fn parts(&self) -> Result<(&Trainer<CpuBackend>, &LanguageModelMeta)> {
        match (&self.trainer, &self.meta) {
            (Some(t), Some(m)) => Ok((t, m)),
            _ => Err(self.needs_text()),
        }
    }

    /// What training asks for when there is no text.
    fn needs_text(&self) -> Error {
        Error::setting("text", if self.model_only.is_some() { msg!("lm.model_needs_text") } else { msg!("lm.no_text") })
    }

    /// The model that generates: the run's, or a model loaded without text.
    pub(super) fn model(&self) -> Result<(&Model<CpuBackend>, &LanguageModelMeta)> {
        generating_model(&self.trainer, &self.model_only, &self.meta)
    }

    /// Train for up to `budget_ms` milliseconds or `max_steps` steps (and, with
    /// `to_epoch_end`, no further than the end of the epoch) on the CPU: the steps, validations and samples since
    /// the last slice. The first slice samples the untrained model (step 0).
    pub fn train_slice(&mut self, budget_ms: f64, max_steps: usize, to_epoch_end: bool) -> Result<LmProgress> {
        let start = now_seconds();
        self.parts()?;
        self.first_sample()?;
        let mut taken = 0;
        loop {
            let trainer = self.trainer.as_mut().expect("checked above");
            if taken >= max_steps || trainer.is_done() {
                break;
            }
            let outcome = trainer.step()?;
            taken += 1;
            self.samples_due()?;
            let epoch_ended = matches!(outcome, StepOutcome::EpochEnd(..));
            if (to_epoch_end && epoch_ended) || (now_seconds() - start) * 1000.0 >= budget_ms {
                break;
            }
        }
        if taken > 0 {
            // The CPU copy moved on: a GPU copy of the run is stale.
            self.placement.invalidate();
        }
        self.progress()
    }

    /// Start a slice on the GPU (None when training on the CPU: then call
    /// `train_slice`): the run's GPU copy, the generation it belongs to, and
    /// the most steps it may take, `max_steps` or fewer so that it stops
    /// where the next sample over time is due (samples are drawn from the
    /// CPU copy, between slices).
    pub fn gpu_slice_begin(&mut self, max_steps: usize) -> Result<Option<(Trainer<GpuBackend>, u64, usize)>> {
        self.parts()?;
        if !self.placement.on_gpu() {
            return Ok(None);
        }
        self.first_sample()?;
        let trainer = self.trainer.as_ref().expect("checked above");
        let cap = max_steps.min(self.next_sample.saturating_sub(trainer.batches.len())).max(1);
        Ok(self.placement.begin(trainer)?.map(|(t, generation)| (t, generation, cap)))
    }

    /// Put a finished GPU slice back (unless the run was replaced meanwhile)
    /// and report as `train_slice` does.
    pub fn gpu_slice_end(&mut self, generation: u64, gpu_trainer: Trainer<GpuBackend>, cpu_copy: Result<Trainer<CpuBackend>>, failure: Option<Error>) -> Result<LmProgress> {
        if let Some(cpu) = self.placement.end(generation, gpu_trainer, cpu_copy)? {
            self.trainer = Some(cpu);
            self.samples_due()?;
        }
        if let Some(e) = failure {
            return Err(e);
        }
        self.progress()
    }

    /// The untrained model's sample (step 0), the first time.
    fn first_sample(&mut self) -> Result<()> {
        if self.next_sample == 0 {
            let sample = self.sample_now(0)?;
            self.pending_samples.push(sample);
            self.next_sample = self.settings.sample_every;
        }
        Ok(())
    }

    /// A sample over time when the run has reached the step it is due.
    fn samples_due(&mut self) -> Result<()> {
        let (trainer, _) = self.parts()?;
        let step = trainer.batches.len();
        if step >= self.next_sample {
            let every = self.settings.sample_every;
            self.next_sample = (step / every + 1) * every;
            let sample = self.sample_now(step)?;
            self.pending_samples.push(sample);
        }
        Ok(())
    }

    /// The steps, validations and samples since the last report.
    fn progress(&mut self) -> Result<LmProgress> {
        let new_samples = std::mem::take(&mut self.pending_samples);
        let (trainer, _) = self.parts()?;
        let new_steps = trainer.batches[self.reported_steps.min(trainer.batches.len())..].iter().map(|b| LmStep { step: b.step, loss: b.loss }).collect();
        let per_epoch = trainer.steps_per_epoch();
        let mut new_validations: Vec<LmValidation> = trainer.epochs[self.reported_epochs.min(trainer.epochs.len())..]
            .iter()
            .filter_map(|e| e.val_loss.map(|v| LmValidation { step: e.epoch * per_epoch, val_loss: v, val_perplexity: v.exp(), full: true }))
            .collect();
        new_validations.extend(new_samples.iter().filter_map(|s| s.val_loss.map(|v| LmValidation { step: s.step, val_loss: v, val_perplexity: v.exp(), full: false })));
        new_validations.sort_by_key(|v| (v.step, v.full));
        // The trainer counts the windows (samples) it trained on.
        let (seconds, windows) = trainer.training_time();
        let tokens_per_second = if seconds > 0.0 { (windows * self.settings.context) as f64 / seconds } else { 0.0 };
        let reported_epochs = trainer.epochs.len();
        let progress = LmProgress { step: trainer.batches.len(), epoch: trainer.epoch, new_steps, new_validations, new_samples, tokens_per_second, done: trainer.is_done(), backend: self.placement.name() };
        self.reported_steps = progress.step;
        self.reported_epochs = reported_epochs;
        Ok(progress)
    }

    /// The loss on every held-out window now (None when nothing is held out).
    pub fn validation(&self) -> Result<Option<f64>> {
        let (trainer, _) = self.parts()?;
        Ok(trainer.val_data().map(|v| trainer.evaluate(v).loss))
    }

    /// Fresh weights from the seed, the history forgotten.
    pub fn reset(&mut self) -> Result<()> {
        let seed = self.settings.seed;
        let needs_text = self.needs_text();
        self.trainer.as_mut().ok_or(needs_text)?.reset(seed)?;
        self.start_over();
        Ok(())
    }

    /// The fixed prompt of the samples over time: the first tokens of the
    /// held-out text (of the training text when nothing is held out).
    pub fn sample_prompt(&self) -> Vec<u32> {
        let Some(t) = &self.text else { return Vec::new() };
        let from = if t.val_ids.is_empty() { &t.train_ids } else { &t.val_ids };
        from[..from.len().min(8.min(self.settings.context / 2).max(1))].to_vec()
    }

    /// A sample from the fixed prompt with a fixed seed, so that samples
    /// differ only by what the model learned; beside it a quick validation.
    fn sample_now(&self, step: usize) -> Result<LmSample> {
        let (trainer, meta) = self.parts()?;
        let prompt = self.sample_prompt();
        let sampling = Sampling { temperature: 0.8, top_k: None, top_p: None };
        let ids = generate::generate(&trainer.model, &prompt, self.settings.sample_tokens, &sampling, meta.tokenizer.unknown_id(), self.settings.seed, |_| ())?;
        let val_loss = self.quick_val.as_ref().map(|v| trainer.evaluate(v).loss);
        let all: Vec<u32> = prompt.iter().chain(&ids).copied().collect();
        Ok(LmSample { step, text: meta.tokenizer.decode(&all), val_loss })
    }

    /// Start generating after `prompt`: its tokens (and how many the
    /// tokenizer does not know) and the candidates for the first new token.
    pub fn begin_generation(&mut self, prompt: &str, sampling: Sampling, seed: u64) -> Result<(Vec<TokenChip>, usize, Vec<NextToken>)> {
        sampling.validate()?;
        let (model, meta) = self.model()?;
        let mut ids = meta.tokenizer.encode(prompt);
        let unknown = meta.tokenizer.unknown_id().map_or(0, |u| ids.iter().filter(|&&i| i == u).count());
        if ids.is_empty() {
            ids.push(meta.tokenizer.start_id());
        }
        let logits = generate::next_logits(model, &ids, meta.tokenizer.unknown_id())?;
        let chips = ids.iter().map(|&id| TokenChip { id, text: meta.tokenizer.token(id) }).collect();
        let g = Generation { ids, rng: ChaCha8Rng::seed_from_u64(seed), sampling, pending: Vec::new(), logits };
        let candidates = self.candidates_of(&g.logits, &sampling);
        self.generation = Some(g);
        Ok((chips, unknown, candidates))
    }

    fn candidates_of(&self, logits: &[f32], sampling: &Sampling) -> Vec<NextToken> {
        let Some(meta) = &self.meta else { return Vec::new() };
        generate::distribution(logits, sampling).into_iter().take(CANDIDATES).map(|c| NextToken { id: c.id, text: meta.tokenizer.token(c.id), probability: c.probability }).collect()
    }

    /// The next token's candidates under other sampling settings, from the
    /// logits already computed (the bars move as the temperature does).
    pub fn candidates(&mut self, sampling: Sampling) -> Result<Vec<NextToken>> {
        sampling.validate()?;
        let g = self.generation.as_mut().ok_or_else(|| Error::setting("prompt", msg!("lm.no_generation")))?;
        g.sampling = sampling;
        let logits = g.logits.clone();
        Ok(self.candidates_of(&logits, &sampling))
    }

    /// Up to `count` more tokens of the generation begun.
    pub fn generate_next(&mut self, count: usize) -> Result<Generated> {
        // The fields apart, as the generation is changed while they are read.
        let (model, meta) = generating_model(&self.trainer, &self.model_only, &self.meta)?;
        let g = self.generation.as_mut().ok_or_else(|| Error::setting("prompt", msg!("lm.no_generation")))?;
        let mut new = Vec::with_capacity(count);
        for _ in 0..count {
            let id = generate::sample(&generate::distribution(&g.logits, &g.sampling), &mut g.rng);
            g.ids.push(id);
            new.push(id);
            g.pending.extend(meta.tokenizer.piece(id));
            g.logits = generate::next_logits(model, &g.ids, meta.tokenizer.unknown_id())?;
        }
        let text = lm::take_whole_chars(&mut g.pending);
        let (logits, sampling) = (g.logits.clone(), g.sampling);
        Ok(Generated { ids: new, text, candidates: self.candidates_of(&logits, &sampling) })
    }

    /// Every attention layer's and head's weights over `text`'s tokens (its
    /// last `context`), as `gradlab attention` gives them.
    pub fn attention(&self, text: &str) -> Result<AttentionView> {
        let (model, meta) = self.model()?;
        let ids = meta.tokenizer.encode(text);
        if ids.is_empty() {
            return Err(Error::setting("prompt", msg!("lm.empty_prompt")));
        }
        let ids = &ids[ids.len().saturating_sub(meta.context)..];
        let layers = AttentionLayer::from_maps(model, generate::attention_maps(model, ids)?);
        Ok(AttentionView { tokens: ids.iter().map(|&id| TokenChip { id, text: meta.tokenizer.token(id) }).collect(), layers })
    }

    /// The trained model as files `gradlab generate` reads (model.json and
    /// its weights), with the tokenizer and context.
    pub fn export_model(&self) -> Result<(String, Vec<u8>)> {
        let (model, meta) = self.model()?;
        let metadata = Metadata { tokenizer: None, labels: Vec::new(), max_len: meta.context, padding: crate::data::Side::Post, truncating: crate::data::Side::Post, scaling: None, framing: None, language_model: Some(meta.clone()) };
        tfjs::to_files(&model.configs(), model.wiring().as_deref(), &model.input_shape, &model.get_weights(), Some(&metadata))
    }
}

/// `LanguageLab::model` from the fields it reads.
fn generating_model<'a>(trainer: &'a Option<Trainer<CpuBackend>>, model_only: &'a Option<Model<CpuBackend>>, meta: &'a Option<LanguageModelMeta>) -> Result<(&'a Model<CpuBackend>, &'a LanguageModelMeta)> {
    match (trainer, model_only, meta) {
        (Some(t), _, Some(m)) => Ok((&t.model, m)),
        (None, Some(model), Some(m)) => Ok((model, m)),
        _ => Err(Error::setting("text", msg!("lm.no_text"))),
    }
}
