//! The training state machine the page and the command line drive:
//! `step()` trains one batch, `epoch()` finishes the current epoch; after each
//! epoch the validation set is evaluated. Every batch and epoch is recorded.
//! A non-finite loss, gradient or weight stops training at that step and
//! keeps the last good weights.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::autodiff::{Graph, Var};
use crate::backend::{ready_now, Backend};
use crate::clock::now_seconds;
use crate::error::Message;
use crate::msg;
use crate::data::{Augmentation, Encoded};
use crate::error::{Error, Result};
use crate::loss::Loss;
use crate::metrics::{self, Report};
use crate::model::Model;
use crate::nn::ForwardCtx;
use crate::optim::schedule::ScheduleState;
use crate::optim::{Optimizer, OptimizerConfig, Schedule};

/// The largest number of epochs a run may ask for.
pub const MAX_EPOCHS: usize = 100_000;
/// The largest batch.
pub const MAX_BATCH_SIZE: usize = 65_536;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub epochs: usize,
    pub batch_size: usize,
    pub optimizer: OptimizerConfig,
    pub schedule: Schedule,
    pub loss: Loss,
    pub seed: u64,
    /// Reshuffle the training rows every epoch (Keras's default).
    pub shuffle: bool,
    /// Stop when validation loss has not improved for this many epochs.
    pub early_stopping_patience: Option<usize>,
}

impl TrainConfig {
    pub fn validate(&self) -> Result<()> {
        if self.epochs == 0 || self.epochs > MAX_EPOCHS {
            return Err(Error::setting("epochs", msg!("value.between", value = self.epochs, min = "1", max = "100,000")));
        }
        if self.batch_size == 0 || self.batch_size > MAX_BATCH_SIZE {
            return Err(Error::setting("batch_size", msg!("value.between", value = self.batch_size, min = "1", max = "65,536")));
        }
        self.schedule.validate()?;
        self.optimizer.validate()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchRecord {
    /// Update number, from 1.
    pub step: usize,
    pub epoch: usize,
    pub loss: f32,
    pub accuracy: f32,
    pub learning_rate: f32,
    pub grad_norm: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    pub epoch: usize,
    pub loss: f64,
    pub accuracy: f64,
    pub val_loss: Option<f64>,
    pub val_accuracy: Option<f64>,
    /// Wall time of the epoch, validation included.
    pub seconds: f64,
    /// Wall time of the training steps alone.
    pub train_seconds: f64,
    pub learning_rate: f32,
}

/// What one call to `step` did.
#[derive(Debug, Clone, PartialEq)]
pub enum StepOutcome {
    Batch(BatchRecord),
    /// The batch ended an epoch, which was then evaluated.
    EpochEnd(BatchRecord, EpochRecord),
    /// Nothing to do: training has finished or stopped.
    Done,
}

/// Results of evaluating a data set.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub loss: f64,
    pub report: Report,
    pub probabilities: Vec<Vec<f32>>,
}

pub struct Trainer<B: Backend> {
    pub model: Model<B>,
    pub config: TrainConfig,
    pub labels: Vec<String>,
    train: Encoded,
    val: Option<Encoded>,
    optimizer: Optimizer<B>,
    schedule: ScheduleState,
    order: Vec<usize>,
    shuffle_rng: ChaCha8Rng,
    dropout_rng: ChaCha8Rng,
    /// Epochs completed.
    pub epoch: usize,
    /// Position in the current epoch's order.
    cursor: usize,
    sums: EpochSums,
    pub batches: Vec<BatchRecord>,
    pub epochs: Vec<EpochRecord>,
    pub last_validation: Option<Evaluation>,
    /// Why training stopped early, if it did.
    pub stopped: Option<Message>,
    best_val: f64,
    epochs_without_improvement: usize,
    /// The gradients of the last step (weights flattened in layer order),
    /// with the step they belong to: the page's gradient histograms.
    pub last_gradients: Option<(usize, Vec<B::Tensor>)>,
    /// Random moves of training images, drawn afresh for every batch.
    pub augmentation: Option<Augmentation>,
    augment_rng: ChaCha8Rng,
}

#[derive(Default, Clone)]
struct EpochSums {
    loss: f64,
    correct: f64,
    seen: usize,
    seconds: f64,
}

impl<B: Backend> Trainer<B> {
    /// This training run on another backend: weights and optimizer state are
    /// copied across; history, position in the epoch and random streams carry
    /// over, so training continues exactly where it was.
    pub fn move_to<C: Backend>(&self, backend: C) -> Result<Trainer<C>> {
        ready_now(self.move_to_async(backend))
    }

