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
/// the square (1,000 words: 16 MB, about a second per 100 iterations in
/// the browser).
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

/// KL(P‖Q) and its gradient for the layout `y` (n × dims, row-major), P
/// scaled by `exaggeration`; the kernel is Student's t with dims − 1
/// degrees of freedom (at least 1), as scikit-learn's `_kl_divergence`
/// (whose gradient this is in 2-D).
/// `scratch` holds the n × n kernel between calls.
pub fn kl_divergence(p: &[f64], exaggeration: f64, y: &[f64], dims: usize, scratch: &mut Vec<f64>) -> (f64, Vec<f64>) {
    let n = y.len() / dims;
    let dof = (dims as f64 - 1.0).max(1.0);
    let power = (dof + 1.0) / -2.0;
    scratch.resize(n * n, 0.0);
    let kernel = scratch;
    let mut z = 0.0;
    for i in 0..n {
        let row = &mut kernel[i * n..(i + 1) * n];
        for j in 0..n {
            let mut d = 0.0;
            for a in 0..dims {
                let t = y[i * dims + a] - y[j * dims + a];
                d += t * t;
            }
            let base = d / dof + 1.0;
            row[j] = if j == i { 0.0 } else if dof == 1.0 { 1.0 / base } else { base.powf(power) };
        }
        z += sum4(row);
    }
    let z = z.max(EPS);
    let mut kl = 0.0;
    let mut grad = vec![0.0f64; n * dims];
    let c = 2.0 * (dof + 1.0) / dof;
    let mut w = vec![0.0f64; n];
    for i in 0..n {
        let row = &kernel[i * n..(i + 1) * n];
        let pr = &p[i * n..(i + 1) * n];
        for j in 0..n {
            let q = (row[j] / z).max(EPS);
            let pj = pr[j] * exaggeration;
            // The slope of ln w(d) is −(dof + 1)/(2·dof) · (1 + d/dof)⁻¹,
            // which is the kernel itself only for dof 1. (scikit-learn's
            // exact gradient uses the kernel for every dof, so its 3-D
            // gradient is not its divergence's.)
            let slope = if dof == 1.0 {
                row[j]
            } else {
                let d: f64 = (0..dims).map(|a| (y[i * dims + a] - y[j * dims + a]).powi(2)).sum();
                1.0 / (d / dof + 1.0)
            };
            w[j] = if j == i { 0.0 } else { (pj - q) * slope };
            if j != i {
                kl += pj * (pj.max(EPS) / q).ln();
            }
        }
        let total = sum4(&w);
        for a in 0..dims {
            let mut s = 0.0;
            for j in 0..n {
                s += w[j] * y[j * dims + a];
            }
            grad[i * dims + a] = c * (y[i * dims + a] * total - s);
        }
    }
    (kl, grad)
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
            let (kl, mut grad) = kl_divergence(&self.p, exaggeration, &self.y, self.dims, &mut self.scratch);
            for ((g, u), gain) in grad.iter_mut().zip(&mut self.update).zip(&mut self.gains) {
                *gain = if *u * *g < 0.0 { *gain + 0.2 } else { *gain * 0.8 }.max(MIN_GAIN);
                *g *= *gain;
                *u = momentum * *u - self.learning_rate * *g;
            }
            self.y.iter_mut().zip(&self.update).for_each(|(y, u)| *y += u);
            self.iteration += 1;
            let last_of_phase = self.iteration == self.phase_end || self.iteration == MAX_ITER;
            if self.iteration % CHECK_EVERY == 0 || last_of_phase {
                self.kl = Some(kl);
            }
            if self.iteration % CHECK_EVERY == 0 {
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
