//! Labelled images: a CSV of pixels (`label,p0,…,pN`, with an optional
//! header), the image shape given or inferred, and the scaling that turns
//! raw pixel values into the network's input. Every line that cannot be
//! used is reported with its number and why, as for text.

use serde::{Deserialize, Serialize};

use super::parse::{sorted_labels, Rejected};
use crate::error::{Error, Result};
use crate::msg;

/// One image's shape, [height, width, channels] (channels last, as Keras).
pub type ImageShape = [usize; 3];

/// Read "8x8x1", "28x28" (one channel) or "32x32x3".
pub fn parse_shape(s: &str) -> Result<ImageShape> {
    let bad = || Error::setting("image_shape", msg!("image.shape_form", value = s));
    let parts: Vec<usize> = s.split(['x', 'X', '×', ',']).map(|p| p.trim().parse::<usize>()).collect::<std::result::Result<_, _>>().map_err(|_| bad())?;
    let shape = match parts.as_slice() {
        [h, w] => [*h, *w, 1],
        [h, w, c] => [*h, *w, *c],
        _ => return Err(bad()),
    };
    check_shape(shape)?;
    Ok(shape)
}

pub fn check_shape(shape: ImageShape) -> Result<()> {
    let [h, w, c] = shape;
    if h == 0 || w == 0 || !(c == 1 || c == 3) {
        return Err(Error::setting("image_shape", msg!("image.shape_sizes", shape = format!("{}x{}x{}", h, w, c))));
    }
    if h > 512 || w > 512 {
        return Err(Error::setting("image_shape", msg!("image.too_large", size = format!("{}x{}", h, w))));
    }
    Ok(())
}

/// A grayscale square for `n` pixels, if `n` is a square.
pub fn infer_shape(n: usize) -> Option<ImageShape> {
    let side = (n as f64).sqrt().round() as usize;
    (side * side == n && n > 0).then_some([side, side, 1])
}

/// Labelled images with raw pixel values, row-major [h, w, c] each.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageSet {
    pub shape: ImageShape,
    pub pixels: Vec<Vec<f32>>,
    pub classes: Vec<usize>,
    pub labels: Vec<String>,
    /// The 1-based line (or file number) each image came from.
    pub lines: Vec<usize>,
    pub rejected: Vec<Rejected>,
}

impl ImageSet {
    /// Images from raw rows of (line, label, pixels); class indices follow
    /// `labels` when given (a loaded model's), else sorted label order.
    pub fn from_rows(shape: ImageShape, rows: Vec<(usize, String, Vec<f32>)>, labels: Option<&[String]>, mut rejected: Vec<Rejected>) -> Result<ImageSet> {
        let labels: Vec<String> = match labels {
            Some(l) => l.to_vec(),
            None => sorted_labels(rows.iter().map(|r| r.1.as_str())),
        };
        let mut set = ImageSet { shape, pixels: Vec::new(), classes: Vec::new(), labels, lines: Vec::new(), rejected: Vec::new() };
        for (line, label, px) in rows {
            match set.labels.iter().position(|l| *l == label) {
                Some(c) => {
                    set.pixels.push(px);
                    set.classes.push(c);
                    set.lines.push(line);
                }
                None => rejected.push(Rejected { line, reason: msg!("data.unknown_label", label = crate::error::printable(&label, 40), classes = set.labels.join(", ")) }),
            }
        }
        set.rejected = rejected;
        Ok(set)
    }

    pub fn len(&self) -> usize {
        self.pixels.len()
    }
    pub fn is_empty(&self) -> bool {
        self.pixels.is_empty()
    }
    pub fn class_counts(&self) -> Vec<usize> {
        let mut c = vec![0; self.labels.len()];
        for &k in &self.classes {
            c[k] += 1;
        }
        c
    }
    pub fn subset(&self, idx: &[usize]) -> ImageSet {
        ImageSet {
            shape: self.shape,
            pixels: idx.iter().map(|&i| self.pixels[i].clone()).collect(),
            classes: idx.iter().map(|&i| self.classes[i]).collect(),
            labels: self.labels.clone(),
            lines: idx.iter().map(|&i| self.lines[i]).collect(),
            rejected: Vec::new(),
        }
    }
}

