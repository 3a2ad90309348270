//! The generation task's bindings: JavaScript calls to `LanguageLab` and
//! its answers back as plain objects; errors as `WebLab`'s are.

use wasm_bindgen::prelude::*;

use super::{backend_answer, backend_request, err, found, model_files, to_js, GpuHandle, GpuSlice, GpuSliceDone, TsneSlot};
use crate::error::Error;
use crate::generate::Sampling;
use crate::lab::{LanguageLab, LmSettings};
use crate::msg;

#[wasm_bindgen]
pub struct WebLanguageLab {
    lab: LanguageLab,
    /// The projector's t-SNE run over the tokens.
    tsne: TsneSlot,
}

impl Default for WebLanguageLab {
    fn default() -> Self {
        Self::new()
    }
}

fn sampling(temperature: f32, top_k: Option<usize>, top_p: Option<f32>) -> Sampling {
    Sampling { temperature, top_k, top_p }
}

#[wasm_bindgen]
impl WebLanguageLab {
    #[wasm_bindgen(constructor)]
    pub fn new() -> WebLanguageLab {
        WebLanguageLab { lab: LanguageLab::new(), tsne: TsneSlot::default() }
    }

    pub fn default_settings() -> Result<JsValue, JsValue> {
        to_js(&LmSettings::default())
    }

    pub fn settings(&self) -> Result<JsValue, JsValue> {
        to_js(&self.lab.settings)
    }

    /// New settings: null, or the text's new report when they cut it again.
    pub fn set_settings(&mut self, settings: JsValue) -> Result<JsValue, JsValue> {
        let s: LmSettings = serde_wasm_bindgen::from_value(settings).map_err(|e| err(Error::setting("settings", msg!("web.malformed", detail = e.to_string()))))?;
        to_js(&self.lab.set_settings(s).map_err(err)?)
    }

    pub fn load_text(&mut self, text: &str) -> Result<JsValue, JsValue> {
        to_js(&self.lab.load_text(text).map_err(err)?)
    }

    pub fn train_slice(&mut self, budget_ms: f64, max_steps: usize, to_epoch_end: bool) -> Result<JsValue, JsValue> {
        to_js(&self.lab.train_slice(budget_ms, max_steps, to_epoch_end).map_err(err)?)
    }

    /// Hand the lab what `open_gpu` found (see `WebLab::attach_gpu`).
    pub fn attach_gpu(&mut self, gpu: Option<GpuHandle>) {
        self.lab.set_gpu_found(found(gpu));
    }

    /// "cpu", "gpu" or "auto": returns {backend, note}.
    pub fn set_backend(&mut self, choice: &str) -> Result<JsValue, JsValue> {
        let (backend, note) = self.lab.choose_backend(backend_request(choice)?);
        backend_answer(&backend, &note)
    }

    /// Where it trains now, and why: {backend, note} (the text's size and
    /// the model's may have changed what `auto` takes).
    pub fn backend(&self) -> Result<JsValue, JsValue> {
        let (backend, note) = self.lab.backend();
        backend_answer(&backend, &note)
    }

    /// A slice on the GPU of at most `max_steps` steps (fewer when a sample
    /// over time falls due sooner), or undefined on the CPU (then call
    /// `train_slice`).
    pub fn gpu_slice_begin(&mut self, max_steps: usize) -> Result<Option<GpuSlice>, JsValue> {
        Ok(self.lab.gpu_slice_begin(max_steps).map_err(err)?.map(|(trainer, generation, cap)| GpuSlice { trainer, generation, cap }))
    }

    /// Put a finished GPU slice back; returns the progress as `train_slice`.
    pub fn gpu_slice_end(&mut self, done: GpuSliceDone) -> Result<JsValue, JsValue> {
        to_js(&self.lab.gpu_slice_end(done.generation, done.trainer, done.copy, done.failure).map_err(err)?)
    }

    /// The loss on every held-out window now (null when none is held out).
    pub fn validation(&self) -> Result<JsValue, JsValue> {
        to_js(&self.lab.validation().map_err(err)?)
    }

    pub fn reset(&mut self) -> Result<(), JsValue> {
        self.lab.reset().map_err(err)
    }

    /// `{tokens, unknown, candidates}` for the prompt.
    pub fn begin_generation(&mut self, prompt: &str, temperature: f32, top_k: Option<usize>, top_p: Option<f32>, seed: u64) -> Result<JsValue, JsValue> {
        let (tokens, unknown, candidates) = self.lab.begin_generation(prompt, sampling(temperature, top_k, top_p), seed).map_err(err)?;
        to_js(&serde_json::json!({"tokens": tokens, "unknown": unknown, "candidates": candidates}))
    }

    pub fn candidates(&mut self, temperature: f32, top_k: Option<usize>, top_p: Option<f32>) -> Result<JsValue, JsValue> {
        to_js(&self.lab.candidates(sampling(temperature, top_k, top_p)).map_err(err)?)
    }

    pub fn generate_next(&mut self, count: usize) -> Result<JsValue, JsValue> {
        to_js(&self.lab.generate_next(count).map_err(err)?)
    }

    pub fn attention(&self, text: &str) -> Result<JsValue, JsValue> {
        to_js(&self.lab.attention(text).map_err(err)?)
    }

    /// The projector (as `WebLab`'s) over the model's most frequent tokens,
    /// each coloured by its kind.
    pub fn projector(&self, words: usize, components: usize) -> Result<JsValue, JsValue> {
        to_js(&self.lab.projector(words, components).map_err(err)?)
    }

    pub fn neighbours(&self, token: &str, count: usize) -> Result<JsValue, JsValue> {
        to_js(&self.lab.neighbours(token, count).map_err(err)?)
    }

    pub fn tsne_start(&mut self, words: usize, dims: usize, perplexity: f64, resume: bool) -> Result<JsValue, JsValue> {
        let run = self.lab.tsne(words, dims, perplexity, self.tsne.previous(resume));
        self.tsne.start(run)
    }

    pub fn tsne_advance(&mut self, iterations: usize) -> Result<bool, JsValue> {
        self.tsne.advance(iterations)
    }

    pub fn tsne_frame(&self) -> Result<JsValue, JsValue> {
        self.tsne.frame()
    }

    /// A model file in place of the model (see `LanguageLab::import_model`):
    /// the text's report, cut again with the model's tokenizer; `alone`, in
    /// place of the text too (`import_model_alone`: a bundle without text).
    pub fn import_model(&mut self, json: &str, weights: &[u8], alone: bool) -> Result<JsValue, JsValue> {
        let report = if alone { self.lab.import_model_alone(json, weights) } else { self.lab.import_model(json, weights) };
        to_js(&report.map_err(err)?)
    }

    /// `{json, weights}`, as `WebLab::export_model`.
    pub fn export_model(&self) -> Result<JsValue, JsValue> {
        let (json, bytes) = self.lab.export_model().map_err(err)?;
        model_files(&json, &bytes)
    }
}
