//! Text from a language model, one token at a time: the model reads the
//! last `context` tokens, its logits for the next token are turned into a
//! distribution (temperature, then top-k, then top-p), and a token is drawn
//! from it with a seeded generator, so a run repeats exactly.
//!
//! Each new token runs the model over the whole window again (no cache of
//! keys and values): for a window of t tokens that is t positions of work
//! per token instead of one, the attention t² instead of t. At the `gpt`
//! preset's context of 64 a cache would save at most 64× the work per
//! token; the window is small enough that generation is not the page's
//! bottleneck (see README).

use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::autodiff::{Graph, Var};
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::msg;
use crate::nn::ForwardCtx;

/// How the next token is chosen from the model's logits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sampling {
    /// Logits are divided by it: below 1 sharpens, above 1 flattens; 0
    /// takes the most probable token every time.
    pub temperature: f32,
    /// Keep only the k most probable tokens.
    pub top_k: Option<usize>,
    /// Keep the fewest most probable tokens whose probabilities sum to at
    /// least p (nucleus sampling).
    pub top_p: Option<f32>,
}

impl Default for Sampling {
    fn default() -> Self {
        Sampling { temperature: 1.0, top_k: None, top_p: None }
    }
}

impl Sampling {
    pub fn validate(&self) -> Result<()> {
        if !(self.temperature.is_finite() && (0.0..=100.0).contains(&self.temperature)) {
            return Err(Error::setting("temperature", msg!("value.between", value = self.temperature, min = "0", max = "100")));
        }
        if self.top_k == Some(0) {
            return Err(Error::setting("top_k", msg!("value.between", value = 0, min = "1", max = "the vocabulary size")));
        }
        if let Some(p) = self.top_p {
            if !(p.is_finite() && p > 0.0 && p <= 1.0) {
                return Err(Error::setting("top_p", msg!("value.between", value = p, min = "0 (excluded)", max = "1")));
            }
        }
        Ok(())
    }
}

/// A candidate for the next token.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Candidate {
    pub id: u32,
    pub probability: f32,
}

/// The distribution the next token is drawn from, most probable first:
/// softmax(logits / temperature), cut to the top k, then to the top p,
/// renormalised. Temperature 0 leaves only the most probable token.
pub fn distribution(logits: &[f32], s: &Sampling) -> Vec<Candidate> {
    // A token ruled out (logit −∞: the unknown token) is no candidate.
    let mut order: Vec<usize> = (0..logits.len()).filter(|&i| logits[i] != f32::NEG_INFINITY).collect();
    if order.is_empty() {
        order = (0..logits.len()).collect();
    }
    // Most probable first; ties by id, so the order is the same everywhere.
    order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]).then(a.cmp(&b)));
    if s.temperature == 0.0 {
        return vec![Candidate { id: order[0] as u32, probability: 1.0 }];
    }
    let max = logits[order[0]];
    let mut probs: Vec<f64> = order.iter().map(|&i| (((logits[i] - max) / s.temperature) as f64).exp()).collect();
    let total: f64 = probs.iter().sum();
    probs.iter_mut().for_each(|p| *p /= total);
    let mut keep = probs.len();
    if let Some(k) = s.top_k {
        keep = keep.min(k);
    }
    if let Some(top_p) = s.top_p {
        let mut sum = 0.0;
        for (i, p) in probs.iter().enumerate().take(keep) {
            sum += p;
            if sum >= top_p as f64 {
                keep = i + 1;
                break;
            }
        }
    }
    let kept: f64 = probs[..keep].iter().sum();
    order[..keep].iter().zip(&probs).map(|(&i, &p)| Candidate { id: i as u32, probability: (p / kept) as f32 }).collect()
}

/// One draw from a distribution.
pub fn sample(dist: &[Candidate], rng: &mut ChaCha8Rng) -> u32 {
    let u: f32 = rng.gen();
    let mut sum = 0.0;
    for c in dist {
        sum += c.probability;
        if u < sum {
            return c.id;
        }
    }
    dist.last().map_or(0, |c| c.id)
}

/// The model's logits for the token after `ids` (its last `context`), with
/// `unknown` (the tokenizer's id for what it cannot read) ruled out: it
/// stands for no text, so generating it would print a placeholder.
pub fn next_logits<B: Backend>(model: &Model<B>, ids: &[u32], unknown: Option<u32>) -> Result<Vec<f32>> {
    let mut logits = run(model, ids)?;
    if let Some(slot) = unknown.and_then(|u| logits.get_mut(u as usize)) {
        *slot = f32::NEG_INFINITY;
    }
    Ok(logits)
}

pub use crate::explain::attention::AttentionMap;

/// Every attention's probabilities over `ids` (their last `context`), in
/// layer order: every position is a token (src/explain/attention.rs).
pub fn attention_maps<B: Backend>(model: &Model<B>, ids: &[u32]) -> Result<Vec<AttentionMap>> {
    let window = window(model, ids)?;
    let row: Vec<f32> = window.iter().map(|&i| i as f32).collect();
    let all: Vec<usize> = (0..row.len()).collect();
    crate::explain::attention::attention_maps(model, &row, &all)
}

