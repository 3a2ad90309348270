//! The page's generation task, engine side (src/lab/language.rs), as the
//! page drives it: a real text loaded, training in slices with samples over
//! time, generation a few tokens at a time with the next token's
//! candidates, attention maps, the model file, and bad input refused with
//! the setting named.

use gradlab::data::lm::LmTokenizer;
use gradlab::error::Error;
use gradlab::generate::Sampling;
use gradlab::lab::{LanguageLab, LmSettings};

mod common;

fn shakespeare(chars: usize) -> String {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/shakespeare.txt")).unwrap();
    text.chars().skip(20_000).take(chars).collect()
}

fn small() -> LmSettings {
    LmSettings { context: 32, layers: 1, heads: 2, d_model: 32, ffn: 64, sample_every: 50, sample_tokens: 40, epochs: 100, ..LmSettings::default() }
}

fn field(e: Error) -> String {
    match e {
        Error::InvalidSetting { field, .. } => field,
        other => format!("not a setting: {other}"),
    }
}

#[test]
fn a_gpt_learns_a_real_text_in_slices_and_its_samples_turn_into_words() {
    let text = shakespeare(60_000);
    let mut lab = LanguageLab::new();
    lab.set_settings(small()).unwrap();
    let report = lab.load_text(&text).unwrap();
    assert_eq!(report.characters, 60_000);
    assert_eq!(report.training_tokens + report.validation_tokens, 60_000);
    assert!(report.vocab_size > 40 && report.vocab_size < 100, "{}", report.vocab_size);
    assert_eq!(report.passage.iter().map(|c| c.text.as_str()).collect::<String>(), text.chars().take(48).collect::<String>());
    let entropy = report.unigram_entropy.unwrap();
    assert!(entropy > 2.5, "{entropy}");
    assert!(report.flops_per_token > 6.0 * report.parameters as f64 * 0.5, "{report:?}");

    // Slices of 60 steps: the samples fall every 50 steps, step 0 first.
    let mut steps = Vec::new();
    let mut samples = Vec::new();
    let mut validations = Vec::new();
    let started = std::time::Instant::now();
    for _ in 0..5 {
        let p = lab.train_slice(1e9, 60, false).unwrap();
        // Training's own time is within the wall clock's, which also holds
        // the samples and validations: tokens/s is at least the tokens over
        // the wall-clock seconds, and not many times it.
        let wall = (p.step * 32 * 32) as f64 / started.elapsed().as_secs_f64();
        assert!(p.tokens_per_second >= wall * 0.99 && p.tokens_per_second < wall * 3.0, "{} tokens/s reported, {wall} by the wall clock", p.tokens_per_second);
        steps.extend(p.new_steps);
        samples.extend(p.new_samples);
        validations.extend(p.new_validations);
        assert!(p.tokens_per_second > 0.0);
    }
    assert_eq!(steps.len(), 300);
    assert_eq!(steps.iter().map(|s| s.step).collect::<Vec<_>>(), (1..=300).collect::<Vec<_>>());
    assert_eq!(samples.iter().map(|s| s.step).collect::<Vec<_>>(), vec![0, 50, 100, 150, 200, 250, 300], "{samples:?}");
    // Each sample continues the same prompt; the model learned in between.
    let prompt: String = samples[0].text.chars().take(4).collect();
    assert!(samples.iter().all(|s| s.text.starts_with(&prompt)));
    let first = samples[0].val_loss.unwrap();
    let last = samples.last().unwrap().val_loss.unwrap();
    let entropy = report.unigram_entropy.unwrap();
    assert!(last < entropy - 0.3, "validation {last} vs unigram entropy {entropy}");
    assert!(last < first - 1.0, "{first} → {last}");
    // A quick validation beside each sample, and a full one at each epoch's end.
    assert_eq!(validations.iter().filter(|v| !v.full).count(), samples.len());
    let per_epoch = report.steps_per_epoch;
    assert_eq!(validations.iter().filter(|v| v.full).map(|v| v.step).collect::<Vec<_>>(), (1..=300 / per_epoch).map(|e| e * per_epoch).collect::<Vec<_>>());
    // A trained sample is written in the text's own characters.
    let alphabet: std::collections::HashSet<char> = text.chars().collect();
    assert!(samples.last().unwrap().text.chars().all(|c| alphabet.contains(&c)));

    // Generation: the candidates, sharper at a low temperature.
    let (chips, unknown, cold) = lab.begin_generation("KING RICHARD:", Sampling { temperature: 0.3, ..Sampling::default() }, 7).unwrap();
    assert_eq!((chips.len(), unknown), (13, 0));
    assert_eq!(cold.len(), 10);
    assert!(cold.windows(2).all(|w| w[0].probability >= w[1].probability));
    let hot = lab.candidates(Sampling { temperature: 2.0, ..Sampling::default() }).unwrap();
    assert!(cold[0].probability > hot[0].probability + 0.05, "{} vs {}", cold[0].probability, hot[0].probability);
    let a = lab.generate_next(25).unwrap();
    let b = lab.generate_next(25).unwrap();
    assert_eq!((a.ids.len(), b.ids.len()), (25, 25));
    // The same seed gives the same text, in one call or two.
    lab.begin_generation("KING RICHARD:", Sampling { temperature: 2.0, ..Sampling::default() }, 7).unwrap();
    let whole = lab.generate_next(50).unwrap();
    assert_eq!(whole.text, format!("{}{}", a.text, b.text));

    // Attention: causal rows that are distributions.
    let view = lab.attention("To be, or not to be").unwrap();
    assert_eq!(view.tokens.len(), 19);
    assert_eq!(view.layers.len(), 1);
    for head in &view.layers[0].heads {
        for (q, row) in head.iter().enumerate() {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-4);
            assert!(row[q + 1..].iter().all(|&w| w == 0.0));
        }
    }

    // The model file carries the tokenizer and context.
    let (json, weights) = lab.export_model().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("model.json"), &json).unwrap();
    std::fs::write(dir.path().join("group1-shard1of1.bin"), &weights).unwrap();
    let saved = gradlab::io::tfjs::load(&dir.path().join("model.json")).unwrap();
    let meta = saved.metadata.unwrap().language_model.unwrap();
    assert_eq!(meta.context, 32);
    assert!(matches!(meta.tokenizer, LmTokenizer::Char { .. }));
}

