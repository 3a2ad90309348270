//! Typed errors. Each variant names the thing at fault (line, field, layer,
//! shapes) so the command line and the page can say exactly what went wrong.

mod json;
mod message;

pub use json::json_reason;

pub use message::{english, parse_catalog, render, Catalog, Message, Param, ParamsMap, CHINESE_JS, ENGLISH_JS, LOOKUP};

use serde::ser::{Serialize, SerializeMap, Serializer};
use std::fmt;

/// `InvalidSetting` fields that name something a person asked to do, not a
/// setting: "cannot predict: train a model first".
pub const ACTIONS: &[&str] = &["training", "predict", "download", "augmentation", "filters", "feature_maps", "projector"];

/// What went wrong, and where. Every reason is a [`Message`] (a code and its
/// parameters); the variant adds where it happened and picks the sentence
/// around the reason (`error.<kind>` in `www/lang/engine/`).
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// Nothing in the input could be used. `source_name` is a term
    /// (`source.<name>`) or a path.
    EmptyData { source_name: String, reason: Message },

    /// The input is not text at all (an archive, an image, a PDF).
    BinaryData { source_name: String, line: usize },

    /// A setting (flag, field of the page) has a value that cannot work.
    /// `field` is the setting's key (`learning_rate`), or an action
    /// (`training`, `predict`) for what cannot be done yet.
    InvalidSetting { field: String, reason: Message },

    /// One line of the input cannot be used as asked.
    Line { line: usize, reason: Message },

    /// Two tensors (or a tensor and a layer) disagree on shape.
    Shape { op: String, detail: Message },

    /// A layer stack that cannot be built, with the layer at fault.
    InvalidModel { index: usize, layer: String, reason: Message },

    /// A model file that does not parse or does not match its weights.
    ModelFile { file: String, reason: Message },

    /// Reading or writing a file failed.
    Io { path: String, reason: Message },

    /// Training stopped because the loss or a gradient became NaN or
    /// infinite. `what` is a term (`what.loss`, `what.gradient`, `what.weight`).
    NonFinite { step: usize, epoch: usize, what: String },

    /// A backend could not be used.
    Backend { backend: String, reason: Message },
}

impl Error {
    pub fn setting(field: impl Into<String>, reason: Message) -> Self {
        Error::InvalidSetting { field: field.into(), reason }
    }
    pub fn shape(op: impl Into<String>, detail: Message) -> Self {
        Error::Shape { op: op.into(), detail }
    }
    pub fn model_file(file: impl Into<String>, reason: Message) -> Self {
        Error::ModelFile { file: file.into(), reason }
    }
    pub fn io(path: impl fmt::Display, e: &std::io::Error) -> Self {
        Error::Io { path: path.to_string(), reason: crate::msg!("io.failed", detail = e.to_string()) }
    }

    /// The stable name of the variant (`error.<kind>` is its sentence).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::EmptyData { .. } => "empty_data",
            Error::BinaryData { .. } => "binary_data",
            Error::InvalidSetting { .. } => "invalid_setting",
            Error::Line { .. } => "line",
            Error::Shape { .. } => "shape",
            Error::InvalidModel { .. } => "invalid_model",
            Error::ModelFile { .. } => "model_file",
            Error::Io { .. } => "io",
            Error::NonFinite { .. } => "non_finite",
            Error::Backend { .. } => "backend",
        }
    }

    /// The reason inside the sentence, when the variant has one.
    pub fn reason(&self) -> Option<&Message> {
        match self {
            Error::EmptyData { reason, .. }
            | Error::InvalidSetting { reason, .. }
            | Error::Line { reason, .. }
            | Error::InvalidModel { reason, .. }
            | Error::ModelFile { reason, .. }
            | Error::Io { reason, .. }
            | Error::Backend { reason, .. } => Some(reason),
            Error::Shape { detail, .. } => Some(detail),
            Error::BinaryData { .. } | Error::NonFinite { .. } => None,
        }
    }

    /// The whole message: the variant's sentence with the reason inside.
    pub fn message(&self) -> Message {
        let (code, mut params): (&'static str, Vec<(&'static str, Param)>) = match self {
            Error::EmptyData { source_name, .. } => ("error.empty_data", vec![("source", source_name.into())]),
            Error::BinaryData { source_name, line } => ("error.binary_data", vec![("source", source_name.into()), ("line", (*line).into())]),
            Error::InvalidSetting { field, .. } if ACTIONS.contains(&field.as_str()) => ("error.cannot", vec![("action", field.into())]),
            Error::InvalidSetting { field, .. } => ("error.invalid_setting", vec![("field", field.into())]),
            Error::Line { line, .. } => ("error.line", vec![("line", (*line).into())]),
            Error::Shape { op, .. } => ("error.shape", vec![("op", op.into())]),
            Error::InvalidModel { index, layer, .. } => {
                // The model as a whole (no layer at fault) reads differently.
                let code = if *index == 0 && layer == "-" { "error.invalid_model_whole" } else { "error.invalid_model" };
                (code, vec![("index", (*index).into()), ("layer", layer.into())])
            }
            Error::ModelFile { file, .. } => ("error.model_file", vec![("file", file.into())]),
            Error::Io { path, .. } => ("error.io", vec![("path", path.into())]),
            Error::NonFinite { step, epoch, what } => ("error.non_finite", vec![("step", (*step).into()), ("epoch", (*epoch).into()), ("what", what.into())]),
            Error::Backend { backend, .. } => ("error.backend", vec![("backend", backend.into())]),
        };
        if let Some(reason) = self.reason() {
            params.push(("reason", Param::Message(reason.clone())));
        }
        Message { code, params }
    }

    /// The setting or input field at fault, if one is.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::InvalidSetting { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The line of the input at fault, if one is.
    pub fn line(&self) -> Option<usize> {
        match self {
            Error::BinaryData { line, .. } | Error::Line { line, .. } => Some(*line),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message().english())
    }
}

impl std::error::Error for Error {}

/// What the page receives: `{kind, code, field, line, params, message,
/// english}`. `code` and `params` are the reason's (the most specific
/// thing known: `optim.learning_rate`, `{value: "0"}`), `kind` the
/// variant's; `message` is the whole sentence as `{code, params}`, which the
/// page renders in its language; `english` is the command line's text.
impl Serialize for Error {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let whole = self.message();
        let inner = self.reason().cloned().unwrap_or_else(|| whole.clone());
        let mut m = s.serialize_map(Some(7))?;
        m.serialize_entry("kind", self.kind())?;
        m.serialize_entry("code", inner.code)?;
        m.serialize_entry("field", &self.field())?;
        m.serialize_entry("line", &self.line())?;
        m.serialize_entry("params", &ParamsMap(&inner.params))?;
        m.serialize_entry("message", &whole)?;
        m.serialize_entry("english", &whole.english())?;
        m.end()
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// `s` made safe to print in a message: control characters (which could
/// move a terminal's cursor or ring its bell) written as escapes such as
/// `\u{1b}`, and at most `max_chars` characters kept (then "…").
pub fn printable(s: &str, max_chars: usize) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == max_chars {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn printable_escapes_control_characters_and_truncates() {
        assert_eq!(printable("a\u{1b}[31mb\0", 10), "a\\u{1b}[31mb\\u{0}");
        assert_eq!(printable("spam", 10), "spam");
        assert_eq!(printable("abcdef", 3), "abc…");
        assert_eq!(printable("垃圾邮件", 2), "垃圾…");
    }
}
