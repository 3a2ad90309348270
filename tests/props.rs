//! Property tests of every parser of user input: labelled text (TSV/CSV),
//! pixel CSV, decoded image files, `model.json` with its weights, the
//! tokenizer JSON, and the settings the page hands the engine (read from
//! its address). Each must give a clear error or a valid result, never
//! panic, and refuse an absurd size before allocating it.
//!
//! Case counts are fixed (`CASES`), failures are not persisted to files,
//! and the suite runs in a few seconds in `cargo test --release`.
#![cfg(not(target_arch = "wasm32"))]

use gradlab::backend::CpuBackend;
use gradlab::data::image::{self, ImageShape};
use gradlab::data::pad::Side;
use gradlab::data::parse::{parse, Delimiter, LabelColumn, ParseOptions};
use gradlab::data::tokenizer::Tokenizer;
use gradlab::io::tfjs;
use gradlab::lab::{ImageFile, Lab, Settings};
use gradlab::model::Model;
use gradlab::nn::LayerConfig;
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{json, Value};

const CASES: u32 = 1000;

fn config(cases: u32) -> Config {
    Config { cases, failure_persistence: None, ..Config::default() }
}

/// Characters that break parsers: separators, quotes, line ends, a BOM,
/// NUL and other controls, replacement characters, wide characters.
fn nasty_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::sample::select(vec!['\t', ',', '"', '\n', '\r', ' ', '\u{feff}', '\0', '\u{1b}', '\u{fffd}', '\u{7f}', 'é', '垃', '😀', ';', '\\', '\'']),
        6 => prop::char::range('a', 'z'),
        1 => any::<char>(),
    ]
}

fn nasty_string(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(nasty_char(), 0..max).prop_map(|v| v.into_iter().collect())
}

fn options() -> impl Strategy<Value = ParseOptions> {
    (
        prop::option::of(prop_oneof![Just(Delimiter::Tab), Just(Delimiter::Comma)]),
        prop::option::of(any::<bool>()),
        prop::option::of(prop_oneof![Just(LabelColumn::First), Just(LabelColumn::Last)]),
    )
        .prop_map(|(delimiter, header, label_column)| ParseOptions { delimiter, header, label_column })
}

/// A parse result is valid: rows with non-empty labels of at most 100
/// characters, line numbers within the input; an error says something.
fn check_parse(input: &str, opts: &ParseOptions) {
    let lines = input.split('\n').count();
    match parse(input, opts, "the pasted data") {
        Ok(p) => {
            assert!(!p.rows.is_empty());
            for r in &p.rows {
                assert!(!r.label.is_empty() && r.label.chars().count() <= 100, "{:?}", r);
                assert!(r.line >= 1 && r.line <= lines, "line {} of {}", r.line, lines);
            }
            for r in &p.rejected {
                assert!(!r.reason.to_string().is_empty() && r.line >= 1, "{:?}", r);
            }
        }
        Err(e) => assert!(e.to_string().len() > 10, "{}", e),
    }
}

/// Clean rows (label, text) for round trips: labels from a small set,
/// texts unique (so the label column is detected), none of them a header word.
fn clean_rows() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((prop::sample::select(vec!["spam", "ham", "pos", "neg", "1", "0"]), "[a-z][a-z ,.'!?\"]{0,40}"), 1..30)
        .prop_map(|v| v.into_iter().enumerate().map(|(i, (l, t))| (l.to_string(), format!("{}{} w{}", t.trim_start_matches(' '), "", i))).collect())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn text_parser_never_panics_on_arbitrary_input(input in nasty_string(400), opts in options()) {
        check_parse(&input, &opts);
    }

    #[test]
    fn text_parser_never_panics_on_line_structured_input(
        lines in prop::collection::vec((nasty_string(12), prop::sample::select(vec!["\t", ",", ";", ""]), nasty_string(60)), 0..40),
        ending in prop::sample::select(vec!["\n", "\r\n", "\r"]),
        bom in any::<bool>(),
        opts in options(),
    ) {
        let mut input = if bom { "\u{feff}".to_string() } else { String::new() };
        for (l, sep, t) in &lines {
            input.push_str(&format!("{}{}{}{}", l, sep, t, ending));
        }
        check_parse(&input, &opts);
    }

    #[test]
    fn tsv_rows_come_back_as_written(rows in clean_rows(), crlf in any::<bool>(), bom in any::<bool>()) {
        let end = if crlf { "\r\n" } else { "\n" };
        let body: String = rows.iter().map(|(l, t)| format!("{}\t{}{}", l, t, end)).collect();
        let input = if bom { format!("\u{feff}{}", body) } else { body };
        let p = parse(&input, &ParseOptions { header: Some(false), ..Default::default() }, "t").unwrap();
        prop_assert_eq!(p.delimiter, Delimiter::Tab);
        prop_assert!(p.rejected.is_empty(), "{:?}", p.rejected);
        let got: Vec<(String, String)> = p.rows.iter().map(|r| (r.label.clone(), r.text.clone())).collect();
        prop_assert_eq!(got, rows);
    }

    #[test]
    fn quoted_csv_rows_come_back_as_written(rows in clean_rows(), crlf in any::<bool>()) {
        let end = if crlf { "\r\n" } else { "\n" };
        let input: String = rows.iter().map(|(l, t)| format!("{},{}{}", csv_field(l), csv_field(t), end)).collect();
        let p = parse(&input, &ParseOptions { delimiter: Some(Delimiter::Comma), header: Some(false), label_column: Some(LabelColumn::First) }, "t").unwrap();
        prop_assert!(p.rejected.is_empty(), "{:?}", p.rejected);
        let got: Vec<(String, String)> = p.rows.iter().map(|r| (r.label.clone(), r.text.clone())).collect();
        prop_assert_eq!(got, rows);
    }
}

