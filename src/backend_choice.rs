//! Choosing where to train: `cpu`, `gpu` (forced: no adapter is an error)
//! or `auto`, which takes the GPU only when there is a real one and the
//! model gives it enough work per step to beat the CPU's lower latency, and
//! says which it took and why.

use crate::backend::gpu::{AdapterSummary, GpuBackend};
#[cfg(not(target_arch = "wasm32"))]
use crate::backend::gpu::GpuUnavailable;
#[cfg(not(target_arch = "wasm32"))]
use crate::error::{Error, Result};
use crate::error::Message;
use crate::model::LayerInfo;
use crate::msg;

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
    /// Why, for the user.
    pub reason: Message,
}

/// Rough floating-point operations of one training step (forward and
/// backward, ~3× the forward's 2 per multiply-add): each layer's weights
/// are used once per step of the sequence it runs over; an Embedding's are
/// only looked up.
pub fn step_flops(layers: &[LayerInfo], batch: usize) -> f64 {
    let per_sample: f64 = layers
        .iter()
        .map(|l| {
            let steps = l.config.weight_uses(&l.input_shape, &l.output_shape);
            (l.param_count() * steps) as f64
        })
        .sum();
    6.0 * per_sample * batch as f64
}

/// The decision, given what opening a GPU gave (`found`) and the work per
/// step: whether to train on the GPU, and why (in words, for the user). A
/// forced GPU without an adapter is the caller's error to raise.
pub fn decide(request: BackendRequest, found: std::result::Result<&AdapterSummary, &Message>, flops: f64) -> (bool, Message) {
    match (request, found) {
        (BackendRequest::Cpu, _) => (false, msg!("backend.asked_cpu")),
        (BackendRequest::Gpu, Ok(a)) => (true, msg!("backend.asked_gpu", adapter = &a.name, api = &a.backend)),
        (BackendRequest::Gpu, Err(why)) => (false, msg!("backend.asked_gpu_but", reason = why)),
        (BackendRequest::Auto, Err(why)) => (false, msg!("backend.auto_cpu_because", reason = why)),
        (BackendRequest::Auto, Ok(a)) if a.software => (false, msg!("backend.auto_cpu_because", reason = msg!("backend.software", adapter = &a.name))),
        (BackendRequest::Auto, Ok(a)) if flops < AUTO_MIN_STEP_FLOPS => (
            false,
            msg!("backend.auto_cpu_because", reason = msg!("backend.too_little", gflop = format!("{:.2}", flops / 1e9), adapter = &a.name, pays = format!("{:.0}", AUTO_MIN_STEP_FLOPS / 1e9))),
        ),
        (BackendRequest::Auto, Ok(a)) => (true, msg!("backend.auto_gpu", adapter = &a.name, gflop = format!("{:.1}", flops / 1e9))),
    }
}

/// Open the GPU (natively, blocking) and decide; a forced GPU without an
/// adapter is an error, not a silent CPU run.
#[cfg(not(target_arch = "wasm32"))]
pub fn select(request: BackendRequest, layers: &[LayerInfo], batch: usize) -> Result<Selected> {
    if request == BackendRequest::Cpu {
        return Ok(Selected { gpu: None, reason: msg!("backend.asked_cpu") });
    }
    let opened = GpuBackend::new();
    if let (BackendRequest::Gpu, Err(GpuUnavailable(why))) = (request, &opened) {
        return Err(Error::Backend { backend: "gpu".into(), reason: why.clone() });
    }
    let (use_gpu, reason) = decide(request, opened.as_ref().map(|g| g.adapter()).map_err(|e| &e.0), step_flops(layers, batch));
    Ok(Selected { gpu: if use_gpu { opened.ok() } else { None }, reason })
}
