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

/// e^x to within a few ulps (relative error < 2e-7) for |x| < 88, in plain
/// arithmetic the compiler can vectorise. The recurrent cells spend most of
/// their time in exp and tanh; libm's versions are several times slower.
#[inline]
pub fn fast_exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    let x = x.clamp(-87.0, 88.0);
    // Round to nearest by the 1.5·2²³ trick: no libm call, so loops vectorise.
    const ROUND: f32 = 12_582_912.0;
    let k = (x * LOG2E + ROUND) - ROUND;
    let r = x - k * LN2_HI - k * LN2_LO;
    // Taylor series to r^7 on |r| ≤ ln2/2.
    let p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0)))))));
    p * f32::from_bits(((k as i32 + 127) as u32) << 23)
}

/// erfc(x) to a relative 1.2e-7 (Numerical Recipes' Chebyshev fit,
/// `erfcc`) plus `fast_exp`'s and f32's rounding: one exponential and nine
/// multiply-adds, so loops vectorise. GELU is erfc's only user; with
/// libm's erfcf it was a fifth of a GPT's training step.
#[inline]
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
#[inline]
pub fn gelu(x: f32) -> f32 {
    0.5 * x * fast_erfc(-x / SQRT_2)
}

/// GELU's derivative, Φ(x) + x·φ(x).
#[inline]
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
