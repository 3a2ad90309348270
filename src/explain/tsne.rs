//! t-SNE, exact, as scikit-learn's `TSNE(method="exact")` with its
//! defaults (init "pca", learning rate "auto", early exaggeration 12 for
//! the first 250 iterations, 1000 in all), checked against it in
//! tests/tsne.rs.
//!
//! Each point's neighbours are weighed by a Gaussian whose width is chosen
//! so that the weights' perplexity is the one asked (a binary search per
//! row); the symmetrised weights P are matched by a Student-t kernel Q over
//! the picture by gradient descent on KL(P‖Q), with momentum and per-
//! coordinate gains. Near neighbours stay near; distances between clusters
//! and their sizes mean little.
//!
//! Why not the `bhtsne` crate: it starts from an unseeded random layout (a
//! new picture every time, and a run no test can check), runs its whole
//! optimisation in one call (the page animates it a few iterations at a
//! time, between training batches, in the worker) and brings rayon,
//! crossbeam and a second `rand` into the browser's build. The exact method
//! costs O(n²) a step, which the projector's words (at most
//! [`MAX_POINTS`]) afford; it starts from the PCA layout, so it is
//! deterministic, and sums in a fixed order, so the command line and the
//! page draw the same picture.

/// The most points the projector gives t-SNE: memory and time grow with
/// the square (1,000 words: 16 MB, and 3.5 s for the whole run in the
/// browser on 2 cores).
pub const MAX_POINTS: usize = 1000;
/// scikit-learn's defaults.
pub const MAX_ITER: usize = 1000;
pub const EXAGGERATION: f64 = 12.0;
/// Iterations with exaggerated P (scikit-learn's `_EXPLORATION_MAX_ITER`).
pub const EXPLORATION: usize = 250;
const CHECK_EVERY: usize = 50;
const WITHOUT_PROGRESS: usize = 300;
const MIN_GAIN: f64 = 0.01;
const MIN_GRAD_NORM: f64 = 1e-7;
const PERPLEXITY_TOLERANCE: f64 = 1e-5;
const SEARCH_STEPS: usize = 100;
/// numpy's float64 epsilon, scikit-learn's floor under P and Q.
const EPS: f64 = f64::EPSILON;

/// Squared Euclidean distances between rows, n × n, rounded to f32 as
/// scikit-learn rounds them before its search.
pub fn squared_distances(rows: &[f32], width: usize) -> Vec<f32> {
    let n = rows.len() / width.max(1);
    let mut d = vec![0.0f32; n * n];
    for i in 0..n {
        let a = &rows[i * width..(i + 1) * width];
        for j in i + 1..n {
            let b = &rows[j * width..(j + 1) * width];
            let s: f64 = a.iter().zip(b).map(|(x, y)| (*x as f64 - *y as f64).powi(2)).sum();
            d[i * n + j] = s as f32;
            d[j * n + i] = s as f32;
        }
    }
    d
}

/// p(j|i): each row a Gaussian over the others whose precision β is found
/// by bisection until the row's entropy is ln(perplexity) (scikit-learn's
/// `_binary_search_perplexity`, step for step).
pub fn conditional_probabilities(sqd: &[f32], n: usize, perplexity: f64) -> Vec<f64> {
    let desired = perplexity.ln();
    let mut p = vec![0.0f64; n * n];
    for i in 0..n {
        let row = &mut p[i * n..(i + 1) * n];
        let d = &sqd[i * n..(i + 1) * n];
        let (mut beta, mut lo, mut hi) = (1.0f64, f64::NEG_INFINITY, f64::INFINITY);
        for _ in 0..SEARCH_STEPS {
            let mut sum = 0.0;
            for j in 0..n {
                row[j] = if j == i { 0.0 } else { (-(d[j] as f64) * beta).exp() };
                sum += row[j];
            }
            if sum == 0.0 {
                sum = 1e-8;
            }
            let mut weighted = 0.0;
            for j in 0..n {
                row[j] /= sum;
                weighted += d[j] as f64 * row[j];
            }
            let diff = sum.ln() + beta * weighted - desired;
            if diff.abs() <= PERPLEXITY_TOLERANCE {
                break;
            }
            if diff > 0.0 {
                lo = beta;
                beta = if hi == f64::INFINITY { beta * 2.0 } else { (beta + hi) / 2.0 };
            } else {
                hi = beta;
                beta = if lo == f64::NEG_INFINITY { beta / 2.0 } else { (beta + lo) / 2.0 };
            }
        }
    }
    p
}

