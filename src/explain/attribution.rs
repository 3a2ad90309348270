//! Attributions: how much each token (or pixel) moved the score of the
//! predicted class. The score is the class's log-odds, log(p / (1 − p)),
//! computed from the logits (the last layer without its softmax or
//! sigmoid): unlike the probability it does not flatten near 0 and 1, so a
//! confident prediction still shows which tokens carried it, and its units
//! (nats of odds) add up across tokens.
//!
//! Integrated gradients (Sundararajan et al., 2017) average the score's
//! gradient along the straight path from a baseline to the input and
//! multiply by the distance travelled. Text models are followed from their
//! Embedding's output, the baseline being the padding token's embedding at
//! every position (with the input's mask kept), so a padded position gets
//! exactly nothing; image models from the pixels, the baseline being an
//! all-zero input. The path integral uses Gauss–Legendre quadrature (as
//! Captum does by default): exact for polynomials of degree 2n−1, it meets
//! the completeness check — the attributions sum to score(input) −
//! score(baseline) — far more closely than a Riemann sum of the same steps.
//!
//! Occlusion is the score's fall when one token is replaced by padding (a
//! masking model then skips it: it is removed) or one patch of pixels is set
//! to the baseline, spread evenly over the patch's pixels.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::autodiff::{Graph, Var};
use crate::backend::activation::Activation;
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::msg;
use crate::nn::ForwardCtx;

/// Points of one Gauss–Legendre rule on the path (64 by default).
pub const MIN_STEPS: usize = 2;
pub const MAX_STEPS: usize = 256;
/// The relative completeness error the path is refined until it meets, and
/// the most segments it is cut into for that.
pub const COMPLETENESS: f64 = 0.005;
pub const MAX_SEGMENTS: usize = 16;

#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The class explained: the predicted one unless asked otherwise.
    pub class: usize,
    /// Class probabilities (two for a one-unit sigmoid model).
    pub probabilities: Vec<f32>,
    /// Per input position (token ids) or pixel (summed over channels).
    pub integrated_gradients: Vec<f32>,
    pub occlusion: Vec<f32>,
    /// Points on the path: the rule's, times the segments it took.
    pub steps: usize,
    /// The class's log-odds for the input and for the baseline.
    pub score: f32,
    pub baseline_score: f32,
    /// |Σ integrated gradients − (score − baseline_score)|.
    pub completeness_error: f32,
}