/// A 1 MB line (and a 1 MB line of binary) neither panics nor hangs.
#[test]
fn text_parser_takes_megabyte_lines() {
    let long: String = "word ".repeat(200_000);
    let input = format!("spam\t{}\nham\tshort text\n", long);
    let p = parse(&input, &ParseOptions::default(), "t").unwrap();
    assert_eq!(p.rows.len(), 2);
    assert_eq!(p.rows[0].text.len(), long.len());
    let csv = format!("spam,\"{}\"\r\nham,short\r\n", long.replace(' ', "\"\" "));
    assert_eq!(parse(&csv, &ParseOptions::default(), "t").unwrap().rows.len(), 2);
    let binary: String = (0..1_000_000u32).map(|i| char::from((i % 32) as u8)).collect();
    let e = parse(&binary, &ParseOptions::default(), "t").unwrap_err().to_string();
    assert!(e.contains("binary"), "{}", e);
}

fn pixel_cell() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (0u32..256).prop_map(|v| v.to_string()),
        2 => (-1e3f32..1e3).prop_map(|v| format!("{}", v)),
        1 => prop::sample::select(vec!["NaN", "inf", "-inf", "", " ", "1e39", "0x10", "\"3\"", "1,5", "--1"]).prop_map(str::to_string),
        1 => nasty_string(4),
    ]
}

fn shape() -> impl Strategy<Value = Option<ImageShape>> {
    prop::option::of(prop_oneof![Just([2, 2, 1]), Just([3, 3, 1]), Just([2, 2, 3]), Just([4, 2, 1]), Just([1, 1, 1])])
}

fn check_images(input: &str, shape: Option<ImageShape>) {
    match image::parse_csv(input, shape, None) {
        Ok(set) => {
            assert!(!set.is_empty());
            let n: usize = set.shape.iter().product();
            if let Some(s) = shape {
                assert_eq!(set.shape, s);
            }
            for (px, &c) in set.pixels.iter().zip(&set.classes) {
                assert_eq!(px.len(), n);
                assert!(px.iter().all(|v| v.is_finite()));
                assert!(c < set.labels.len());
            }
            assert_eq!(set.pixels.len(), set.classes.len());
        }
        Err(e) => assert!(e.to_string().len() > 10, "{}", e),
    }
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn pixel_csv_never_panics(rows in prop::collection::vec((nasty_string(6), prop::collection::vec(pixel_cell(), 0..14)), 0..12), shape in shape(), crlf in any::<bool>()) {
        let end = if crlf { "\r\n" } else { "\n" };
        let input: String = rows.iter().map(|(l, px)| format!("{},{}{}", l, px.join(","), end)).collect();
        check_images(&input, shape);
    }

    #[test]
    fn pixel_csv_never_panics_on_arbitrary_input(input in nasty_string(300), shape in shape()) {
        check_images(&input, shape);
    }

    #[test]
    fn pixel_csv_reads_what_was_written(rows in prop::collection::vec((prop::sample::select(vec!["cat", "dog", "7"]), prop::collection::vec(0u8..=255, 9)), 1..20)) {
        let input: String = rows.iter().map(|(l, px)| format!("{},{}\n", l, px.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(","))).collect();
        let set = image::parse_csv(&input, None, None).unwrap();
        prop_assert_eq!(set.shape, [3, 3, 1]);
        prop_assert_eq!(set.len(), rows.len());
        for (i, (l, px)) in rows.iter().enumerate() {
            prop_assert_eq!(&set.labels[set.classes[i]], l);
            prop_assert_eq!(set.pixels[i].clone(), px.iter().map(|&v| v as f32).collect::<Vec<_>>());
        }
    }

    /// Dropped image files reach the engine decoded (by the browser) as
    /// RGBA bytes with a width and height: any of those may be wrong.
    #[test]
    fn dropped_image_files_never_panic(files in prop::collection::vec((
        prop::sample::select(vec!["cats/a.png", "dogs/b.png", "cat_1.png", "noname.png", "", "/", "a/b/c/d.jpg", "x_"]),
        prop_oneof![0usize..6, Just(600), Just(usize::MAX / 2), Just(usize::MAX)],
        prop_oneof![0usize..6, Just(600), Just(4), Just(usize::MAX)],
        prop::collection::vec(any::<u8>(), 0..120),
    ), 0..8), gray in any::<bool>()) {
        let mut lab = Lab::new();
        let mut s = Settings::default();
        s.grayscale = gray;
        lab.set_settings(s).unwrap();
        let files: Vec<ImageFile> = files.into_iter().map(|(p, w, h, rgba)| ImageFile { path: p.to_string(), width: w, height: h, rgba }).collect();
        match lab.load_image_files(files) {
            Ok(r) => prop_assert!(r.accepted > 0),
            Err(e) => prop_assert!(e.to_string().len() > 10),
        }
    }
}