#[test]
fn settings_mid_run_keep_the_run_or_start_anew() {
    let mut lab = LanguageLab::new();
    lab.set_settings(LmSettings { sample_tokens: 5, ..small() }).unwrap();
    lab.load_text(&shakespeare(8_000)).unwrap();
    assert_eq!(lab.train_slice(1e9, 10, false).unwrap().step, 10);
    // A new learning rate keeps the weights and the steps.
    assert!(lab.set_settings(LmSettings { learning_rate: 3e-3, sample_tokens: 5, ..small() }).unwrap().is_none());
    assert_eq!(lab.train_slice(1e9, 5, false).unwrap().step, 15);
    // A longer context cuts the text again.
    let report = lab.set_settings(LmSettings { context: 48, sample_tokens: 5, ..small() }).unwrap().unwrap();
    assert!(report.steps_per_epoch > 0);
    assert_eq!(lab.train_slice(1e9, 1, false).unwrap().step, 1);
    // Epochs end the run.
    lab.set_settings(LmSettings { context: 48, sample_tokens: 5, epochs: 1, ..small() }).unwrap();
    let mut p = lab.train_slice(1e9, 1_000, true).unwrap();
    assert!(p.new_validations.iter().any(|v| v.full), "an epoch's end validates on every held-out window");
    while !p.done {
        p = lab.train_slice(1e9, 1_000, false).unwrap();
    }
    assert_eq!(p.step, report.steps_per_epoch);
    lab.reset().unwrap();
    assert_eq!(lab.train_slice(1e9, 2, false).unwrap().step, 2);
}