    /// `move_to`, reading the weights and optimizer state back in one
    /// asynchronous round trip.
    pub async fn move_to_async<C: Backend>(&self, backend: C) -> Result<Trainer<C>> {
        let from = &self.model.backend;
        let slots = self.optimizer.slot_tensors();
        let all: Vec<&B::Tensor> = self.model.weights.iter().flatten().chain(slots.iter().flatten()).collect();
        let mut values = from.read_async(&all).await.into_iter();
        let weights: Vec<Vec<Vec<f32>>> = self.model.weights.iter().map(|ws| ws.iter().map(|_| values.next().unwrap()).collect()).collect();
        let model = Model::with_weights_wired(backend.clone(), &self.model.configs(), self.model.wiring().as_deref(), &self.model.input_shape, weights)?;
        let moved_slots: Vec<Vec<C::Tensor>> = slots.iter().map(|ss| ss.iter().map(|s| backend.upload(from.shape(s), &values.next().unwrap())).collect()).collect();
        Ok(Trainer {
            model,
            config: self.config.clone(),
            labels: self.labels.clone(),
            train: self.train.clone(),
            val: self.val.clone(),
            optimizer: Optimizer::from_parts(self.optimizer.config.clone(), self.optimizer.iterations, moved_slots),
            schedule: self.schedule.clone(),
            order: self.order.clone(),
            shuffle_rng: self.shuffle_rng.clone(),
            dropout_rng: self.dropout_rng.clone(),
            epoch: self.epoch,
            cursor: self.cursor,
            sums: self.sums.clone(),
            batches: self.batches.clone(),
            epochs: self.epochs.clone(),
            last_validation: self.last_validation.clone(),
            stopped: self.stopped.clone(),
            best_val: self.best_val,
            epochs_without_improvement: self.epochs_without_improvement,
            last_gradients: None,
            augmentation: self.augmentation,
            augment_rng: self.augment_rng.clone(),
        })
    }

    pub fn new(model: Model<B>, config: TrainConfig, labels: Vec<String>, train: Encoded, val: Option<Encoded>) -> Result<Self> {
        config.validate()?;
        if train.ids.is_empty() {
            return Err(Error::EmptyData { source_name: "training_set".into(), reason: msg!("data.no_rows") });
        }
        let classes = labels.len();
        let out = model.output_classes();
        if classes < 2 {
            return Err(Error::EmptyData { source_name: "training_set".into(), reason: msg!("data.one_class", class = crate::error::printable(&labels.join(", "), 40)) });
        }
        if !(out == classes || (out == 1 && classes == 2)) {
            return Err(Error::InvalidModel { index: model.layers.len(), layer: model.layers.last().unwrap().config.describe(), reason: msg!("model.outputs_classes", outputs = out, classes = classes) });
        }
        if config.loss.is_categorical() && out == 1 {
            return Err(Error::setting("loss", msg!("train.categorical_one_output")));
        }
        model.check_ids(&train.ids)?;
        if let Some(v) = &val {
            model.check_ids(&v.ids)?;
        }
        // One target per prediction: per sample, or per position of a
        // model that predicts every position (a language model).
        for (name, data) in std::iter::once(("training_set", &train)).chain(val.as_ref().map(|v| ("validation_set", v))) {
            if model.positions() > 1 && data.classes.len() == data.ids.len() {
                // Classes per sample, but a model that scores every position.
                let last = model.layers.last().unwrap();
                return Err(Error::InvalidModel { index: model.layers.len(), layer: last.config.describe(), reason: msg!("model.end_in_vector", shape = format!("{:?}", last.output_shape)) });
            }
            if data.classes.len() != data.ids.len() * model.positions() {
                return Err(Error::shape(name, msg!("train.targets_per_sample", targets = data.classes.len(), samples = data.ids.len(), positions = model.positions())));
            }
        }
        let optimizer = Optimizer::new(config.optimizer.clone());
        let schedule = ScheduleState::new(config.schedule.clone());
        let augment_rng = ChaCha8Rng::seed_from_u64(config.seed.wrapping_add(2));
        let mut t = Trainer {
            order: Vec::new(),
            shuffle_rng: ChaCha8Rng::seed_from_u64(config.seed),
            dropout_rng: ChaCha8Rng::seed_from_u64(config.seed.wrapping_add(1)),
            model,
            config,
            labels,
            train,
            val,
            optimizer,
            schedule,
            epoch: 0,
            cursor: 0,
            sums: EpochSums::default(),
            batches: Vec::new(),
            epochs: Vec::new(),
            last_validation: None,
            stopped: None,
            best_val: f64::INFINITY,
            epochs_without_improvement: 0,
            last_gradients: None,
            augmentation: None,
            augment_rng,
        };
        t.new_order();
        Ok(t)
    }