// ---- model.json and its weights ----

fn j(s: &str) -> LayerConfig {
    serde_json::from_str(s).unwrap()
}

/// A small valid text model and an image model, as files.
fn model_files(image: bool) -> (String, Vec<u8>) {
    let (layers, shape) = if image {
        (vec![j(r#"{"type":"Conv2D","filters":2,"kernel_size":2}"#), j(r#"{"type":"BatchNormalization"}"#), j(r#"{"type":"Flatten"}"#), j(r#"{"type":"Dense","units":2,"activation":"softmax"}"#)], vec![4, 4, 1])
    } else {
        (vec![j(r#"{"type":"Embedding","input_dim":20,"output_dim":3,"mask_zero":true}"#), j(r#"{"type":"LSTM","units":2}"#), j(r#"{"type":"Dense","units":2,"activation":"softmax"}"#)], vec![5])
    };
    let model = Model::new(CpuBackend, &layers, &shape, 1).unwrap();
    let mut tok = Tokenizer::new(Some(20), Some("<OOV>"));
    tok.fit_on_texts(&["a b c", "b c d"]);
    let meta = tfjs::Metadata { tokenizer: Some(tok), labels: vec!["x".into(), "y".into()], max_len: 5, padding: Side::Post, truncating: Side::Post, scaling: None, framing: None, language_model: None };
    tfjs::to_files(&layers, None, &shape, &model.get_weights(), Some(&meta)).unwrap()
}

/// Load through the page's path: parse, then build the model with its
/// weights. Must not panic or abort; an error must name the file.
fn check_model(text: &str, bytes: &[u8]) {
    match tfjs::from_json(text, Some(bytes), "model.json") {
        Ok(saved) => {
            for lw in &saved.weights {
                for w in lw {
                    assert!(w.iter().all(|v| v.is_finite()), "non-finite weights were accepted");
                }
            }
            if let Err(e) = Model::with_weights(CpuBackend, &saved.layers, &saved.input_shape, saved.weights.clone()) {
                assert!(!e.to_string().is_empty());
            }
        }
        Err(e) => assert!(e.to_string().contains("model.json"), "{}", e),
    }
}

/// A mutation of one JSON value: absurd numbers, wrong types, unknown names.
fn json_mutation() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(1_000_000_000u64)),
        Just(json!(u64::MAX)),
        Just(json!(0)),
        Just(json!(-1)),
        Just(json!(1.5)),
        Just(json!(null)),
        Just(json!("Transformer")),
        Just(json!("NaN")),
        Just(json!([])),
        Just(json!([1_000_000_000u64, 1_000_000_000u64])),
        Just(json!([0, 0])),
        Just(json!({})),
        Just(json!(true)),
    ]
}

/// Every path to a value inside `v` (objects and arrays), up to a depth.
fn paths(v: &Value, prefix: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{}/{}", prefix, k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                paths(x, p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let p = format!("{}/{}", prefix, i);
                out.push(p.clone());
                paths(x, p, out);
            }
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(config(CASES))]

    /// One value anywhere in a valid model.json replaced by an absurd one.
    #[test]
    fn model_json_with_a_wrong_value_never_panics(image in any::<bool>(), pick in any::<prop::sample::Index>(), with in json_mutation(), seeds in prop::collection::vec((any::<prop::sample::Index>(), json_mutation()), 0..3)) {
        let (text, bytes) = model_files(image);
        let mut root: Value = serde_json::from_str(&text).unwrap();
        let mut all = Vec::new();
        paths(&root, String::new(), &mut all);
        for (p, w) in std::iter::once((pick, with)).chain(seeds) {
            let path = p.get(&all).clone();
            if let Some(slot) = root.pointer_mut(&path) {
                *slot = w;
            }
        }
        check_model(&root.to_string(), &bytes);
    }

    /// Truncated or padded JSON text and weight bytes, and NaN weights.
    #[test]
    fn model_files_cut_or_corrupted_never_panic(image in any::<bool>(), cut_text in any::<prop::sample::Index>(), cut_bytes in any::<prop::sample::Index>(), how in 0..5u8, nan_at in any::<prop::sample::Index>()) {
        let (text, mut bytes) = model_files(image);
        let text = match how {
            0 => { let mut n = cut_text.index(text.len()); while !text.is_char_boundary(n) { n -= 1; } text[..n].to_string() }
            _ => text,
        };
        match how {
            1 => bytes.truncate(cut_bytes.index(bytes.len())),
            2 => bytes.extend_from_slice(&[0u8; 7]),
            3 => { let at = nan_at.index(bytes.len() / 4) * 4; bytes[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes()); }
            _ => {}
        }
        check_model(&text, &bytes);
        check_model(&text, &[]);
    }
}

/// A layer of 10⁹ units (or an Embedding of 10⁹ rows) is refused by the
/// parameter budget with a clear message, before anything is allocated.
#[test]
fn absurd_layers_are_refused_before_allocation() {
    for (layers, shape) in [
        (r#"[{"type":"Embedding","input_dim":20,"output_dim":3},{"type":"Flatten"},{"type":"Dense","units":1000000000,"activation":"softmax"}]"#, vec![5]),
        (r#"[{"type":"Embedding","input_dim":1000000000,"output_dim":64},{"type":"GlobalAveragePooling1D"},{"type":"Dense","units":2,"activation":"softmax"}]"#, vec![5]),
        (r#"[{"type":"Conv2D","filters":1000000000,"kernel_size":3},{"type":"GlobalAveragePooling2D"},{"type":"Dense","units":2}]"#, vec![8, 8, 1]),
        (r#"[{"type":"Flatten"},{"type":"Dense","units":18446744073709551615}]"#, vec![8, 8, 1]),
        (r#"[{"type":"Embedding","input_dim":20,"output_dim":3},{"type":"LSTM","units":4000000000}]"#, vec![5]),
    ] {
        let layers: Vec<LayerConfig> = serde_json::from_str(layers).unwrap();
        let e = Model::new(CpuBackend, &layers, &shape, 0).err().unwrap_or_else(|| panic!("{:?} was built", layers)).to_string();
        assert!(e.contains("parameters") || e.contains("values"), "{}", e);
    }
    // The same through a model.json: the Dense's units set to 10⁹.
    let (text, bytes) = model_files(false);
    fn set_units(v: &mut Value) -> bool {
        match v {
            Value::Object(m) if m.contains_key("units") => {
                m["units"] = json!(1_000_000_000u64);
                true
            }
            Value::Object(m) => m.values_mut().any(set_units),
            Value::Array(a) => a.iter_mut().any(set_units),
            _ => false,
        }
    }
    let mut root: Value = serde_json::from_str(&text).unwrap();
    assert!(set_units(&mut root));
    let text = root.to_string();
    let e = tfjs::from_json(&text, Some(&bytes), "model.json").err().expect("a 10⁹-unit layer was read").to_string();
    assert!(e.contains("model.json") && (e.contains("parameters") || e.contains("values per sample")), "{}", e);
}

// ---- the tokenizer and the settings ----

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn tokenizer_json_never_panics(word_index in prop::collection::vec((nasty_string(6), prop_oneof![0u64..5, Just(u64::MAX), Just(1_000_000_000)]), 0..6), num_words in prop::option::of(prop_oneof![0u64..10, Just(u64::MAX)]), as_string in any::<bool>(), extra in json_mutation(), key in prop::sample::select(vec!["word_counts", "word_docs", "filters", "split", "lower", "oov_token", "document_count", "char_level"])) {
        let wi: serde_json::Map<String, Value> = word_index.into_iter().map(|(k, v)| (k, json!(v))).collect();
        let wi = if as_string { Value::String(Value::Object(wi).to_string()) } else { Value::Object(wi) };
        let mut cfg = json!({"word_index": wi, "num_words": num_words});
        cfg[key] = extra;
        if let Ok(t) = Tokenizer::from_keras_json(&json!({"class_name": "Tokenizer", "config": cfg})) {
            // Whatever was read must tokenize without panicking, within the vocabulary.
            let seq = t.text_to_sequence("a b <OOV> é 垃");
            let _ = (seq, t.vocab_size(), t.index_word());
        }
    }

    /// The page reads its settings from the address and hands them to the
    /// engine as an object: any field may hold anything.
    #[test]
    fn settings_from_the_address_never_panic(field in any::<prop::sample::Index>(), with in json_mutation(), layers in prop::option::of(prop::collection::vec(prop::sample::select(vec![
        r#"{"type":"Embedding","input_dim":1000000000,"output_dim":8}"#,
        r#"{"type":"Embedding","input_dim":50,"output_dim":4}"#,
        r#"{"type":"Dense","units":1000000000}"#,
        r#"{"type":"Dense","units":2,"activation":"softmax"}"#,
        r#"{"type":"Conv1D","filters":3,"kernel_size":0}"#,
        r#"{"type":"Conv1D","filters":3,"kernel_size":3,"strides":0}"#,
        r#"{"type":"LSTM","units":0}"#,
        r#"{"type":"GlobalAveragePooling1D"}"#,
        r#"{"type":"Flatten"}"#,
        r#"{"type":"Dropout","rate":1.5}"#,
    ]), 0..5))) {
        let mut v = serde_json::to_value(Settings::default()).unwrap();
        let keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        let key = field.get(&keys).clone();
        v[&key] = with;
        if let Some(l) = &layers {
            v["preset"] = json!("custom");
            v["layers"] = Value::Array(l.iter().map(|s| serde_json::from_str(s).unwrap()).collect());
        }
        let Ok(settings) = serde_json::from_value::<Settings>(v) else { return Ok(()) };
        let mut lab = Lab::new();
        lab.load_data("spam\tbuy cheap pills now\nham\tlunch at noon?\nspam\twin money fast\nham\tsee you at the meeting\n").unwrap();
        if lab.set_settings(settings).is_ok() {
            // The summary checks the model without allocating it; a model
            // that passes is small enough to build.
            if lab.summary().is_ok() {
                let _ = lab.train_slice(1.0, 1, false);
            }
        }
    }
}

proptest! {
    #![proptest_config(config(200))]

    /// Byte-pair encoding learned from any text reads that text and any
    /// other back exactly, and GPT-2's word pattern loses nothing.
    #[test]
    fn byte_pairs_round_trip_any_text(train in nasty_string(300), text in nasty_string(200), extra in 0usize..60) {
        use gradlab::data::bpe::{pre_tokenize, BpeTokenizer};
        prop_assert_eq!(pre_tokenize(&text).concat(), text.clone());
        let bpe = BpeTokenizer::fit(&train, 256 + extra).unwrap();
        prop_assert!(bpe.vocab_size() <= 256 + extra);
        prop_assert_eq!(bpe.decode(&bpe.encode(&text)), text.clone());
        prop_assert_eq!(bpe.decode(&bpe.encode(&train)), train.clone());
    }

    /// A language model's saved tokenizer, with any field changed, is read
    /// or refused, and whatever is read encodes and decodes any text.
    #[test]
    fn language_model_tokenizer_json_never_panics(kind in prop::sample::select(vec!["char", "word", "bpe"]), pick in any::<prop::sample::Index>(), with in json_mutation(), merge in nasty_string(8), text in nasty_string(40)) {
        use gradlab::data::lm::LmTokenizer;
        let t = LmTokenizer::fit(kind, "the cat sat on the mat; 学而时习之", Some(262)).unwrap();
        let mut v = serde_json::to_value(&t).unwrap();
        let mut all = Vec::new();
        paths(&v, String::new(), &mut all);
        let p = pick.get(&all).clone();
        if let Some(slot) = v.pointer_mut(&p) {
            *slot = with;
        }
        if kind == "bpe" {
            if let Some(m) = v.pointer_mut("/bpe/merges").and_then(|m| m.as_array_mut()) {
                m.push(json!(merge));
            }
        }
        if let Ok(t) = serde_json::from_value::<LmTokenizer>(v) {
            let ids = t.encode(&text);
            let _ = (t.decode(&ids), t.vocab_size(), ids.iter().map(|&i| t.token(i)).count(), t.decode(&[0, 1, u32::MAX]), t.token(u32::MAX));
        }
    }
}
