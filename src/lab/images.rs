//! The lab's image side: loading a pixel CSV or dropped image files, the
//! preview of what the network sees after scaling and augmentation, and the
//! pictures of a trained CNN (first-layer filters, feature maps, predictions
//! from the drawing pad). Pixel values the page draws are in [0, 1], with 1
//! the data's brightest value.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{ClassCount, Lab, Prediction};
pub use crate::data::image::resample;
use crate::data::image::{self, ImageSet, ImageShape};
use crate::data::parse::Rejected;
use crate::data::pipeline::{self, Dataset, Splits};
use crate::backend::prelude::*;
use crate::data::{Encoded, Scaling};
use crate::error::{Error, Message, Result};
use crate::msg;
use crate::trainer::predicted_class;

/// One decoded image file, as the page hands it over: RGBA bytes at the
/// size the page resized it to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageFile {
    /// The file's path inside the drop ("digits/3/a.png") or its name.
    pub path: String,
    pub width: usize,
    pub height: usize,
    /// From JavaScript a Uint8Array or a plain array.
    pub rgba: Vec<u8>,
}

/// What the data section shows after images are loaded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImageDataReport {
    pub accepted: usize,
    pub rejected_count: usize,
    pub rejected: Vec<Rejected>,
    /// [height, width, channels]
    pub shape: ImageShape,
    pub classes: Vec<ClassCount>,
    pub warnings: Vec<Message>,
    pub scaling: Scaling,
    /// A few images per class, for the data preview.
    pub preview: Vec<ImagePreview>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImagePreview {
    pub line: usize,
    pub label: String,
    /// Display values in [0, 1], row-major [h, w, c].
    pub pixels: Vec<f32>,
}

/// An image and the versions of it that augmentation makes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AugmentedPreview {
    pub line: usize,
    pub label: String,
    pub original: Vec<f32>,
    pub augmented: Vec<Vec<f32>>,
}

/// A prediction from the drawing pad, with the input the network saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImagePrediction {
    pub prediction: Prediction,
    pub shape: ImageShape,
    /// The pad's drawing shrunk to the model's input, as display values.
    pub input: Vec<f32>,
    /// Whether it was centred and scaled like the training images' ink
    /// (else the pad was shrunk whole).
    pub framed: bool,
}

/// The first convolution's kernels as little pictures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilterView {
    pub layer: String,
    pub kernel: [usize; 2],
    pub channels: usize,
    /// Per filter its kh·kw·channels weights scaled to [-1, 1] by the
    /// largest magnitude in the layer (so filters compare).
    pub filters: Vec<Vec<f32>>,
    pub scale: f32,
}

/// What each image layer makes of one example.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureMaps {
    pub index: usize,
    pub count: usize,
    pub line: usize,
    pub label: String,
    pub predicted: String,
    pub shape: ImageShape,
    pub image: Vec<f32>,
    pub layers: Vec<LayerMaps>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerMaps {
    pub name: String,
    pub class_name: String,
    /// [height, width, channels]
    pub shape: Vec<usize>,
    /// Per channel (at most 32), its h·w values scaled to [0, 1] by the
    /// layer's largest value.
    pub maps: Vec<Vec<f32>>,
}

/// Grayscale by luma, or RGB: channels from RGBA bytes.
fn rgba_to_channels(rgba: &[u8], channels: usize) -> Vec<f32> {
    rgba.chunks_exact(4)
        .flat_map(|p| {
            let (r, g, b) = (p[0] as f32, p[1] as f32, p[2] as f32);
            if channels == 1 { vec![0.299 * r + 0.587 * g + 0.114 * b] } else { vec![r, g, b] }
        })
        .collect()
}

/// The label of a dropped file: its folder ("cats/001.png" → cats), else
/// the part of its name before the first '_' ("cat_001.png" → cat).
pub fn label_of_path(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
    if parts.len() >= 2 {
        return Some(parts[parts.len() - 2].to_string());
    }
    let name = parts.last()?;
    let stem = name.rsplit_once('.').map(|(s, _)| s).unwrap_or(name);
    stem.split_once('_').map(|(l, _)| l.to_string()).filter(|l| !l.is_empty())
}

impl Lab {
    pub fn has_images(&self) -> bool {
        self.images().is_some()
    }

    /// One sample's shape for the model: the images' or [max_len].
    pub fn input_shape(&self) -> Vec<usize> {
        match (self.images(), &self.trainer) {
            (Some(set), _) => set.all.shape.to_vec(),
            // An uploaded image model, without images loaded.
            (None, Some(t)) if t.model.input_shape.len() == 3 => t.model.input_shape.clone(),
            _ => vec![self.settings.max_len],
        }
    }

