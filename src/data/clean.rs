//! Optional cleaning, each step reporting how many rows it changed or
//! dropped. All are off by default so that the output matches Keras.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::parse::Row;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CleanOptions {
    pub strip_html: bool,
    pub strip_urls: bool,
    /// NFKC: compatibility forms (ﬁ, full-width letters) to plain ones.
    pub normalize_unicode: bool,
    /// Fold runs of whitespace to one space and trim.
    pub normalize_whitespace: bool,
    pub drop_empty: bool,
    pub drop_duplicates: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CleanReport {
    pub html_changed: usize,
    pub urls_changed: usize,
    pub unicode_changed: usize,
    pub whitespace_changed: usize,
    pub empty_dropped: usize,
    pub duplicates_dropped: usize,
}

/// Remove `<...>` tags (and decode the commonest entities).
pub fn strip_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&nbsp;", " ").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'")
}

/// Remove http(s):// and www. addresses.
pub fn strip_urls(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let l = w.to_ascii_lowercase();
            if l.starts_with("http://") || l.starts_with("https://") || l.starts_with("www.") {
                ""
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn normalize_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn clean(rows: Vec<Row>, opts: &CleanOptions) -> (Vec<Row>, CleanReport) {
    let mut report = CleanReport::default();
    let step = |rows: &mut Vec<Row>, on: bool, f: &dyn Fn(&str) -> String, counter: &mut usize| {
        if !on {
            return;
        }
        for r in rows.iter_mut() {
            let t = f(&r.text);
            if t != r.text {
                *counter += 1;
                r.text = t;
            }
        }
    };
    let mut rows = rows;
    let (mut a, mut b, mut c, mut d) = (0, 0, 0, 0);
    step(&mut rows, opts.strip_html, &strip_html, &mut a);
    step(&mut rows, opts.strip_urls, &strip_urls, &mut b);
    step(&mut rows, opts.normalize_unicode, &|s: &str| s.nfkc().collect(), &mut c);
    step(&mut rows, opts.normalize_whitespace, &normalize_whitespace, &mut d);
    report.html_changed = a;
    report.urls_changed = b;
    report.unicode_changed = c;
    report.whitespace_changed = d;
    if opts.drop_empty {
        let before = rows.len();
        rows.retain(|r| !r.text.trim().is_empty());
        report.empty_dropped = before - rows.len();
    }
    if opts.drop_duplicates {
        let before = rows.len();
        let mut seen = HashSet::new();
        rows.retain(|r| seen.insert((r.label.clone(), r.text.clone())));
        report.duplicates_dropped = before - rows.len();
    }
    (rows, report)
}