/// The joint P, n × n: p(j|i) + p(i|j) over their sum, floored at ε off
/// the diagonal (scikit-learn's `_joint_probabilities`).
pub fn joint_probabilities(rows: &[f32], width: usize, perplexity: f64) -> Vec<f64> {
    let n = rows.len() / width.max(1);
    let c = conditional_probabilities(&squared_distances(rows, width), n, perplexity);
    let mut p = vec![0.0f64; n * n];
    let mut sum = 0.0;
    for i in 0..n {
        for j in 0..n {
            p[i * n + j] = c[i * n + j] + c[j * n + i];
            sum += p[i * n + j];
        }
    }
    let sum = sum.max(EPS);
    for i in 0..n {
        for j in 0..n {
            p[i * n + j] = if i == j { 0.0 } else { (p[i * n + j] / sum).max(EPS) };
        }
    }
    p
}

/// KL(P‖Q) and its gradient for the layout `y` (n × dims, row-major, dims
/// 2 or 3), P scaled by `exaggeration`; the kernel is Student's t with
/// dims − 1 degrees of freedom (at least 1), as scikit-learn's
/// `_kl_divergence` (whose gradient this is in 2-D). `scratch` holds the
/// pairs' kernel between calls.
pub fn kl_divergence(p: &[f64], exaggeration: f64, y: &[f64], dims: usize, scratch: &mut Vec<f64>) -> (f64, Vec<f64>) {
    let (kl, grad) = objective(p, exaggeration, y, dims, scratch, true);
    (kl.expect("asked for"), grad)
}

/// The gradient, and the divergence when `error` (a logarithm a pair, so
/// only when it is reported, as scikit-learn does).
fn objective(p: &[f64], exaggeration: f64, y: &[f64], dims: usize, scratch: &mut Vec<f64>, error: bool) -> (Option<f64>, Vec<f64>) {
    match dims {
        2 => objective_in::<2>(p, exaggeration, y, scratch, error),
        3 => objective_in::<3>(p, exaggeration, y, scratch, error),
        _ => panic!("t-SNE places points on 2 or 3 axes, not {dims}"),
    }
}

/// Each unordered pair once (the upper triangle, row by row, so the inner
/// loops run over contiguous columns and vectorise): its kernel in a first
/// pass, which gives Q's normaliser; then its share of both points'
/// gradients.
fn objective_in<const D: usize>(p: &[f64], exaggeration: f64, y: &[f64], kernel: &mut Vec<f64>, error: bool) -> (Option<f64>, Vec<f64>) {
    let n = y.len() / D;
    let dof = (D as f64 - 1.0).max(1.0);
    let cols: [Vec<f64>; D] = std::array::from_fn(|a| (0..n).map(|i| y[i * D + a]).collect());
    kernel.resize(n * n, 0.0);
    let mut half = 0.0;
    for i in 0..n {
        let row = &mut kernel[i * n + i + 1..(i + 1) * n];
        let here: [f64; D] = std::array::from_fn(|a| cols[a][i]);
        for (k, r) in row.iter_mut().enumerate() {
            let j = i + 1 + k;
            let mut d = 0.0;
            for a in 0..D {
                let t = here[a] - cols[a][j];
                d += t * t;
            }
            let base = d / dof + 1.0;
            // (1 + d/dof)^(−(dof + 1)/2): 1/base for dof 1, base^(−3/2) for 2.
            *r = if D == 2 { 1.0 / base } else { 1.0 / (base * base.sqrt()) };
        }
        half += sum4(row);
    }
    let z = (2.0 * half).max(EPS);
    let inv_z = 1.0 / z;
    let c = 2.0 * (dof + 1.0) / dof;
    let mut grad: [Vec<f64>; D] = std::array::from_fn(|_| vec![0.0; n]);
    let mut w = vec![0.0f64; n];
    let mut kl = 0.0;
    for i in 0..n {
        let row = &kernel[i * n + i + 1..(i + 1) * n];
        let pr = &p[i * n + i + 1..(i + 1) * n];
        let w = &mut w[..row.len()];
        let here: [f64; D] = std::array::from_fn(|a| cols[a][i]);
        for (k, ((wk, &kij), &pij)) in w.iter_mut().zip(row).zip(pr).enumerate() {
            let q = (kij * inv_z).max(EPS);
            // The slope of ln w(d) is −(dof + 1)/(2·dof) · (1 + d/dof)⁻¹:
            // the kernel itself only for dof 1. (scikit-learn's exact
            // gradient uses the kernel for every dof, so its 3-D gradient
            // is not its divergence's.)
            let slope = if D == 2 {
                kij
            } else {
                let j = i + 1 + k;
                let d: f64 = (0..D).map(|a| (here[a] - cols[a][j]).powi(2)).sum();
                1.0 / (d / dof + 1.0)
            };
            *wk = (pij * exaggeration - q) * slope;
        }
        if error {
            for (&kij, &pij) in row.iter().zip(pr) {
                let pj = pij * exaggeration;
                kl += pj * (pj.max(EPS) / (kij * inv_z).max(EPS)).ln();
            }
        }
        let total = sum4(w);
        for a in 0..D {
            let others = &cols[a][i + 1..];
            grad[a][i] += here[a] * total - dot4(w, others);
            for ((g, &wk), &o) in grad[a][i + 1..].iter_mut().zip(w.iter()).zip(others) {
                *g -= wk * (here[a] - o);
            }
        }
    }
    let out = (0..n).flat_map(|i| grad.iter().map(move |g| c * g[i])).collect::<Vec<f64>>();
    // Each unordered pair stands for two terms of the divergence's sum.
    (error.then_some(2.0 * kl), out)
}

