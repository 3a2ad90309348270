//! Reading labelled text as a person pastes it: `label<TAB>text` or CSV
//! (quoted fields, embedded commas and quotes), an optional header, the
//! label in the first or last column, CRLF line ends, a BOM, blank lines.
//! Every line that cannot be used is reported with its number and why.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Message, Result};
use crate::msg;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Delimiter {
    Tab,
    Comma,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelColumn {
    First,
    Last,
}

/// What to detect and what the user fixed. `None` means detect.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParseOptions {
    pub delimiter: Option<Delimiter>,
    pub header: Option<bool>,
    pub label_column: Option<LabelColumn>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// 1-based line number where the row starts.
    pub line: usize,
    pub label: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejected {
    pub line: usize,
    pub reason: Message,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parsed {
    pub rows: Vec<Row>,
    pub rejected: Vec<Rejected>,
    pub delimiter: Delimiter,
    pub label_column: LabelColumn,
    /// The header's cells, when the first line was one.
    pub header: Option<Vec<String>>,
}

/// Names that mark a first line as a header.
const HEADER_WORDS: [&str; 14] =
    ["label", "labels", "class", "category", "target", "y", "sentiment", "text", "sentence", "review", "message", "content", "body", "document"];

/// Split raw input into records of (line, fields).
fn records(input: &str, delimiter: Delimiter) -> Vec<(usize, std::result::Result<Vec<String>, Message>)> {
    match delimiter {
        // Tab-separated text is not quoted: quotes in reviews are text.
        Delimiter::Tab => input
            .split('\n')
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| (i + 1, Ok(l.strip_suffix('\r').unwrap_or(l).split('\t').map(str::to_string).collect())))
            .collect(),
        Delimiter::Comma => {
            let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input.as_bytes());
            let mut out = Vec::new();
            let mut rec = csv::StringRecord::new();
            loop {
                let line = rdr.position().line() as usize;
                match rdr.read_record(&mut rec) {
                    Ok(false) => break,
                    Ok(true) => {
                        let start = rec.position().map(|p| p.line() as usize).unwrap_or(line);
                        let fields: Vec<String> = rec.iter().map(str::to_string).collect();
                        if fields.iter().all(|f| f.trim().is_empty()) {
                            continue;
                        }
                        out.push((start, Ok(fields)));
                    }
                    Err(e) => {
                        let at = e.position().map(|p| p.line() as usize).unwrap_or(line);
                        out.push((at, Err(msg!("data.not_csv", reason = csv_reason(&e)))));
                        // csv cannot resynchronise after invalid UTF-8 inside a record.
                        if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                            continue;
                        }
                    }
                }
            }
            out
        }
    }
}

fn looks_binary(s: &str) -> bool {
    // Judge by the start of the field: NUL bytes, or a high share of control
    // characters or undecodable bytes. Mojibake in real mail (a few U+FFFD)
    // is still text.
    let head: Vec<char> = s.chars().take(1000).collect();
    if head.is_empty() {
        return false;
    }
    let control = head.iter().filter(|&&c| c == '\0' || (c.is_control() && c != '\t' && c != '\r' && c != '\n')).count();
    let undecodable = head.iter().filter(|&&c| c == '\u{FFFD}').count();
    head.contains(&'\0') || control * 10 >= head.len() || undecodable * 2 >= head.len()
}

/// The line of the first NUL or other control byte when the start of
/// `input` is binary (an archive, an image, a PDF) rather than text: any NUL,
/// or one character in ten a control character or undecodable. Real mail
/// with a few stray bytes is text.
/// The csv crate's error as a message: with a flexible reader only invalid
/// UTF-8 can occur; anything else keeps the crate's words.
fn csv_reason(e: &csv::Error) -> Message {
    match e.kind() {
        csv::ErrorKind::Utf8 { pos: Some(pos), err } => {
            msg!("csv.utf8", record = pos.record(), line = pos.line(), column = err.field(), byte = pos.byte(), valid_up_to = err.valid_up_to())
        }
        _ => msg!("csv.other", detail = e.to_string()),
    }
}

pub fn binary_line(input: &str) -> Option<usize> {
    let head: Vec<char> = input.chars().take(8192).collect();
    let control = |c: char| c == '\0' || (c.is_control() && c != '\t' && c != '\r' && c != '\n' && c != '\u{0c}');
    let bad = head.iter().filter(|&&c| control(c) || c == '\u{FFFD}').count();
    if !head.contains(&'\0') && bad * 10 < head.len() {
        return None;
    }
    let at = head.iter().position(|&c| control(c) || c == '\u{FFFD}').unwrap_or(0);
    Some(1 + head[..at].iter().filter(|&&c| c == '\n').count())
}

