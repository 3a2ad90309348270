//! The CPU backend's tensor: a shape and a shared row-major f32 buffer.

use std::sync::Arc;

use super::super::numel;

/// A CPU tensor. The buffer is shared so that handing a parameter to the
/// autodiff tape costs no copy; writes copy only if the buffer is shared.
#[derive(Clone, Debug)]
pub struct CpuTensor {
    pub(super) shape: Vec<usize>,
    pub(super) data: Arc<Vec<f32>>,
}

impl CpuTensor {
    pub fn new(shape: &[usize], data: Vec<f32>) -> Self {
        assert_eq!(numel(shape), data.len(), "shape {:?} does not hold {} values", shape, data.len());
        CpuTensor { shape: shape.to_vec(), data: Arc::new(data) }
    }
    pub fn data(&self) -> &[f32] {
        &self.data
    }
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    pub(super) fn data_mut(&mut self) -> &mut Vec<f32> {
        Arc::make_mut(&mut self.data)
    }
    /// (rows, last-axis width) of a tensor read as a matrix.
    pub(super) fn rows_cols(&self) -> (usize, usize) {
        let d = *self.shape.last().unwrap_or(&1);
        (if d == 0 { 0 } else { self.data.len() / d }, d)
    }
    pub(super) fn btd(&self) -> (usize, usize, usize) {
        assert_eq!(self.shape.len(), 3, "expected [batch, time, d], got {:?}", self.shape);
        (self.shape[0], self.shape[1], self.shape[2])
    }
}

pub(super) fn zip_map(a: &CpuTensor, b: &CpuTensor, f: impl Fn(f32, f32) -> f32) -> CpuTensor {
    assert_eq!(a.shape, b.shape, "element-wise op on shapes {:?} and {:?}", a.shape, b.shape);
    CpuTensor::new(&a.shape, a.data.iter().zip(b.data.iter()).map(|(&x, &y)| f(x, y)).collect())
}

pub(super) fn map(a: &CpuTensor, f: impl Fn(f32) -> f32) -> CpuTensor {
    CpuTensor::new(&a.shape, a.data.iter().map(|&x| f(x)).collect())
}