#[test]
fn bad_text_and_settings_are_named() {
    let mut lab = LanguageLab::new();
    assert!(matches!(lab.load_text("  \n\t"), Err(Error::EmptyData { .. })));
    assert_eq!(field(lab.train_slice(1.0, 1, false).unwrap_err()), "text");
    assert_eq!(field(lab.load_text("a few words").unwrap_err()), "context");
    assert_eq!(field(lab.set_settings(LmSettings { learning_rate: f32::NAN, ..small() }).unwrap_err()), "learning_rate");
    assert_eq!(field(lab.set_settings(LmSettings { context: 100_000, ..small() }).unwrap_err()), "context");
    assert_eq!(field(lab.set_settings(LmSettings { tokenizer: "bpe".into(), vocab: Some(10), ..small() }).unwrap_err()), "vocab");
    assert_eq!(field(lab.set_settings(LmSettings { heads: 64, d_model: 32, ..small() }).unwrap_err()), "heads");
    // A rejected setting leaves the form as it was.
    assert_eq!(lab.settings, LmSettings::default());
    assert_eq!(field(lab.begin_generation("x", Sampling::default(), 1).unwrap_err()), "text");

    // One character repeated: trains without NaN, towards a loss of 0.
    lab.set_settings(LmSettings { sample_tokens: 5, ..small() }).unwrap();
    let report = lab.load_text(&"a".repeat(5_000)).unwrap();
    assert_eq!((report.vocab_size, report.unigram_entropy), (2, Some(0.0)));
    let p = lab.train_slice(1e9, 20, false).unwrap();
    assert!(p.new_steps.iter().all(|s| s.loss.is_finite()));
    assert!(p.new_steps.last().unwrap().loss < p.new_steps[0].loss);

    // A prompt of characters the text never had: counted, and generation goes on.
    let (_, unknown, _) = lab.begin_generation("日本語", Sampling::default(), 1).unwrap();
    assert_eq!(unknown, 3);
    assert_eq!(lab.generate_next(3).unwrap().text, "aaa");
    assert_eq!(field(lab.candidates(Sampling { temperature: -1.0, ..Sampling::default() }).unwrap_err()), "temperature");
    assert_eq!(field(lab.attention("").unwrap_err()), "prompt");

    // Byte pairs (these settings cut the loaded text again: one repeated
    // character becomes a handful of tokens, fewer than the context).
    assert_eq!(field(lab.set_settings(LmSettings { tokenizer: "bpe".into(), vocab: Some(300), ..small() }).unwrap_err()), "context");
    let mut lab = LanguageLab::new();
    lab.set_settings(LmSettings { tokenizer: "bpe".into(), vocab: Some(300), sample_tokens: 5, ..small() }).unwrap();
    let report = lab.load_text(&shakespeare(20_000)).unwrap();
    assert_eq!((report.vocab_size, report.merge_count, report.merges.len()), (300, 44, 20));
    assert!(report.training_tokens < 18_000 * 8 / 10, "{}", report.training_tokens);
    let huge = "word ".repeat(8_000_000);
    let err = lab.load_text(&huge).unwrap_err();
    assert!(matches!(err, Error::EmptyData { .. }) && err.to_string().contains("40.0"), "a 40 MB paste: {err}");
}

#[test]
fn generation_never_writes_the_unknown_token() {
    // Eight characters of vocabulary: every other character of the text
    // reads as the unknown token, which is then the commonest target, so
    // an unguarded sampler would draw it all the time.
    let mut lab = LanguageLab::new();
    lab.set_settings(LmSettings { vocab: Some(8), sample_tokens: 60, ..small() }).unwrap();
    lab.load_text(&shakespeare(20_000)).unwrap();
    let p = lab.train_slice(1e9, 60, false).unwrap();
    // The samples' prompt (their first 8 characters, taken from the text)
    // may hold unknown characters; what the model wrote after it may not.
    assert!(p.new_samples.iter().all(|s| s.text.chars().count() > 8 && !s.text.chars().skip(8).any(|c| c == '\u{fffd}')), "{:?}", p.new_samples);
    let (_, _, candidates) = lab.begin_generation("the", Sampling::default(), 3).unwrap();
    assert!(!candidates.is_empty() && candidates.iter().all(|c| c.id != 0), "{candidates:?}");
    let out = lab.generate_next(200).unwrap();
    assert!(out.ids.iter().all(|&id| id != 0), "the unknown token was drawn: {:?}", out.ids);
    let greedy = lab.candidates(Sampling { temperature: 0.0, ..Sampling::default() }).unwrap();
    assert!(greedy.iter().all(|c| c.id != 0));
}

