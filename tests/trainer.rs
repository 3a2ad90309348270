//! The training state machine: stepping, epochs, history, divergence.

mod common;

use gradlab::backend::{prelude::*, CpuBackend};
use gradlab::data::Encoded;
use gradlab::error::Error;
use gradlab::loss::Loss;
use gradlab::model::{classifier_architecture, Model};
use gradlab::nn::LayerConfig;
use gradlab::optim::{OptimizerConfig, OptimizerKind, Schedule};
use gradlab::trainer::{StepOutcome, TrainConfig, Trainer};

fn layers(last: &str) -> Vec<LayerConfig> {
    serde_json::from_str(&format!(
        r#"[{{"type":"Embedding","input_dim":20,"output_dim":8}},{{"type":"GlobalAveragePooling1D"}},{{"type":"Dense","units":2,"activation":"{}"}}]"#,
        last
    ))
    .unwrap()
}

/// Class 1 texts use ids 10..19, class 0 texts ids 1..9.
fn toy(n: usize) -> Encoded {
    let ids = (0..n).map(|i| (0..6).map(|t| (((i * 7 + t * 3) % 9) + 1 + if i % 2 == 1 { 9 } else { 0 }).min(19) as f32).collect()).collect();
    Encoded { ids, classes: (0..n).map(|i| i % 2).collect() }
}

fn config(kind: OptimizerKind, lr: f32, loss: Loss) -> TrainConfig {
    let mut optimizer = OptimizerConfig::new(kind);
    optimizer.learning_rate = lr;
    TrainConfig { epochs: 3, batch_size: 8, optimizer, schedule: Schedule::Constant, loss, seed: 1, shuffle: true, early_stopping_patience: None }
}

fn labels() -> Vec<String> {
    vec!["a".into(), "b".into()]
}

#[test]
fn step_and_epoch_record_history_and_learn() {
    let model = Model::new(CpuBackend, &layers("softmax"), &[6], 1).unwrap();
    let mut cfg = config(OptimizerKind::Adam, 0.05, Loss::CategoricalCrossentropy);
    cfg.epochs = 4;
    let mut t = Trainer::new(model, cfg, labels(), toy(60), Some(toy(20))).unwrap();
    assert_eq!(t.steps_per_epoch(), 8);
    match t.step().unwrap() {
        StepOutcome::Batch(b) => assert_eq!((b.step, b.epoch), (1, 1)),
        other => panic!("{:?}", other),
    }
    let e = t.epoch().unwrap().expect("the first epoch ends");
    assert_eq!(e.epoch, 1);
    assert_eq!(t.batches.len(), 8);
    assert!(e.val_accuracy.is_some() && e.val_loss.is_some());
    while !t.is_done() {
        t.step().unwrap();
    }
    assert_eq!(t.epochs.len(), 4);
    assert_eq!(t.step().unwrap(), StepOutcome::Done);
    assert!(t.epochs[3].loss < t.epochs[0].loss);
    let report = &t.last_validation.as_ref().unwrap().report;
    common::assert_beats_majority(format!("toy data, epochs {:?}", t.epochs), report.accuracy, &common::supports(report), 0.8);
    // Reset gives a fresh model and history.
    t.reset(1).unwrap();
    assert!(t.batches.is_empty() && t.epochs.is_empty() && !t.is_done());
}

#[test]
fn divergence_stops_at_the_step_and_keeps_finite_weights() {
    let model = Model::new(CpuBackend, &layers("linear"), &[6], 1).unwrap();
    let mut t = Trainer::new(model, config(OptimizerKind::Sgd, 900.0, Loss::MeanSquaredError), labels(), toy(64), None).unwrap();
    let err = loop {
        match t.step() {
            Ok(StepOutcome::Done) => panic!("SGD at rate 900 on a linear output should diverge"),
            Ok(_) => continue,
            Err(e) => break e,
        }
    };
    match &err {
        Error::NonFinite { step, .. } => assert!(*step >= 1 && *step <= t.batches.len() + 1),
        other => panic!("{:?}", other),
    }
    assert!(err.to_string().contains("diverged at step"), "{}", err);
    assert!(t.is_done() && t.stopped.is_some());
    for w in t.model.weights.iter().flatten() {
        assert!(CpuBackend.download(w).iter().all(|v| v.is_finite()), "kept weights must be the last good ones");
    }
}

