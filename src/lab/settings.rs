//! The page's settings: every field of its form, with the command line's
//! defaults, checked as a whole.

use super::*;

/// Every setting of the page, with the command line's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub label_column: Option<LabelColumn>,
    pub cleaning: CleanOptions,
    /// lstm, cnn, bow, or custom (then `layers` is used).
    pub preset: String,
    pub layers: Option<Vec<LayerConfig>>,
    /// With custom layers, what each layer reads: 0 the model's input, k
    /// layer k's output (an uploaded functional model's graph); None: each
    /// layer reads the one before it.
    pub wiring: Option<Vec<Vec<usize>>>,
    pub mask: bool,
    pub num_words: usize,
    pub max_len: usize,
    pub padding: Side,
    pub truncating: Side,
    pub oov_token: String,
    pub loss: Loss,
    pub optimizer: OptimizerKind,
    pub learning_rate: f32,
    pub schedule: Schedule,
    pub clip_norm: Option<f32>,
    pub batch_size: usize,
    pub epochs: usize,
    pub val_split: f32,
    pub split: SplitMode,
    pub seed: u64,
    /// Images: one image's shape for a pixel CSV (None: a square inferred
    /// from the pixel count).
    pub image_shape: Option<ImageShape>,
    /// Images: dropped files become grayscale (else RGB) …
    pub grayscale: bool,
    /// … and are resized to this many pixels a side.
    pub image_size: usize,
    pub scaling: ScalingKind,
    pub augmentation: Augmentation,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            label_column: None,
            cleaning: CleanOptions::default(),
            preset: "lstm".into(),
            layers: None,
            wiring: None,
            mask: true,
            num_words: 10_000,
            max_len: 100,
            padding: Side::Post,
            truncating: Side::Post,
            oov_token: "<OOV>".into(),
            loss: Loss::CategoricalCrossentropy,
            optimizer: OptimizerKind::Adam,
            learning_rate: 0.001,
            schedule: Schedule::Constant,
            clip_norm: None,
            batch_size: 32,
            epochs: 10,
            val_split: 0.2,
            split: SplitMode::Stratified,
            seed: 42,
            image_shape: None,
            grayscale: true,
            image_size: 28,
            scaling: ScalingKind::Unit,
            augmentation: Augmentation::default(),
        }
    }
}

impl Settings {
    pub fn text(&self) -> TextSettings {
        TextSettings { num_words: self.num_words, max_len: self.max_len, padding: self.padding, truncating: self.truncating, oov_token: if self.oov_token.is_empty() { None } else { Some(self.oov_token.clone()) } }
    }

    /// The layer list these settings describe, for `classes` outputs.
    pub fn layer_list(&self, classes: usize) -> Result<Vec<LayerConfig>> {
        if self.preset == "custom" {
            return self.layers.clone().ok_or_else(|| Error::setting("model", msg!("lab.custom_needs_layers")));
        }
        preset(&self.preset, self.num_words, self.max_len, classes.max(2), self.mask)
            .or_else(|| image_preset(&self.preset, classes.max(2)))
            .ok_or_else(|| Error::setting("model", msg!("lab.unknown_preset", preset = crate::error::printable(&self.preset, 40))))
    }

    /// Check every field, naming the one at fault.
    pub fn validate(&self) -> Result<()> {
        self.text().validate()?;
        if !(self.val_split.is_finite() && (0.0..0.9).contains(&self.val_split)) {
            return Err(Error::setting("val_split", msg!("lab.val_split", value = self.val_split)));
        }
        if let Some(shape) = self.image_shape {
            crate::data::image::check_shape(shape)?;
        }
        if !(4..=128).contains(&self.image_size) {
            return Err(Error::setting("image_size", msg!("lab.image_size", value = self.image_size)));
        }
        self.augmentation.validate()?;
        self.train_config().validate()
    }

    pub fn train_config(&self) -> TrainConfig {
        let mut optimizer = OptimizerConfig::new(self.optimizer);
        optimizer.learning_rate = self.learning_rate;
        optimizer.clip_norm = self.clip_norm;
        TrainConfig { epochs: self.epochs, batch_size: self.batch_size, optimizer, schedule: self.schedule.clone(), loss: self.loss, seed: self.seed, shuffle: true, early_stopping_patience: None }
    }
}