/// The page's GPU path for the generation task, natively (lavapipe): each
/// slice trains the GPU's copy of the run and stops where a sample over time
/// is due, the sample is drawn from the copy read back, and the steps,
/// validations and samples are the CPU run's. `auto` on a software adapter
/// stays on the CPU and says why; a reset while a slice is out wins.
#[test]
fn gpu_slices_train_a_gpt_as_the_cpu_does() {
    use gradlab::backend::ready_now;
    use gradlab::backend_choice::BackendRequest;
    use gradlab::lab::gpu_slice_run;
    let Some(gpu) = common::gpu_or_skip() else { return };
    let text = shakespeare(20_000);
    // 17 steps an epoch: the run crosses an epoch's end and its validation.
    let settings = LmSettings { sample_every: 7, ..small() };
    let mut cpu = LanguageLab::new();
    cpu.set_settings(settings.clone()).unwrap();
    cpu.load_text(&text).unwrap();
    let (mut cpu_steps, mut cpu_samples, mut cpu_validations) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..3 {
        let p = cpu.train_slice(1e9, 10, false).unwrap();
        assert_eq!(p.backend, "cpu");
        cpu_steps.extend(p.new_steps);
        cpu_samples.extend(p.new_samples);
        cpu_validations.extend(p.new_validations);
    }

    let mut lab = LanguageLab::new();
    lab.set_settings(settings).unwrap();
    lab.load_text(&text).unwrap();
    assert!(lab.gpu_slice_begin(10).unwrap().is_none(), "on the CPU until asked");
    lab.set_gpu_found(Ok(gpu));
    let (name, why) = lab.choose_backend(BackendRequest::Auto);
    assert_eq!(name, "cpu", "{}", why.english());
    assert!(why.english().contains("software"), "{}", why.english());
    let (name, why) = lab.choose_backend(BackendRequest::Gpu);
    assert!(name.starts_with("gpu ("), "{name}: {}", why.english());
    let (mut steps, mut samples, mut validations, mut caps) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    while steps.len() < 30 {
        let (trainer, generation, cap) = lab.gpu_slice_begin(10.min(30 - steps.len())).unwrap().expect("training on the GPU");
        caps.push(cap);
        let (trainer, copy, failure) = ready_now(gpu_slice_run(trainer, 1e9, cap, false));
        let p = lab.gpu_slice_end(generation, trainer, copy, failure).unwrap();
        assert_eq!(p.backend, name);
        assert!(p.tokens_per_second > 0.0);
        steps.extend(p.new_steps);
        samples.extend(p.new_samples);
        validations.extend(p.new_validations);
    }
    assert_eq!(caps, vec![7, 7, 7, 7, 2], "each slice stops where a sample is due");
    assert_eq!(steps.iter().map(|s| s.step).collect::<Vec<_>>(), (1..=30).collect::<Vec<_>>());
    for (g, c) in steps.iter().zip(&cpu_steps) {
        assert!((g.loss - c.loss).abs() < 1e-3 * c.loss.abs().max(1.0), "step {}: loss {} on the GPU, {} on the CPU", g.step, g.loss, c.loss);
    }
    assert_eq!(samples.iter().map(|s| s.step).collect::<Vec<_>>(), vec![0, 7, 14, 21, 28]);
    assert_eq!(samples.iter().map(|s| s.step).collect::<Vec<_>>(), cpu_samples.iter().map(|s| s.step).collect::<Vec<_>>());
    assert_eq!(samples[0].text, cpu_samples[0].text, "the untrained model's sample is the same model's");
    assert_eq!(validations.len(), cpu_validations.len(), "{validations:?}");
    assert!(validations.iter().any(|v| v.full), "an epoch ended and was validated");
    for (g, c) in validations.iter().zip(&cpu_validations) {
        assert_eq!((g.step, g.full), (c.step, c.full));
        assert!((g.val_loss - c.val_loss).abs() < 1e-3 * c.val_loss.abs().max(1.0), "validation at step {}: {} on the GPU, {} on the CPU", g.step, g.val_loss, c.val_loss);
    }
    // Generation reads the copy read back from the GPU.
    assert!(lab.begin_generation("To be", Sampling { temperature: 1.0, top_k: None, top_p: None }, 1).is_ok());

    // A reset while a slice is out: the slice's result is dropped.
    let (trainer, generation, cap) = lab.gpu_slice_begin(5).unwrap().unwrap();
    lab.reset().unwrap();
    let (trainer, copy, failure) = ready_now(gpu_slice_run(trainer, 1e9, cap, false));
    let p = lab.gpu_slice_end(generation, trainer, copy, failure).unwrap();
    assert_eq!(p.step, 0, "the reset run has not trained");
    // Back on the CPU when asked; the next slice trains there.
    assert_eq!(lab.choose_backend(BackendRequest::Cpu).0, "cpu");
    assert!(lab.gpu_slice_begin(5).unwrap().is_none());
    assert_eq!(lab.train_slice(1e9, 1, false).unwrap().step, 1);
}

