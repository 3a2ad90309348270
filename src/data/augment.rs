//! Seeded image augmentation: each training image is moved by a random
//! affine transform (shift, rotation, zoom, horizontal flip) every time it is
//! drawn, so the network sees a slightly different picture each epoch.
//! Sampling is bilinear from the inverse transform about the image centre;
//! cells that come from outside the image read 0 (background after scaling
//! to [0, 1], the mean after standardising).

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::image::ImageShape;
use crate::error::{Error, Message, Result};
use crate::msg;

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Augmentation {
    /// Largest shift, as a fraction of the height and width (Keras's
    /// RandomTranslation factor).
    #[serde(default)]
    pub shift: f32,
    /// Largest rotation either way, in degrees.
    #[serde(default)]
    pub rotation: f32,
    /// Largest zoom in or out, as a fraction (0.1: 90 % to 110 %).
    #[serde(default)]
    pub zoom: f32,
    /// Mirror left-right half the time (off for digits: a mirrored 3 is no 3).
    #[serde(default)]
    pub flip: bool,
}

impl Augmentation {
    pub fn is_identity(&self) -> bool {
        self.shift == 0.0 && self.rotation == 0.0 && self.zoom == 0.0 && !self.flip
    }

    pub fn validate(&self) -> Result<()> {
        let check = |field: &str, v: f32, max: f32, code: &'static str| {
            if !v.is_finite() || v < 0.0 || v > max {
                Err(Error::setting(field, Message { code, params: vec![("value", v.into())] }))
            } else {
                Ok(())
            }
        };
        check("augment_shift", self.shift, 0.5, "augment.shift")?;
        check("augment_rotation", self.rotation, 180.0, "augment.rotation")?;
        check("augment_zoom", self.zoom, 0.9, "augment.zoom")
    }

    /// Read "shift=0.1,rotate=10,zoom=0.1,flip" (any subset; "none" for none).
    pub fn parse(s: &str) -> Result<Augmentation> {
        let mut a = Augmentation::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty() && *p != "none") {
            let (key, value) = part.split_once('=').unwrap_or((part, ""));
            let num = || value.parse::<f32>().map_err(|_| Error::setting("--augment", msg!("augment.needs_number", key = key)));
            match key {
                "shift" => a.shift = num()?,
                "rotate" | "rotation" => a.rotation = num()?,
                "zoom" => a.zoom = num()?,
                "flip" => a.flip = value.is_empty() || value == "true" || value == "1",
                other => return Err(Error::setting("--augment", msg!("augment.unknown_part", part = other))),
            }
        }
        a.validate()?;
        Ok(a)
    }

    /// One random transform of one image (row-major [h, w, c]).
    pub fn apply(&self, img: &[f32], shape: ImageShape, rng: &mut ChaCha8Rng) -> Vec<f32> {
        let [h, w, _] = shape;
        let mut draw = |limit: f32| if limit > 0.0 { rng.gen_range(-limit..=limit) } else { 0.0 };
        let dy = draw(self.shift) * h as f32;
        let dx = draw(self.shift) * w as f32;
        let angle = draw(self.rotation).to_radians();
        let zoom = 1.0 + draw(self.zoom);
        let flip = self.flip && rng.gen_bool(0.5);
        warp(img, shape, Warp { dx, dy, angle, zoom, flip }).unwrap_or_else(|| img.to_vec())
    }
}

/// An affine move of an image about its centre.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Warp {
    pub dx: f32,
    pub dy: f32,
    /// Radians, counter-clockwise.
    pub angle: f32,
    /// Above 1 enlarges the picture.
    pub zoom: f32,
    pub flip: bool,
}

/// The warped image, or None when the warp is the identity.
pub fn warp(img: &[f32], [h, w, c]: ImageShape, t: Warp) -> Option<Vec<f32>> {
    if t.dx == 0.0 && t.dy == 0.0 && t.angle == 0.0 && t.zoom == 1.0 && !t.flip {
        return None;
    }
    let (cy, cx) = ((h as f32 - 1.0) / 2.0, (w as f32 - 1.0) / 2.0);
    let (sin, cos) = t.angle.sin_cos();
    let mut out = vec![0.0f32; h * w * c];
    for y in 0..h {
        for x in 0..w {
            // Inverse map: output pixel → source position.
            let (mut u, v) = (x as f32 - cx - t.dx, y as f32 - cy - t.dy);
            if t.flip {
                u = -u;
            }
            let sx = (cos * u - sin * v) / t.zoom + cx;
            let sy = (sin * u + cos * v) / t.zoom + cy;
            let (x0, y0) = (sx.floor(), sy.floor());
            let (fx, fy) = (sx - x0, sy - y0);
            for ch in 0..c {
                let at = |yy: f32, xx: f32| -> f32 {
                    if yy < 0.0 || xx < 0.0 || yy >= h as f32 || xx >= w as f32 {
                        0.0
                    } else {
                        img[((yy as usize) * w + xx as usize) * c + ch]
                    }
                };
                let top = at(y0, x0) * (1.0 - fx) + at(y0, x0 + 1.0) * fx;
                let bottom = at(y0 + 1.0, x0) * (1.0 - fx) + at(y0 + 1.0, x0 + 1.0) * fx;
                out[(y * w + x) * c + ch] = top * (1.0 - fy) + bottom * fy;
            }
        }
    }
    Some(out)
}