/// A dot product in four lanes, in a fixed order.
fn dot4(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// A sum in four lanes: a fixed order, so every build adds alike.
fn sum4(v: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let mut chunks = v.chunks_exact(4);
    for c in &mut chunks {
        for k in 0..4 {
            acc[k] += c[k];
        }
    }
    let tail: f64 = chunks.remainder().iter().sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// A t-SNE run, stepped a few iterations at a time.
#[derive(Debug, Clone)]
pub struct Tsne {
    n: usize,
    dims: usize,
    p: Vec<f64>,
    y: Vec<f64>,
    update: Vec<f64>,
    gains: Vec<f64>,
    learning_rate: f64,
    iteration: usize,
    /// Where the exaggerated phase ends: [`EXPLORATION`], or sooner if it
    /// stopped early.
    phase_end: usize,
    kl: Option<f64>,
    best: (f64, usize),
    stopped: bool,
    scratch: Vec<f64>,
}

impl Tsne {
    /// A run over `rows` (n × width) into `dims` axes from the PCA layout
    /// scaled so its first axis has standard deviation 1e-4, as
    /// scikit-learn starts. Needs 2 ≤ dims ≤ 3 and 1 ≤ perplexity < n.
    pub fn new(rows: &[f32], width: usize, dims: usize, perplexity: f64) -> Tsne {
        let n = rows.len() / width.max(1);
        let pca = super::pca(rows, width, dims);
        let first: Vec<f64> = pca.coords.iter().map(|c| c.first().copied().unwrap_or(0.0) as f64).collect();
        let mean = first.iter().sum::<f64>() / n.max(1) as f64;
        let sd = (first.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n.max(1) as f64).sqrt();
        let scale = if sd > 0.0 { 1e-4 / sd } else { 0.0 };
        // PCA's coordinates, in f32 as scikit-learn keeps them; an axis
        // the rows do not span (all rows alike) starts at a fixed spread.
        let y = (0..n)
            .flat_map(|i| {
                let c = &pca.coords[i];
                (0..dims).map(move |a| match c.get(a) {
                    Some(&v) if scale > 0.0 => (v as f64 * scale) as f32 as f64,
                    _ => 1e-4 * (((i * 7 + a * 3) % 11) as f64 / 10.0 - 0.5),
                })
            })
            .collect();
        Self::from_layout(joint_probabilities(rows, width, perplexity), y, dims, 0)
    }

    /// A run that starts from an earlier run's layout over the same points
    /// (say the same words after more training), past the exaggerated
    /// phase: the picture moves on rather than starting again.
    pub fn resume(rows: &[f32], width: usize, perplexity: f64, from: &Tsne) -> Tsne {
        Self::from_layout(joint_probabilities(rows, width, perplexity), from.y.clone(), from.dims, EXPLORATION)
    }

    /// A run from a given layout (n × dims, row-major, as scikit-learn's
    /// `init=` array) at a given iteration (from [`EXPLORATION`] on, past
    /// the exaggerated phase).
    pub fn starting_at(rows: &[f32], width: usize, perplexity: f64, start: Vec<f64>, dims: usize, iteration: usize) -> Tsne {
        Self::from_layout(joint_probabilities(rows, width, perplexity), start, dims, iteration)
    }

    fn from_layout(p: Vec<f64>, y: Vec<f64>, dims: usize, iteration: usize) -> Tsne {
        let n = y.len() / dims;
        let len = y.len();
        Tsne {
            n,
            dims,
            p,
            y,
            update: vec![0.0; len],
            gains: vec![1.0; len],
            learning_rate: (n as f64 / EXAGGERATION / 4.0).max(50.0),
            iteration,
            phase_end: EXPLORATION.max(iteration),
            kl: None,
            best: (f64::MAX, iteration),
            stopped: false,
            scratch: Vec::new(),
        }
    }

    /// Up to `iterations` more steps; false once the run is over (all
    /// [`MAX_ITER`], or stopped as scikit-learn stops: no progress for
    /// 300 iterations, or a vanishing gradient).
    pub fn step(&mut self, iterations: usize) -> bool {
        for _ in 0..iterations {
            if self.done() {
                break;
            }
            let i = self.iteration;
            let exploring = i < self.phase_end;
            if i == self.phase_end {
                // The second phase starts afresh, as scikit-learn's second
                // call of its gradient descent does.
                self.update.iter_mut().for_each(|u| *u = 0.0);
                self.gains.iter_mut().for_each(|g| *g = 1.0);
                self.best = (f64::MAX, i);
            }
            let (exaggeration, momentum) = if exploring { (EXAGGERATION, 0.5) } else { (1.0, 0.8) };
            let after = i + 1;
            let check = after % CHECK_EVERY == 0;
            let report = check || after == self.phase_end || after == MAX_ITER;
            let (kl, mut grad) = objective(&self.p, exaggeration, &self.y, self.dims, &mut self.scratch, report);
            for ((g, u), gain) in grad.iter_mut().zip(&mut self.update).zip(&mut self.gains) {
                *gain = if *u * *g < 0.0 { *gain + 0.2 } else { *gain * 0.8 }.max(MIN_GAIN);
                *g *= *gain;
                *u = momentum * *u - self.learning_rate * *g;
            }
            self.y.iter_mut().zip(&self.update).for_each(|(y, u)| *y += u);
            self.iteration = after;
            if let Some(kl) = kl {
                self.kl = Some(kl);
            }
            if let (true, Some(kl)) = (check, kl) {
                let norm = grad.iter().map(|g| g * g).sum::<f64>().sqrt();
                if kl < self.best.0 {
                    self.best = (kl, i);
                } else if i - self.best.1 > if exploring { EXPLORATION } else { WITHOUT_PROGRESS } {
                    self.stop(exploring);
                }
                if norm <= MIN_GRAD_NORM {
                    self.stop(exploring);
                }
            }
        }
        !self.done()
    }

    /// An early stop in the exaggerated phase ends only that phase.
    fn stop(&mut self, exploring: bool) {
        if exploring {
            self.phase_end = self.iteration;
        } else {
            self.stopped = true;
        }
    }

    pub fn done(&self) -> bool {
        self.stopped || self.iteration >= MAX_ITER || self.n < 2
    }
    pub fn iteration(&self) -> usize {
        self.iteration
    }
    /// KL(P‖Q) as last checked (every 50 iterations and at the end of each
    /// phase), with P exaggerated in the first phase, as scikit-learn
    /// reports it.
    pub fn kl_divergence(&self) -> Option<f64> {
        self.kl
    }
    pub fn dims(&self) -> usize {
        self.dims
    }
    /// Each point's coordinates.
    pub fn coords(&self) -> Vec<Vec<f32>> {
        self.y.chunks(self.dims).map(|c| c.iter().map(|&v| v as f32).collect()).collect()
    }
    /// The joint probabilities, n × n.
    pub fn p(&self) -> &[f64] {
        &self.p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sum4_adds_every_value() {
        let v: Vec<f64> = (1..=11).map(|i| i as f64).collect();
        assert_eq!(sum4(&v), 66.0);
        assert_eq!(sum4(&[]), 0.0);
    }

    #[test]
    fn each_row_reaches_its_perplexity() {
        let rows: Vec<f32> = (0..40).map(|i| ((i * 37 % 17) as f32 * 0.3).sin()).collect();
        let n = 20;
        let c = conditional_probabilities(&squared_distances(&rows, 2), n, 5.0);
        for i in 0..n {
            let row = &c[i * n..(i + 1) * n];
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            let h: f64 = row.iter().filter(|&&p| p > 0.0).map(|p| -p * p.ln()).sum();
            assert!((h.exp() - 5.0).abs() < 1e-3, "row {i}: perplexity {}", h.exp());
        }
    }
}