/// A model file back into the generation task (the page's upload, a
/// bundle, or a model `gradlab train --task lm --save` wrote): refused
/// for a classifier's file, with nothing changed; then
/// it reads the text with its own tokenizer, takes its sizes into the
/// settings, continues a prompt exactly as the model it came from, and
/// trains on from its weights (its loss starts where the other left off).
#[test]
fn a_saved_model_comes_back_generates_the_same_and_trains_on() {
    let text = shakespeare(20_000);
    let trained_settings = LmSettings { context: 24, heads: 4, d_model: 32, ffn: 48, sample_tokens: 5, ..small() };
    let mut lab = LanguageLab::new();
    lab.set_settings(trained_settings.clone()).unwrap();
    let trained_report = lab.load_text(&text).unwrap();
    let fresh_loss = lab.train_slice(1e9, 1, false).unwrap().new_steps[0].loss;
    lab.train_slice(1e9, 80, false).unwrap();
    let (json, weights) = lab.export_model().unwrap();
    let sampling = Sampling { temperature: 0.8, top_k: Some(10), top_p: None };
    lab.begin_generation("To be", sampling, 3).unwrap();
    let original = lab.generate_next(30).unwrap();
    let next_loss = lab.train_slice(1e9, 1, false).unwrap().new_steps[0].loss;

    let mut other = LanguageLab::new();
    other.set_settings(small()).unwrap();
    other.load_text(&text).unwrap();
    // A classifier's file is not a language model.
    let mut classifier = gradlab::lab::Lab::new();
    let rows: String = (0..40).map(|i| if i % 2 == 0 { format!("spam\tbuy cheap pills now {i}\n") } else { format!("ham\tsee you at lunch {i}\n") }).collect();
    classifier.load_data(&rows).unwrap();
    classifier.train_slice(1e9, 1, false).unwrap();
    let (cjson, cweights) = classifier.export_model().unwrap();
    let e = other.import_model(&cjson, &cweights).unwrap_err().to_string();
    assert!(e.contains("not a language model"), "{e}");
    assert_eq!(other.settings.d_model, small().d_model, "a refused import changes nothing");

    // Parts that disagree: the metadata's context is not the model's window.
    let edited = json.replacen("\"context\": 24", "\"context\": 25", 1);
    assert!(edited != json, "the context is in the metadata");
    let e = other.import_model(&edited, &weights).unwrap_err().to_string();
    assert!(e.contains("disagree") && e.contains("25"), "{e}");

    let report = other.import_model(&json, &weights).unwrap();
    assert_eq!(report.parameters, trained_report.parameters);
    assert_eq!(report.vocab_size, trained_report.vocab_size, "the model's own tokenizer, not one fitted again");
    let s = &other.settings;
    assert_eq!((s.context, s.layers, s.heads, s.d_model, s.ffn), (24, trained_settings.layers, 4, 32, 48), "the settings take the model's sizes");
    assert_eq!(s.tokenizer, "char");
    other.begin_generation("To be", sampling, 3).unwrap();
    assert_eq!(other.generate_next(30).unwrap().text, original.text, "the same model, prompt and seed write the same");
    assert!(!other.attention("To be, or not").unwrap().layers.is_empty());
    let resumed = other.train_slice(1e9, 1, false).unwrap();
    assert_eq!(resumed.step, 1);
    let loss = resumed.new_steps[0].loss;
    assert!(loss < fresh_loss - 0.3 && (loss - next_loss).abs() < 0.3, "trains on from the weights: {loss}, the original's next step {next_loss}, a fresh model's first {fresh_loss}");
}

