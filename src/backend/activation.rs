//! Activation functions, each with its derivative beside it.
//!
//! `f` computes the activation of one value; `df` its derivative, given both
//! the input `x` and the output `y = f(x)` so that each can use whichever is
//! cheaper (sigmoid and tanh reuse `y`). Softmax acts on a whole row and is
//! handled by the backend; its entries here are only for naming.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    Linear,
    Relu,
    /// Keras's `leaky_relu` activation: slope 0.2 for negative inputs.
    LeakyRelu,
    Elu,
    /// The exact GELU, x·Φ(x), as Keras's default (`approximate=False`).
    Gelu,
    Sigmoid,
    Tanh,
    Softplus,
    /// x·sigmoid(x), also called SiLU.
    Swish,
    Softmax,
}

pub const LEAKY_RELU_SLOPE: f32 = 0.2;
const SQRT_2: f32 = std::f32::consts::SQRT_2;
/// 1/sqrt(2π)
const INV_SQRT_2PI: f32 = 0.398_942_3;

/// e^x in plain arithmetic the compiler vectorises, for the softmaxes (a
/// language model's loss takes an exponential of every logit: 2,048 × 4,492
/// a step for a `gpt` on Tang poems), GELU and the recurrent cells; libm's
/// `expf` is one call per value, several times slower in wasm. Cephes's
/// single-precision method: x = n·ln 2 + r with |r| ≤ ln 2 / 2, a degree-6
/// polynomial for e^r, and 2^n put into the exponent bits. Within 2 ulp of
/// the true value (tested against f64); 0 below e^-87.3, where f32's normal
/// numbers end; ∞ above e^88.4; NaN stays NaN.
#[inline(always)]
pub fn fast_exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // ln 2 in two parts, so that n·ln 2 is subtracted without rounding error.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Where e^x leaves f32's normal range.
    const LOWEST: f32 = -87.336_55;
    const HIGHEST: f32 = 88.376_26;
    // Adding and subtracting 1.5·2^23 rounds to the nearest integer with plain
    // arithmetic (no `round`, which SSE2 and wasm SIMD lack as a vector op).
    const ROUNDER: f32 = 12_582_912.0;
    // Branch-free (selects, not jumps) so the loops calling it vectorise:
    // with `clamp`, an `as i32` cast and an if-chain, the compiler kept it
    // scalar, three times slower than glibc's expf.
    let c = x.max(LOWEST).min(HIGHEST);
    let t = c * LOG2E + ROUNDER;
    let n = t - ROUNDER;
    let r = c - n * LN2_HI - n * LN2_LO;
    let p = ((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r + 0.166_666_65) * r + 0.5;
    let y = p * r * r + r + 1.0;
    // t = 1.5·2^23 + n, so n sits in t's low mantissa bits: adding the bias
    // and shifting them into the exponent field gives 2^n.
    let scale = f32::from_bits(t.to_bits().wrapping_add(127) << 23);
    let v = y * scale;
    let v = if x < LOWEST { 0.0 } else { v };
    let v = if x > HIGHEST { f32::INFINITY } else { v };
    if x.is_nan() {
        x
    } else {
        v
    }
}

