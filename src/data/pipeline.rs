//! The one data pipeline, for text and for images: parse → clean → split →
//! fit on the training split → encode. Parsing and cleaning are
//! `parse.rs`, `clean.rs` and `image.rs`; this file does the rest, once,
//! for the command line, the lab and the benchmark alike.
//!
//! What is fitted (the tokenizer's vocabulary, the pixel scaling, the
//! framing of drawings) is fitted on the training split alone, so the
//! validation split tells the truth; a saved model brings its own instead.

use super::split::{split, SplitMode};
use super::{encode, Encoded, Framing, ImageSet, LabelledTexts, Scaling, ScalingKind, TextSettings, Tokenizer};

/// Rows that can be split: labelled texts or labelled images.
pub trait Rows: Clone {
    /// Each row's class index.
    fn classes(&self) -> &[usize];
    /// The class names.
    fn labels(&self) -> &[String];
    /// The rows at `idx`, in that order.
    fn subset(&self, idx: &[usize]) -> Self;
}

impl Rows for LabelledTexts {
    fn classes(&self) -> &[usize] {
        &self.classes
    }
    fn labels(&self) -> &[String] {
        &self.labels
    }
    fn subset(&self, idx: &[usize]) -> Self {
        LabelledTexts::subset(self, idx)
    }
}

impl Rows for ImageSet {
    fn classes(&self) -> &[usize] {
        &self.classes
    }
    fn labels(&self) -> &[String] {
        &self.labels
    }
    fn subset(&self, idx: &[usize]) -> Self {
        ImageSet::subset(self, idx)
    }
}

/// Where the validation rows come from.
#[derive(Debug, Clone)]
pub enum Holdout<S> {
    /// None: every row trains.
    Nothing,
    /// A fraction of the rows (`split.rs`: stratified with the seed, or
    /// Keras's last fraction).
    Fraction { fraction: f32, mode: SplitMode, seed: u64 },
    /// Rows of their own (a second file), labelled with the same classes.
    Separate(S),
}

/// The rows, split into training and validation.
#[derive(Debug, Clone)]
pub struct Splits<S> {
    pub all: S,
    pub train: S,
    /// None when nothing is held out (or the fraction held out no row).
    pub val: Option<S>,
}

impl<S: Rows> Splits<S> {
    pub fn new(all: S, holdout: Holdout<S>) -> Splits<S> {
        let (train, val) = cut(&all, holdout);
        Splits { all, train, val }
    }

    /// The same rows split anew (the page's split settings changed).
    pub fn resplit(&mut self, holdout: Holdout<S>) {
        (self.train, self.val) = cut(&self.all, holdout);
    }

    /// At most the first `limit` training rows (0: all of them), as the
    /// benchmark's `--limit` asks.
    pub fn limit_train(mut self, limit: usize) -> Splits<S> {
        let n = self.train.classes().len();
        if limit > 0 && limit < n {
            self.train = self.train.subset(&(0..limit).collect::<Vec<_>>());
        }
        self
    }

    pub fn labels(&self) -> &[String] {
        self.all.labels()
    }
}

/// The training rows and the validation rows of `all`.
fn cut<S: Rows>(all: &S, holdout: Holdout<S>) -> (S, Option<S>) {
    match holdout {
        Holdout::Nothing => (all.clone(), None),
        Holdout::Fraction { fraction, mode, seed } => {
            let (t, v) = split(all.classes(), fraction, mode, seed);
            (all.subset(&t), (!v.is_empty()).then(|| all.subset(&v)))
        }
        Holdout::Separate(val) => (all.clone(), Some(val)),
    }
}

/// A tokenizer (Keras's, with `settings`' vocabulary size and OOV token)
/// fitted on the training texts.
pub fn fit_tokenizer(train: &LabelledTexts, settings: &TextSettings) -> Tokenizer {
    let mut t = Tokenizer::new(Some(settings.num_words), settings.oov_token.as_deref());
    t.fit_on_texts(&train.texts);
    t
}

