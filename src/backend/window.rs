//! The geometry of a 2-D sliding window over channels-last images
//! [batch, height, width, channels]: convolution and pooling share it.
//! Padding follows TensorFlow: "same" gives ceil(n / stride) outputs and
//! puts the odd padding cell after the image (bottom, right), not before.

use serde::{Deserialize, Serialize};

use crate::error::Message;
use crate::msg;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Padding {
    #[default]
    Valid,
    Same,
}

/// How a pooling window combines its cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolKind {
    /// The largest cell; padding cells never win.
    Max,
    /// The mean of the cells inside the image (padding cells not counted).
    Average,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window2d {
    pub batch: usize,
    pub h: usize,
    pub w: usize,
    pub c: usize,
    pub kh: usize,
    pub kw: usize,
    pub sh: usize,
    pub sw: usize,
    pub pad_top: usize,
    pub pad_left: usize,
    pub oh: usize,
    pub ow: usize,
}

/// Output length and padding before, along one axis; None when the window
/// does not fit (valid padding and a kernel longer than the input).
pub fn out_len(n: usize, k: usize, s: usize, padding: Padding) -> Option<(usize, usize)> {
    if k == 0 || s == 0 || n == 0 {
        return None;
    }
    match padding {
        Padding::Valid => (n >= k).then(|| ((n - k) / s + 1, 0)),
        Padding::Same => {
            let out = n.div_ceil(s);
            let total = ((out - 1) * s + k).saturating_sub(n);
            Some((out, total / 2))
        }
    }
}

impl Window2d {
    /// The window over an input [batch, h, w, c]; Err says which axis the
    /// window does not fit.
    pub fn new(input: &[usize], kernel: [usize; 2], strides: [usize; 2], padding: Padding) -> Result<Window2d, Message> {
        let [batch, h, w, c] = input else {
            return Err(msg!("window.not_images", shape = format!("{:?}", input)));
        };
        let no_fit = || msg!("window.no_fit", kh = kernel[0], kw = kernel[1], h = *h, w = *w);
        let (oh, pad_top) = out_len(*h, kernel[0], strides[0], padding).ok_or_else(no_fit)?;
        let (ow, pad_left) = out_len(*w, kernel[1], strides[1], padding).ok_or_else(no_fit)?;
        Ok(Window2d { batch: *batch, h: *h, w: *w, c: *c, kh: kernel[0], kw: kernel[1], sh: strides[0], sw: strides[1], pad_top, pad_left, oh, ow })
    }
    pub fn input_shape(&self) -> [usize; 4] {
        [self.batch, self.h, self.w, self.c]
    }
    pub fn output_shape(&self, channels: usize) -> [usize; 4] {
        [self.batch, self.oh, self.ow, channels]
    }
    /// The image row read by output row `oy` and kernel row `ky`, if inside.
    #[inline]
    pub fn in_y(&self, oy: usize, ky: usize) -> Option<usize> {
        (oy * self.sh + ky).checked_sub(self.pad_top).filter(|&y| y < self.h)
    }
    #[inline]
    pub fn in_x(&self, ox: usize, kx: usize) -> Option<usize> {
        (ox * self.sw + kx).checked_sub(self.pad_left).filter(|&x| x < self.w)
    }
}

/// Output length of a valid-padded 1-D convolution.
pub fn conv_out_len(steps: usize, kernel: usize, stride: usize) -> usize {
    if steps < kernel {
        0
    } else {
        (steps - kernel) / stride + 1
    }
}
