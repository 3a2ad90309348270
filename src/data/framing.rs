//! Framing a drawing like the training images. A digit drawn small in a
//! corner of the pad, or with a long thin stroke, is not what the network
//! was shown: the handwritten digits were cut to their ink and scaled to
//! fill the frame before they were shrunk to 8×8, and MNIST centres its
//! digits by their centre of mass. So the pad's drawing is moved and scaled
//! until its ink sits where, and spreads as far as, the training images'
//! ink does.
//!
//! Spread is measured by moments of the ink (pixel values as weights), not
//! by a bounding box: moments do not depend on the resolution, so the 8×8
//! images and a 280×280 pad measure alike, and a stray faint pixel moves
//! them little.

use serde::{Deserialize, Serialize};

use super::image::{resample, resample_window, ImageShape};

/// Where the training images' ink sits: its centre and spread, in pixels of
/// the frame (medians over the images).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Framing {
    pub centre: [f32; 2],
    /// The larger of the ink's standard deviations along y and x.
    pub spread: f32,
}

/// Centre of mass and standard deviations (y, x) of an image's ink, in
/// pixel units with pixel centres at +0.5; None for an image without ink.
fn moments(ink: &[f32], h: usize, w: usize) -> Option<([f64; 2], [f64; 2])> {
    let (mut m, mut sy, mut sx, mut syy, mut sxx) = (0.0f64, 0.0, 0.0, 0.0, 0.0);
    for y in 0..h {
        for x in 0..w {
            let v = ink[y * w + x].max(0.0) as f64;
            let (fy, fx) = (y as f64 + 0.5, x as f64 + 0.5);
            m += v;
            sy += v * fy;
            sx += v * fx;
            syy += v * fy * fy;
            sxx += v * fx * fx;
        }
    }
    if m <= 1e-9 {
        return None;
    }
    let c = [sy / m, sx / m];
    // A pixel's ink is spread over its width, not held at its centre: that
    // adds 1/12 of a pixel² to the variance (so a filled bar of n pixels
    // measures n²/12 at any resolution).
    let var = |s2: f64, c: f64| (s2 / m - c * c + 1.0 / 12.0).max(0.0);
    Some((c, [var(syy, c[0]).sqrt(), var(sxx, c[1]).sqrt()]))
}

fn median(mut v: Vec<f32>) -> f32 {
    v.sort_by(f32::total_cmp);
    v[v.len() / 2]
}

impl Framing {
    /// Fit on raw training images of `shape`. None when they are not light
    /// ink on a dark ground (photos, dark strokes on white): a drawing is
    /// then shrunk whole, as it is.
    pub fn fit(images: &[Vec<f32>], shape: ImageShape) -> Option<Framing> {
        let [h, w, c] = shape;
        if images.is_empty() || h < 4 || w < 4 {
            return None;
        }
        let mut centres_y = Vec::new();
        let mut centres_x = Vec::new();
        let mut spreads = Vec::new();
        let mut dark_grounds = 0usize;
        for img in images {
            let grey: Vec<f32> = img.chunks_exact(c).map(|p| p.iter().sum::<f32>() / c as f32).collect();
            let top = grey.iter().copied().fold(0.0f32, f32::max);
            if top <= 0.0 {
                continue;
            }
            // Ink on a dark ground: the frame's corners are dark (its edges
            // are not enough: the digits' ink often touches them, and over
            // half of a digit's 64 pixels can hold some ink).
            let corners = [0, w - 1, (h - 1) * w, h * w - 1].iter().map(|&i| grey[i]).sum::<f32>() / 4.0;
            if corners < 0.1 * top {
                dark_grounds += 1;
            }
            if let Some((centre, sd)) = moments(&grey, h, w) {
                centres_y.push(centre[0] as f32);
                centres_x.push(centre[1] as f32);
                spreads.push(sd[0].max(sd[1]) as f32);
            }
        }
        if spreads.is_empty() || dark_grounds * 10 < images.len() * 9 {
            return None;
        }
        let spread = median(spreads);
        (spread > 0.0).then(|| Framing { centre: [median(centres_y), median(centres_x)], spread })
    }

