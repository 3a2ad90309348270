//! The embedding projector's t-SNE runs (issue 18 §2): over a
//! classifier's words, each with the class it leans to, or a language
//! model's tokens, each with its kind; stepped a few iterations at a time
//! by the page's worker or run to the end by `gradlab project`.

use super::*;
use crate::explain::{tsne, words};

/// A t-SNE layout of an Embedding's words, in progress.
#[derive(Debug, Clone)]
pub struct TsneRun {
    tsne: tsne::Tsne,
    ids: Vec<usize>,
    /// The words with the class each leans to (their coordinates are the
    /// run's).
    points: Vec<words::MapPoint>,
    perplexity: f64,
}

/// What the projector draws of a run: its points now, and how far it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TsneFrame {
    pub points: Vec<words::MapPoint>,
    pub iteration: usize,
    pub max_iter: usize,
    /// KL(P‖Q) as last checked (every 50 iterations), P exaggerated in
    /// the first 250.
    pub kl_divergence: Option<f64>,
    pub exaggerated: bool,
    pub perplexity: f64,
    pub done: bool,
}

impl TsneRun {
    /// Up to `iterations` more steps; false once the run is over.
    pub fn advance(&mut self, iterations: usize) -> bool {
        self.tsne.step(iterations)
    }
    pub fn frame(&self) -> TsneFrame {
        let mut points = self.points.clone();
        for (p, c) in points.iter_mut().zip(self.tsne.coords()) {
            p.coords = c;
        }
        TsneFrame {
            points,
            iteration: self.tsne.iteration(),
            max_iter: tsne::MAX_ITER,
            kl_divergence: self.tsne.kl_divergence(),
            exaggerated: self.tsne.iteration() < tsne::EXPLORATION,
            perplexity: self.perplexity,
            done: self.tsne.done(),
        }
    }
    pub fn done(&self) -> bool {
        self.tsne.done()
    }

    /// A run over `rows` (n × width, one per point and id), from `resume`'s
    /// layout when that run placed the same ids on as many axes.
    fn start(ids: Vec<usize>, rows: Vec<f32>, width: usize, points: Vec<words::MapPoint>, dims: usize, perplexity: f64, resume: Option<&TsneRun>) -> std::result::Result<TsneRun, Message> {
        let n = ids.len();
        if !(perplexity.is_finite() && perplexity >= 1.0 && perplexity < n as f64) {
            return Err(msg!("explain.tsne_perplexity", perplexity = perplexity, words = n));
        }
        if rows.iter().any(|v| !v.is_finite()) {
            return Err(msg!("explain.tsne_not_finite"));
        }
        let tsne = match resume {
            Some(r) if r.ids == ids && r.tsne.dims() == dims => tsne::Tsne::resume(&rows, width, perplexity, &r.tsne),
            _ => tsne::Tsne::new(&rows, width, dims, perplexity),
        };
        Ok(TsneRun { tsne, ids, points, perplexity })
    }
}

/// A t-SNE run over `model`'s first `count` words (the page's and
/// `gradlab project --method tsne`'s); the reason when it cannot be.
pub fn tsne_run<B: Backend>(model: &crate::model::Model<B>, tok: &Tokenizer, padding: Side, count: usize, dims: usize, perplexity: f64, resume: Option<&TsneRun>) -> std::result::Result<TsneRun, Message> {
    tsne_sizes(count, dims)?;
    let (ids, rows, width) = words::first_rows(model, tok, count).ok_or_else(|| first_layer(model))?;
    let points = words::map_points(model, tok, padding, &ids, vec![vec![]; ids.len()]);
    TsneRun::start(ids, rows, width, points, dims, perplexity, resume)
}

/// The same over a language model's tokens `tokens` (id, text), each
/// coloured by its kind.
pub fn token_tsne_run<B: Backend>(model: &crate::model::Model<B>, tokens: &[(usize, String)], dims: usize, perplexity: f64, resume: Option<&TsneRun>) -> std::result::Result<TsneRun, Message> {
    tsne_sizes(tokens.len(), dims)?;
    let (kept, rows, width) = words::token_rows(model, tokens).ok_or_else(|| first_layer(model))?;
    let ids: Vec<usize> = kept.iter().map(|t| t.0).collect();
    let points = words::token_points(kept, vec![vec![]; ids.len()]);
    TsneRun::start(ids, rows, width, points, dims, perplexity, resume)
}

fn tsne_sizes(count: usize, dims: usize) -> std::result::Result<(), Message> {
    if !(2..=3).contains(&dims) {
        return Err(msg!("explain.projector_size", words = count, components = dims));
    }
    if count == 0 || count > tsne::MAX_POINTS {
        return Err(msg!("explain.tsne_size", words = count, most = tsne::MAX_POINTS));
    }
    Ok(())
}

fn first_layer<B: Backend>(model: &crate::model::Model<B>) -> Message {
    msg!("explain.first_layer", layer = model.layers[0].config.class_name())
}