    fn new_order(&mut self) {
        self.order = (0..self.train.ids.len()).collect();
        if self.config.shuffle {
            self.order.shuffle(&mut self.shuffle_rng);
        }
        self.cursor = 0;
    }

    pub fn is_done(&self) -> bool {
        self.stopped.is_some() || self.epoch >= self.config.epochs
    }
    pub fn steps_per_epoch(&self) -> usize {
        self.train.ids.len().div_ceil(self.config.batch_size)
    }
    /// Batches done in the current epoch.
    pub fn batch_in_epoch(&self) -> usize {
        self.cursor.div_ceil(self.config.batch_size)
    }
    /// The validation rows, if the run has any.
    pub fn val_data(&self) -> Option<&Encoded> {
        self.val.as_ref()
    }
    pub fn train_data(&self) -> &Encoded {
        &self.train
    }
    pub fn train_len(&self) -> usize {
        self.train.ids.len()
    }
    /// Seconds spent in training steps (validation excluded), and the
    /// samples they trained on, since the start of the run.
    pub fn training_time(&self) -> (f64, usize) {
        let secs = self.epochs.iter().map(|e| e.train_seconds).sum::<f64>() + self.sums.seconds;
        (secs, self.epoch * self.train.ids.len() + self.sums.seen)
    }

    pub fn learning_rate(&self) -> f32 {
        self.schedule.lr(self.config.optimizer.learning_rate, self.optimizer.iterations)
    }

    /// The targets of training row `i` (one, or one per position).
    fn targets(&self, i: usize) -> &[usize] {
        let k = self.model.positions();
        &self.train.classes[i * k..(i + 1) * k]
    }

    /// Train one batch. At the end of an epoch, evaluate and record it.
    pub fn step(&mut self) -> Result<StepOutcome> {
        ready_now(self.step_async())
    }

