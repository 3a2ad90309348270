//! Parsing, cleaning, splitting and metrics on the inputs people paste.

use gradlab::data::clean::{clean, CleanOptions};
use gradlab::data::parse::{parse, sorted_labels, Delimiter, LabelColumn, ParseOptions};
use gradlab::data::split::{looks_sorted, split, SplitMode};
use gradlab::error::Error;
use gradlab::metrics::report;

mod common;

fn p(s: &str) -> gradlab::data::Parsed {
    parse(s, &ParseOptions::default(), "paste").unwrap()
}

#[test]
fn tsv_with_bom_crlf_blank_lines_and_header() {
    let got = p("\u{FEFF}label\ttext\r\npositive\tgreat film\r\n\r\nnegative\t\"awful\" plot, really\r\n");
    assert_eq!(got.delimiter, Delimiter::Tab);
    assert_eq!(got.header, Some(vec!["label".to_string(), "text".to_string()]));
    assert_eq!(got.rows.len(), 2);
    assert_eq!(got.rows[0].label, "positive");
    assert_eq!(got.rows[0].text, "great film");
    assert_eq!(got.rows[0].line, 2);
    // Quotes in TSV are text.
    assert_eq!(got.rows[1].text, "\"awful\" plot, really");
    assert_eq!(got.rows[1].line, 4);
    assert!(got.rejected.is_empty());
}

#[test]
fn csv_with_quotes_commas_and_label_last() {
    let input = "text,sentiment\n\"I loved it, truly\",pos\n\"He said \"\"meh\"\"\",neg\nplain words here,pos\nmore plain words,neg\n";
    let got = p(input);
    assert_eq!(got.delimiter, Delimiter::Comma);
    assert_eq!(got.label_column, LabelColumn::Last);
    assert_eq!(got.rows.len(), 4);
    assert_eq!(got.rows[0].text, "I loved it, truly");
    assert_eq!(got.rows[1].text, "He said \"meh\"");
    assert_eq!(got.rows[1].label, "neg");
}

#[test]
fn unquoted_commas_in_text_are_kept() {
    let got = parse("spam,buy now, cheap, fast\nham,see you at 5\n", &ParseOptions { label_column: Some(LabelColumn::First), ..Default::default() }, "paste").unwrap();
    assert_eq!(got.rows[0].text, "buy now, cheap, fast");
}

#[test]
fn rejected_lines_carry_numbers_and_reasons() {
    // A few control bytes on one line reject that line; a NUL anywhere
    // (below) makes the whole input binary.
    let got = p("a\tfine text\nno separator here\n\tmissing label\nb\tanother\nc\t\u{1}\u{2}\u{3}\u{4}binary\n");
    assert_eq!(got.rows.len(), 2);
    let lines: Vec<usize> = got.rejected.iter().map(|r| r.line).collect();
    assert_eq!(lines, vec![2, 3, 5]);
    assert!(got.rejected[0].reason.to_string().contains("no tab"), "{}", got.rejected[0].reason);
    assert!(got.rejected[1].reason.to_string().contains("label is empty"));
    assert!(got.rejected[2].reason.to_string().contains("binary"));
    match parse("a\tfine text\nb\tanother\nc\t\u{0}\u{1}binary\n", &ParseOptions::default(), "paste") {
        Err(Error::BinaryData { line, .. }) => assert_eq!(line, 3),
        other => panic!("{:?}", other),
    }
}

#[test]
fn nothing_usable_is_an_error_not_an_empty_dataset() {
    for input in ["", "   \n\n", "just one column\nand another\n"] {
        match parse(input, &ParseOptions::default(), "paste") {
            Err(Error::EmptyData { source_name, reason }) => {
                assert_eq!(source_name, "paste");
                assert!(!reason.to_string().is_empty());
            }
            other => panic!("{:?} gave {:?}", input, other),
        }
    }
}