/// Explain the prediction for one row (token ids or scaled pixels, as the
/// model reads them) with `steps` points on the path; `class` defaults to
/// the predicted one.
pub fn explain<B: Backend>(model: &Model<B>, row: &[f32], class: Option<usize>, steps: usize) -> Result<Explanation> {
    if !(MIN_STEPS..=MAX_STEPS).contains(&steps) {
        return Err(Error::setting("steps", msg!("explain.steps", got = steps, min = MIN_STEPS, max = MAX_STEPS)));
    }
    if row.len() != model.input_len {
        return Err(Error::shape("model_input", msg!("model.row_length", got = row.len(), want = model.input_len, shape = format!("{:?}", model.input_shape))));
    }
    if model.positions() != 1 {
        return Err(Error::setting("model", msg!("explain.classifiers_only")));
    }
    let text = is_text(model)?;
    if text {
        model.check_ids(&[row.to_vec()])?;
    }
    let probabilities = two_way(model.predict(&[row.to_vec()], 1).remove(0));
    let class = class.unwrap_or_else(|| crate::trainer::predicted_class(&probabilities));
    if class >= probabilities.len() {
        return Err(Error::setting("class", msg!("explain.class", got = class, classes = probabilities.len())));
    }
    let model = &logit_model(model);
    let path = Path::new(model, row, text);
    let unit = if text { *model.layers[0].output_shape.last().unwrap() } else { *model.input_shape.last().unwrap() };
    let ends = path.scores(model, class, &[1.0, 0.0]);
    let (score, baseline_score) = (ends[0], ends[1]);
    let delta = score as f64 - baseline_score as f64;
    // The rule over 1, 2, 4 … segments of the path until the check holds:
    // a recurrent model's score can turn sharply somewhere along the path,
    // which one rule of 64 points misses. `steps` reports the points used.
    let (nodes, weights) = gauss_legendre(steps);
    let mut integral = vec![0.0f64; path.input.len()];
    let mut segments = 1;
    loop {
        integral.iter_mut().for_each(|v| *v = 0.0);
        for seg in 0..segments {
            let (a, width) = (seg as f64 / segments as f64, 1.0 / segments as f64);
            let ns: Vec<f64> = nodes.iter().map(|t| a + t * width).collect();
            let ws: Vec<f64> = weights.iter().map(|w| w * width).collect();
            for (acc, v) in integral.iter_mut().zip(path.weighted_gradient(model, class, &ns, &ws)) {
                *acc += v;
            }
        }
        let total: f64 = path.input.iter().zip(&path.baseline).zip(&integral).map(|((x, b), g)| (x - b) as f64 * g).sum();
        if (total - delta).abs() <= COMPLETENESS * delta.abs() || segments >= MAX_SEGMENTS {
            break;
        }
        segments *= 2;
    }
    let integrated_gradients: Vec<f32> = path
        .input
        .iter()
        .zip(&path.baseline)
        .zip(&integral)
        .map(|((x, b), g)| (x - b) as f64 * g)
        .collect::<Vec<f64>>()
        .chunks(unit)
        .map(|c| c.iter().sum::<f64>() as f32)
        .collect();
    let total: f64 = integrated_gradients.iter().map(|&a| a as f64).sum();
    let completeness_error = (total - delta).abs() as f32;
    let steps = steps * segments;
    let occlusion = if text { occlude_tokens(model, row, class, score) } else { occlude_patches(model, row, class, score) };
    Ok(Explanation { class, probabilities, integrated_gradients, occlusion, steps, score, baseline_score, completeness_error })
}

/// A text model reads token ids into an Embedding; an image model reads
/// pixels. Anything else has no input the path can start from.
fn is_text<B: Backend>(model: &Model<B>) -> Result<bool> {
    let first = &model.layers[0];
    if first.config.vocabulary().is_some() {
        // The path starts at the first layer's output: nothing after may read the ids.
        if let Some(other) = model.layers[1..].iter().find(|l| l.inputs.contains(&0)) {
            return Err(Error::setting("model", msg!("explain.ids_read_twice", layer = &other.name)));
        }
        Ok(true)
    } else if model.input_shape.len() == 3 {
        Ok(false)
    } else {
        Err(Error::setting("model", msg!("explain.first_layer", layer = first.config.class_name())))
    }
}

/// A one-unit sigmoid's probability as two classes.
fn two_way(p: Vec<f32>) -> Vec<f32> {
    if p.len() == 1 { vec![1.0 - p[0], p[0]] } else { p }
}

/// The straight path from baseline to input, in the space the gradient is
/// taken in: the Embedding's output (text) or the pixels (images).
struct Path {
    input: Vec<f32>,
    baseline: Vec<f32>,
    /// The layer the path feeds and the shape of one point (batch excluded).
    start: usize,
    shape: Vec<usize>,
    /// The token ids, whose mask every point keeps (text).
    ids: Option<Vec<f32>>,
}

impl Path {
    fn new<B: Backend>(model: &Model<B>, row: &[f32], text: bool) -> Path {
        if !text {
            return Path { input: row.to_vec(), baseline: vec![0.0; row.len()], start: 0, shape: model.input_shape.clone(), ids: None };
        }
        let be = &model.backend;
        let mut g = Graph::new(be);
        let w: Vec<Var> = model.weights[0].iter().map(|t| g.constant(t.clone())).collect();
        let zeros = vec![0.0; row.len()];
        let ids = g.constant(be.upload(&model.batch_shape(2), &[row, &zeros[..]].concat()));
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let (e, _) = model.layers[0].config.forward(&mut g, &w, ids, None, &mut ForwardCtx { training: false, rng: &mut rng });
        let both = be.download(g.value(e));
        let half = both.len() / 2;
        Path { input: both[..half].to_vec(), baseline: both[half..].to_vec(), start: 1, shape: model.layers[0].output_shape.clone(), ids: Some(row.to_vec()) }
    }