    pub(super) fn forget_data(&mut self) {
        self.data = None;
        self.scaling = None;
        self.framing = None;
        self.trainer = None;
        self.invalidate_gpu();
    }

    /// Images from a CSV of label,p0,…,pN (the shape from the settings, or
    /// inferred from a square pixel count).
    pub fn load_image_csv(&mut self, input: &str) -> Result<ImageDataReport> {
        self.forget_data();
        if input.len() > super::MAX_INPUT_BYTES {
            return Err(Error::EmptyData { source_name: "pasted_images".into(), reason: msg!("image.too_big", mb = format!("{:.1}", input.len() as f64 / 1e6), max = super::MAX_INPUT_BYTES / 1_000_000) });
        }
        let set = image::parse_csv(input, self.settings.image_shape, None)?;
        self.use_images(set)
    }

    /// Images from dropped files, already decoded and resized by the page;
    /// labelled by folder or `label_` file-name prefix.
    pub fn load_image_files(&mut self, files: Vec<ImageFile>) -> Result<ImageDataReport> {
        self.forget_data();
        let channels = if self.settings.grayscale { 1 } else { 3 };
        let mut rows = Vec::new();
        let mut rejected = Vec::new();
        let mut shape: Option<ImageShape> = None;
        for (i, f) in files.iter().enumerate() {
            let line = i + 1;
            let Some(label) = label_of_path(&f.path) else {
                rejected.push(Rejected { line, reason: msg!("image.no_label", path = crate::error::printable(&f.path, 200)) });
                continue;
            };
            if f.width == 0 || f.height == 0 || f.width.checked_mul(f.height).and_then(|n| n.checked_mul(4)) != Some(f.rgba.len()) {
                rejected.push(Rejected { line, reason: msg!("image.undecodable", path = crate::error::printable(&f.path, 200), width = f.width, height = f.height, bytes = f.rgba.len()) });
                continue;
            }
            let s = [f.height, f.width, channels];
            match shape {
                None => {
                    image::check_shape(s)?;
                    shape = Some(s);
                }
                Some(have) if have != s => {
                    rejected.push(Rejected { line, reason: msg!("image.size_differs", path = crate::error::printable(&f.path, 200), size = format!("{}x{}", f.height, f.width), first = format!("{}x{}", have[0], have[1])) });
                    continue;
                }
                _ => {}
            }
            rows.push((line, label, rgba_to_channels(&f.rgba, channels)));
        }
        let Some(shape) = shape else {
            let why = rejected.first().map(|r| r.reason.clone()).unwrap_or_else(|| msg!("image.none_dropped"));
            return Err(Error::EmptyData { source_name: "dropped_images".into(), reason: why });
        };
        if rows.is_empty() {
            return Err(Error::EmptyData { source_name: "dropped_images".into(), reason: rejected[0].reason.clone() });
        }
        let set = ImageSet::from_rows(shape, rows, None, rejected)?;
        self.use_images(set)
    }

    fn use_images(&mut self, set: ImageSet) -> Result<ImageDataReport> {
        let counts = set.class_counts();
        let warnings = super::class_warnings(&set.labels, &counts, &set.classes, true);
        if !super::IMAGE_PRESETS.contains(&self.settings.preset.as_str()) && self.settings.preset != "custom" {
            self.settings.preset = super::IMAGE_PRESETS[0].into();
        }
        self.data = Some(Dataset::Images(Splits::new(set, self.holdout())));
        self.fit_scaling();
        let set = &self.images().unwrap().all;
        let scaling = self.scaling().unwrap();
        // Up to two images of each class, in data order.
        let mut seen = vec![0usize; set.labels.len()];
        let mut preview = Vec::new();
        for i in 0..set.len() {
            let c = set.classes[i];
            if seen[c] < 2 && preview.len() < 40 {
                seen[c] += 1;
                preview.push(ImagePreview { line: set.lines[i], label: set.labels[c].clone(), pixels: self.display(&scaling.apply(&set.pixels[i])) });
            }
        }
        Ok(ImageDataReport {
            accepted: set.len(),
            rejected_count: set.rejected.len(),
            rejected: set.rejected.iter().take(50).cloned().collect(),
            shape: set.shape,
            classes: set.labels.iter().zip(&counts).map(|(l, &c)| ClassCount { label: l.clone(), count: c }).collect(),
            warnings,
            scaling,
            preview,
        })
    }

