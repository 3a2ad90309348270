//! The "inside the model" view: histograms, gradients of the last step, and
//! LSTM gate maps that must agree with the layer's own output.

use gradlab::backend::CpuBackend;
use gradlab::data::Encoded;
use gradlab::insides::{insides, lstm_gates, Histogram};
use gradlab::lab::{Lab, Settings};
use gradlab::loss::Loss;
use gradlab::model::Model;
use gradlab::nn::LayerConfig;
use gradlab::optim::{OptimizerConfig, OptimizerKind, Schedule};
use gradlab::trainer::{TrainConfig, Trainer};

mod common;

fn lstm_layers(mask: bool) -> Vec<LayerConfig> {
    serde_json::from_str(&format!(
        r#"[{{"type":"Embedding","input_dim":30,"output_dim":6,"mask_zero":{}}},
            {{"type":"LSTM","units":5,"return_sequences":true}},
            {{"type":"LSTM","units":4}},
            {{"type":"Dense","units":2,"activation":"softmax"}}]"#,
        mask
    ))
    .unwrap()
}

/// Rows of 9 ids; the odd rows end in padding.
fn rows(n: usize) -> Vec<Vec<f32>> {
    (0..n).map(|i| (0..9).map(|t| if i % 2 == 1 && t >= 5 { 0.0 } else { ((i * 5 + t * 7) % 29 + 1) as f32 }).collect()).collect()
}

#[test]
fn histogram_counts_every_finite_value_once() {
    let v = [0.0f32, 1.0, 2.0, 3.0, f32::NAN, 4.0, f32::INFINITY];
    let h = Histogram::of(v.iter(), 4);
    assert_eq!(h.count, 5);
    assert_eq!(h.non_finite, 2);
    assert_eq!(h.counts.iter().sum::<u32>(), 5);
    assert_eq!((h.min, h.max, h.lo, h.hi), (0.0, 4.0, 0.0, 4.0));
    assert_eq!(h.counts, vec![1, 1, 1, 2], "the maximum falls in the last bin");
    assert!((h.mean - 2.0).abs() < 1e-6 && (h.std - 2f32.sqrt()).abs() < 1e-6);
    // A constant tensor (a fresh bias) still gets a visible bin.
    let c = Histogram::of([1.0f32; 8].iter(), 10);
    assert!(c.lo < 1.0 && c.hi > 1.0);
    assert_eq!(c.counts.iter().sum::<u32>(), 8);
    // One outlier among many does not set the range; it lands in the end bin.
    let mut v: Vec<f32> = (0..1000).map(|i| i as f32 / 1000.0).collect();
    v.push(1000.0);
    let o = Histogram::of(v.iter(), 10);
    assert_eq!(o.max, 1000.0);
    assert!(o.hi < 1.0, "binned range {}..{}", o.lo, o.hi);
    assert_eq!(o.counts.iter().sum::<u32>(), 1001);
    assert!(o.counts[9] >= 100 && o.counts[9] < 110);
}

#[test]
fn insides_cover_every_weight_and_the_last_steps_gradients() {
    let model = Model::new(CpuBackend, &lstm_layers(true), &[9], 3).unwrap();
    let before = insides(&model, &rows(6), 0, None, 20);
    assert_eq!(before.layers.len(), 4);
    assert_eq!(before.gradient_step, None);
    assert_eq!(before.layers.len(), model.layers.len());
    for (l, info) in before.layers.iter().zip(&model.layers) {
        assert_eq!(l.weights.as_ref().map(|h| h.count).unwrap_or(0), info.param_count(), "{}", l.name);
        assert!(l.gradients.is_none());
        let out: usize = info.output_shape.iter().product();
        assert_eq!(l.activations.count, 6 * out, "{}", l.name);
    }
    // Softmax outputs lie in [0, 1].
    let last = &before.layers[3].activations;
    assert!(last.min >= 0.0 && last.max <= 1.0 && last.lo >= last.min && last.hi <= last.max);

    let mut optimizer = OptimizerConfig::new(OptimizerKind::Adam);
    optimizer.learning_rate = 0.01;
    let config = TrainConfig { epochs: 1, batch_size: 4, optimizer, schedule: Schedule::Constant, loss: Loss::CategoricalCrossentropy, seed: 1, shuffle: false, early_stopping_patience: None };
    let data = Encoded { ids: rows(8), classes: (0..8).map(|i| i % 2).collect() };
    let mut t = Trainer::new(model, config, vec!["a".into(), "b".into()], data, None).unwrap();
    t.step().unwrap();
    t.step().unwrap();
    let (step, grads) = t.last_gradients.as_ref().unwrap();
    assert_eq!(*step, 2);
    let after = insides(&t.model, &rows(6), 2, Some((*step, grads.as_slice())), 20);
    assert_eq!(after.gradient_step, Some(2));
    assert_eq!(after.layers.len(), t.model.layers.len());
    for (l, info) in after.layers.iter().zip(&t.model.layers) {
        let g = l.gradients.as_ref().map(|h| h.count + h.zeros_left_out).unwrap_or(0);
        assert_eq!(g, info.param_count(), "{}", l.name);
    }
    // Training moved the weights: the histograms differ from the fresh ones.
    assert_ne!(after.layers[1].weights, before.layers[1].weights);
    // Rows of the table the batch did not use get no gradient: counted apart.
    let embedding_grads = after.layers[0].gradients.as_ref().unwrap();
    assert!(embedding_grads.zeros_left_out >= 6, "the padding row (masked) gets no gradient");
    assert!(embedding_grads.count > 0 && embedding_grads.std > 0.0);
}