/// erfc(x) to a relative 1.2e-7 (Numerical Recipes' Chebyshev fit,
/// `erfcc`) plus `fast_exp`'s and f32's rounding: one exponential and nine
/// multiply-adds, so loops vectorise. GELU is erfc's only user; with
/// libm's erfcf it was a fifth of a GPT's training step.
#[inline(always)]
pub fn fast_erfc(x: f32) -> f32 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -1.265_512_2 + t * (1.000_023_7 + t * (0.374_091_96 + t * (0.096_784_18 + t * (-0.186_288_06 + t * (0.278_868_07 + t * (-1.135_203_98 + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let ans = t * fast_exp(-z * z + poly);
    if x >= 0.0 {
        ans
    } else {
        2.0 - ans
    }
}

/// The exact GELU, x·Φ(x), in TensorFlow's form 0.5·x·erfc(−x/√2)
/// (1 + erf(x/√2) cancels for x ≪ 0).
#[inline(always)]
pub fn gelu(x: f32) -> f32 {
    0.5 * x * fast_erfc(-x / SQRT_2)
}

/// GELU's derivative, Φ(x) + x·φ(x).
#[inline(always)]
pub fn gelu_df(x: f32) -> f32 {
    0.5 * fast_erfc(-x / SQRT_2) + x * INV_SQRT_2PI * fast_exp(-0.5 * x * x)
}

/// The logistic function using `fast_exp`.
#[inline]
pub fn fast_sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + fast_exp(-x))
}

/// tanh using `fast_exp` (absolute error ~1e-7).
#[inline]
pub fn fast_tanh(x: f32) -> f32 {
    let e = fast_exp(-2.0 * x.abs());
    ((1.0 - e) / (1.0 + e)).copysign(x)
}

/// The activation of a recurrent layer's gates: Keras's sigmoid, or the
/// piecewise-linear `hard_sigmoid` = clip(0.2·x + 0.5, 0, 1) that
/// TensorFlow.js (and Keras 2) use by default for LSTM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateActivation {
    #[default]
    Sigmoid,
    HardSigmoid,
}

impl GateActivation {
    pub fn keras_name(self) -> &'static str {
        match self {
            GateActivation::Sigmoid => "sigmoid",
            GateActivation::HardSigmoid => "hard_sigmoid",
        }
    }
    #[inline]
    pub fn f(self, x: f32) -> f32 {
        match self {
            GateActivation::Sigmoid => fast_sigmoid(x),
            GateActivation::HardSigmoid => (0.2 * x + 0.5).clamp(0.0, 1.0),
        }
    }
    /// The derivative, from the output y.
    #[inline]
    pub fn dy(self, y: f32) -> f32 {
        match self {
            GateActivation::Sigmoid => y * (1.0 - y),
            GateActivation::HardSigmoid => {
                if y > 0.0 && y < 1.0 {
                    0.2
                } else {
                    0.0
                }
            }
        }
    }
}

pub fn sigmoid(x: f32) -> f32 {
    // Two branches keep exp() from overflowing for large |x|.
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// log(1 + e^x) without overflow.
pub fn softplus(x: f32) -> f32 {
    if x > 20.0 {
        x
    } else if x < -20.0 {
        x.exp()
    } else {
        x.exp().ln_1p()
    }
}

impl Activation {
    pub const ALL: [Activation; 10] = [
        Activation::Linear,
        Activation::Relu,
        Activation::LeakyRelu,
        Activation::Elu,
        Activation::Gelu,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Softplus,
        Activation::Swish,
        Activation::Softmax,
    ];

    /// The name Keras uses in layer configs.
    pub fn keras_name(self) -> &'static str {
        match self {
            Activation::Linear => "linear",
            Activation::Relu => "relu",
            Activation::LeakyRelu => "leaky_relu",
            Activation::Elu => "elu",
            Activation::Gelu => "gelu",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Softplus => "softplus",
            Activation::Swish => "swish",
            Activation::Softmax => "softmax",
        }
    }

    pub fn from_name(name: &str) -> Option<Activation> {
        let n = name.to_ascii_lowercase();
        let n = match n.as_str() {
            "silu" => "swish",
            "leakyrelu" => "leaky_relu",
            "none" | "" => "linear",
            other => other,
        };
        Activation::ALL.into_iter().find(|a| a.keras_name() == n)
    }

    /// f(x) for element-wise activations (softmax is row-wise: see the backend).
    pub fn f(self, x: f32) -> f32 {
        match self {
            Activation::Linear | Activation::Softmax => x,
            Activation::Relu => x.max(0.0),
            Activation::LeakyRelu => leaky_relu(x, LEAKY_RELU_SLOPE),
            Activation::Elu => {
                if x > 0.0 {
                    x
                } else {
                    x.exp_m1()
                }
            }
            Activation::Gelu => gelu(x),
            Activation::Sigmoid => sigmoid(x),
            Activation::Tanh => x.tanh(),
            Activation::Softplus => softplus(x),
            Activation::Swish => x * sigmoid(x),
        }
    }

    /// f'(x), given x and y = f(x).
    pub fn df(self, x: f32, y: f32) -> f32 {
        match self {
            Activation::Linear | Activation::Softmax => 1.0,
            Activation::Relu => {
                if x > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::LeakyRelu => leaky_relu_df(x, LEAKY_RELU_SLOPE),
            Activation::Elu => {
                if x > 0.0 {
                    1.0
                } else {
                    y + 1.0
                }
            }
            Activation::Gelu => gelu_df(x),
            Activation::Sigmoid => y * (1.0 - y),
            Activation::Tanh => 1.0 - y * y,
            Activation::Softplus => sigmoid(x),
            Activation::Swish => {
                let s = sigmoid(x);
                s + x * s * (1.0 - s)
            }
        }
    }
}

/// Leaky ReLU with any negative slope (the layer uses Keras's 0.2; the
/// page's visualiser lets the slope vary).
pub fn leaky_relu(x: f32, slope: f32) -> f32 {
    if x >= 0.0 {
        x
    } else {
        slope * x
    }
}

pub fn leaky_relu_df(x: f32, slope: f32) -> f32 {
    if x >= 0.0 {
        1.0
    } else {
        slope
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_two_ulp_of_f64() {
        let mut worst = 0.0f64;
        let mut x = -87.0f32;
        while x < 88.37 {
            let want = (x as f64).exp();
            let got = fast_exp(x) as f64;
            // In ulps of the f32 nearest the true value.
            let ulp = (want as f32).to_bits();
            let ulp = (f32::from_bits(ulp + 1) as f64 - want as f32 as f64).abs();
            worst = worst.max((got - want).abs() / ulp);
            x += 0.000_731;
        }
        assert!(worst <= 2.0, "worst error {} ulp", worst);
    }

    #[test]
    fn edges() {
        assert_eq!(fast_exp(0.0), 1.0);
        assert_eq!(fast_exp(-88.0), 0.0);
        assert_eq!(fast_exp(-1e9), 0.0);
        assert_eq!(fast_exp(f32::NEG_INFINITY), 0.0);
        assert!(fast_exp(f32::NAN).is_nan());
        assert!(fast_exp(88.3).is_finite() && fast_exp(88.3) > 1e38);
        assert_eq!(fast_exp(89.0), f32::INFINITY);
    }
}
