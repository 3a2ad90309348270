//! The page's bindings: a thin layer that turns JavaScript calls into calls
//! on `Lab` and its answers into JavaScript values. Errors become objects
//! `{kind, code, field, line, params, message, english}` (see
//! `impl Serialize for Error`), which the page renders in its language from
//! `www/lang/engine/`; a panic is reported by the panic hook and the page
//! restarts the worker (see www/worker.js).

pub mod canvas;
pub mod charts;
pub mod insides;
pub mod language;
pub mod visualisers;

use std::collections::HashMap;

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::backend::gpu::GpuBackend;
use crate::backend_choice::BackendRequest;
use crate::backend::CpuBackend;
use crate::error::Error;
use crate::msg;
use crate::lab::{gpu_slice_run, Lab, Settings};
use crate::trainer::Trainer;

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

fn to_js<T: Serialize>(v: &T) -> Result<JsValue, JsValue> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| JsValue::from_str(&e.to_string()))
}

/// A model's files as the page downloads them: `{json, weights}`.
fn model_files(json: &str, weights: &[u8]) -> Result<JsValue, JsValue> {
    let o = js_sys::Object::new();
    js_sys::Reflect::set(&o, &"json".into(), &JsValue::from_str(json))?;
    js_sys::Reflect::set(&o, &"weights".into(), &js_sys::Uint8Array::from(weights).into())?;
    Ok(o.into())
}

/// Words drawn into a canvas, in the page's language: the page passes
/// `{key: text}`; a missing key falls back to the English default.
pub(crate) struct Texts(HashMap<String, String>);

impl Texts {
    pub(crate) fn from_js(v: JsValue) -> Texts {
        Texts(serde_wasm_bindgen::from_value(v).unwrap_or_default())
    }
    pub(crate) fn get<'a>(&'a self, key: &str, english: &'a str) -> &'a str {
        self.0.get(key).map(String::as_str).unwrap_or(english)
    }
}

/// The layer kinds with their fields and editor menus, and the names of
/// activations, gates and paddings (`nn::catalogue_json`): the page's model
/// editor and its checks of a layer list read these, not copies.
#[wasm_bindgen]
pub fn layer_catalogue() -> Result<JsValue, JsValue> {
    to_js(&crate::nn::catalogue_json())
}

/// A preset's layers for text (`lstm`, `cnn`, `bow`, `transformer`, whose
/// positions are `max_len`) or images (`image-cnn`), as the engine builds
/// them; null for an unknown name.
#[wasm_bindgen]
pub fn preset_layers(name: &str, num_words: usize, max_len: usize, classes: usize, mask: bool) -> Result<JsValue, JsValue> {
    to_js(&crate::presets::preset(name, num_words, max_len, classes, mask).or_else(|| crate::presets::image_preset(name, classes)))
}

/// The SIMD this wasm build uses ("relaxed-simd" or "simd128"): the page
/// loads one of two builds and says which.
#[wasm_bindgen]
pub fn simd_build() -> String {
    crate::backend::cpu::simd_build().to_string()
}

/// GFLOP/s of the engine's matrix product at n×n×n in this wasm build
/// (for bench/run.mjs).
#[wasm_bindgen]
pub fn bench_matmul_gflops(n: usize) -> f64 {
    crate::backend::cpu::matmul_gflops(n)
}

/// An engine error as the page receives it (a plain object; its English
/// text when even that cannot be made).
fn err(e: Error) -> JsValue {
    to_js(&e).unwrap_or_else(|_| JsValue::from_str(&e.to_string()))
}

#[wasm_bindgen]
pub struct WebLab {
    lab: Lab,
    /// The projector's t-SNE run, stepped by the page between batches.
    tsne: TsneSlot,
}

#[wasm_bindgen]
impl WebLab {
    #[wasm_bindgen(constructor)]
    pub fn new() -> WebLab {
        WebLab { lab: Lab::new(), tsne: TsneSlot::default() }
    }

    /// The default settings, as the page's form starts.
    pub fn default_settings() -> Result<JsValue, JsValue> {
        to_js(&Settings::default())
    }

