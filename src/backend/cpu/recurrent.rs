//! The CPU backend's recurrent cells: one LSTM or GRU step for a batch,
//! forward and backward; rows masked by padding carry their state over.

use super::super::activation::{fast_tanh, GateActivation};
use super::super::StepMask;
use super::CpuTensor;

pub fn lstm_cell(z: &CpuTensor, hc_prev: &CpuTensor, mask: StepMask<CpuTensor>, gate: GateActivation) -> CpuTensor {
    let (b, h4) = (z.shape[0], z.shape[1]);
    let h = h4 / 4;
    let mut out = vec![0.0f32; b * 2 * h];
    let mut gates = vec![0.0f32; h4];
    for bi in 0..b {
        let prev = &hc_prev.data[bi * 2 * h..(bi + 1) * 2 * h];
        let o = &mut out[bi * 2 * h..(bi + 1) * 2 * h];
        if mask_at(mask, bi) == 0.0 {
            o.copy_from_slice(prev);
            continue;
        }
        lstm_gates(&z.data[bi * h4..(bi + 1) * h4], &mut gates, gate);
        let (i, rest) = gates.split_at(h);
        let (f, rest) = rest.split_at(h);
        let (g, og) = rest.split_at(h);
        let (h_out, c_out) = o.split_at_mut(h);
        let c_prev = &prev[h..];
        for j in 0..h {
            c_out[j] = f[j] * c_prev[j] + i[j] * g[j];
        }
        for j in 0..h {
            h_out[j] = og[j] * fast_tanh(c_out[j]);
        }
    }
    CpuTensor::new(&[b, 2 * h], out)
}

pub fn lstm_cell_backward(z: &CpuTensor, hc_prev: &CpuTensor, mask: StepMask<CpuTensor>, gate: GateActivation, dhc: &CpuTensor) -> (CpuTensor, CpuTensor) {
    let (b, h4) = (z.shape[0], z.shape[1]);
    let h = h4 / 4;
    let mut dz = vec![0.0f32; b * h4];
    let mut dprev = vec![0.0f32; b * 2 * h];
    let mut gates = vec![0.0f32; h4];
    let mut tc = vec![0.0f32; h];
    for bi in 0..b {
        let g_out = &dhc.data[bi * 2 * h..(bi + 1) * 2 * h];
        let dp = &mut dprev[bi * 2 * h..(bi + 1) * 2 * h];
        if mask_at(mask, bi) == 0.0 {
            dp.copy_from_slice(g_out);
            continue;
        }
        // Recompute the gates rather than keep them: cheaper than the
        // memory traffic of saving [batch, 4h] per step.
        lstm_gates(&z.data[bi * h4..(bi + 1) * h4], &mut gates, gate);
        let (i, rest) = gates.split_at(h);
        let (f, rest) = rest.split_at(h);
        let (g, og) = rest.split_at(h);
        let c_prev = &hc_prev.data[bi * 2 * h + h..(bi + 1) * 2 * h];
        for j in 0..h {
            tc[j] = fast_tanh(f[j] * c_prev[j] + i[j] * g[j]);
        }
        let (dh, dc_in) = g_out.split_at(h);
        let dzr = &mut dz[bi * h4..(bi + 1) * h4];
        let (dzi, rest) = dzr.split_at_mut(h);
        let (dzf, rest) = rest.split_at_mut(h);
        let (dzg, dzo) = rest.split_at_mut(h);
        let dcp = &mut dp[h..];
        for j in 0..h {
            let dc = dc_in[j] + dh[j] * og[j] * (1.0 - tc[j] * tc[j]);
            dzi[j] = dc * g[j] * gate.dy(i[j]);
            dzf[j] = dc * c_prev[j] * gate.dy(f[j]);
            dzg[j] = dc * i[j] * (1.0 - g[j] * g[j]);
            dzo[j] = dh[j] * tc[j] * gate.dy(og[j]);
            dcp[j] = dc * f[j];
        }
    }
    (CpuTensor::new(&z.shape, dz), CpuTensor::new(&hc_prev.shape, dprev))
}