    /// `step`, reading values back without blocking (WebGPU in the browser).
    pub async fn step_async(&mut self) -> Result<StepOutcome> {
        if self.is_done() {
            return Ok(StepOutcome::Done);
        }
        let start = now_seconds();
        let end = (self.cursor + self.config.batch_size).min(self.order.len());
        let rows: Vec<usize> = self.order[self.cursor..end].to_vec();
        let augmented: Option<Vec<Vec<f32>>> = match (&self.augmentation, self.model.input_shape.as_slice()) {
            (Some(a), &[h, w, c]) if !a.is_identity() => Some(rows.iter().map(|&i| a.apply(&self.train.ids[i], [h, w, c], &mut self.augment_rng)).collect()),
            _ => None,
        };
        let ids: Vec<&Vec<f32>> = match &augmented {
            Some(imgs) => imgs.iter().collect(),
            None => rows.iter().map(|&i| &self.train.ids[i]).collect(),
        };
        let classes: Vec<usize> = rows.iter().flat_map(|&i| self.targets(i).iter().copied()).collect();
        let step_no = self.batches.len() + 1;
        let lr = self.learning_rate();

        let be = self.model.backend.clone();
        let mut rng = self.dropout_rng.clone();
        let trainable = self.model.trainable_mask();
        let (loss, correct, grads, learned, grad_norm, vars, updates, squares) = {
            let mut g = Graph::new(&be);
            g.token_squares = self.optimizer.wants_token_squares();
            let vars = self.model.weight_vars(&mut g);
            let (l, probs) = forward_loss(&self.model, self.config.loss, &mut g, &vars, &ids, &classes, &mut ForwardCtx { training: true, rng: &mut rng });
            let (read, guesses) = be.read_with_classes_async(&[g.value(l)], &probs).await;
            let loss = read[0][0];
            let correct = guesses.iter().zip(&classes).filter(|(p, c)| p == c).count();
            if !loss.is_finite() {
                return Err(self.stop(step_no, "loss"));
            }
            let mut grads = g.backward(l);
            let flat: Vec<B::Tensor> = vars.iter().flatten().map(|v| grads.take(*v).unwrap_or_else(|| be.zeros(be.shape(g.value(*v))))).collect();
            let squares: Vec<Option<B::Tensor>> = vars.iter().flatten().zip(&trainable).filter(|(_, t)| **t).map(|(v, _)| grads.take_token_squares(*v)).collect();
            let learned: Vec<B::Tensor> = flat.iter().zip(&trainable).filter(|(_, t)| **t).map(|(g, _)| g.clone()).collect();
            let norm = Optimizer::<B>::global_norm_async(&be, &learned).await;
            let updates = std::mem::take(&mut g.updates);
            (loss, correct, flat, learned, norm, vars, updates, squares)
        };
        self.dropout_rng = rng;
        if !grad_norm.is_finite() {
            return Err(self.stop(step_no, "gradient"));
        }
        let before: Vec<Vec<B::Tensor>> = self.model.weights.clone();
        {
            // The optimizer sees trainable weights only; state such as moving
            // statistics is replaced by the values the forward pass computed.
            let mut params: Vec<&mut B::Tensor> = self.model.weights.iter_mut().flatten().zip(&trainable).filter(|(_, t)| **t).map(|(p, _)| p).collect();
            self.optimizer.step_with_squares(&be, &mut params, &learned, &squares, lr, grad_norm);
        }
        self.model.apply_updates(&vars, updates);
        let weights_ok = be.sum_squares_each_async(&self.model.weights.iter().flatten().collect::<Vec<_>>()).await.iter().all(|s| s.is_finite());
        if !weights_ok {
            self.model.weights = before;
            return Err(self.stop(step_no, "weight"));
        }

        self.last_gradients = Some((step_no, grads));
        let n = rows.len();
        self.cursor = end;
        self.sums.loss += loss as f64 * n as f64;
        self.sums.correct += correct as f64 / self.model.positions() as f64;
        self.sums.seen += n;
        self.sums.seconds += now_seconds() - start;
        let record = BatchRecord { step: step_no, epoch: self.epoch + 1, loss, accuracy: correct as f32 / classes.len() as f32, learning_rate: lr, grad_norm };
        self.batches.push(record.clone());
        if self.cursor >= self.order.len() {
            let epoch = self.finish_epoch().await?;
            return Ok(StepOutcome::EpochEnd(record, epoch));
        }
        Ok(StepOutcome::Batch(record))
    }

    fn stop(&mut self, step: usize, what: &str) -> Error {
        let e = Error::NonFinite { step, epoch: self.epoch + 1, what: what.into() };
        self.stopped = Some(e.message());
        e
    }