    /// The points at `alphas` along the path, as one batch on the tape,
    /// and the mask they share.
    fn points<B: Backend>(&self, model: &Model<B>, g: &mut Graph<B>, alphas: &[f64], trainable: bool) -> (Var, Option<Var>) {
        let be = &model.backend;
        let flat: Vec<f32> = alphas
            .iter()
            .flat_map(|&a| self.baseline.iter().zip(&self.input).map(move |(&b, &x)| (b as f64 + a * (x as f64 - b as f64)) as f32))
            .collect();
        let shape: Vec<usize> = std::iter::once(alphas.len()).chain(self.shape.iter().copied()).collect();
        let t = be.upload(&shape, &flat);
        let x = if trainable { g.param(t) } else { g.constant(t) };
        let mask = self.ids.as_ref().and_then(|ids| {
            // The first layer's own mask rule, applied to the input's ids.
            let w: Vec<Var> = model.weights[0].iter().map(|t| g.constant(t.clone())).collect();
            let repeated: Vec<f32> = alphas.iter().flat_map(|_| ids.iter().copied()).collect();
            let idv = g.constant(be.upload(&model.batch_shape(alphas.len()), &repeated));
            let mut rng = ChaCha8Rng::seed_from_u64(0);
            model.layers[0].config.forward(g, &w, idv, None, &mut ForwardCtx { training: false, rng: &mut rng }).1
        });
        (x, mask)
    }

    /// The class's score at each of `alphas`.
    fn scores<B: Backend>(&self, model: &Model<B>, class: usize, alphas: &[f64]) -> Vec<f32> {
        let be = &model.backend;
        let mut g = Graph::new(be);
        let vars = constants(model, &mut g);
        let (x, mask) = self.points(model, &mut g, alphas, false);
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let out = model.forward_from(&mut g, &vars, self.start, x, mask, &mut ForwardCtx { training: false, rng: &mut rng }, true);
        be.download(g.value(out)).chunks(model.output_classes()).map(|z| log_odds(z, class) as f32).collect()
    }

    /// Σ_k weight_k · ∂score/∂x at node_k, per element of a point.
    fn weighted_gradient<B: Backend>(&self, model: &Model<B>, class: usize, nodes: &[f64], weights: &[f64]) -> Vec<f64> {
        let be = &model.backend;
        let mut g = Graph::new(be);
        let vars = constants(model, &mut g);
        let (x, mask) = self.points(model, &mut g, nodes, true);
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let out = model.forward_from(&mut g, &vars, self.start, x, mask, &mut ForwardCtx { training: false, rng: &mut rng }, true);
        // The root Σ_k w_k · log_odds_k enters the tape as Σ out ⊙ G, with G
        // its gradient with respect to the logits (computed here), so the
        // backward pass carries exactly that gradient down.
        let n = model.output_classes();
        let z = be.download(g.value(out));
        let seed: Vec<f32> = z.chunks(n).zip(weights).flat_map(|(z, &w)| log_odds_gradient(z, class).into_iter().map(move |d| (w * d) as f32)).collect();
        let k = nodes.len();
        let seed = g.constant(be.upload(&[k, n], &seed));
        let weighted = g.mul(out, seed);
        let flat = g.reshape(weighted, &[1, k * n]);
        let ones = g.constant(be.full(&[k * n, 1], 1.0));
        let total = g.matmul(flat, ones);
        let root = g.reshape(total, &[1]);
        let grads = g.backward(root);
        let gx = be.download(grads.get(x).expect("the path's points receive a gradient"));
        let len = self.input.len();
        let mut sum = vec![0.0f64; len];
        for point in gx.chunks(len) {
            for (s, &v) in sum.iter_mut().zip(point) {
                *s += v as f64;
            }
        }
        sum
    }
}

