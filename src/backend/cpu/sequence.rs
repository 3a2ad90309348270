//! The CPU backend's operations over sequences [batch, time, features]:
//! embedding lookups, time and column slices, 1-D convolution patches and
//! pooling over time (with padding masks).

use super::super::window::conv_out_len;
use super::CpuTensor;

pub fn gather_rows(table: &CpuTensor, ids: &CpuTensor) -> CpuTensor {
    let (rows, d) = (table.shape[0], table.shape[1]);
    let mut out = Vec::with_capacity(ids.data.len() * d);
    for &id in ids.data.iter() {
        let r = id as usize;
        assert!(r < rows, "gather_rows: id {} outside table of {} rows", r, rows);
        out.extend_from_slice(&table.data[r * d..(r + 1) * d]);
    }
    let mut shape = ids.shape.clone();
    shape.push(d);
    CpuTensor::new(&shape, out)
}

pub fn scatter_add_rows(ids: &CpuTensor, grad: &CpuTensor, rows: usize) -> CpuTensor {
    let d = *grad.shape.last().unwrap();
    let mut out = vec![0.0f32; rows * d];
    for (&id, g) in ids.data.iter().zip(grad.data.chunks_exact(d)) {
        let r = id as usize;
        for (o, &v) in out[r * d..(r + 1) * d].iter_mut().zip(g) {
            *o += v;
        }
    }
    CpuTensor::new(&[rows, d], out)
}

pub fn time_slice(x: &CpuTensor, t: usize) -> CpuTensor {
    let (b, steps, d) = x.btd();
    let mut out = Vec::with_capacity(b * d);
    for bi in 0..b {
        let at = (bi * steps + t) * d;
        out.extend_from_slice(&x.data[at..at + d]);
    }
    CpuTensor::new(&[b, d], out)
}

pub fn time_slice_add(dst: &mut CpuTensor, t: usize, src: &CpuTensor) {
    let (b, steps, d) = dst.btd();
    let data = dst.data_mut();
    for bi in 0..b {
        let at = (bi * steps + t) * d;
        for (o, &v) in data[at..at + d].iter_mut().zip(&src.data[bi * d..(bi + 1) * d]) {
            *o += v;
        }
    }
}

pub fn time_stack(xs: &[&CpuTensor]) -> CpuTensor {
    let steps = xs.len();
    let (b, d) = (xs[0].shape[0], xs[0].shape[1]);
    let mut out = vec![0.0f32; b * steps * d];
    for (t, x) in xs.iter().enumerate() {
        for bi in 0..b {
            out[(bi * steps + t) * d..(bi * steps + t + 1) * d].copy_from_slice(&x.data[bi * d..(bi + 1) * d]);
        }
    }
    CpuTensor::new(&[b, steps, d], out)
}

pub fn cols_slice(x: &CpuTensor, start: usize, len: usize) -> CpuTensor {
    let (n, d) = x.rows_cols();
    let mut out = Vec::with_capacity(n * len);
    for row in x.data.chunks_exact(d) {
        out.extend_from_slice(&row[start..start + len]);
    }
    CpuTensor::new(&[n, len], out)
}

pub fn cols_slice_add(dst: &mut CpuTensor, start: usize, src: &CpuTensor) {
    let (_, d) = dst.rows_cols();
    let len = src.shape[1];
    let data = dst.data_mut();
    for (row, s) in data.chunks_exact_mut(d).zip(src.data.chunks_exact(len)) {
        for (o, &v) in row[start..start + len].iter_mut().zip(s) {
            *o += v;
        }
    }
}

pub fn im2col_1d(x: &CpuTensor, kernel: usize, stride: usize) -> CpuTensor {
    let (b, steps, c) = x.btd();
    let out_t = conv_out_len(steps, kernel, stride);
    let width = kernel * c;
    let mut out = Vec::with_capacity(b * out_t * width);
    for bi in 0..b {
        for j in 0..out_t {
            let at = (bi * steps + j * stride) * c;
            out.extend_from_slice(&x.data[at..at + width]);
        }
    }
    CpuTensor::new(&[b * out_t, width], out)
}