    /// Replace the settings; an error names the field at fault.
    pub fn set_settings(&mut self, settings: JsValue) -> Result<(), JsValue> {
        let s: Settings = serde_wasm_bindgen::from_value(settings).map_err(|e| err(Error::setting("settings", msg!("web.malformed", detail = e.to_string()))))?;
        self.lab.set_settings(s).map_err(err)
    }

    pub fn load_data(&mut self, text: &str) -> Result<JsValue, JsValue> {
        let report = self.lab.load_data(text).map_err(err)?;
        to_js(&report)
    }

    pub fn summary(&self) -> Result<JsValue, JsValue> {
        to_js(&self.lab.summary().map_err(err)?)
    }

    pub fn missing(&self) -> Result<JsValue, JsValue> {
        to_js(&self.lab.missing())
    }

    /// Train for about `budget_ms`, at most `max_batches` batches, or to the
    /// end of the epoch.
    pub fn train_slice(&mut self, budget_ms: f64, max_batches: usize, to_epoch_end: bool) -> Result<JsValue, JsValue> {
        to_js(&self.lab.train_slice(budget_ms, max_batches, to_epoch_end).map_err(err)?)
    }

    pub fn progress(&mut self) -> Result<JsValue, JsValue> {
        to_js(&self.lab.progress())
    }

    pub fn reset(&mut self) {
        self.lab.reset();
    }

    pub fn evaluation(&self) -> Result<JsValue, JsValue> {
        to_js(&self.lab.evaluation())
    }

    pub fn predict(&self, text: &str) -> Result<JsValue, JsValue> {
        to_js(&self.lab.predict(text).map_err(err)?)
    }

    /// Each token's share of a text's prediction (integrated gradients and
    /// occlusion, with the completeness check).
    pub fn explain_text(&self, text: &str) -> Result<JsValue, JsValue> {
        to_js(&self.lab.explain_text(text).map_err(err)?)
    }

    /// A Transformer classifier's attention maps over a text's real tokens
    /// (`gradlab attention` gives the same).
    pub fn attention(&self, text: &str) -> Result<JsValue, JsValue> {
        to_js(&self.lab.attention(text).map_err(err)?)
    }

    /// Each pixel's share of a drawing's prediction.
    pub fn explain_image(&self, pixels: &[f32], width: usize, height: usize) -> Result<JsValue, JsValue> {
        to_js(&self.lab.explain_image(pixels, width, height).map_err(err)?)
    }

    /// Each pixel's share of the prediction for a validation image (the
    /// misclassified gallery's `index`).
    pub fn explain_validation_image(&self, index: usize) -> Result<JsValue, JsValue> {
        to_js(&self.lab.explain_validation_image(index).map_err(err)?)
    }

    /// The Embedding's words by PCA, each with the class it leans to.
    pub fn projector(&self, words: usize, components: usize) -> Result<JsValue, JsValue> {
        to_js(&self.lab.projector(words, components).map_err(err)?)
    }

    /// A t-SNE run over the Embedding's `words` most frequent words on
    /// `dims` axes (with `resume`, from the last run's layout when it
    /// placed the same words: while training); its first frame.
    pub fn tsne_start(&mut self, words: usize, dims: usize, perplexity: f64, resume: bool) -> Result<JsValue, JsValue> {
        let run = self.lab.tsne(words, dims, perplexity, self.tsne.previous(resume));
        self.tsne.start(run)
    }

    /// Up to `iterations` more steps of the run; false once it is over.
    pub fn tsne_advance(&mut self, iterations: usize) -> Result<bool, JsValue> {
        self.tsne.advance(iterations)
    }

    /// The run's points now, and how far it is.
    pub fn tsne_frame(&self) -> Result<JsValue, JsValue> {
        self.tsne.frame()
    }

    pub fn neighbours(&self, word: &str, count: usize) -> Result<JsValue, JsValue> {
        to_js(&self.lab.neighbours(word, count).map_err(err)?)
    }

    /// `{json, weights}`: model.json text and the weight bytes.
    pub fn export_model(&self) -> Result<JsValue, JsValue> {
        let (json, bytes) = self.lab.export_model().map_err(err)?;
        model_files(&json, &bytes)
    }

    pub fn import_model(&mut self, json: &str, weights: &[u8]) -> Result<JsValue, JsValue> {
        to_js(&self.lab.import_model(json, weights).map_err(err)?)
    }

