//! The CPU backend's image operations: 2-D windows (convolution patches
//! and pooling) over channels-last images, and batch normalisation.
//! Plain loops over contiguous channel runs; the heavy work of a
//! convolution is the matrix product that follows `im2col_2d`.

use super::CpuTensor;
use super::super::window::{PoolKind, Window2d};

/// For each output column `ox`, the kernel columns `kx0..kx1` that fall
/// inside the image, and the image column of `kx0`. Consecutive kernel
/// columns read consecutive image columns, so each kernel row of a window is
/// one contiguous run of `(kx1 - kx0) * c` values, in the image and in the
/// patch alike: one copy instead of one per cell.
fn column_runs(win: &Window2d) -> Vec<(usize, usize, usize)> {
    (0..win.ow)
        .map(|ox| {
            let start = ox * win.sw;
            let kx0 = win.pad_left.saturating_sub(start).min(win.kw);
            let kx1 = (win.w + win.pad_left).saturating_sub(start).min(win.kw);
            (kx0, kx1.max(kx0), (start + kx0).saturating_sub(win.pad_left))
        })
        .collect()
}

/// Every run of pixels a patch shares with the image: calls
/// `f(offset in the patches, offset in the image, length)`, windows in
/// output order, then kernel rows. im2col copies the runs one way, col2im
/// adds them back the other.
fn each_run(win: &Window2d, mut f: impl FnMut(usize, usize, usize)) {
    let Window2d { batch, h, w, c, kh, kw, oh, ow, .. } = *win;
    let width = kh * kw * c;
    let runs = column_runs(win);
    for b in 0..batch {
        for oy in 0..oh {
            for (ox, &(kx0, kx1, x0)) in runs.iter().enumerate() {
                let len = (kx1 - kx0) * c;
                if len == 0 {
                    continue;
                }
                let row = ((b * oh + oy) * ow + ox) * width;
                for ky in 0..kh {
                    let Some(y) = win.in_y(oy, ky) else { continue };
                    f(row + (ky * kw + kx0) * c, ((b * h + y) * w + x0) * c, len);
                }
            }
        }
    }
}

pub fn im2col_2d(x: &CpuTensor, win: &Window2d) -> CpuTensor {
    let Window2d { batch, kh, kw, c, oh, ow, .. } = *win;
    let width = kh * kw * c;
    let data = x.data();
    let mut out = vec![0.0f32; batch * oh * ow * width];
    each_run(win, |at, from, len| {
        let (dst, src) = (&mut out[at..at + len], &data[from..from + len]);
        if len <= 16 {
            // Short runs (a one-channel image's three pixels): a loop beats
            // a call to memcpy, in wasm above all.
            for (d, &v) in dst.iter_mut().zip(src) {
                *d = v;
            }
        } else {
            dst.copy_from_slice(src);
        }
    });
    CpuTensor::new(&[batch * oh * ow, width], out)
}

/// The gradient of `im2col_2d`. Each image cell receives its patches'
/// values in the same order as a cell-by-cell loop (windows in output
/// order, then kernel rows and columns), so the sums are the same bits.
pub fn col2im_2d(cols: &CpuTensor, win: &Window2d) -> CpuTensor {
    let Window2d { batch, h, w, c, .. } = *win;
    let data = cols.data();
    let mut out = vec![0.0f32; batch * h * w * c];
    each_run(win, |at, to, len| {
        for (o, &v) in out[to..to + len].iter_mut().zip(&data[at..at + len]) {
            *o += v;
        }
    });
    CpuTensor::new(&win.input_shape(), out)
}

/// Calls `f(output index, input cell index)` for every cell of every window;
/// returns nothing, but visits windows in output order.
fn each_window(win: &Window2d, mut f: impl FnMut(usize, &[usize])) {
    let Window2d { batch, h, w, kh, kw, oh, ow, .. } = *win;
    let mut cells = Vec::with_capacity(kh * kw);
    for b in 0..batch {
        for oy in 0..oh {
            for ox in 0..ow {
                cells.clear();
                for ky in 0..kh {
                    let Some(y) = win.in_y(oy, ky) else { continue };
                    for kx in 0..kw {
                        if let Some(xx) = win.in_x(ox, kx) {
                            cells.push((b * h + y) * w + xx);
                        }
                    }
                }
                f((b * oh + oy) * ow + ox, &cells);
            }
        }
    }
}

pub fn pool_2d(x: &CpuTensor, win: &Window2d, kind: PoolKind) -> CpuTensor {
    let c = win.c;
    let data = x.data();
    let mut out = vec![0.0f32; win.batch * win.oh * win.ow * c];
    each_window(win, |o, cells| {
        let dst = &mut out[o * c..][..c];
        match kind {
            PoolKind::Max => {
                dst.fill(f32::NEG_INFINITY);
                for &cell in cells {
                    for (m, &v) in dst.iter_mut().zip(&data[cell * c..][..c]) {
                        // f32::max as a select: from −∞ both skip NaN and
                        // keep the largest, but in wasm f32::max is a call
                        // to fmaxf per element (this is 6× faster there).
                        *m = if v > *m { v } else { *m };
                    }
                }
            }
            PoolKind::Average => {
                for &cell in cells {
                    for (m, &v) in dst.iter_mut().zip(&data[cell * c..][..c]) {
                        *m += v;
                    }
                }
                let inv = 1.0 / cells.len() as f32;
                dst.iter_mut().for_each(|m| *m *= inv);
            }
        }
    });
    CpuTensor::new(&win.output_shape(c), out)
}