    /// A drawing (`pixels`, [height, width] in [0, 1], 1 = ink) as a
    /// [th, tw] image framed like the training images: its ink's centre of
    /// mass moved to theirs and its spread scaled to theirs, then
    /// area-averaged. A dot is not blown up to fill the frame: the scale is
    /// at most four times that of shrinking the pad whole.
    pub fn frame(&self, pixels: &[f32], width: usize, height: usize, th: usize, tw: usize) -> Vec<f32> {
        let whole = (th as f64 / height as f64).min(tw as f64 / width as f64);
        let Some((centre, sd)) = moments(pixels, height, width) else {
            return resample(pixels, [height, width, 1], th, tw);
        };
        let spread = sd[0].max(sd[1]);
        let scale = if spread > 0.0 { (self.spread as f64 / spread).clamp(whole / 4.0, whole * 4.0) } else { whole * 4.0 };
        // Output pixel (ty, tx) covers the pad's [y0, y0 + 1/scale) × [x0, x0 + 1/scale).
        let origin = [centre[0] - self.centre[0] as f64 / scale, centre[1] - self.centre[1] as f64 / scale];
        resample_window(pixels, [height, width, 1], origin, [1.0 / scale; 2], th, tw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A [n, n] picture with a filled rectangle of ink.
    fn rect(n: usize, y0: usize, y1: usize, x0: usize, x1: usize) -> Vec<f32> {
        (0..n * n).map(|i| if (y0..y1).contains(&(i / n)) && (x0..x1).contains(&(i % n)) { 1.0 } else { 0.0 }).collect()
    }

    #[test]
    fn moments_do_not_depend_on_resolution() {
        // The same bar at 8×8 and at 80×80 (10× finer): same centre and spread in frame units.
        let (c8, s8) = moments(&rect(8, 1, 7, 3, 5), 8, 8).unwrap();
        let (c80, s80) = moments(&rect(80, 10, 70, 30, 50), 80, 80).unwrap();
        for k in 0..2 {
            assert!((c8[k] - c80[k] / 10.0).abs() < 1e-9, "centre {:?} vs {:?}", c8, c80);
            assert!((s8[k] - s80[k] / 10.0).abs() < 1e-3, "spread {:?} vs {:?}", s8, s80);
        }
        assert!((s8[0] - 6.0 / 12f64.sqrt()).abs() < 1e-9, "a 6-pixel bar has sd 6/√12: {}", s8[0]);
        assert!(moments(&[0.0; 16], 4, 4).is_none());
    }

    #[test]
    fn a_small_drawing_in_a_corner_is_centred_and_scaled_to_the_training_spread() {
        // Training images: 6×2 bars in the middle of 8×8.
        let train: Vec<Vec<f32>> = (0..5).map(|_| rect(8, 1, 7, 3, 5)).collect();
        let f = Framing::fit(&train, [8, 8, 1]).unwrap();
        assert!((f.centre[0] - 4.0).abs() < 1e-6 && (f.centre[1] - 4.0).abs() < 1e-6, "{:?}", f);
        // The same bar drawn small in the top-left corner of a 100×100 pad.
        let drawing = rect(100, 5, 35, 5, 15);
        let framed = f.frame(&drawing, 100, 100, 8, 8);
        let (c, s) = moments(&framed, 8, 8).unwrap();
        assert!((c[0] - 4.0).abs() < 0.05 && (c[1] - 4.0).abs() < 0.05, "centred: {:?}", c);
        assert!((s[0] - f.spread as f64).abs() < 0.05, "spread {:?} vs {}", s, f.spread);
        // Ink is neither made nor lost beyond the scale: mass × scale² is kept.
        let mass: f32 = framed.iter().sum();
        let scale = f.spread as f64 / moments(&drawing, 100, 100).unwrap().1[0];
        assert!((mass as f64 - 300.0 * scale * scale).abs() < 0.01 * mass as f64, "mass {}", mass);
        // Shrinking the pad whole would have left it in the corner.
        let (whole, _) = moments(&resample(&drawing, [100, 100, 1], 8, 8), 8, 8).unwrap();
        assert!(whole[0] < 2.0 && whole[1] < 1.0, "{:?}", whole);
    }

    #[test]
    fn photos_and_dark_ink_on_white_are_not_framed() {
        // Bright ground with a dark bar: not ink on a dark ground.
        let inverted: Vec<Vec<f32>> = (0..5).map(|_| rect(8, 1, 7, 3, 5).iter().map(|v| 1.0 - v).collect()).collect();
        assert_eq!(Framing::fit(&inverted, [8, 8, 1]), None);
        // RGB bars on black are framed by their grey level.
        let rgb: Vec<Vec<f32>> = (0..5).map(|_| rect(8, 1, 7, 3, 5).iter().flat_map(|&v| [v, v * 0.5, 0.0]).collect()).collect();
        assert!(Framing::fit(&rgb, [8, 8, 3]).is_some());
        assert_eq!(Framing::fit(&[], [8, 8, 1]), None);
    }

    #[test]
    fn a_dot_is_not_blown_up_to_fill_the_frame() {
        let f = Framing { centre: [4.0, 4.0], spread: 2.0 };
        let framed = f.frame(&rect(100, 50, 51, 50, 51), 100, 100, 8, 8);
        // At most 4 × 8/100 output pixels a pad pixel: the dot's ink stays
        // under 0.32² of a pixel (scaled to the spread it would be ~50).
        let mass: f32 = framed.iter().sum();
        assert!(mass > 0.05 && mass < 0.11, "a 1-pixel dot became {} pixels of ink", mass);
        // An empty pad frames to an empty image.
        assert!(f.frame(&[0.0; 100], 10, 10, 8, 8).iter().all(|&v| v == 0.0));
    }
}