    /// Histograms of weights, activations and gradients; with `gate_layer`
    /// (an LSTM's index, or -1 for none) its gates over example `example`.
    pub fn insides(&mut self, example: usize, gate_layer: i32) -> Result<JsValue, JsValue> {
        let layer = usize::try_from(gate_layer).ok();
        to_js(&self.lab.insides(example, layer).map_err(err)?)
    }

    /// Images from a CSV of label,p0,…,pN.
    pub fn load_image_csv(&mut self, text: &str) -> Result<JsValue, JsValue> {
        to_js(&self.lab.load_image_csv(text).map_err(err)?)
    }

    /// Images from dropped files: `[{path, width, height, rgba}]`, decoded
    /// and resized by the page (labels from folders or `label_` prefixes).
    pub fn load_image_files(&mut self, files: JsValue) -> Result<JsValue, JsValue> {
        let files: Vec<crate::lab::ImageFile> = serde_wasm_bindgen::from_value(files).map_err(|e| err(Error::setting("image_files", msg!("web.malformed", detail = e.to_string()))))?;
        to_js(&self.lab.load_image_files(files).map_err(err)?)
    }

    /// `count` training images with `variants` augmentations each.
    pub fn augment_preview(&self, count: usize, variants: usize) -> Result<JsValue, JsValue> {
        to_js(&self.lab.augment_preview(count, variants).map_err(err)?)
    }

    /// Predict a drawing: [height·width] values in [0, 1], 1 = ink.
    pub fn predict_image(&self, pixels: &[f32], width: usize, height: usize) -> Result<JsValue, JsValue> {
        to_js(&self.lab.predict_image(pixels, width, height).map_err(err)?)
    }

    /// The first Conv2D's kernels.
    pub fn filters(&mut self) -> Result<JsValue, JsValue> {
        to_js(&self.lab.filters().map_err(err)?)
    }

    /// Each image layer's output for validation image `index`.
    pub fn feature_maps(&mut self, index: usize) -> Result<JsValue, JsValue> {
        to_js(&self.lab.feature_maps(index).map_err(err)?)
    }

    /// Whether the loaded data is images.
    pub fn has_images(&self) -> bool {
        self.lab.has_images()
    }

    pub fn settings(&self) -> Result<JsValue, JsValue> {
        to_js(&self.lab.settings)
    }

    /// Hand the lab what `open_gpu` found: the adapter or why there is none
    /// (no handle: the browser has no WebGPU at all).
    pub fn attach_gpu(&mut self, gpu: Option<GpuHandle>) {
        self.lab.set_gpu_found(found(gpu));
    }

    /// "cpu", "gpu" or "auto": returns {backend, note}.
    pub fn set_backend(&mut self, choice: &str) -> Result<JsValue, JsValue> {
        let (backend, note) = self.lab.choose_backend(backend_request(choice)?);
        backend_answer(&backend, &note)
    }

    /// A training slice on the GPU, or undefined when training on the CPU
    /// (then call `train_slice`).
    pub fn gpu_slice_begin(&mut self) -> Result<Option<GpuSlice>, JsValue> {
        Ok(self.lab.gpu_slice_begin().map_err(err)?.map(|(trainer, generation)| GpuSlice { trainer, generation, cap: usize::MAX }))
    }

    /// Put a finished GPU slice back; returns the progress as `train_slice`.
    pub fn gpu_slice_end(&mut self, done: GpuSliceDone) -> Result<JsValue, JsValue> {
        to_js(&self.lab.gpu_slice_end(done.generation, done.trainer, done.copy, done.failure).map_err(err)?)
    }
}

/// "cpu", "gpu" or "auto" as the engine's request.
fn backend_request(choice: &str) -> Result<BackendRequest, JsValue> {
    match choice {
        "cpu" => Ok(BackendRequest::Cpu),
        "gpu" => Ok(BackendRequest::Gpu),
        "auto" => Ok(BackendRequest::Auto),
        other => Err(err(Error::setting("backend", msg!("web.backend_choice", value = crate::error::printable(other, 40))))),
    }
}