pub fn pool_2d_backward(x: &CpuTensor, dy: &CpuTensor, win: &Window2d, kind: PoolKind) -> CpuTensor {
    let c = win.c;
    let (data, g) = (x.data(), dy.data());
    let mut out = vec![0.0f32; win.batch * win.h * win.w * c];
    // Max: each channel's first largest cell of the window, found a whole
    // cell (all channels, contiguous) at a time.
    let mut best = vec![0usize; c];
    let mut best_value = vec![0.0f32; c];
    each_window(win, |o, cells| {
        let gy = &g[o * c..][..c];
        match kind {
            PoolKind::Max => {
                best.fill(cells[0]);
                best_value.copy_from_slice(&data[cells[0] * c..][..c]);
                for &cell in &cells[1..] {
                    for ((b, m), &v) in best.iter_mut().zip(best_value.iter_mut()).zip(&data[cell * c..][..c]) {
                        if v > *m {
                            *m = v;
                            *b = cell;
                        }
                    }
                }
                for (ch, (&b, &gv)) in best.iter().zip(gy).enumerate() {
                    out[b * c + ch] += gv;
                }
            }
            PoolKind::Average => {
                let inv = 1.0 / cells.len() as f32;
                for &cell in cells {
                    for (d, &v) in out[cell * c..][..c].iter_mut().zip(gy) {
                        *d += v * inv;
                    }
                }
            }
        }
    });
    CpuTensor::new(&win.input_shape(), out)
}

/// Rows of a tensor viewed as [n, channels].
fn rows(x: &CpuTensor) -> (usize, usize) {
    let c = *x.shape().last().unwrap();
    (x.data().len() / c.max(1), c)
}

pub fn moments(x: &CpuTensor) -> (CpuTensor, CpuTensor) {
    let (n, c) = rows(x);
    let data = x.data();
    // Two passes in f64: the variance of values far from zero stays exact.
    let mut mean = vec![0.0f64; c];
    for row in data.chunks(c) {
        for (m, &v) in mean.iter_mut().zip(row) {
            *m += v as f64;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    let mut var = vec![0.0f64; c];
    for row in data.chunks(c) {
        for ((s, &v), &m) in var.iter_mut().zip(row).zip(&mean) {
            let d = v as f64 - m;
            *s += d * d;
        }
    }
    let to32 = |v: Vec<f64>, div: f64| v.into_iter().map(|x| (x / div) as f32).collect::<Vec<f32>>();
    (CpuTensor::new(&[c], to32(mean, 1.0)), CpuTensor::new(&[c], to32(var, n as f64)))
}

fn inv_std(var: &CpuTensor, eps: f32) -> Vec<f32> {
    var.data().iter().map(|&v| 1.0 / (v + eps).sqrt()).collect()
}

pub fn batch_norm(x: &CpuTensor, mean: &CpuTensor, var: &CpuTensor, gamma: &CpuTensor, beta: &CpuTensor, eps: f32) -> CpuTensor {
    let (_, c) = rows(x);
    let inv = inv_std(var, eps);
    let (m, g, b) = (mean.data(), gamma.data(), beta.data());
    let mut out = x.data().to_vec();
    for row in out.chunks_mut(c) {
        for j in 0..c {
            row[j] = (row[j] - m[j]) * inv[j] * g[j] + b[j];
        }
    }
    CpuTensor::new(x.shape(), out)
}

pub fn batch_norm_backward(x: &CpuTensor, mean: &CpuTensor, var: &CpuTensor, gamma: &CpuTensor, eps: f32, dy: &CpuTensor, batch_stats: bool) -> (CpuTensor, CpuTensor, CpuTensor) {
    let (n, c) = rows(x);
    let inv = inv_std(var, eps);
    let (m, g) = (mean.data(), gamma.data());
    let mut dgamma = vec![0.0f64; c];
    let mut dbeta = vec![0.0f64; c];
    for (row, grow) in x.data().chunks(c).zip(dy.data().chunks(c)) {
        for j in 0..c {
            dbeta[j] += grow[j] as f64;
            dgamma[j] += (grow[j] * (row[j] - m[j]) * inv[j]) as f64;
        }
    }
    let mut dx = dy.data().to_vec();
    for (d, row) in dx.chunks_mut(c).zip(x.data().chunks(c)) {
        for j in 0..c {
            d[j] = if batch_stats {
                // dx = γ/σ · (dy − mean(dy) − x̂ · mean(dy · x̂))
                let xhat = (row[j] - m[j]) * inv[j];
                g[j] * inv[j] * (d[j] - (dbeta[j] / n as f64) as f32 - xhat * (dgamma[j] / n as f64) as f32)
            } else {
                d[j] * g[j] * inv[j]
            };
        }
    }
    let to32 = |v: Vec<f64>| v.into_iter().map(|x| x as f32).collect::<Vec<f32>>();
    (CpuTensor::new(x.shape(), dx), CpuTensor::new(&[c], to32(dgamma)), CpuTensor::new(&[c], to32(dbeta)))
}