    /// Split anew as the settings say, and fit the scaling and framing on
    /// the training part.
    pub(super) fn refit_images(&mut self) {
        let holdout = self.holdout();
        if let Some(Dataset::Images(s)) = &mut self.data {
            s.resplit(holdout);
            self.fit_scaling();
        }
    }

    fn fit_scaling(&mut self) {
        if let Some(s) = self.images() {
            let (scaling, framing) = pipeline::fit_images(&s.train, self.settings.scaling);
            self.scaling = Some(scaling);
            self.framing = framing;
        }
    }

    /// Network inputs of a set, scaled.
    pub(super) fn encode_images(&self, set: &ImageSet) -> Encoded {
        pipeline::encode_images(self.scaling().unwrap(), set)
    }

    /// Scaled inputs → display values in [0, 1].
    pub(super) fn display(&self, x: &[f32]) -> Vec<f32> {
        let s = self.scaling().unwrap_or(Scaling::Unit { max: 1.0 });
        let top = s.raw_range();
        s.invert(x).into_iter().map(|v| (v / top).clamp(0.0, 1.0)).collect()
    }

    /// `count` training images, each with `variants` random augmentations:
    /// exactly what the network is shown while training.
    pub fn augment_preview(&self, count: usize, variants: usize) -> Result<Vec<AugmentedPreview>> {
        let set = &self.images().ok_or_else(|| Error::setting("augmentation", msg!("image.load_first")))?.train;
        let scaling = self.scaling().unwrap();
        let aug = self.settings.augmentation;
        aug.validate()?;
        let mut rng = ChaCha8Rng::seed_from_u64(self.settings.seed.wrapping_add(2));
        Ok((0..count.min(set.len()))
            .map(|k| {
                let i = k * set.len() / count.min(set.len()).max(1);
                let x = scaling.apply(&set.pixels[i]);
                let augmented = (0..variants.min(12)).map(|_| self.display(&aug.apply(&x, set.shape, &mut rng))).collect();
                AugmentedPreview { line: set.lines[i], label: set.labels[set.classes[i]].clone(), original: self.display(&x), augmented }
            })
            .collect())
    }

    /// Predict a drawing: `pixels` [height, width] in [0, 1] (1 = ink, as
    /// the digits' bright strokes on black), shrunk to the model's input.
    pub fn predict_image(&self, pixels: &[f32], width: usize, height: usize) -> Result<ImagePrediction> {
        let t = self.trainer.as_ref().ok_or_else(|| Error::setting("predict", msg!("lab.train_first")))?;
        let (input, shape) = self.pad_input(pixels, width, height)?;
        let p = t.model.predict(std::slice::from_ref(&input), 1).remove(0);
        let p = if p.len() == 1 { vec![1.0 - p[0], p[0]] } else { p };
        let prediction = Prediction { label: t.labels[predicted_class(&p)].clone(), probabilities: t.labels.iter().cloned().zip(p).collect(), tokens: Vec::new() };
        Ok(ImagePrediction { prediction, shape, input: self.display(&input), framed: self.framing().is_some() })
    }

    /// A drawing as the model's input: framed (or resampled) to its size
    /// and scaled as the training images were.
    pub(super) fn pad_input(&self, pixels: &[f32], width: usize, height: usize) -> Result<(Vec<f32>, ImageShape)> {
        let t = self.trainer.as_ref().ok_or_else(|| Error::setting("predict", msg!("lab.train_first")))?;
        let shape: ImageShape = <[usize; 3]>::try_from(t.model.input_shape.as_slice()).map_err(|_| Error::setting("predict", msg!("image.model_reads_text")))?;
        if width == 0 || height == 0 || pixels.len() != width * height || pixels.iter().any(|v| !v.is_finite()) {
            return Err(Error::setting("drawing", msg!("image.pad_size", count = pixels.len(), width = width, height = height)));
        }
        let small = match self.framing() {
            Some(f) => f.frame(pixels, width, height, shape[0], shape[1]),
            None => resample(pixels, [height, width, 1], shape[0], shape[1]),
        };
        let grey: Vec<f32> = small.iter().flat_map(|&v| std::iter::repeat_n(v, shape[2])).collect();
        let scaling = self.scaling().ok_or_else(|| Error::setting("predict", msg!("image.load_first")))?;
        // Display [0, 1] → raw values → the network's scaling.
        let raw: Vec<f32> = grey.iter().map(|v| v * scaling.raw_range()).collect();
        Ok((scaling.apply(&raw), shape))
    }

