//! gradlab: a deep-learning engine for an in-browser lab.
//!
//! - `backend`: the primitive tensor operations (CPU here; GPU behind the same trait)
//! - `autodiff`: the tape that differentiates them
//! - `nn`: layers and activations; `loss`; `optim`: optimizers and schedules
//! - `model`, `presets`: sequential models; `trainer`: the training state machine
//! - `data`: parsing, cleaning, tokenizing, splitting; `metrics`
//! - `io`: the TensorFlow.js layers-model format

pub mod autodiff;
pub mod backend;
#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
pub mod clock;
pub mod data;
pub mod error;
pub mod insides;
pub mod io;
pub mod lab;
pub mod loss;
pub mod metrics;
pub mod model;
pub mod nn;
pub mod optim;
pub mod presets;
pub mod surfaces;
pub mod trainer;
#[cfg(target_arch = "wasm32")]
pub mod web;

pub use error::{Error, Result};