/// Texts as padded id rows, with their classes.
pub fn encode_texts(tokenizer: &Tokenizer, set: &LabelledTexts, settings: &TextSettings) -> Encoded {
    Encoded { ids: encode(tokenizer, &set.texts, settings), classes: set.classes.clone() }
}

/// The pixel scaling and the framing of drawings, fitted on the training
/// images.
pub fn fit_images(train: &ImageSet, kind: ScalingKind) -> (Scaling, Option<Framing>) {
    (Scaling::fit(kind, &train.pixels), Framing::fit(&train.pixels, train.shape))
}

/// Images as scaled network inputs, with their classes.
pub fn encode_images(scaling: Scaling, set: &ImageSet) -> Encoded {
    Encoded { ids: set.pixels.iter().map(|p| scaling.apply(p)).collect(), classes: set.classes.clone() }
}

/// A session's data: labelled texts or labelled images, split.
#[derive(Debug, Clone)]
pub enum Dataset {
    Text(Splits<LabelledTexts>),
    Images(Splits<ImageSet>),
}

impl Dataset {
    pub fn labels(&self) -> &[String] {
        match self {
            Dataset::Text(s) => s.labels(),
            Dataset::Images(s) => s.labels(),
        }
    }
    pub fn texts(&self) -> Option<&Splits<LabelledTexts>> {
        match self {
            Dataset::Text(s) => Some(s),
            Dataset::Images(_) => None,
        }
    }
    pub fn images(&self) -> Option<&Splits<ImageSet>> {
        match self {
            Dataset::Images(s) => Some(s),
            Dataset::Text(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(n: usize) -> LabelledTexts {
        LabelledTexts {
            texts: (0..n).map(|i| format!("word{} common", i)).collect(),
            classes: (0..n).map(|i| i % 2).collect(),
            labels: vec!["a".into(), "b".into()],
            lines: (1..=n).collect(),
        }
    }

    #[test]
    fn the_tokenizer_sees_only_the_training_split() {
        let s = Splits::new(texts(10), Holdout::Fraction { fraction: 0.2, mode: SplitMode::Last, seed: 0 });
        assert_eq!((s.train.texts.len(), s.val.as_ref().map(|v| v.texts.len())), (8, Some(2)));
        let tok = fit_tokenizer(&s.train, &TextSettings::default());
        assert!(tok.word_index.contains_key("word7"));
        assert!(!tok.word_index.contains_key("word8"), "a validation word leaked into the vocabulary");
    }

    #[test]
    fn a_fraction_that_holds_out_nothing_gives_no_validation_set() {
        let s = Splits::new(texts(3), Holdout::Fraction { fraction: 0.1, mode: SplitMode::Stratified, seed: 0 });
        assert_eq!(s.train.texts.len(), 3);
        assert!(s.val.is_none());
    }

    #[test]
    fn resplitting_gives_what_a_fresh_split_gives() {
        let holdout = || Holdout::Fraction { fraction: 0.3, mode: SplitMode::Stratified, seed: 7 };
        let mut s = Splits::new(texts(20), Holdout::Nothing);
        s.resplit(holdout());
        let fresh = Splits::new(texts(20), holdout());
        assert_eq!((s.train.lines, s.val.map(|v| v.lines)), (fresh.train.lines, fresh.val.map(|v| v.lines)));
    }

    #[test]
    fn limit_keeps_the_first_training_rows() {
        let s = Splits::new(texts(10), Holdout::Nothing).limit_train(4);
        assert_eq!(s.train.lines, vec![1, 2, 3, 4]);
        assert_eq!(s.all.texts.len(), 10);
        let s = Splits::new(texts(10), Holdout::Nothing).limit_train(0);
        assert_eq!(s.train.texts.len(), 10);
    }
}