    async fn finish_epoch(&mut self) -> Result<EpochRecord> {
        let start = now_seconds();
        let val = match &self.val {
            Some(v) if !v.ids.is_empty() => Some(evaluate_async(&self.model, self.config.loss, &self.labels, v, 256).await),
            _ => None,
        };
        let seen = self.sums.seen.max(1) as f64;
        self.epoch += 1;
        let record = EpochRecord {
            epoch: self.epoch,
            loss: self.sums.loss / seen,
            accuracy: self.sums.correct / seen,
            val_loss: val.as_ref().map(|v| v.loss),
            val_accuracy: val.as_ref().map(|v| v.report.accuracy),
            seconds: self.sums.seconds + (now_seconds() - start),
            train_seconds: self.sums.seconds,
            learning_rate: self.learning_rate(),
        };
        let monitored = record.val_loss.unwrap_or(record.loss);
        self.schedule.on_epoch_end(monitored as f32);
        if let Some(p) = self.config.early_stopping_patience {
            if record.val_loss.is_some() {
                if monitored < self.best_val {
                    self.best_val = monitored;
                    self.epochs_without_improvement = 0;
                } else {
                    self.epochs_without_improvement += 1;
                    if self.epochs_without_improvement >= p {
                        self.stopped = Some(msg!("train.early_stopping", epochs = p));
                    }
                }
            }
        }
        if val.is_some() {
            self.last_validation = val;
        }
        self.epochs.push(record.clone());
        self.sums = EpochSums::default();
        self.new_order();
        Ok(record)
    }

    /// Train until the current epoch ends (or training stops).
    pub fn epoch(&mut self) -> Result<Option<EpochRecord>> {
        loop {
            match self.step()? {
                StepOutcome::Batch(_) => continue,
                StepOutcome::EpochEnd(_, e) => return Ok(Some(e)),
                StepOutcome::Done => return Ok(None),
            }
        }
    }

    /// Loss, metrics and probabilities of the model on a data set.
    pub fn evaluate(&self, data: &Encoded) -> Evaluation {
        evaluate(&self.model, self.config.loss, &self.labels, data, 256)
    }

    /// Change the hyper-parameters of a run in progress, keeping the weights:
    /// a new learning rate, schedule, loss, batch size or epoch count applies
    /// from the next batch; a different optimizer starts with fresh state.
    pub fn update_config(&mut self, config: TrainConfig) -> Result<()> {
        config.validate()?;
        if config.optimizer.kind != self.config.optimizer.kind || config.optimizer.momentum != self.config.optimizer.momentum {
            self.optimizer = Optimizer::new(config.optimizer.clone());
        } else {
            self.optimizer.config = config.optimizer.clone();
        }
        if config.schedule != self.config.schedule {
            self.schedule = ScheduleState::new(config.schedule.clone());
        }
        self.config = TrainConfig { seed: self.config.seed, ..config };
        Ok(())
    }

    /// Put the model back to fresh weights from `seed` and forget the history.
    pub fn reset(&mut self, seed: u64) -> Result<()> {
        let configs = self.model.configs();
        self.model = Model::new_wired(self.model.backend.clone(), &configs, self.model.wiring().as_deref(), &self.model.input_shape, seed)?;
        self.optimizer.reset();
        self.schedule.reset();
        self.config.seed = seed;
        self.shuffle_rng = ChaCha8Rng::seed_from_u64(seed);
        self.dropout_rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(1));
        self.augment_rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(2));
        self.epoch = 0;
        self.sums = EpochSums::default();
        self.batches.clear();
        self.epochs.clear();
        self.last_validation = None;
        self.stopped = None;
        self.best_val = f64::INFINITY;
        self.epochs_without_improvement = 0;
        self.last_gradients = None;
        self.new_order();
        Ok(())
    }
}

/// The class a row of outputs predicts (one sigmoid output: above 0.5).
pub use crate::metrics::predicted_class;

/// Evaluate `model` on `data` in batches, as Keras's `evaluate`.
pub fn evaluate<B: Backend>(model: &Model<B>, loss: Loss, labels: &[String], data: &Encoded, batch_size: usize) -> Evaluation {
    ready_now(evaluate_async(model, loss, labels, data, batch_size))
}

