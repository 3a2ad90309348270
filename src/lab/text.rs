//! The text side of a session: pasted labelled text parsed, cleaned,
//! reported, split, tokenized and predicted from.

use super::*;

impl Lab {
    /// Parse, clean, split and tokenize pasted text; report what was found.
    pub fn load_data(&mut self, input: &str) -> Result<DataReport> {
        // New data replaces the old even when it fails to parse, so the page
        // never trains on rows it no longer shows.
        self.forget_data();
        if IMAGE_PRESETS.contains(&self.settings.preset.as_str()) {
            self.settings.preset = "lstm".into();
        }
        if input.len() > MAX_INPUT_BYTES {
            return Err(Error::EmptyData { source_name: "pasted_data".into(), reason: msg!("data.too_big", mb = format!("{:.1}", input.len() as f64 / 1e6), max = MAX_INPUT_BYTES / 1_000_000) });
        }
        let opts = ParseOptions { label_column: self.settings.label_column, ..Default::default() };
        let parsed = parse(input, &opts, "pasted_data")?;
        let (rows, cleaning) = clean(parsed.rows, &self.settings.cleaning);
        if rows.is_empty() {
            return Err(Error::EmptyData { source_name: "pasted_data".into(), reason: msg!("data.cleaned_away") });
        }
        let texts = LabelledTexts::from_rows(&rows, None)?;
        let counts = texts.class_counts();
        let mut warnings = class_warnings(&texts.labels, &counts, &texts.classes, false);
        if texts.labels.len() > 100 {
            warnings.push(msg!("data.many_labels", count = texts.labels.len()));
        }
        self.data = Some(Dataset::Text(Splits::new(texts, self.holdout())));
        self.fit_tokenizer();
        let tok = self.tokenizer().unwrap();
        let texts = &self.texts().unwrap().all;
        let lengths = length_stats(texts.texts.iter().map(|t| tok.words(t).len()).collect(), self.settings.max_len);
        let preview = (0..texts.texts.len().min(5)).map(|i| self.preview_row(i)).collect();
        Ok(DataReport {
            accepted: texts.texts.len(),
            rejected_count: parsed.rejected.len(),
            rejected: parsed.rejected.into_iter().take(50).collect(),
            delimiter: match parsed.delimiter {
                crate::data::parse::Delimiter::Tab => "tab".into(),
                crate::data::parse::Delimiter::Comma => "comma".into(),
            },
            label_column: parsed.label_column,
            header: parsed.header,
            classes: texts.labels.iter().zip(&counts).map(|(l, &c)| ClassCount { label: l.clone(), count: c }).collect(),
            warnings,
            cleaning,
            vocabulary: tok.word_index.len() - usize::from(tok.oov_token.is_some()),
            lengths,
            preview,
        })
    }

    /// Split anew as the settings say, and fit the tokenizer on the
    /// training part.
    pub(super) fn refit(&mut self) {
        let holdout = self.holdout();
        if let Some(Dataset::Text(s)) = &mut self.data {
            s.resplit(holdout);
            self.fit_tokenizer();
        }
    }

    fn fit_tokenizer(&mut self) {
        if let Some(s) = self.texts() {
            self.tokenizer = Some(pipeline::fit_tokenizer(&s.train, &self.settings.text()));
        }
    }

    pub(super) fn tokens_of(&self, text: &str) -> (Vec<(String, usize, bool)>, Vec<usize>) {
        let tok = self.tokenizer().unwrap();
        let oov = tok.oov_index();
        let words = tok.words(text);
        let seq = tok.text_to_sequence(text);
        // With an OOV token every word maps to one id; without, rare words vanish.
        let tokens = if tok.oov_token.is_some() {
            words.into_iter().zip(seq.iter()).map(|(w, &id)| (w, id, Some(id) == oov)).collect()
        } else {
            words.into_iter().map(|w| {
                let id = tok.text_to_sequence(&w).first().copied().unwrap_or(0);
                (w, id, id == 0)
            }).collect()
        };
        let s = &self.settings;
        (tokens, pad::pad_one(&seq, s.max_len, s.padding, s.truncating))
    }

    pub(super) fn preview_row(&self, i: usize) -> PreviewRow {
        let texts = &self.texts().unwrap().all;
        let (tokens, ids) = self.tokens_of(&texts.texts[i]);
        PreviewRow { line: texts.lines[i], label: texts.labels[texts.classes[i]].clone(), text: texts.texts[i].chars().take(300).collect(), tokens: tokens.into_iter().take(60).collect(), ids }
    }

    /// Class probabilities for a sentence, and the tokens the model saw.
    pub fn predict(&self, text: &str) -> Result<Prediction> {
        let t = self.trainer.as_ref().ok_or_else(|| Error::setting("predict", msg!("lab.train_first")))?;
        if self.tokenizer().is_none() || t.model.input_shape.len() != 1 {
            return Err(Error::setting("predict", msg!("lab.draw_instead")));
        }
        let (tokens, ids) = self.tokens_of(text);
        let ids: Vec<f32> = ids.into_iter().map(|i| i as f32).collect();
        t.model.check_ids(std::slice::from_ref(&ids))?;
        let p = t.model.predict(&[ids], 1).remove(0);
        let p = if p.len() == 1 { vec![1.0 - p[0], p[0]] } else { p };
        Ok(Prediction { label: t.labels[predicted_class(&p)].clone(), probabilities: t.labels.iter().cloned().zip(p).collect(), tokens })
    }
}

/// What a person should know about the classes before training: only one,
/// badly imbalanced, or sorted by label; `images` says what the items are.
pub(super) fn class_warnings(labels: &[String], counts: &[usize], classes: &[usize], images: bool) -> Vec<Message> {
    let mut warnings = Vec::new();
    if labels.len() < 2 {
        warnings.push(msg!("data.warn_one_class", class = crate::error::printable(&labels[0], 40)));
    } else {
        let (lo, hi) = (*counts.iter().min().unwrap(), *counts.iter().max().unwrap());
        if hi >= 10 * lo.max(1) {
            warnings.push(if images { msg!("data.imbalanced_images", most = hi, least = lo) } else { msg!("data.imbalanced_rows", most = hi, least = lo) });
        }
        if looks_sorted(classes) {
            warnings.push(if images { msg!("data.sorted_images") } else { msg!("data.sorted_rows") });
        }
    }
    warnings
}

pub(super) fn length_stats(mut lens: Vec<usize>, max_len: usize) -> LengthStats {
    lens.sort_unstable();
    let n = lens.len().max(1);
    let q = |f: f64| lens.get(((n - 1) as f64 * f).round() as usize).copied().unwrap_or(0);
    let max = lens.last().copied().unwrap_or(0);
    let bins = 12;
    let width = (max / bins + 1).max(1);
    let mut histogram: Vec<(usize, usize)> = (0..bins).map(|b| ((b + 1) * width, 0)).collect();
    for &l in &lens {
        histogram[(l / width).min(bins - 1)].1 += 1;
    }
    LengthStats { min: lens.first().copied().unwrap_or(0), median: q(0.5), p90: q(0.9), max, truncated_share: lens.iter().filter(|&&l| l > max_len).count() as f64 / n as f64, histogram }
}
