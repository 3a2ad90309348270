//! The embedding projector's arithmetic: principal components of an
//! Embedding's table and nearest neighbours by cosine similarity.
//!
//! PCA is computed as scikit-learn's: rows centred, variances with n − 1,
//! components orthonormal, the largest-magnitude entry of each made
//! positive so the picture does not flip between updates. The top
//! components come from subspace iteration on Xᵀ(X Q) with a few extra
//! vectors and a Rayleigh–Ritz step (Jacobi on the small matrix), so the
//! cost is a few passes over the table, whatever its width.

/// The top principal components of a table's rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Pca {
    /// `k` unit vectors of the table's width, orthogonal.
    pub components: Vec<Vec<f64>>,
    /// The variance along each (n − 1 denominator), largest first.
    pub explained_variance: Vec<f64>,
    /// Each as a share of the total variance.
    pub explained_variance_ratio: Vec<f64>,
    /// Every row's coordinates along the components.
    pub coords: Vec<Vec<f32>>,
}

/// The top `k` principal components of `rows` (row-major, `width` values
/// each). Fewer than `k` when the rows span fewer dimensions.
pub fn pca(rows: &[f32], width: usize, k: usize) -> Pca {
    let n = if width == 0 { 0 } else { rows.len() / width };
    let k = k.min(width).min(n.saturating_sub(1));
    let mut mean = vec![0.0f64; width];
    for r in rows.chunks(width) {
        for (m, &v) in mean.iter_mut().zip(r) {
            *m += v as f64;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n.max(1) as f64);
    let x: Vec<f64> = rows.chunks(width).flat_map(|r| r.iter().zip(&mean).map(|(&v, m)| v as f64 - m)).collect();
    let total: f64 = x.iter().map(|v| v * v).sum::<f64>() / (n.max(2) - 1) as f64;
    if k == 0 || total == 0.0 {
        return Pca { components: vec![], explained_variance: vec![], explained_variance_ratio: vec![], coords: vec![vec![]; n] };
    }
    // C·v = Xᵀ(X v) / (n − 1), without forming C.
    let cov_times = |v: &[f64]| -> Vec<f64> {
        let mut out = vec![0.0; width];
        for r in x.chunks(width) {
            let dot: f64 = r.iter().zip(v).map(|(a, b)| a * b).sum();
            for (o, a) in out.iter_mut().zip(r) {
                *o += dot * a;
            }
        }
        out.iter_mut().for_each(|o| *o /= (n - 1) as f64);
        out
    };
    let m = (k + 6).min(width);
    // A fixed, full-rank start (a Halton-like sequence): deterministic.
    let mut q: Vec<Vec<f64>> = (0..m).map(|j| (0..width).map(|i| (((i * 7919 + j * 104_729 + 1) % 1_009) as f64 / 1_009.0) - 0.5 + if i == j { 1.0 } else { 0.0 }).collect()).collect();
    orthonormalise(&mut q);
    let mut values = vec![0.0; m];
    let mut vectors = q.clone();
    for _ in 0..1000 {
        let z: Vec<Vec<f64>> = q.iter().map(|v| cov_times(v)).collect();
        // Rayleigh–Ritz: the small matrix Qᵀ C Q, diagonalised.
        let small: Vec<Vec<f64>> = q.iter().map(|a| z.iter().map(|b| dot(a, b)).collect()).collect();
        let (vals, vecs) = jacobi(small);
        let mut order: Vec<usize> = (0..m).collect();
        order.sort_by(|&a, &b| vals[b].total_cmp(&vals[a]));
        let ritz: Vec<Vec<f64>> = order.iter().map(|&j| (0..width).map(|i| (0..m).map(|l| q[l][i] * vecs[l][j]).sum()).collect()).collect();
        let new_values: Vec<f64> = order.iter().map(|&j| vals[j]).collect();
        let settled = new_values.iter().zip(&values).take(k).all(|(a, b)| (a - b).abs() <= 1e-13 * total);
        // Convergence of the vectors, not only the values: each Ritz vector
        // is its own image under C up to its value.
        let residual = ritz.iter().zip(&new_values).take(k).all(|(v, &l)| {
            let cv = cov_times(v);
            cv.iter().zip(v).map(|(a, b)| (a - l * b).powi(2)).sum::<f64>().sqrt() <= 1e-9 * total
        });
        values = new_values;
        vectors = ritz;
        if settled && residual {
            break;
        }
        q = order.iter().map(|&j| z.iter().enumerate().fold(vec![0.0; width], |mut acc, (l, zl)| {
            for (a, b) in acc.iter_mut().zip(zl) {
                *a += vecs[l][j] * b;
            }
            acc
        })).collect();
        orthonormalise(&mut q);
    }
    let mut components: Vec<Vec<f64>> = vectors.into_iter().take(k).collect();
    for c in &mut components {
        let big = c.iter().copied().max_by(|a, b| a.abs().total_cmp(&b.abs())).unwrap_or(0.0);
        if big < 0.0 {
            c.iter_mut().for_each(|v| *v = -*v);
        }
    }
    let explained_variance: Vec<f64> = values.into_iter().take(k).map(|v| v.max(0.0)).collect();
    let explained_variance_ratio = explained_variance.iter().map(|v| v / total).collect();
    let coords = x.chunks(width).map(|r| components.iter().map(|c| dot(r, c) as f32).collect()).collect();
    Pca { components, explained_variance, explained_variance_ratio, coords }
}

/// The `count` rows among `candidates` most like row `query` by cosine
/// similarity, best first, the query left out.
pub fn nearest(rows: &[f32], width: usize, query: usize, count: usize, candidates: &[usize]) -> Vec<(usize, f32)> {
    let norm = |r: &[f32]| r.iter().map(|v| (*v as f64).powi(2)).sum::<f64>().sqrt();
    let q = &rows[query * width..(query + 1) * width];
    let qn = norm(q);
    let mut scored: Vec<(usize, f32)> = candidates
        .iter()
        .filter(|&&i| i != query && (i + 1) * width <= rows.len())
        .map(|&i| (i, &rows[i * width..(i + 1) * width]))
        .filter(|(_, r)| norm(r) > 0.0)
        .map(|(i, r)| {
            let d: f64 = r.iter().zip(q).map(|(a, b)| *a as f64 * *b as f64).sum();
            (i, if qn > 0.0 { (d / (norm(r) * qn)) as f32 } else { 0.0 })
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored.truncate(count);
    scored
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Modified Gram–Schmidt, twice for f64 safety; a vector that vanishes is
/// replaced by a unit axis not yet spanned.
fn orthonormalise(q: &mut [Vec<f64>]) {
    for _ in 0..2 {
        for i in 0..q.len() {
            for j in 0..i {
                let d = dot(&q[i], &q[j]);
                let qj = q[j].clone();
                q[i].iter_mut().zip(&qj).for_each(|(a, b)| *a -= d * b);
            }
            let n = dot(&q[i], &q[i]).sqrt();
            if n > 1e-300 {
                q[i].iter_mut().for_each(|a| *a /= n);
            } else {
                let w = q[i].len();
                q[i] = (0..w).map(|a| if a == i % w { 1.0 } else { 0.0 }).collect();
            }
        }
    }
}

/// Eigenvalues and eigenvectors (columns: `vecs[row][col]`) of a small
/// symmetric matrix by cyclic Jacobi rotations.
fn jacobi(mut a: Vec<Vec<f64>>) -> (Vec<f64>, Vec<Vec<f64>>) {
    let m = a.len();
    let mut v: Vec<Vec<f64>> = (0..m).map(|i| (0..m).map(|j| if i == j { 1.0 } else { 0.0 }).collect()).collect();
    for _ in 0..100 {
        let off: f64 = (0..m).flat_map(|i| (0..m).filter(move |&j| j != i).map(move |j| (i, j))).map(|(i, j)| a[i][j] * a[i][j]).sum();
        let scale: f64 = (0..m).map(|i| a[i][i] * a[i][i]).sum::<f64>().max(1e-300);
        if off <= 1e-30 * scale {
            break;
        }
        for p in 0..m {
            for r in p + 1..m {
                if a[p][r].abs() < 1e-300 {
                    continue;
                }
                let theta = (a[r][r] - a[p][p]) / (2.0 * a[p][r]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..m {
                    let (akp, akr) = (a[k][p], a[k][r]);
                    a[k][p] = c * akp - s * akr;
                    a[k][r] = s * akp + c * akr;
                }
                for k in 0..m {
                    let (apk, ark) = (a[p][k], a[r][k]);
                    a[p][k] = c * apk - s * ark;
                    a[r][k] = s * apk + c * ark;
                }
                for k in 0..m {
                    let (vkp, vkr) = (v[k][p], v[k][r]);
                    v[k][p] = c * vkp - s * vkr;
                    v[k][r] = s * vkp + c * vkr;
                }
            }
        }
    }
    ((0..m).map(|i| a[i][i]).collect(), v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jacobi_diagonalises() {
        let a = vec![vec![4.0, 1.0, 2.0], vec![1.0, 3.0, 0.5], vec![2.0, 0.5, 1.0]];
        let (vals, vecs) = jacobi(a.clone());
        for j in 0..3 {
            for i in 0..3 {
                let av: f64 = (0..3).map(|k| a[i][k] * vecs[k][j]).sum();
                assert!((av - vals[j] * vecs[i][j]).abs() < 1e-10);
            }
        }
        assert!((vals.iter().sum::<f64>() - 8.0).abs() < 1e-10, "the trace is kept");
    }

    #[test]
    fn nearest_by_cosine() {
        let rows = [1.0, 0.0, 0.9, 0.1, 0.0, 1.0, 2.0, 0.0, 0.0, 0.0];
        let n = nearest(&rows, 2, 0, 3, &[0, 1, 2, 3, 4]);
        assert_eq!(n.iter().map(|p| p.0).collect::<Vec<_>>(), vec![3, 1, 2], "length is ignored; a zero row is left out");
        assert!((n[0].1 - 1.0).abs() < 1e-6);
        assert_eq!(nearest(&rows, 2, 0, 3, &[1, 2, 4])[0].0, 1);
    }
}