/// Parse `label,p0,…,pN` lines. `shape` None infers a grayscale square
/// from the first data line's pixel count. A first line whose pixel cells
/// are not numbers is a header. Bad lines are rejected with the reason.
pub fn parse_csv(input: &str, shape: Option<ImageShape>, labels: Option<&[String]>) -> Result<ImageSet> {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    if let Some(line) = crate::data::parse::binary_line(input) {
        return Err(Error::BinaryData { source_name: "pixel_csv".into(), line });
    }
    let mut shape = shape;
    let mut rows = Vec::new();
    let mut rejected = Vec::new();
    let mut first = true;
    for (i, raw) in input.split('\n').enumerate() {
        let line = i + 1;
        let text = raw.trim();
        if text.is_empty() {
            continue;
        }
        let cells: Vec<&str> = text.split(',').map(str::trim).collect();
        let was_first = std::mem::replace(&mut first, false);
        if cells.len() < 2 {
            rejected.push(Rejected { line, reason: msg!("image.one_field") });
            continue;
        }
        let values: std::result::Result<Vec<f32>, usize> = cells[1..].iter().enumerate().map(|(j, c)| c.parse::<f32>().ok().filter(|v| v.is_finite()).ok_or(j)).collect();
        let px = match values {
            Ok(v) => v,
            Err(_) if was_first => continue, // a header line
            Err(j) => {
                rejected.push(Rejected { line, reason: msg!("image.bad_pixel", index = j, value = crate::error::printable(cells[j + 1], 40)) });
                continue;
            }
        };
        let want = match shape {
            Some(s) => s.iter().product(),
            None => {
                let s = infer_shape(px.len()).ok_or_else(|| Error::setting("image_shape", msg!("image.not_square", line = line, count = px.len())))?;
                check_shape(s)?;
                shape = Some(s);
                px.len()
            }
        };
        if px.len() != want {
            rejected.push(Rejected { line, reason: msg!("image.pixel_count", count = px.len(), shape = shape_name(shape.unwrap()), want = want) });
            continue;
        }
        let label = cells[0].trim_matches('"').to_string();
        if label.is_empty() {
            rejected.push(Rejected { line, reason: msg!("image.empty_label") });
            continue;
        }
        rows.push((line, label, px));
    }
    let Some(shape) = shape else {
        return Err(Error::EmptyData { source_name: "image_data".into(), reason: msg!("image.no_rows") });
    };
    if rows.is_empty() {
        let why = rejected.first().map(|r| msg!("data.at_line", line = r.line, reason = &r.reason)).unwrap_or_else(|| msg!("data.empty"));
        return Err(Error::EmptyData { source_name: "image_data".into(), reason: why });
    }
    ImageSet::from_rows(shape, rows, labels, rejected)
}

pub fn shape_name(s: ImageShape) -> String {
    format!("{}x{}x{}", s[0], s[1], s[2])
}

/// Area-average resampling of a [h, w, c] image to [th, tw, c]: what
/// shrinking a drawing to the digits' 8×8 grid needs (each cell the mean of
/// the pixels it covers, as the digits were made from 32×32 bitmaps).
pub fn resample(img: &[f32], shape: ImageShape, th: usize, tw: usize) -> Vec<f32> {
    let [h, w, _] = shape;
    resample_window(img, shape, [0.0, 0.0], [h as f64 / th as f64, w as f64 / tw as f64], th, tw)
}

