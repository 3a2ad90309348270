//! The lab session the page drives, tested natively.

use gradlab::error::Error;
use gradlab::lab::{Lab, Settings};

mod common;

fn mail(n: usize) -> String {
    common::spam_text().lines().take(n).map(|l| format!("{}\n", l)).collect()
}

fn bow_settings() -> Settings {
    Settings { preset: "bow".into(), epochs: 6, learning_rate: 0.01, ..Settings::default() }
}

#[test]
fn data_report_shows_what_a_person_needs() {
    let mut lab = Lab::new();
    let r = lab.load_data(&mail(300)).unwrap();
    assert_eq!(r.accepted, 300);
    assert_eq!(r.classes.iter().map(|c| c.count).sum::<usize>(), 300);
    assert_eq!(r.classes.iter().map(|c| c.label.as_str()).collect::<Vec<_>>(), vec!["0", "1"]);
    assert!(r.vocabulary > 1000);
    assert!(r.lengths.median > 0 && r.lengths.max >= r.lengths.p90);
    assert_eq!(r.lengths.histogram.iter().map(|h| h.1).sum::<usize>(), 300);
    assert_eq!(r.preview.len(), 5);
    assert_eq!(r.preview[0].ids.len(), 100);
    assert!(r.preview.iter().any(|p| p.tokens.iter().any(|t| t.2)), "with 80% of rows fitted some validation words are OOV");
    let sorted = "a\tx\n".repeat(30) + &"b\ty\n".repeat(30);
    let r = lab.load_data(&sorted).unwrap();
    assert!(r.warnings.iter().any(|w| w.to_string().contains("sorted")), "{:?}", r.warnings);
    let r = lab.load_data(&("a\tx y\n".repeat(50) + "b\tz\n")).unwrap();
    assert!(r.warnings.iter().any(|w| w.to_string().contains("imbalanced")), "{:?}", r.warnings);
    let r = lab.load_data("a\tx\na\ty\n").unwrap();
    assert!(r.warnings.iter().any(|w| w.to_string().contains("Only one class")));
    assert!(lab.missing().iter().any(|m| m.to_string().contains("two classes")));
}

#[test]
fn huge_paste_is_refused_with_its_size() {
    let mut lab = Lab::new();
    let big = "a\t".to_string() + &"x".repeat(33_000_000);
    match lab.load_data(&big) {
        Err(Error::EmptyData { reason, .. }) => assert!(reason.to_string().contains("33.0 MB") && reason.to_string().contains("at most 32 MB"), "{}", reason),
        other => panic!("{:?}", other.map(|_| ())),
    }
}

