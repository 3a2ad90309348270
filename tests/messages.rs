//! Every message the engine can give has a template in both languages, so a
//! new engine error can never reach the Chinese page in English (nor the
//! command line as a bare code). The codes are found where they are written:
//! every `msg!("…")` and every code-shaped string literal in src/.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use gradlab::error::{parse_catalog, Catalog, Error, CHINESE_JS, ENGLISH_JS, LOOKUP};
use gradlab::msg;

fn placeholders(template: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if close > 0 && after[..close].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                out.insert(after[..close].to_string());
                rest = &after[close + 1..];
            }
            _ => rest = after,
        }
    }
    out
}

/// The string literals of Rust source `text` (comments, char literals and
/// raw strings skipped or read as Rust does, escapes kept as written).
fn string_literals(text: &str) -> Vec<String> {
    let c: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        match c[i] {
            '/' if c.get(i + 1) == Some(&'/') => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            // A char literal ('"', '\'', 'x'); a lifetime ('a) has no closing quote.
            '\'' if c.get(i + 1) == Some(&'\\') => {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            }
            '\'' if c.get(i + 2) == Some(&'\'') => i += 3,
            'r' if (c.get(i + 1) == Some(&'"') || c.get(i + 1) == Some(&'#')) && !c.get(i.wrapping_sub(1)).is_some_and(|p| p.is_alphanumeric() || *p == '_') => {
                let mut j = i + 1;
                let mut hashes = 0;
                while c.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if c.get(j) != Some(&'"') {
                    i += 1;
                    continue;
                }
                let close: String = std::iter::once('"').chain(std::iter::repeat('#').take(hashes)).collect();
                let rest: String = c[j + 1..].iter().collect();
                let end = rest.find(&close).unwrap_or(rest.len());
                out.push(rest[..end].to_string());
                i = j + 1 + rest[..end].chars().count() + close.chars().count();
            }
            '"' => {
                let mut j = i + 1;
                let mut lit = String::new();
                while j < c.len() && c[j] != '"' {
                    if c[j] == '\\' {
                        lit.push(c[j]);
                        j += 1;
                    }
                    lit.push(c[j]);
                    j += 1;
                }
                out.push(lit);
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// Every string literal in the crate's sources, with the file it is in.
fn literals() -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for lit in string_literals(&text) {
                    out.entry(lit).or_insert_with(|| path.display().to_string());
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    out
}

fn catalogs() -> (Catalog, Catalog) {
    (parse_catalog(ENGLISH_JS).expect("www/lang/engine/en.js"), parse_catalog(CHINESE_JS).expect("www/lang/engine/zh.js"))
}

#[test]
fn the_literal_scanner_reads_rust_as_rust_does() {
    let src = r##"let a = '"'; let b = "x\"y"; // "comment"
fn f<'a>(s: &'a str) { g("data.no_tab", r#"raw "q""#, '\''); }"##;
    assert_eq!(string_literals(src), vec!["x\\\"y".to_string(), "data.no_tab".into(), "raw \"q\"".into()]);
}

#[test]
fn both_languages_have_every_template_with_the_same_parameters() {
    let (en, zh) = catalogs();
    assert!(en.len() > 200, "only {} English templates: is the file read?", en.len());
    let en_keys: BTreeSet<_> = en.keys().collect();
    let zh_keys: BTreeSet<_> = zh.keys().collect();
    assert_eq!(en_keys.difference(&zh_keys).collect::<Vec<_>>(), Vec::<&&String>::new(), "codes without Chinese");
    assert_eq!(zh_keys.difference(&en_keys).collect::<Vec<_>>(), Vec::<&&String>::new(), "codes without English");
    for (code, e) in &en {
        let z = &zh[code];
        assert!(!e.trim().is_empty() && !z.trim().is_empty(), "{code} is empty");
        let (pe, pz) = (placeholders(e), placeholders(z));
        // Chinese may leave a parameter out (the whole model needs no layer
        // number); it may not use one the English does not have.
        assert!(pz.is_subset(&pe), "{code}: Chinese uses {:?}, English has {:?}", pz, pe);
    }
}

#[test]
fn every_code_in_the_sources_has_a_template_and_every_template_is_used() {
    let (en, _) = catalogs();
    let literals = literals();
    let prefixes: BTreeSet<&str> = en.keys().filter_map(|k| k.split_once('.')).map(|(p, _)| p).collect();
    // A literal shaped like a code whose prefix is a code's prefix ("data.no_tab")
    // and that names no file ("model.json").
    let is_code = |s: &str| {
        s.split_once('.').is_some_and(|(p, rest)| {
            prefixes.contains(p) && !rest.is_empty() && rest.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') && !["json", "js", "rs", "bin", "csv", "tsv", "txt", "png", "keras", "html", "md", "py", "mjs", "wgsl"].contains(&rest)
        })
    };
    let missing: Vec<String> = literals.iter().filter(|(s, _)| is_code(s) && !en.contains_key(s.as_str())).map(|(s, f)| format!("{s} ({f})")).collect();
    assert!(missing.is_empty(), "codes without templates: {:?}", missing);
    // Each template is written somewhere: a code as itself, a looked-up term
    // (field.learning_rate) as its value ("learning_rate").
    let unused: Vec<&String> = en
        .keys()
        .filter(|k| {
            let term = k.split_once('.').filter(|(p, _)| LOOKUP.contains(p)).map(|(_, v)| v);
            !literals.contains_key(k.as_str()) && !term.is_some_and(|v| literals.contains_key(v))
        })
        .collect();
    assert!(unused.is_empty(), "templates nothing uses: {:?}", unused);
}

#[test]
fn errors_render_as_before_and_serialise_for_the_page() {
    let e = Error::setting("learning_rate", msg!("optim.learning_rate", value = 0.0f32));
    assert_eq!(e.to_string(), "invalid value for learning rate: 0 is not a usable learning rate (give a positive number, typically 1e-4 to 1)");
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v["kind"], "invalid_setting");
    assert_eq!(v["code"], "optim.learning_rate");
    assert_eq!(v["field"], "learning_rate");
    assert_eq!(v["params"]["value"], "0");
    assert_eq!(v["message"]["code"], "error.invalid_setting");
    assert_eq!(v["message"]["params"]["reason"]["code"], "optim.learning_rate");
    assert_eq!(v["english"], e.to_string());
    let line = Error::Line { line: 7, reason: msg!("data.empty_label") };
    assert_eq!(serde_json::to_value(&line).unwrap()["line"], 7);
    // An action reads as one, not as a setting.
    assert_eq!(Error::setting("predict", msg!("lab.train_first")).to_string(), "cannot predict: train a model first (or load one)");
}

#[test]
fn chinese_renders_a_nested_error_without_english_words() {
    let (_, zh) = catalogs();
    let e = Error::EmptyData { source_name: "pasted_data".into(), reason: msg!("data.no_row_first", count = 3usize, line = 2usize, reason = msg!("data.no_tab")) };
    let text = gradlab::error::render(&e.message(), &zh);
    assert_eq!(text, "粘贴的数据中没有可用的行：全部 3 行都没有同时给出标签和文本（第 2 行：没有分隔标签和文本的制表符）");
}