/// Area-average the window of `img` that starts at `origin` (y, x) into
/// [th, tw, c], each output pixel `step` (y, x) source pixels in size; the
/// ground beyond the image is 0 (framing a drawing moves the window off it).
pub fn resample_window(img: &[f32], [h, w, c]: ImageShape, origin: [f64; 2], step: [f64; 2], th: usize, tw: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; th * tw * c];
    let mut acc = vec![0.0f64; c];
    for ty in 0..th {
        let (y0, y1) = (origin[0] + ty as f64 * step[0], origin[0] + (ty + 1) as f64 * step[0]);
        for tx in 0..tw {
            let (x0, x1) = (origin[1] + tx as f64 * step[1], origin[1] + (tx + 1) as f64 * step[1]);
            acc.fill(0.0);
            let mut y = y0.floor();
            while y < y1 {
                let wy = (y + 1.0).min(y1) - y.max(y0);
                let mut x = x0.floor();
                while x < x1 && y >= 0.0 && (y as usize) < h {
                    let wx = (x + 1.0).min(x1) - x.max(x0);
                    if x >= 0.0 && (x as usize) < w {
                        let at = (y as usize * w + x as usize) * c;
                        for ch in 0..c {
                            acc[ch] += img[at + ch] as f64 * wx * wy;
                        }
                    }
                    x += 1.0;
                }
                y += 1.0;
            }
            for ch in 0..c {
                out[(ty * tw + tx) * c + ch] = (acc[ch] / (step[0] * step[1]).max(1e-12)) as f32;
            }
        }
    }
    out
}

/// How raw pixel values become network inputs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum Scaling {
    /// Divide by the largest value (16 for the digits, 255 for 8-bit
    /// images): inputs in [0, 1].
    Unit { max: f32 },
    /// Subtract the training set's mean and divide by its standard deviation.
    Standardize { mean: f32, std: f32 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScalingKind {
    Unit,
    Standardize,
}

impl ScalingKind {
    pub fn from_name(s: &str) -> Option<ScalingKind> {
        match s {
            "unit" | "0-1" | "minmax" => Some(ScalingKind::Unit),
            "standardize" | "standardise" | "zscore" => Some(ScalingKind::Standardize),
            _ => None,
        }
    }
}

impl Scaling {
    /// Fit on training images: the statistics come from them alone, so the
    /// validation set tells the truth.
    pub fn fit(kind: ScalingKind, pixels: &[Vec<f32>]) -> Scaling {
        let all = || pixels.iter().flatten().copied();
        match kind {
            ScalingKind::Unit => {
                let max = all().fold(0.0f32, f32::max);
                // 8-bit images rarely reach 255 in every set; round up to it.
                let max = if max > 16.0 && max <= 255.0 { 255.0 } else { max };
                Scaling::Unit { max: if max > 0.0 { max } else { 1.0 } }
            }
            ScalingKind::Standardize => {
                let n = all().count().max(1) as f64;
                let mean = all().map(|v| v as f64).sum::<f64>() / n;
                let var = all().map(|v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
                let std = var.sqrt();
                Scaling::Standardize { mean: mean as f32, std: if std > 1e-12 { std as f32 } else { 1.0 } }
            }
        }
    }
    pub fn apply(&self, px: &[f32]) -> Vec<f32> {
        match *self {
            Scaling::Unit { max } => px.iter().map(|v| v / max).collect(),
            Scaling::Standardize { mean, std } => px.iter().map(|v| (v - mean) / std).collect(),
        }
    }
    /// Back to raw values (for pictures of what the network sees).
    pub fn invert(&self, x: &[f32]) -> Vec<f32> {
        match *self {
            Scaling::Unit { max } => x.iter().map(|v| v * max).collect(),
            Scaling::Standardize { mean, std } => x.iter().map(|v| v * std + mean).collect(),
        }
    }
    /// The raw value range, for drawing: (black, white).
    pub fn raw_range(&self) -> f32 {
        match *self {
            Scaling::Unit { max } => max,
            Scaling::Standardize { mean, std } => mean + 3.0 * std,
        }
    }
}