#[test]
fn real_mail_parses_without_rejections() {
    let text = common::spam_text();
    let got = p(&text);
    assert_eq!(got.rows.len(), 6046, "rejected: {:?}", &got.rejected[..got.rejected.len().min(3)]);
    assert_eq!(sorted_labels(got.rows.iter().map(|r| r.label.as_str())), vec!["0", "1"]);
}

#[test]
fn labels_sort_numerically_when_numeric() {
    assert_eq!(sorted_labels(["10", "9", "2", "10"].into_iter()), vec!["2", "9", "10"]);
    assert_eq!(sorted_labels(["pos", "neg", "neutral"].into_iter()), vec!["neg", "neutral", "pos"]);
}

#[test]
fn cleaning_reports_what_it_changed() {
    let rows = p("a\t<b>Hello</b> http://x.y/z world\nb\t\nb\t\na\tＦｕｌｌ  width\nc\tsame\nc\tsame\n").rows;
    let opts = CleanOptions { strip_html: true, strip_urls: true, normalize_unicode: true, normalize_whitespace: true, drop_empty: true, drop_duplicates: true };
    let (rows, rep) = clean(rows, &opts);
    assert_eq!(rep.html_changed, 1);
    assert_eq!(rep.urls_changed, 1);
    assert_eq!(rep.unicode_changed, 1);
    assert_eq!(rep.empty_dropped, 2);
    assert_eq!(rep.duplicates_dropped, 1);
    assert_eq!(rows[0].text, "Hello world");
    assert_eq!(rows[1].text, "Full width");
    assert_eq!(rows.len(), 3);
}

#[test]
fn stratified_split_keeps_class_shares_and_last_split_is_keras() {
    let classes: Vec<usize> = (0..100).map(|i| usize::from(i % 4 == 0)).collect();
    let (t, v) = split(&classes, 0.2, SplitMode::Stratified, 42);
    assert_eq!(t.len() + v.len(), 100);
    assert_eq!(v.iter().filter(|&&i| classes[i] == 1).count(), 5);
    assert_eq!(v.iter().filter(|&&i| classes[i] == 0).count(), 15);
    assert_eq!(split(&classes, 0.2, SplitMode::Stratified, 42), (t, v), "same seed, same split");
    let (t, v) = split(&classes, 0.2, SplitMode::Last, 0);
    assert_eq!(t, (0..80).collect::<Vec<_>>());
    assert_eq!(v, (80..100).collect::<Vec<_>>());
    let sorted: Vec<usize> = (0..100).map(|i| usize::from(i >= 50)).collect();
    assert!(looks_sorted(&sorted));
    assert!(!looks_sorted(&classes));
}

#[test]
fn metrics_by_hand() {
    let labels = vec!["a".to_string(), "b".to_string(), "c".to_string()];
    let truth = [0, 0, 0, 1, 1, 2];
    let pred = [0, 0, 1, 1, 0, 1];
    let r = report(&labels, &truth, &pred);
    assert!((r.accuracy - 3.0 / 6.0).abs() < 1e-12);
    assert_eq!(r.confusion_matrix, vec![vec![2, 1, 0], vec![1, 1, 0], vec![0, 1, 0]]);
    // a: tp 2, predicted 3, support 3 → p = r = 2/3.
    assert!((r.per_class[0].precision - 2.0 / 3.0).abs() < 1e-12);
    assert!((r.per_class[0].recall - 2.0 / 3.0).abs() < 1e-12);
    // b: tp 1, predicted 3, support 2 → p 1/3, r 1/2, f1 0.4.
    assert!((r.per_class[1].f1 - 0.4).abs() < 1e-12);
    // c: never predicted → 0.
    assert_eq!(r.per_class[2].f1, 0.0);
    assert!((r.macro_f1 - (2.0 / 3.0 + 0.4) / 3.0).abs() < 1e-12);
    assert!((r.weighted_f1 - (2.0 / 3.0 * 3.0 + 0.4 * 2.0) / 6.0).abs() < 1e-12);
}