pub fn col2im_1d(cols: &CpuTensor, x_shape: &[usize], kernel: usize, stride: usize) -> CpuTensor {
    let (b, steps, c) = (x_shape[0], x_shape[1], x_shape[2]);
    let out_t = conv_out_len(steps, kernel, stride);
    let width = kernel * c;
    let mut out = vec![0.0f32; b * steps * c];
    for bi in 0..b {
        for j in 0..out_t {
            let at = (bi * steps + j * stride) * c;
            let src = &cols.data[(bi * out_t + j) * width..(bi * out_t + j + 1) * width];
            for (o, &v) in out[at..at + width].iter_mut().zip(src) {
                *o += v;
            }
        }
    }
    CpuTensor::new(x_shape, out)
}

pub fn max_over_time(x: &CpuTensor) -> CpuTensor {
    let (b, steps, d) = x.btd();
    let mut out = vec![f32::NEG_INFINITY; b * d];
    for bi in 0..b {
        let o = &mut out[bi * d..(bi + 1) * d];
        for t in 0..steps {
            for (m, &v) in o.iter_mut().zip(&x.data[(bi * steps + t) * d..(bi * steps + t + 1) * d]) {
                *m = m.max(v);
            }
        }
    }
    CpuTensor::new(&[b, d], out)
}

pub fn max_over_time_backward(x: &CpuTensor, dy: &CpuTensor) -> CpuTensor {
    let (b, steps, d) = x.btd();
    let mut out = vec![0.0f32; x.data.len()];
    let mut best = vec![0usize; d];
    let mut max = vec![0.0f32; d];
    for bi in 0..b {
        // The gradient goes to the first step holding the maximum. Steps
        // are scanned in order, a row at a time, so reads are contiguous.
        let rows = &x.data[bi * steps * d..(bi + 1) * steps * d];
        max.copy_from_slice(&rows[..d]);
        best.iter_mut().for_each(|v| *v = 0);
        for t in 1..steps {
            for ((m, bt), &v) in max.iter_mut().zip(best.iter_mut()).zip(&rows[t * d..(t + 1) * d]) {
                if v > *m {
                    *m = v;
                    *bt = t;
                }
            }
        }
        for j in 0..d {
            out[(bi * steps + best[j]) * d + j] = dy.data[bi * d + j];
        }
    }
    CpuTensor::new(&x.shape, out)
}

pub fn mean_over_time(x: &CpuTensor, mask: Option<&CpuTensor>) -> CpuTensor {
    let (b, steps, d) = x.btd();
    let mut out = vec![0.0f32; b * d];
    for bi in 0..b {
        let (weights, count) = time_weights(mask, bi, steps);
        let o = &mut out[bi * d..(bi + 1) * d];
        for t in 0..steps {
            let w = weights(t);
            if w == 0.0 {
                continue;
            }
            for (m, &v) in o.iter_mut().zip(&x.data[(bi * steps + t) * d..(bi * steps + t + 1) * d]) {
                *m += v;
            }
        }
        o.iter_mut().for_each(|v| *v /= count);
    }
    CpuTensor::new(&[b, d], out)
}

pub fn mean_over_time_backward(dy: &CpuTensor, x_shape: &[usize], mask: Option<&CpuTensor>) -> CpuTensor {
    let (b, steps, d) = (x_shape[0], x_shape[1], x_shape[2]);
    let mut out = vec![0.0f32; b * steps * d];
    for bi in 0..b {
        let (weights, count) = time_weights(mask, bi, steps);
        for t in 0..steps {
            let w = weights(t) / count;
            if w == 0.0 {
                continue;
            }
            for (o, &g) in out[(bi * steps + t) * d..(bi * steps + t + 1) * d].iter_mut().zip(&dy.data[bi * d..(bi + 1) * d]) {
                *o = g * w;
            }
        }
    }
    CpuTensor::new(x_shape, out)
}

/// Per-step weights (mask value) and how many steps count, for one row.
fn time_weights<'a>(mask: Option<&'a CpuTensor>, bi: usize, steps: usize) -> (impl Fn(usize) -> f32 + 'a, f32) {
    let row: Option<&'a [f32]> = mask.map(|m| &m.data[bi * steps..(bi + 1) * steps]);
    // A row with every step masked (an empty text) averages to zero rather
    // than dividing by zero as Keras does.
    let count = row.map(|r| r.iter().sum::<f32>()).unwrap_or(steps as f32).max(1.0);
    (move |t: usize| row.map(|r| r[t]).unwrap_or(1.0), count)
}
