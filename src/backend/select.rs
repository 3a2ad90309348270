//! Choosing where to train: `cpu`, `gpu` (forced: no adapter is an error)
//! or `auto`, which takes the GPU only when there is a real one and the
//! model gives it enough work per step to beat the CPU's lower latency, and
//! says which it took and why.

use super::gpu::{GpuBackend, GpuUnavailable};
use crate::error::{Error, Result};
use crate::model::LayerInfo;
use crate::nn::LayerConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendRequest {
    Cpu,
    Gpu,
    Auto,
}

/// Below this many floating-point operations per training step a GPU
/// spends more time launching kernels and waiting for read-backs than it
/// saves (the `bow` preset does ~3 MFLOP a step, `lstm` at batch 32 ~0.6
/// GFLOP, at batch 256 ~5 GFLOP).
pub const AUTO_MIN_STEP_FLOPS: f64 = 2e9;

pub struct Selected {
    /// None: train on the CPU.
    pub gpu: Option<GpuBackend>,
    /// Why, in words, for the user.
    pub reason: String,
}

/// Rough floating-point operations of one training step (forward and
/// backward, ~3× the forward's 2 per multiply-add): each layer's weights
/// are used once per step of the sequence it runs over; an Embedding's are
/// only looked up.
pub fn step_flops(layers: &[LayerInfo], batch: usize) -> f64 {
    let per_sample: f64 = layers
        .iter()
        .map(|l| {
            let steps = match l.config {
                LayerConfig::Embedding(_) => 0,
                LayerConfig::Lstm(_) | LayerConfig::Gru(_) => l.input_shape.first().copied().unwrap_or(1),
                _ if l.output_shape.len() >= 2 => l.output_shape[0],
                _ => 1,
            };
            (l.param_count() * steps) as f64
        })
        .sum();
    6.0 * per_sample * batch as f64
}

pub fn select(request: BackendRequest, layers: &[LayerInfo], batch: usize) -> Result<Selected> {
    let open = || GpuBackend::new();
    match request {
        BackendRequest::Cpu => Ok(Selected { gpu: None, reason: "asked for the CPU".into() }),
        BackendRequest::Gpu => match open() {
            Ok(g) => Ok(Selected { reason: format!("asked for the GPU: {} ({})", g.adapter().name, g.adapter().backend), gpu: Some(g) }),
            Err(GpuUnavailable(why)) => Err(Error::Backend { backend: "gpu".into(), reason: why }),
        },
        BackendRequest::Auto => {
            let flops = step_flops(layers, batch);
            match open() {
                Err(GpuUnavailable(why)) => Ok(Selected { gpu: None, reason: format!("auto: CPU, because {}", why) }),
                Ok(g) if g.adapter().software => Ok(Selected { gpu: None, reason: format!("auto: CPU, because the only GPU adapter, {}, is software running on this same CPU", g.adapter().name) }),
                Ok(g) if flops < AUTO_MIN_STEP_FLOPS => Ok(Selected {
                    gpu: None,
                    reason: format!("auto: CPU, because a step of this model is {:.2} GFLOP, too little to gain from {} (it pays from {:.0} GFLOP)", flops / 1e9, g.adapter().name, AUTO_MIN_STEP_FLOPS / 1e9),
                }),
                Ok(g) => Ok(Selected { reason: format!("auto: GPU {}, for {:.1} GFLOP a step", g.adapter().name, flops / 1e9), gpu: Some(g) }),
            }
        }
    }
}