pub fn gru_cell(xz: &CpuTensor, hz: &CpuTensor, h_prev: &CpuTensor, mask: StepMask<CpuTensor>) -> CpuTensor {
    let (b, h) = (h_prev.shape[0], h_prev.shape[1]);
    let mut out = vec![0.0f32; b * h];
    for bi in 0..b {
        let x = &xz.data[bi * 3 * h..(bi + 1) * 3 * h];
        let r = &hz.data[bi * 3 * h..(bi + 1) * 3 * h];
        let hp = &h_prev.data[bi * h..(bi + 1) * h];
        let o = &mut out[bi * h..(bi + 1) * h];
        if mask_at(mask, bi) == 0.0 {
            o.copy_from_slice(hp);
            continue;
        }
        for j in 0..h {
            let zg = GateActivation::Sigmoid.f(x[j] + r[j]);
            let rg = GateActivation::Sigmoid.f(x[h + j] + r[h + j]);
            let hh = fast_tanh(x[2 * h + j] + rg * r[2 * h + j]);
            o[j] = zg * hp[j] + (1.0 - zg) * hh;
        }
    }
    CpuTensor::new(&h_prev.shape, out)
}

pub fn gru_cell_backward(xz: &CpuTensor, hz: &CpuTensor, h_prev: &CpuTensor, mask: StepMask<CpuTensor>, dh: &CpuTensor) -> (CpuTensor, CpuTensor, CpuTensor) {
    let (b, h) = (h_prev.shape[0], h_prev.shape[1]);
    let mut dx = vec![0.0f32; b * 3 * h];
    let mut dr = vec![0.0f32; b * 3 * h];
    let mut dhp = vec![0.0f32; b * h];
    for bi in 0..b {
        let g = &dh.data[bi * h..(bi + 1) * h];
        let dp = &mut dhp[bi * h..(bi + 1) * h];
        if mask_at(mask, bi) == 0.0 {
            dp.copy_from_slice(g);
            continue;
        }
        let x = &xz.data[bi * 3 * h..(bi + 1) * 3 * h];
        let r = &hz.data[bi * 3 * h..(bi + 1) * 3 * h];
        let hp = &h_prev.data[bi * h..(bi + 1) * h];
        let dxr = &mut dx[bi * 3 * h..(bi + 1) * 3 * h];
        let drr = &mut dr[bi * 3 * h..(bi + 1) * 3 * h];
        for j in 0..h {
            let zg = GateActivation::Sigmoid.f(x[j] + r[j]);
            let rg = GateActivation::Sigmoid.f(x[h + j] + r[h + j]);
            let hh = fast_tanh(x[2 * h + j] + rg * r[2 * h + j]);
            let d_hh = g[j] * (1.0 - zg) * (1.0 - hh * hh);
            let d_z = g[j] * (hp[j] - hh) * zg * (1.0 - zg);
            let d_r = d_hh * r[2 * h + j] * rg * (1.0 - rg);
            dxr[j] = d_z;
            dxr[h + j] = d_r;
            dxr[2 * h + j] = d_hh;
            drr[j] = d_z;
            drr[h + j] = d_r;
            drr[2 * h + j] = d_hh * rg;
            dp[j] = g[j] * zg;
        }
    }
    (CpuTensor::new(&xz.shape, dx), CpuTensor::new(&hz.shape, dr), CpuTensor::new(&h_prev.shape, dhp))
}

/// The LSTM gate activations of one row: sigmoid for i, f, o and tanh for
/// the candidate c, each over a contiguous run so the loops vectorise.
fn lstm_gates(z: &[f32], out: &mut [f32], gate: GateActivation) {
    let h = z.len() / 4;
    for (o, &v) in out[..2 * h].iter_mut().zip(&z[..2 * h]) {
        *o = gate.f(v);
    }
    for (o, &v) in out[2 * h..3 * h].iter_mut().zip(&z[2 * h..3 * h]) {
        *o = fast_tanh(v);
    }
    for (o, &v) in out[3 * h..].iter_mut().zip(&z[3 * h..]) {
        *o = gate.f(v);
    }
}

fn mask_at(mask: StepMask<CpuTensor>, b: usize) -> f32 {
    match mask {
        Some((m, t)) => m.data[b * m.shape[1] + t],
        None => 1.0,
    }
}