/// Parse pasted or file text. `source_name` names the input in errors.
pub fn parse(input: &str, opts: &ParseOptions, source_name: &str) -> Result<Parsed> {
    let input = input.strip_prefix('\u{FEFF}').unwrap_or(input);
    if input.trim().is_empty() {
        return Err(Error::EmptyData { source_name: source_name.into(), reason: msg!("data.empty_paste") });
    }
    if let Some(line) = binary_line(input) {
        return Err(Error::BinaryData { source_name: source_name.into(), line });
    }
    let delimiter = opts.delimiter.unwrap_or_else(|| {
        let sample: Vec<&str> = input.lines().filter(|l| !l.trim().is_empty()).take(50).collect();
        if sample.iter().filter(|l| l.contains('\t')).count() * 2 >= sample.len() {
            Delimiter::Tab
        } else {
            Delimiter::Comma
        }
    });
    let recs = records(input, delimiter);
    let sep = match delimiter {
        Delimiter::Tab => "tab",
        Delimiter::Comma => "comma",
    };

    // Label column: the one with fewer distinct values (labels repeat, texts
    // rarely do); ties go to the first column.
    let label_column = opts.label_column.unwrap_or_else(|| {
        let good: Vec<&Vec<String>> = recs.iter().filter_map(|(_, r)| r.as_ref().ok()).filter(|f| f.len() >= 2).take(2000).collect();
        let distinct = |pick: &dyn Fn(&Vec<String>) -> String| good.iter().map(|f| pick(f)).collect::<std::collections::HashSet<_>>().len();
        let first = distinct(&|f| f[0].trim().to_string());
        let last = distinct(&|f| f[f.len() - 1].trim().to_string());
        if last < first {
            LabelColumn::Last
        } else {
            LabelColumn::First
        }
    });

    let split = |fields: &[String]| -> (String, String) {
        let join = match delimiter {
            Delimiter::Tab => "\t",
            Delimiter::Comma => ",",
        };
        match label_column {
            LabelColumn::First => (fields[0].trim().to_string(), fields[1..].join(join)),
            LabelColumn::Last => (fields[fields.len() - 1].trim().to_string(), fields[..fields.len() - 1].join(join)),
        }
    };

    let mut header = None;
    let mut rows = Vec::new();
    let mut rejected = Vec::new();
    for (idx, (line, rec)) in recs.into_iter().enumerate() {
        let fields = match rec {
            Ok(f) => f,
            Err(reason) => {
                rejected.push(Rejected { line, reason });
                continue;
            }
        };
        if fields.len() < 2 {
            let what = fields.first().map(|f| f.as_str()).unwrap_or("");
            let reason = if looks_binary(what) {
                msg!("data.binary_line")
            } else if sep == "tab" {
                msg!("data.no_tab")
            } else {
                msg!("data.no_comma")
            };
            rejected.push(Rejected { line, reason });
            continue;
        }
        if idx == 0 {
            let is_header = opts.header.unwrap_or_else(|| {
                let (l, t) = split(&fields);
                HEADER_WORDS.contains(&l.to_lowercase().as_str()) || HEADER_WORDS.contains(&t.trim().to_lowercase().as_str())
            });
            if is_header {
                header = Some(fields.iter().map(|f| f.trim().to_string()).collect());
                continue;
            }
        }
        let (label, text) = split(&fields);
        if label.is_empty() {
            rejected.push(Rejected { line, reason: msg!("data.empty_label") });
        } else if looks_binary(&text) || looks_binary(&label) {
            rejected.push(Rejected { line, reason: msg!("data.binary_line") });
        } else if label.chars().count() > 100 {
            rejected.push(Rejected { line, reason: msg!("data.long_label", length = label.chars().count()) });
        } else {
            rows.push(Row { line, label, text });
        }
    }
    if rows.is_empty() {
        let reason = match rejected.first() {
            Some(r) => msg!("data.no_row_first", count = rejected.len(), line = r.line, reason = &r.reason),
            None => msg!("data.no_row", count = rejected.len()),
        };
        return Err(Error::EmptyData { source_name: source_name.into(), reason });
    }
    Ok(Parsed { rows, rejected, delimiter, label_column, header })
}

/// Class names in index order: sorted, numerically when every label is a number.
pub fn sorted_labels<'a>(labels: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut set: Vec<String> = labels.collect::<std::collections::BTreeSet<_>>().into_iter().map(str::to_string).collect();
    let nums: Option<Vec<f64>> = set.iter().map(|l| l.parse::<f64>().ok().filter(|v| v.is_finite())).collect();
    if let Some(nums) = nums {
        let mut pairs: Vec<(f64, String)> = nums.into_iter().zip(set).collect();
        pairs.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
        set = pairs.into_iter().map(|(_, l)| l).collect();
    }
    set
}