/// `evaluate`, reading back without blocking.
pub async fn evaluate_async<B: Backend>(model: &Model<B>, loss: Loss, labels: &[String], data: &Encoded, batch_size: usize) -> Evaluation {
    let be = &model.backend;
    let out = model.output_classes();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut total = 0.0f64;
    let k = model.positions();
    // A language model's rows are its vocabulary wide at every position:
    // only each position's guess is kept (the Tang poems' validation
    // distributions would take 340 MB).
    let mut probabilities = Vec::with_capacity(if k == 1 { data.ids.len() } else { 0 });
    let mut guesses = Vec::with_capacity(if k == 1 { 0 } else { data.ids.len() * k });
    for (ids, classes) in data.ids.chunks(batch_size).zip(data.classes.chunks(batch_size * k)) {
        let n = ids.len();
        let mut g = Graph::new(be);
        let vars: Vec<Vec<Var>> = model.weights.iter().map(|ws| ws.iter().map(|w| g.constant(w.clone())).collect()).collect();
        let rows: Vec<&Vec<f32>> = ids.iter().collect();
        let (l, probs) = forward_loss(model, loss, &mut g, &vars, &rows, classes, &mut ForwardCtx { training: false, rng: &mut rng });
        if k == 1 {
            let read = be.read_async(&[g.value(l), &probs]).await;
            total += read[0][0] as f64 * n as f64;
            probabilities.extend(read[1].chunks(out).map(|r| r.to_vec()));
        } else {
            let (read, classes) = be.read_with_classes_async(&[g.value(l)], &probs).await;
            total += read[0][0] as f64 * n as f64;
            guesses.extend(classes);
        }
    }
    let report = if k == 1 {
        let predicted: Vec<usize> = probabilities.iter().map(|p| predicted_class(p)).collect();
        metrics::report(labels, &data.classes, &predicted)
    } else {
        // A language model's per-token classes are its vocabulary: the
        // accuracy of its next-token guesses is kept, not a confusion
        // matrix of vocabulary², nor every position's distribution.
        let right = guesses.iter().zip(&data.classes).filter(|(p, c)| p == c).count();
        Report { accuracy: right as f64 / data.classes.len().max(1) as f64, macro_f1: f64::NAN, weighted_f1: f64::NAN, classes: Vec::new(), per_class: Vec::new(), confusion_matrix: Vec::new() }
    };
    Evaluation { loss: total / data.ids.len().max(1) as f64, report, probabilities }
}

/// The loss of a batch on a tape, and its predicted probabilities. A final
/// softmax is fused with categorical cross-entropy, as Keras does. A model
/// that predicts every position (a language model, [batch, time, vocab])
/// ends in logits, as GPT's does: its loss is cross-entropy from logits,
/// averaged over every position, with `classes` one target per position.
pub fn forward_loss<B: Backend>(model: &Model<B>, loss: Loss, g: &mut Graph<B>, vars: &[Vec<Var>], ids: &[&Vec<f32>], classes: &[usize], ctx: &mut ForwardCtx) -> (Var, B::Tensor) {
    let be = g.backend;
    let n = ids.len();
    let flat: Vec<f32> = ids.iter().flat_map(|r| r.iter().copied()).collect();
    let x = g.constant(be.upload(&model.batch_shape(n), &flat));
    let out = model.output_classes();
    let sequence = model.positions() > 1;
    let fused = loss.is_categorical() && (model.ends_in_softmax() || sequence);
    let n = classes.len();
    let sparse = loss == Loss::SparseCategoricalCrossentropy;
    let target = if sparse || out == 1 {
        let v: Vec<f32> = classes.iter().map(|&c| c as f32).collect();
        let shape: Vec<usize> = if sparse { vec![n] } else { vec![n, 1] };
        be.upload(&shape, &v)
    } else {
        let mut v = vec![0.0f32; n * out];
        for (r, &c) in classes.iter().enumerate() {
            v[r * out + c] = 1.0;
        }
        be.upload(&[n, out], &v)
    };
    let target = g.constant(target);
    let y = model.forward(g, vars, x, ctx, fused);
    let y = if sequence { g.reshape(y, &[n, out]) } else { y };
    if fused {
        let l = g.softmax_cross_entropy(y, target, sparse);
        let probs = g.saved(l).unwrap().clone();
        (l, probs)
    } else {
        let l = g.loss(loss, y, target);
        (l, g.value(y).clone())
    }
}