/// `{backend, note}`: where a lab trains and why.
fn backend_answer(backend: &str, note: &crate::error::Message) -> Result<JsValue, JsValue> {
    let o = js_sys::Object::new();
    js_sys::Reflect::set(&o, &"backend".into(), &JsValue::from_str(backend))?;
    js_sys::Reflect::set(&o, &"note".into(), &to_js(note)?)?;
    Ok(o.into())
}

/// A lab binding's t-SNE run (the classifier's or the language model's),
/// which the page starts and then steps a few iterations at a time.
#[derive(Default)]
pub(crate) struct TsneSlot(Option<crate::lab::TsneRun>);

impl TsneSlot {
    /// The run to resume from, when asked.
    pub(crate) fn previous(&self, resume: bool) -> Option<&crate::lab::TsneRun> {
        self.0.as_ref().filter(|_| resume)
    }
    /// The run started (or why not), held; its first frame.
    pub(crate) fn start(&mut self, run: crate::error::Result<crate::lab::TsneRun>) -> Result<JsValue, JsValue> {
        let run = run.map_err(err)?;
        let frame = to_js(&run.frame());
        self.0 = Some(run);
        frame
    }
    pub(crate) fn advance(&mut self, iterations: usize) -> Result<bool, JsValue> {
        Ok(self.0.as_mut().ok_or_else(none)?.advance(iterations))
    }
    pub(crate) fn frame(&self) -> Result<JsValue, JsValue> {
        to_js(&self.0.as_ref().ok_or_else(none)?.frame())
    }
}

fn none() -> JsValue {
    err(Error::setting("projector", crate::msg!("explain.tsne_none")))
}

/// What `open_gpu` found: a GPU, or why there is none.
#[wasm_bindgen]
pub struct GpuHandle(Result<GpuBackend, crate::error::Message>);

#[wasm_bindgen]
impl GpuHandle {
    /// The adapter's name ("" when there is none).
    pub fn adapter(&self) -> String {
        self.0.as_ref().map(|g| g.adapter().name.clone()).unwrap_or_default()
    }

    /// Another handle to the same device, for the other task's lab
    /// (`attach_gpu` takes the handle it is given).
    pub fn share(&self) -> GpuHandle {
        GpuHandle(self.0.clone())
    }
}

/// What a handle (or its absence: no WebGPU at all) gives a lab.
fn found(gpu: Option<GpuHandle>) -> Result<GpuBackend, crate::error::Message> {
    gpu.map(|g| g.0).unwrap_or_else(|| Err(msg!("gpu.no_webgpu")))
}

/// Ask the browser for a WebGPU adapter and device: resolves to a
/// `GpuHandle` holding the GPU or why there is none. `name` names the
/// adapter when the browser keeps its description to itself (vendor,
/// architecture).
#[wasm_bindgen]
pub fn open_gpu(name: String) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(async move { Ok(GpuHandle(GpuBackend::new_async(&name).await.map_err(|e| e.0)).into()) })
}

/// The run on the GPU, out of the lab while a slice trains it, so the page
/// can keep using the lab (predictions, charts) meanwhile.
#[wasm_bindgen]
pub struct GpuSlice {
    trainer: Trainer<GpuBackend>,
    generation: u64,
    /// The most steps the lab lets this slice take (the generation task
    /// stops where a sample over time is due).
    cap: usize,
}

#[wasm_bindgen]
impl GpuSlice {
    /// Train as `train_slice` does; resolves to a `GpuSliceDone` for
    /// `WebLab.gpu_slice_end`.
    pub fn run(self, budget_ms: f64, max_batches: usize, to_epoch_end: bool) -> js_sys::Promise {
        wasm_bindgen_futures::future_to_promise(async move {
            let (trainer, copy, failure) = gpu_slice_run(self.trainer, budget_ms, max_batches.min(self.cap), to_epoch_end).await;
            Ok(GpuSliceDone { trainer, copy, failure, generation: self.generation }.into())
        })
    }
}

#[wasm_bindgen]
pub struct GpuSliceDone {
    trainer: Trainer<GpuBackend>,
    copy: crate::error::Result<Trainer<CpuBackend>>,
    failure: Option<Error>,
    generation: u64,
}

impl Default for WebLab {
    fn default() -> Self {
        WebLab::new()
    }
}
