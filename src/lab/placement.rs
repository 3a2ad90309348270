//! Where a lab trains, shared by the classifier's lab and the generation
//! task's: what the user asked for (cpu, gpu, auto), what opening a GPU gave,
//! the decision with its reason, and the GPU's own copy of the run between
//! training slices.
//!
//! On the GPU a slice trains a copy taken out of the lab (the page goes on
//! using the lab meanwhile) and hands back a CPU copy read from it; the lab
//! keeps that CPU copy for everything it shows. Anything that changes the
//! CPU copy (new settings, a reset, new data) must call `invalidate`, so a
//! slice in flight at that moment is discarded rather than put back.

use crate::backend::gpu::GpuBackend;
use crate::backend::prelude::*;
use crate::backend::CpuBackend;
use crate::backend_choice::{decide, BackendRequest};
use crate::error::{Message, Result};
use crate::msg;
use crate::trainer::Trainer;

pub struct Placement {
    request: BackendRequest,
    found: std::result::Result<GpuBackend, Message>,
    /// The GPU, when the decision took it.
    gpu: Option<GpuBackend>,
    /// The run on the GPU as of the last slice's end.
    gpu_trainer: Option<Trainer<GpuBackend>>,
    /// Bumped whenever the CPU copy is replaced or changed.
    generation: u64,
    /// Why the backend in use is the one it is, for the page.
    note: Message,
}

impl Default for Placement {
    fn default() -> Self {
        Placement { request: BackendRequest::Cpu, found: Err(msg!("gpu.not_asked")), gpu: None, gpu_trainer: None, generation: 0, note: msg!("backend.asked_cpu") }
    }
}

impl Placement {
    /// Record what opening a GPU gave (the page does it once, asynchronously)
    /// and decide again for a step of `flops`.
    pub fn set_found(&mut self, found: std::result::Result<GpuBackend, Message>, flops: f64) {
        self.found = found;
        self.apply(flops);
    }

    /// What the user asked for, decided for a step of `flops`: the answer.
    pub fn choose(&mut self, request: BackendRequest, flops: f64) -> (String, Message) {
        self.request = request;
        self.apply(flops);
        self.answer()
    }

    /// "cpu" or "gpu (adapter)", and why.
    pub fn answer(&self) -> (String, Message) {
        (self.name(), self.note.clone())
    }

    /// Decide again (the model, and so its work per step, may have changed).
    pub fn apply(&mut self, flops: f64) {
        let (use_gpu, note) = decide(self.request, self.found.as_ref().map(|g| g.adapter()), flops);
        let gpu = if use_gpu { self.found.as_ref().ok().cloned() } else { None };
        // The only GPU is the one found, so only on or off can change.
        if gpu.is_some() != self.gpu.is_some() {
            self.gpu = gpu;
            self.invalidate();
        }
        self.note = note;
    }

    /// Whether slices train on the GPU.
    pub fn on_gpu(&self) -> bool {
        self.gpu.is_some()
    }

    /// "cpu" or "gpu (adapter)".
    pub fn name(&self) -> String {
        self.gpu.as_ref().map(|g| g.name()).unwrap_or_else(|| CpuBackend.name())
    }

    /// Drop the GPU copy of the run: the CPU copy changed or was replaced.
    pub fn invalidate(&mut self) {
        self.gpu_trainer = None;
        self.generation += 1;
    }

    /// Start a GPU slice from `cpu`, the run as the lab holds it: the GPU's
    /// copy (uploaded when there is none yet) and the generation it belongs
    /// to. None when training on the CPU, or when the GPU was lost (then the
    /// note says so and training goes on on the CPU).
    pub fn begin(&mut self, cpu: &Trainer<CpuBackend>) -> Result<Option<(Trainer<GpuBackend>, u64)>> {
        let Some(gpu) = self.gpu.clone() else { return Ok(None) };
        if let Some(why) = gpu.lost() {
            self.gpu = None;
            self.invalidate();
            self.note = msg!("backend.gpu_stopped_slice", detail = why);
            return Ok(None);
        }
        let trainer = match self.gpu_trainer.take() {
            Some(t) => t,
            None => cpu.move_to(gpu)?,
        };
        Ok(Some((trainer, self.generation)))
    }

    /// Finish a GPU slice: the CPU copy read back from it for the lab to
    /// keep, or None when the run was replaced meanwhile (the slice is
    /// discarded). The GPU copy is kept for the next slice.
    pub fn end(&mut self, generation: u64, gpu_trainer: Trainer<GpuBackend>, cpu_copy: Result<Trainer<CpuBackend>>) -> Result<Option<Trainer<CpuBackend>>> {
        if generation != self.generation {
            return Ok(None);
        }
        let cpu = cpu_copy?;
        self.gpu_trainer = Some(gpu_trainer);
        Ok(Some(cpu))
    }
}