#[test]
fn one_class_and_wrong_width_are_refused() {
    let model = Model::new(CpuBackend, &layers("softmax"), &[6], 1).unwrap();
    let r = Trainer::new(model, config(OptimizerKind::Adam, 0.01, Loss::CategoricalCrossentropy), vec!["only".into()], toy(10), None);
    assert!(matches!(r, Err(Error::EmptyData { .. })));
    let model = Model::new(CpuBackend, &layers("softmax"), &[6], 1).unwrap();
    let three = vec!["a".into(), "b".into(), "c".into()];
    assert!(matches!(Trainer::new(model, config(OptimizerKind::Adam, 0.01, Loss::CategoricalCrossentropy), three, toy(10), None), Err(Error::InvalidModel { .. })));
}

#[test]
fn every_optimizer_and_schedule_trains() {
    for kind in OptimizerKind::ALL {
        for schedule in [
            Schedule::Constant,
            Schedule::Step { every: 4, gamma: 0.5 },
            Schedule::Exponential { decay_steps: 10, rate: 0.9 },
            Schedule::Cosine { warmup: 3, decay_steps: 20, alpha: 0.0 },
            Schedule::ReduceOnPlateau { factor: 0.5, patience: 1, min_lr: 1e-5 },
        ] {
            let model = Model::new(CpuBackend, &layers("softmax"), &[6], 1).unwrap();
            let mut cfg = config(kind, if kind == OptimizerKind::Sgd { 0.5 } else { 0.05 }, Loss::CategoricalCrossentropy);
            cfg.schedule = schedule.clone();
            cfg.epochs = 6;
            let mut t = Trainer::new(model, cfg, labels(), toy(64), Some(toy(16))).unwrap();
            while !t.is_done() {
                t.step().unwrap();
            }
            assert!(t.epochs[5].loss < t.epochs[0].loss, "{:?} {:?}: {:?}", kind, schedule, t.epochs.iter().map(|e| e.loss).collect::<Vec<_>>());
        }
    }
}

#[test]
fn invalid_stacks_are_explained() {
    let dense_on_sequence: Vec<LayerConfig> = serde_json::from_str(r#"[{"type":"Embedding","input_dim":20,"output_dim":8},{"type":"Dense","units":2,"activation":"softmax"}]"#).unwrap();
    let err = classifier_architecture(&dense_on_sequence, &[6]).err().unwrap().to_string();
    assert!(err.contains("GlobalAveragePooling1D") && err.contains("[6, 2]"), "{}", err);
    // Scores at every position are a language model's; trained with one
    // class per sample, the same advice.
    let model = Model::new(CpuBackend, &dense_on_sequence, &[6], 1).unwrap();
    let err = Trainer::new(model, config(OptimizerKind::Adam, 0.01, Loss::CategoricalCrossentropy), labels(), toy(8), None).err().unwrap().to_string();
    assert!(err.contains("GlobalAveragePooling1D") && err.contains("[6, 2]"), "{}", err);
    // With a target at every position it trains; with a wrong count of
    // targets it says how many it needs.
    let lm = Encoded { ids: toy(8).ids, classes: (0..48).map(|i| i % 2).collect() };
    let model = Model::new(CpuBackend, &dense_on_sequence, &[6], 1).unwrap();
    let mut t = Trainer::new(model, config(OptimizerKind::Adam, 0.01, Loss::SparseCategoricalCrossentropy), labels(), lm, None).unwrap();
    assert!(t.step().unwrap() != StepOutcome::Done);
    let odd = Encoded { ids: toy(8).ids, classes: (0..47).map(|i| i % 2).collect() };
    let model = Model::new(CpuBackend, &dense_on_sequence, &[6], 1).unwrap();
    let err = Trainer::new(model, config(OptimizerKind::Adam, 0.01, Loss::SparseCategoricalCrossentropy), labels(), odd, None).err().unwrap().to_string();
    assert!(err.contains("47 targets") && err.contains("6 targets each"), "{}", err);
    let lstm_first: Vec<LayerConfig> = serde_json::from_str(r#"[{"type":"LSTM","units":4}]"#).unwrap();
    let err = Model::new(CpuBackend, &lstm_first, &[6], 1).err().unwrap().to_string();
    assert!(err.contains("layer 1") && err.contains("LSTM"), "{}", err);
}
