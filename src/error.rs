//! Typed errors. Each variant names the thing at fault (line, field, layer,
//! shapes) so the command line and the page can say exactly what went wrong.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum Error {
    /// Nothing in the input could be used.
    #[error("no usable rows in {source_name}: {reason}")]
    EmptyData { source_name: String, reason: String },

    /// The input is not text at all (an archive, an image, a PDF).
    #[error("data is binary, not text (a NUL or control byte on line {line}); give a text file with one labelled example per line")]
    BinaryData { source_name: String, line: usize },

    /// A setting (flag, field of the page) has a value that cannot work.
    #[error("invalid value for {field}: {reason}")]
    InvalidSetting { field: String, reason: String },

    /// Two tensors (or a tensor and a layer) disagree on shape.
    #[error("shape mismatch in {op}: {detail}")]
    Shape { op: String, detail: String },

    /// A layer stack that cannot be built, with the layer at fault.
    #[error("invalid model at layer {index} ({layer}): {reason}")]
    InvalidModel { index: usize, layer: String, reason: String },

    /// A model file that does not parse or does not match its weights.
    #[error("bad model file {file}: {reason}")]
    ModelFile { file: String, reason: String },

    /// Reading or writing a file failed.
    #[error("{path}: {reason}")]
    Io { path: String, reason: String },

    /// Training stopped because the loss or a gradient became NaN or infinite.
    #[error("training diverged at step {step} (epoch {epoch}): {what} is not finite; the last good weights were kept")]
    NonFinite { step: usize, epoch: usize, what: String },

    /// A backend could not be used.
    #[error("backend {backend}: {reason}")]
    Backend { backend: String, reason: String },
}

impl Error {
    pub fn setting(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidSetting { field: field.into(), reason: reason.into() }
    }
    pub fn shape(op: impl Into<String>, detail: impl Into<String>) -> Self {
        Error::Shape { op: op.into(), detail: detail.into() }
    }
    pub fn model_file(file: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::ModelFile { file: file.into(), reason: reason.into() }
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