/// The last `context` of `ids`, which must not be empty.
fn window<'a, B: Backend>(model: &Model<B>, ids: &'a [u32]) -> Result<&'a [u32]> {
    if ids.is_empty() {
        return Err(Error::setting("prompt", msg!("lm.empty_prompt")));
    }
    Ok(&ids[ids.len().saturating_sub(model.input_shape[0])..])
}

/// Runs the model on the window of `ids` it can see; returns the last
/// position's logits.
fn run<B: Backend>(model: &Model<B>, ids: &[u32]) -> Result<Vec<f32>> {
    let window = window(model, ids)?;
    let t = window.len();
    let be = &model.backend;
    let mut g = Graph::new(be);
    let vars: Vec<Vec<Var>> = model.weights.iter().map(|ws| ws.iter().map(|w| g.constant(w.clone())).collect()).collect();
    let x = g.constant(be.upload(&[1, t], &window.iter().map(|&i| i as f32).collect::<Vec<_>>()));
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let y = model.forward(&mut g, &vars, x, &mut ForwardCtx { training: false, rng: &mut rng }, true);
    let v = model.output_classes();
    let all = be.download(g.value(y));
    Ok(all[(t - 1) * v..t * v].to_vec())
}

/// `tokens` new tokens after `prompt`, drawn by `s` from a generator
/// seeded with `seed`; `each` sees every token as it is made (streaming).
pub fn generate<B: Backend>(model: &Model<B>, prompt: &[u32], tokens: usize, s: &Sampling, unknown: Option<u32>, seed: u64, mut each: impl FnMut(u32)) -> Result<Vec<u32>> {
    s.validate()?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut ids = prompt.to_vec();
    let mut out = Vec::with_capacity(tokens);
    for _ in 0..tokens {
        let logits = next_logits(model, &ids, unknown)?;
        let next = sample(&distribution(&logits, s), &mut rng);
        each(next);
        ids.push(next);
        out.push(next);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(d: &[Candidate]) -> Vec<u32> {
        d.iter().map(|c| c.id).collect()
    }

    #[test]
    fn temperature_top_k_and_top_p_shape_the_distribution() {
        let logits = [1.0f32, 3.0, 2.0, 0.0];
        let full = distribution(&logits, &Sampling::default());
        assert_eq!(ids(&full), vec![1, 2, 0, 3]);
        let z: f32 = logits.iter().map(|l| l.exp()).sum();
        assert!((full[0].probability - 3f32.exp() / z).abs() < 1e-6);
        // Colder: the favourite gains; hotter: it loses.
        let cold = distribution(&logits, &Sampling { temperature: 0.5, ..Default::default() });
        let hot = distribution(&logits, &Sampling { temperature: 2.0, ..Default::default() });
        assert!(cold[0].probability > full[0].probability && hot[0].probability < full[0].probability);
        assert_eq!(ids(&distribution(&logits, &Sampling { temperature: 0.0, ..Default::default() })), vec![1]);
        let k2 = distribution(&logits, &Sampling { top_k: Some(2), ..Default::default() });
        assert_eq!(ids(&k2), vec![1, 2]);
        assert!((k2.iter().map(|c| c.probability).sum::<f32>() - 1.0).abs() < 1e-6);
        // p(1) ≈ 0.64, p(2) ≈ 0.24: 0.8 needs both, 0.5 the first alone.
        assert_eq!(ids(&distribution(&logits, &Sampling { top_p: Some(0.8), ..Default::default() })), vec![1, 2]);
        assert_eq!(ids(&distribution(&logits, &Sampling { top_p: Some(0.5), ..Default::default() })), vec![1]);
        // A ruled-out token is never a candidate, even the likeliest.
        let ruled = [1.0f32, f32::NEG_INFINITY, 2.0, 0.0];
        assert_eq!(ids(&distribution(&ruled, &Sampling::default())), vec![2, 0, 3]);
        assert_eq!(ids(&distribution(&ruled, &Sampling { temperature: 0.0, ..Default::default() })), vec![2]);
    }

    #[test]
    fn draws_follow_the_probabilities_and_repeat_with_the_seed() {
        let dist = distribution(&[0.0, (3.0f32).ln()], &Sampling::default()); // 1/4, 3/4
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let draws: Vec<u32> = (0..4000).map(|_| sample(&dist, &mut rng)).collect();
        let ones = draws.iter().filter(|&&d| d == 1).count() as f64 / 4000.0;
        assert!((ones - 0.75).abs() < 0.03, "{}", ones);
        let mut again = ChaCha8Rng::seed_from_u64(7);
        assert_eq!(draws[..50], (0..50).map(|_| sample(&dist, &mut again)).collect::<Vec<_>>()[..]);
    }

    #[test]
    fn bad_settings_are_named() {
        for (s, field) in [
            (Sampling { temperature: f32::NAN, ..Default::default() }, "temperature"),
            (Sampling { temperature: -1.0, ..Default::default() }, "temperature"),
            (Sampling { top_k: Some(0), ..Default::default() }, "top_k"),
            (Sampling { top_p: Some(0.0), ..Default::default() }, "top_p"),
            (Sampling { top_p: Some(1.5), ..Default::default() }, "top_p"),
        ] {
            assert_eq!(s.validate().unwrap_err().field(), Some(field), "{:?}", s);
        }
    }
}
