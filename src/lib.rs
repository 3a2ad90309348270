//! gradlab: a deep-learning engine for an in-browser lab.
//!
//! The modules, from the bottom up; each uses only those before it:
//!
//! ```text
//! error, clock → data → backend → autodiff → nn → model → trainer → (lab | cli | web)
//! ```
//!
//! - `data`: parsing, cleaning, tokenizing, splitting, images
//! - `backend`: the primitive tensor operations (CPU and GPU behind one
//!   trait) and the op enums they take: activations, losses (`loss`),
//!   optimizer update rules
//! - `autodiff`: the tape that differentiates them
//! - `nn`: layers (the `Layer` trait and its registry); `optim`: optimizers
//!   and schedules; `metrics`
//! - `model`, `presets`: sequential models; `trainer`: the training state
//!   machine; `backend_choice`: where to train (it reads the model)
//! - `io`: the TensorFlow.js layers-model format; `insides`, `surfaces`: what
//!   the page draws
//! - `lab` (the page's session), `cli` (native), `web` (wasm bindings)

pub mod autodiff;
pub mod backend;
pub mod backend_choice;
#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
pub mod clock;
pub mod data;
pub mod error;
pub mod explain;
pub mod generate;
pub mod insides;
pub mod io;
pub mod lab;
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
// The loss functions are backend ops; `gradlab::loss` names them too.
pub use backend::loss;