fn constants<B: Backend>(model: &Model<B>, g: &mut Graph<B>) -> Vec<Vec<Var>> {
    model.weights.iter().map(|ws| ws.iter().map(|w| g.constant(w.clone())).collect()).collect()
}

/// The model with its last softmax or sigmoid left out: its outputs are
/// logits (a copy: the weights are shared tensors or small).
fn logit_model<B: Backend>(model: &Model<B>) -> Model<B> {
    let mut layers = model.layers.clone();
    if let Some(last) = layers.last_mut() {
        if matches!(last.config.activation(), Some(Activation::Sigmoid | Activation::Softmax)) {
            last.config.set_activation(Activation::Linear);
        }
    }
    Model { backend: model.backend.clone(), input_shape: model.input_shape.clone(), input_len: model.input_len, layers, weights: model.weights.clone() }
}

/// A class's log-odds from one row of logits: z for a one-unit sigmoid's
/// class 1 (−z for class 0), else z_c − log Σ_{j≠c} exp z_j.
fn log_odds(z: &[f32], class: usize) -> f64 {
    if z.len() == 1 {
        return if class == 1 { z[0] as f64 } else { -(z[0] as f64) };
    }
    let others = z.iter().enumerate().filter(|(j, _)| *j != class).map(|(_, &v)| v as f64);
    let top = others.clone().fold(f64::NEG_INFINITY, f64::max);
    z[class] as f64 - (top + others.map(|v| (v - top).exp()).sum::<f64>().ln())
}

/// ∂ log_odds / ∂ z: the class's unit minus the softmax of the others.
fn log_odds_gradient(z: &[f32], class: usize) -> Vec<f64> {
    if z.len() == 1 {
        return vec![if class == 1 { 1.0 } else { -1.0 }];
    }
    let top = z.iter().enumerate().filter(|(j, _)| *j != class).map(|(_, &v)| v as f64).fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = z.iter().enumerate().map(|(j, &v)| if j == class { 0.0 } else { (v as f64 - top).exp() }).collect();
    let sum: f64 = e.iter().sum();
    e.iter().enumerate().map(|(j, v)| if j == class { 1.0 } else { -v / sum }).collect()
}

/// The class's log-odds for rows of the model's input, in batches.
fn scores_of<B: Backend>(model: &Model<B>, rows: &[Vec<f32>], class: usize) -> Vec<f32> {
    let be = &model.backend;
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(64) {
        let mut g = Graph::new(be);
        let vars = constants(model, &mut g);
        let flat: Vec<f32> = chunk.concat();
        let x = g.constant(be.upload(&model.batch_shape(chunk.len()), &flat));
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let y = model.forward(&mut g, &vars, x, &mut ForwardCtx { training: false, rng: &mut rng }, true);
        out.extend(be.download(g.value(y)).chunks(model.output_classes()).map(|z| log_odds(z, class) as f32));
    }
    out
}

/// Per position: the score's fall when that token becomes padding.
fn occlude_tokens<B: Backend>(model: &Model<B>, row: &[f32], class: usize, score: f32) -> Vec<f32> {
    let present: Vec<usize> = (0..row.len()).filter(|&i| row[i] != 0.0).collect();
    let rows: Vec<Vec<f32>> = present
        .iter()
        .map(|&i| {
            let mut r = row.to_vec();
            r[i] = 0.0;
            r
        })
        .collect();
    let mut out = vec![0.0; row.len()];
    for (&i, s) in present.iter().zip(scores_of(model, &rows, class)) {
        out[i] = score - s;
    }
    out
}