#[test]
fn gate_map_reproduces_the_lstm_layers_own_output() {
    for mask in [true, false] {
        let model = Model::new(CpuBackend, &lstm_layers(mask), &[9], 11).unwrap();
        for row in rows(2) {
            let trace = model.trace(std::slice::from_ref(&row));
            // The first LSTM returns sequences: h at every shown step.
            let map = lstm_gates(&model, 1, &row).unwrap();
            let real = row.iter().filter(|&&v| v != 0.0).count();
            assert_eq!(map.steps.len(), if mask { real } else { 9 });
            let out = &trace[1].output;
            for (k, &t) in map.steps.iter().enumerate() {
                for j in 0..5 {
                    assert!((map.hidden[k][j] - out[t * 5 + j]).abs() < 1e-4, "mask {} step {} unit {}: {} vs {}", mask, t, j, map.hidden[k][j], out[t * 5 + j]);
                }
            }
            for g in map.input.iter().chain(&map.forget).chain(&map.output).flatten() {
                assert!((0.0..=1.0).contains(g));
            }
            // The second returns its last state only.
            let map = lstm_gates(&model, 2, &row).unwrap();
            let last = map.hidden.last().unwrap();
            for j in 0..4 {
                assert!((last[j] - trace[2].output[j]).abs() < 1e-4);
            }
        }
        assert!(lstm_gates(&model, 3, &rows(1)[0]).unwrap_err().to_string().contains("not an LSTM"));
    }
}

#[test]
fn lab_shows_insides_before_and_during_training() {
    let mut lab = Lab::new();
    let text: String = common::spam_text().lines().take(120).map(|l| format!("{}\n", l)).collect();
    lab.load_data(&text).unwrap();
    lab.set_settings(Settings { preset: "lstm".into(), max_len: 30, batch_size: 16, ..Settings::default() }).unwrap();
    let v = lab.insides(0, Some(1)).unwrap();
    assert_eq!(v.insides.step, 0);
    assert_eq!(v.lstm_layers, vec![(1, "lstm".to_string()), (2, "lstm_1".to_string())]);
    let ex = v.example.unwrap();
    assert_eq!(ex.count, 24, "20% of 120 rows are validation rows");
    assert_eq!(ex.tokens.len(), ex.gates.steps.len());
    assert!(!ex.tokens.is_empty() && ex.gates.units == 64);
    lab.train_slice(1e9, 3, false).unwrap();
    let v = lab.insides(5, Some(2)).unwrap();
    assert_eq!(v.insides.step, 3);
    assert_eq!(v.insides.gradient_step, Some(3));
    assert_eq!(v.example.as_ref().unwrap().index, 5);
    assert_eq!(v.example.unwrap().gates.units, 32);
    // A stale choice (not an LSTM of this model) or none shows the first LSTM.
    assert_eq!(lab.insides(0, Some(3)).unwrap().example.unwrap().layer, 1);
    assert_eq!(lab.insides(0, None).unwrap().example.unwrap().layer, 1);
    // A model without an LSTM has no gate map.
    lab.set_settings(Settings { preset: "bow".into(), max_len: 30, batch_size: 16, ..Settings::default() }).unwrap();
    let v = lab.insides(0, Some(1)).unwrap();
    assert!(v.example.is_none() && v.lstm_layers.is_empty());
    assert_eq!(v.insides.layers.len(), 4);
}
