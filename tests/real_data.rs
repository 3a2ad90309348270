//! Real data: the SpamAssassin corpus (../shared/data/spamassassin.tsv),
//! on Keras's split (first 80 % train, last 20 % validation) with the
//! command line's defaults. Reference figures (../shared/data/README.md):
//! Keras reaches 0.84–0.87 validation accuracy with the lstm model after
//! 1–3 epochs; TensorFlow.js 0.90–0.94.

use gradlab::backend::CpuBackend;
use gradlab::data::split::{split, SplitMode};
use gradlab::data::{encode, parse, Encoded, LabelledTexts, ParseOptions, TextSettings, Tokenizer};
use gradlab::loss::Loss;
use gradlab::model::Model;
use gradlab::optim::{OptimizerConfig, OptimizerKind, Schedule};
use gradlab::presets::preset;
use gradlab::trainer::{TrainConfig, Trainer};

mod common;

/// Validation accuracy after `epochs` of a preset with the CLI defaults.
fn train(preset_name: &str, epochs: usize, seed: u64) -> f64 {
    let parsed = parse(&common::spam_text(), &ParseOptions::default(), "spamassassin.tsv").unwrap();
    let all = LabelledTexts::from_rows(&parsed.rows, None).unwrap();
    let (t, v) = split(&all.classes, 0.2, SplitMode::Last, 0);
    let (train_set, val_set) = (all.subset(&t), all.subset(&v));
    let settings = TextSettings::default();
    let mut tok = Tokenizer::new(Some(settings.num_words), settings.oov_token.as_deref());
    tok.fit_on_texts(&train_set.texts);
    let enc = |s: &LabelledTexts| Encoded { ids: encode(&tok, &s.texts, &settings), classes: s.classes.clone() };
    let layers = preset(preset_name, settings.num_words, settings.max_len, 2, true).unwrap();
    let model = Model::new(CpuBackend, &layers, &[settings.max_len], seed).unwrap();
    let config = TrainConfig { epochs, batch_size: 32, optimizer: OptimizerConfig::new(OptimizerKind::Adam), schedule: Schedule::Constant, loss: Loss::CategoricalCrossentropy, seed, shuffle: true, early_stopping_patience: None };
    let mut trainer = Trainer::new(model, config, all.labels.clone(), enc(&train_set), Some(enc(&val_set))).unwrap();
    while !trainer.is_done() {
        trainer.step().unwrap();
    }
    trainer.last_validation.unwrap().report.accuracy
}

#[test]
fn lstm_beats_keras_on_real_mail() {
    // One epoch for three seeds: a single LSTM run can stall on a plateau
    // (seed 42 stays near 0.83 for its first epochs), so judge the median.
    let mut accs: Vec<f64> = [42, 43, 44].iter().map(|&s| train("lstm", 1, s)).collect();
    accs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    eprintln!("lstm validation accuracy after 1 epoch, seeds 42–44: {:?}", accs);
    assert!(accs[1] >= 0.87, "median {} is below Keras's best figure 0.87 ({:?})", accs[1], accs);
}

#[test]
fn cnn_and_bow_learn_real_mail() {
    for (name, epochs) in [("cnn", 2), ("bow", 3)] {
        let acc = train(name, epochs, 42);
        eprintln!("{} validation accuracy after {} epochs: {:.4}", name, epochs, acc);
        assert!(acc >= 0.9, "{}: {}", name, acc);
    }
}