/// A model file before any text (a learner given someone's trained model):
/// it generates, shows its attention and downloads at once, exactly as the
/// model it came from; training asks for a text, and the first text loaded
/// is cut with the model's tokenizer and trains it on from its weights. A
/// refused text keeps the model; new sizes describe another model, which
/// drops it.
#[test]
fn a_model_without_text_generates_then_trains_on_the_first_text() {
    let text = shakespeare(20_000);
    let trained = LmSettings { context: 24, heads: 4, d_model: 32, ffn: 48, sample_tokens: 5, ..small() };
    let mut lab = LanguageLab::new();
    lab.set_settings(trained.clone()).unwrap();
    lab.load_text(&text).unwrap();
    lab.train_slice(1e9, 60, false).unwrap();
    let (json, weights) = lab.export_model().unwrap();
    let sampling = Sampling { temperature: 0.8, top_k: Some(10), top_p: None };
    lab.begin_generation("To be", sampling, 3).unwrap();
    let original = lab.generate_next(30).unwrap();
    let original_attention = lab.attention("To be, or not").unwrap();
    let next_loss = lab.train_slice(1e9, 1, false).unwrap().new_steps[0].loss;

    let mut other = LanguageLab::new();
    let report = other.import_model(&json, &weights).unwrap();
    assert!(report.model_only);
    assert_eq!((report.characters, report.training_tokens, report.steps_per_epoch), (0, 0, 0));
    assert_eq!(report.unigram_entropy, None, "no text, no entropy");
    assert!(report.parameters > 0 && !report.layers.is_empty());
    assert_eq!(other.settings.d_model, 32, "the settings take the model's sizes");
    other.begin_generation("To be", sampling, 3).unwrap();
    assert_eq!(other.generate_next(30).unwrap().text, original.text, "the same model, prompt and seed write the same");
    assert_eq!(other.attention("To be, or not").unwrap(), original_attention);
    assert_eq!(other.export_model().unwrap().1, weights, "downloads the weights it was given");
    let e = other.train_slice(1e9, 1, false).unwrap_err();
    assert_eq!(field(e.clone()), "text");
    assert!(e.to_string().contains("generates"), "says the model generates and training needs a text: {e}");
    assert_eq!(field(other.reset().unwrap_err()), "text");

    // A text shorter than the context is refused, and the model kept.
    assert!(other.load_text("To be").is_err());
    assert_eq!(other.generate_next(1).unwrap().ids.len(), 1, "the generation goes on");
    let report = other.load_text(&text).unwrap();
    assert!(!report.model_only && report.training_tokens > 0 && report.unigram_entropy.is_some());
    let loss = other.train_slice(1e9, 1, false).unwrap().new_steps[0].loss;
    assert!((loss - next_loss).abs() < 0.3, "trains on from the weights: {loss}, the original's next step {next_loss}");

    // New sizes before any text would make another model: refused, the
    // model kept; the seed and the split wait for the text. With the text,
    // new sizes start a fresh model as always.
    let mut third = LanguageLab::new();
    third.import_model(&json, &weights).unwrap();
    let e = third.set_settings(LmSettings { d_model: 16, ..third.settings.clone() }).unwrap_err();
    assert_eq!(field(e.clone()), "d_model");
    assert!(e.to_string().contains("32"), "names the model's value: {e}");
    assert_eq!(third.settings.d_model, 32);
    third.set_settings(LmSettings { seed: 7, val_split: 0.2, ..third.settings.clone() }).unwrap();
    third.begin_generation("To be", sampling, 3).unwrap();
    let with_text = third.load_text(&text).unwrap();
    assert_eq!(with_text.parameters, report.parameters, "the held model, not a fresh one");
    let fresh = third.set_settings(LmSettings { d_model: 16, ..third.settings.clone() }).unwrap().expect("a fresh model");
    assert!(fresh.parameters < report.parameters, "a fresh model of the new size");
}

#[test]
fn the_projector_places_a_language_models_tokens_coloured_by_kind() {
    use gradlab::explain::words::TOKEN_KINDS;
    let text = shakespeare(20_000);
    let mut lab = LanguageLab::new();
    lab.set_settings(small()).unwrap();
    assert_eq!(field(lab.projector(30, 2).unwrap_err()), "text", "nothing to place before a model");
    lab.load_text(&text).unwrap();
    lab.train_slice(1e9, 20, false).unwrap();
    let map = lab.projector(30, 3).unwrap();
    assert_eq!(map.points.len(), 30);
    assert!(map.points.iter().all(|p| p.coords.len() == 3));
    // The most frequent character of the text first: the space.
    assert_eq!(map.points[0].word, " ");
    let kind = |t: &str| TOKEN_KINDS[map.points.iter().find(|p| p.word == t).unwrap_or_else(|| panic!("{t:?} placed")).class];
    assert_eq!((kind(" "), kind("e"), kind(",")), ("space", "letter", "punctuation"));
    assert!(map.explained_variance_ratio.iter().sum::<f64>() <= 1.0 + 1e-9);
    // t-SNE over them, and its settings named.
    let mut run = lab.tsne(40, 2, 8.0, None).unwrap();
    while run.advance(200) {}
    let frame = run.frame();
    assert!(frame.done && frame.points.len() == 40 && frame.kl_divergence.is_some());
    assert_eq!(field(lab.tsne(40, 2, 40.0, None).unwrap_err()), "projector");
    assert_eq!(field(lab.tsne(1001, 2, 8.0, None).unwrap_err()), "projector");
    // A token's neighbours by cosine, itself left out.
    let near = lab.neighbours("e", 10).unwrap();
    assert_eq!(near.len(), 10);
    assert!(near.iter().all(|(t, c)| t != "e" && c.is_finite()));
    assert_eq!(field(lab.neighbours("§§", 10).unwrap_err()), "word");
}