#[test]
fn summary_lints_and_settings_errors() {
    let mut lab = Lab::new();
    lab.load_data(&mail(100)).unwrap();
    let s = lab.summary().unwrap();
    assert_eq!(s.rows.len(), 5);
    assert_eq!(s.rows[1].output_shape, vec![100, 64]);
    assert_eq!(s.total_params, s.rows.iter().map(|r| r.params).sum::<usize>());
    assert!(s.lints.is_empty());
    lab.set_settings(Settings { mask: false, ..Settings::default() }).unwrap();
    let s = lab.summary().unwrap();
    assert_eq!(s.lints.len(), 1);
    assert_eq!(s.lints[0].fix.as_deref(), Some("mask_zero"));
    assert!(s.lints[0].message.to_string().contains("52%"));
    for (bad, field) in [
        (Settings { learning_rate: f32::NAN, ..Settings::default() }, "learning rate"),
        (Settings { learning_rate: 1e9, ..Settings::default() }, "learning rate"),
        (Settings { batch_size: 0, ..Settings::default() }, "batch size"),
        (Settings { max_len: 0, ..Settings::default() }, "max length"),
        (Settings { val_split: 0.95, ..Settings::default() }, "validation split"),
    ] {
        let e = lab.set_settings(bad).unwrap_err().to_string();
        assert!(e.contains(field), "{} should name {}", e, field);
    }
    let custom: Settings = serde_json::from_str(r#"{"preset":"custom","layers":[{"type":"Embedding","input_dim":10000,"output_dim":8},{"type":"Dense","units":2,"activation":"softmax"}]}"#).unwrap();
    lab.set_settings(custom).unwrap();
    let e = lab.summary().unwrap_err().to_string();
    assert!(e.contains("GlobalAveragePooling1D"), "{}", e);
    assert!(lab.missing().iter().any(|m| m.to_string().starts_with("model:")));
}

#[test]
fn slices_train_evaluate_predict_export_and_import() {
    let mut lab = Lab::new();
    lab.set_settings(bow_settings()).unwrap();
    lab.load_data(&mail(400)).unwrap();
    let p = lab.train_slice(1.0, 1, false).unwrap();
    assert_eq!(p.new_batches.len(), 1);
    assert_eq!(p.batches_per_epoch, 10);
    let mut epochs = 0;
    while !lab.progress().done {
        let p = lab.train_slice(50.0, 1000, false).unwrap();
        epochs += p.new_epochs.len();
        if p.done {
            break;
        }
    }
    assert_eq!(epochs, 6);
    let ev = lab.evaluation().unwrap();
    assert_eq!(ev.epoch, 6);
    common::assert_beats_majority("the lab's bow after 6 epochs", ev.report.accuracy, &common::supports(&ev.report), 0.3);
    assert!(ev.worst.windows(2).all(|w| w[0].truth_probability <= w[1].truth_probability));
    let pr = lab.predict("free money click here now").unwrap();
    assert_eq!(pr.probabilities.len(), 2);
    assert!((pr.probabilities.iter().map(|p| p.1).sum::<f32>() - 1.0).abs() < 1e-4);
    assert!(pr.tokens.iter().any(|t| t.0 == "money"));

    let (json, bytes) = lab.export_model().unwrap();
    let mut other = Lab::new();
    other.import_model(&json, &bytes).unwrap();
    let again = other.predict("free money click here now").unwrap();
    assert_eq!(again.probabilities, pr.probabilities);
    assert_eq!(other.settings.preset, "custom");

    lab.reset();
    assert_eq!(lab.progress().epoch, 0);
}

#[test]
fn steering_settings_apply_mid_run_and_model_settings_start_afresh() {
    let mut lab = Lab::new();
    lab.set_settings(bow_settings()).unwrap();
    lab.load_data(&mail(200)).unwrap();
    lab.train_slice(1e9, 3, false).unwrap();
    assert_eq!(lab.progress().batch, 3);
    // A new learning rate and more epochs: same run, same weights.
    lab.set_settings(Settings { learning_rate: 0.002, epochs: 8, ..bow_settings() }).unwrap();
    let p = lab.train_slice(1e9, 1, false).unwrap();
    assert_eq!(p.new_batches[0].step, 4);
    assert!((p.new_batches[0].learning_rate - 0.002).abs() < 1e-9);
    assert_eq!(p.epochs, 8);
    // A new seed or model starts again.
    lab.set_settings(Settings { learning_rate: 0.002, epochs: 8, seed: 7, ..bow_settings() }).unwrap();
    let p = lab.train_slice(1e9, 1, false).unwrap();
    assert_eq!(p.new_batches[0].step, 1);
}

/// The page's GPU path, natively: slices run on the GPU's own copy of the
/// run, each read back into the CPU copy the page shows, and the result is
/// the CPU-only run's. A settings change mid-slice discards the slice.
#[test]
fn gpu_slices_train_like_the_cpu_and_a_change_mid_slice_wins() {
    use gradlab::backend::ready_now;
    use gradlab::lab::gpu_slice_run;
    let Some(gpu) = common::gpu_or_skip() else { return };
    let settings = Settings { epochs: 2, ..bow_settings() };
    let mut cpu_lab = Lab::new();
    cpu_lab.load_data(&mail(200)).unwrap();
    cpu_lab.set_settings(settings.clone()).unwrap();
    let mut cpu_batches = Vec::new();
    loop {
        let p = cpu_lab.train_slice(1e9, 3, false).unwrap();
        cpu_batches.extend(p.new_batches);
        if p.done {
            break;
        }
    }
    let mut lab = Lab::new();
    lab.load_data(&mail(200)).unwrap();
    lab.set_settings(settings).unwrap();
    lab.set_gpu_found(Ok(gpu.clone()));
    lab.choose_backend(gradlab::backend_choice::BackendRequest::Gpu);
    assert!(lab.backend_name().starts_with("gpu ("));
    let mut batches = Vec::new();
    loop {
        let (trainer, generation) = lab.gpu_slice_begin().unwrap().expect("training on the GPU");
        let (trainer, copy, failure) = ready_now(gpu_slice_run(trainer, 1e9, 3, false));
        let p = lab.gpu_slice_end(generation, trainer, copy, failure).unwrap();
        batches.extend(p.new_batches);
        assert!(lab.evaluation().is_some() || p.epoch == 0, "the CPU copy carries the validation");
        if p.done {
            break;
        }
    }
    assert_eq!(batches.len(), cpu_batches.len());
    for (g, c) in batches.iter().zip(&cpu_batches) {
        assert!((g.loss - c.loss).abs() < 1e-4, "step {}: {} on the GPU, {} on the CPU", g.step, g.loss, c.loss);
    }
    assert!(lab.predict("win money now").is_ok(), "predictions read the CPU copy");
    // A reset while a slice is out: the slice's result is dropped.
    lab.reset();
    let (trainer, generation) = lab.gpu_slice_begin().unwrap().unwrap();
    lab.reset();
    let (trainer, copy, failure) = ready_now(gpu_slice_run(trainer, 1e9, 2, false));
    let p = lab.gpu_slice_end(generation, trainer, copy, failure).unwrap();
    assert_eq!(p.epoch, 0);
    assert_eq!(lab.progress().batch, 0, "the reset run has not trained");
}

/// The lint for a mask that stops partway names the layers that stop it,
/// not a fixed pair: here keras_hub's sinusoidal positions, whose Add in
/// Keras drops the mask (so, in gradlab, padded steps count from there on).
#[test]
fn a_mask_stopped_partway_names_the_layers_that_stop_it() {
    use gradlab::presets::{lint, transformer, Positions, TransformerSizes};
    let sine = transformer(1000, 40, 2, true, TransformerSizes { positions: Positions::Sine, ..TransformerSizes::CLASSIFIER });
    let lints = lint(&sine, true);
    assert_eq!(lints.len(), 1, "{lints:?}");
    let text = lints[0].message.english();
    assert!(text.contains("SinePositionEncoding") && !text.contains("Conv1D"), "{text}");
    assert_eq!(lints[0].layer, 2, "the Embedding is layer 1, the encoding layer 2");
    let learned = transformer(1000, 40, 2, true, TransformerSizes::CLASSIFIER);
    assert!(lint(&learned, true).is_empty(), "learned positions keep the mask");
}
