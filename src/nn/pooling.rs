//! Global pooling over time: [time, d] → [d].
//!
//! `GlobalMaxPooling1D` takes the maximum of each feature (ignoring any
//! mask, as Keras). `GlobalAveragePooling1D` averages only the unmasked
//! steps when a mask arrives, as Keras.

use serde::{Deserialize, Serialize};

use super::expect_sequence;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GlobalMaxPooling1D {}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GlobalAveragePooling1D {}

pub fn output_shape(input: &[usize]) -> Result<Vec<usize>, String> {
    let (_, d) = expect_sequence("global pooling", input)?;
    Ok(vec![d])
}