/// Per pixel: the score's fall when its patch (about an eighth of the
/// image a side) is zeroed, shared among the patch's pixels.
fn occlude_patches<B: Backend>(model: &Model<B>, row: &[f32], class: usize, score: f32) -> Vec<f32> {
    let (h, w, c) = (model.input_shape[0], model.input_shape[1], model.input_shape[2]);
    let side = h.max(w).div_ceil(8).max(1);
    let patches: Vec<(usize, usize)> = (0..h).step_by(side).flat_map(|y| (0..w).step_by(side).map(move |x| (y, x))).collect();
    let inside = |(py, px): (usize, usize)| (py..(py + side).min(h)).flat_map(move |y| (px..(px + side).min(w)).map(move |x| y * w + x));
    let rows: Vec<Vec<f32>> = patches
        .iter()
        .map(|&p| {
            let mut r = row.to_vec();
            for pixel in inside(p) {
                r[pixel * c..(pixel + 1) * c].fill(0.0);
            }
            r
        })
        .collect();
    let mut out = vec![0.0; h * w];
    for (&p, s) in patches.iter().zip(scores_of(model, &rows, class)) {
        let pixels: Vec<usize> = inside(p).collect();
        let share = (score - s) / pixels.len() as f32;
        for pixel in pixels {
            out[pixel] = share;
        }
    }
    out
}

/// Gauss–Legendre nodes and weights on [0, 1] (weights sum to 1).
pub fn gauss_legendre(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut nodes = Vec::with_capacity(n);
    let mut weights = Vec::with_capacity(n);
    for i in 0..n {
        // Newton's method on P_n from Tricomi's estimate of the i-th root.
        let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
        let mut dp = 0.0;
        for _ in 0..100 {
            let (p, d) = legendre(n, x);
            dp = d;
            let dx = p / d;
            x -= dx;
            if dx.abs() < 1e-15 {
                break;
            }
        }
        let (_, d) = legendre(n, x);
        dp = if d != 0.0 { d } else { dp };
        nodes.push((1.0 - x) / 2.0);
        weights.push(1.0 / ((1.0 - x * x) * dp * dp));
    }
    (nodes, weights)
}

/// P_n(x) and P_n'(x) by the three-term recurrence.
fn legendre(n: usize, x: f64) -> (f64, f64) {
    let (mut p0, mut p1) = (1.0, x);
    if n == 0 {
        return (1.0, 0.0);
    }
    for k in 2..=n {
        let p2 = ((2 * k - 1) as f64 * x * p1 - (k - 1) as f64 * p0) / k as f64;
        p0 = p1;
        p1 = p2;
    }
    (p1, n as f64 * (x * p1 - p0) / (x * x - 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauss_legendre_integrates_polynomials_exactly() {
        for n in [2, 5, 32, 64] {
            let (x, w) = gauss_legendre(n);
            assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12, "weights of {n} sum to 1");
            assert!(x.iter().all(|&t| t > 0.0 && t < 1.0));
            // ∫₀¹ t^k dt = 1/(k+1), exact for k ≤ 2n − 1.
            for k in [1, n, 2 * n - 1] {
                let q: f64 = x.iter().zip(&w).map(|(t, w)| w * t.powi(k as i32)).sum();
                assert!((q - 1.0 / (k as f64 + 1.0)).abs() < 1e-12, "n={n} k={k}: {q}");
            }
        }
        // Against a table: the 3-point rule on [-1, 1] has nodes 0, ±√(3/5).
        let (x, w) = gauss_legendre(3);
        let mut on_pm1: Vec<(f64, f64)> = x.iter().zip(&w).map(|(t, w)| (1.0 - 2.0 * t, 2.0 * w)).collect();
        on_pm1.sort_by(|a, b| a.0.total_cmp(&b.0));
        let r = (0.6f64).sqrt();
        for ((node, weight), (want_x, want_w)) in on_pm1.iter().zip([(-r, 5.0 / 9.0), (0.0, 8.0 / 9.0), (r, 5.0 / 9.0)]) {
            assert!((node - want_x).abs() < 1e-14 && (weight - want_w).abs() < 1e-14);
        }
    }
}