    /// The first Conv2D's kernels.
    pub fn filters(&mut self) -> Result<FilterView> {
        self.ensure_trainer()?;
        let t = self.trainer.as_ref().unwrap();
        let (li, layer) = t.model.layers.iter().enumerate().find(|(_, l)| l.config.image_filters()).ok_or_else(|| Error::setting("filters", msg!("image.no_conv2d")))?;
        let shape = &layer.weights[0].shape;
        let (kh, kw, c, f) = (shape[0], shape[1], shape[2], shape[3]);
        let w = t.model.backend.download(&t.model.weights[li][0]);
        let scale = w.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-12);
        let filters = (0..f).map(|k| (0..kh * kw * c).map(|i| w[i * f + k] / scale).collect()).collect();
        Ok(FilterView { layer: layer.name.clone(), kernel: [kh, kw], channels: c, filters, scale })
    }

    /// Every image-shaped layer's output for validation image `index` (else
    /// a training image).
    pub fn feature_maps(&mut self, index: usize) -> Result<FeatureMaps> {
        self.ensure_trainer()?;
        let images = self.images().ok_or_else(|| Error::setting("feature_maps", msg!("image.load_first")))?;
        let set = images.val.as_ref().filter(|v| !v.is_empty()).unwrap_or(&images.train);
        let index = index.min(set.len() - 1);
        let x = self.scaling().unwrap().apply(&set.pixels[index]);
        let t = self.trainer.as_ref().unwrap();
        let trace = t.model.trace(std::slice::from_ref(&x));
        let probs = &trace.last().unwrap().output;
        let layers = t
            .model
            .layers
            .iter()
            .zip(&trace)
            .filter(|(_, tr)| tr.shape.len() == 4)
            .map(|(l, tr)| {
                let (h, w, c) = (tr.shape[1], tr.shape[2], tr.shape[3]);
                let top = tr.output.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-12);
                let maps = (0..c.min(32)).map(|ch| (0..h * w).map(|p| (tr.output[p * c + ch] / top).clamp(-1.0, 1.0)).collect()).collect();
                LayerMaps { name: l.name.clone(), class_name: l.config.class_name().into(), shape: vec![h, w, c], maps }
            })
            .collect();
        Ok(FeatureMaps {
            index,
            count: set.len(),
            line: set.lines[index],
            label: set.labels[set.classes[index]].clone(),
            predicted: t.labels[predicted_class(probs)].clone(),
            shape: set.shape,
            image: self.display(&x),
            layers,
        })
    }

    /// Use an uploaded image model: its scaling comes with it; the loaded
    /// images train it further when their labels and shape match.
    pub(super) fn import_image_model(&mut self, saved: crate::io::tfjs::SavedModel, meta: crate::io::tfjs::Metadata) -> Result<super::Summary> {
        let file = "uploaded_model";
        let scaling = meta.scaling.ok_or_else(|| Error::model_file(file, msg!("file.no_scaling")))?;
        let model = crate::model::Model::with_weights_wired(crate::backend::CpuBackend, &saved.layers, saved.wiring.as_deref(), &saved.input_shape, saved.weights)?;
        self.settings.preset = "custom".into();
        self.settings.layers = Some(saved.layers.clone());
        self.settings.wiring = saved.wiring.clone();
        let matches = self.images().is_some_and(|i| i.labels() == meta.labels && i.all.shape.as_slice() == saved.input_shape.as_slice());
        let data_labels = self.images().map(|i| i.labels().to_vec());
        self.scaling = Some(scaling);
        self.framing = meta.framing;
        let (train, val) = if matches {
            let images = self.images().unwrap();
            (self.encode_images(&images.train), images.val.as_ref().map(|v| self.encode_images(v)))
        } else {
            // No matching data: a one-image placeholder keeps the trainer usable for prediction.
            (Encoded { ids: vec![vec![0.0; saved.input_shape.iter().product()]], classes: vec![0] }, None)
        };
        self.trainer = Some(crate::trainer::Trainer::new(model, self.settings.train_config(), meta.labels.clone(), train, val)?);
        self.untrainable = match (matches, self.images().map(|i| &i.all)) {
            (true, _) => None,
            (false, Some(i)) if i.labels == meta.labels => Some(msg!(
                "lab.untrainable_shape",
                model = saved.input_shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("×"),
                data = i.shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("×")
            )),
            _ => super::untrainable_reason(&meta.labels, data_labels.as_deref(), true),
        };
        self.invalidate_gpu();
        self.summary()
    }

    /// Display pixels of validation image `i` (for the misclassified gallery).
    pub(super) fn val_image(&self, i: usize) -> Option<Vec<f32>> {
        let set = self.images()?.val.as_ref()?;
        Some(self.display(&self.scaling()?.apply(set.pixels.get(i)?)))
    }
}
