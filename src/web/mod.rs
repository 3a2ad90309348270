//! The page's bindings: a thin layer that turns JavaScript calls into calls
//! on `Lab` and its answers into JavaScript values. Errors become strings
//! naming the field at fault; a panic is reported by the panic hook and the
//! page restarts the worker (see www/worker.js).

pub mod charts;
pub mod insides;
pub mod visualisers;

use std::collections::HashMap;

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::lab::{Lab, Settings};

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

fn to_js<T: Serialize>(v: &T) -> Result<JsValue, JsValue> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| JsValue::from_str(&e.to_string()))
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

/// GFLOP/s of the engine's matrix product at n×n×n in this wasm build
/// (for bench/run.mjs).
#[wasm_bindgen]
pub fn bench_matmul_gflops(n: usize) -> f64 {
    crate::backend::cpu::matmul_gflops(n)
}

fn err(e: crate::error::Error) -> JsValue {
    JsValue::from_str(&e.to_string())
}

#[wasm_bindgen]
pub struct WebLab {
    lab: Lab,
}

#[wasm_bindgen]
impl WebLab {
    #[wasm_bindgen(constructor)]
    pub fn new() -> WebLab {
        WebLab { lab: Lab::new() }
    }

    /// The default settings, as the page's form starts.
    pub fn default_settings() -> Result<JsValue, JsValue> {
        to_js(&Settings::default())
    }

    /// Replace the settings; an error names the field at fault.
    pub fn set_settings(&mut self, settings: JsValue) -> Result<(), JsValue> {
        let s: Settings = serde_wasm_bindgen::from_value(settings).map_err(|e| JsValue::from_str(&format!("settings: {}", e)))?;
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

    /// `{json, weights}`: model.json text and the weight bytes.
    pub fn export_model(&self) -> Result<JsValue, JsValue> {
        let (json, bytes) = self.lab.export_model().map_err(err)?;
        let o = js_sys::Object::new();
        js_sys::Reflect::set(&o, &"json".into(), &JsValue::from_str(&json))?;
        js_sys::Reflect::set(&o, &"weights".into(), &js_sys::Uint8Array::from(&bytes[..]).into())?;
        Ok(o.into())
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

    pub fn settings(&self) -> Result<JsValue, JsValue> {
        to_js(&self.lab.settings)
    }
}

impl Default for WebLab {
    fn default() -> Self {
        WebLab::new()
    }
}
