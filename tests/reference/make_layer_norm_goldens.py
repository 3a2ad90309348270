"""Golden values for gradlab's LayerNormalization, computed by Keras.

Run with the Keras environment `./lab test` creates (the tests never need TensorFlow):
    target/bench/venv/bin/python tests/reference/make_layer_norm_goldens.py tests/fixtures/layer_norm_goldens.json

Versions used for the committed fixture: TensorFlow 2.21.0, Keras 3 (as installed by tensorflow-cpu
2.21.0), NumPy 2 (CPU). Inputs and weights are the deterministic sine pattern of make_goldens.py.
For each case the fixture holds the layer's output and the gradients of
    loss = sum(y * r)        (r a fixed pattern, so every output has its own weight)
with respect to the input, gamma and beta, taken by tf.GradientTape. Floats are written as the
shortest decimal that reads back to the same float32.

Before writing, the script checks Keras against the NumPy definition an implementation must match
(and stores that definition's output and gradients, in float64 then rounded, as y_exact, dx_exact,
dgamma_exact and dbeta_exact, with Keras's distance from them):
each position's features (the last axis) normalised by their own mean and biased variance,
y = (x - mean) / sqrt(var + epsilon) * gamma + beta.
"""
import json
import math
import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
import tensorflow as tf
from keras import layers


def pattern(shape, seed):
    n = int(np.prod(shape))
    v = np.array([0.5 * math.sin(1.3 * i + 0.7 * seed) for i in range(n)], dtype=np.float32)
    return v.reshape(shape)


def flat(a):
    return [float(str(v)) for v in np.asarray(a, dtype=np.float32).ravel()]


def case(x_shape, offset, scale, epsilon):
    x = pattern(x_shape, 1) * scale + offset
    c = x_shape[-1]
    gamma = 1.0 + 0.3 * pattern((c,), 2)
    beta = pattern((c,), 3)
    r = pattern(x_shape, 4) + 0.25
    layer = layers.LayerNormalization(epsilon=epsilon)
    layer.build(x_shape)
    layer.set_weights([gamma, beta])
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt)
        loss = tf.reduce_sum(y * r)
    dx, dgamma, dbeta = tape.gradient(loss, [xt, layer.gamma, layer.beta])
    y = np.asarray(y)
    # The definition, in float64.
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=-1, keepdims=True)
    var = ((x64 - mean) ** 2).mean(axis=-1, keepdims=True)
    inv = 1.0 / np.sqrt(var + np.float64(np.float32(epsilon)))
    xhat = (x64 - mean) * inv
    want = xhat * gamma + beta
    # Its gradients for loss = sum(y * r): with g = r * gamma,
    # dx = (g - mean(g) - xhat * mean(g * xhat)) / sigma.
    g = r.astype(np.float64) * gamma
    dx_exact = (g - g.mean(axis=-1, keepdims=True) - xhat * (g * xhat).mean(axis=-1, keepdims=True)) * inv
    c_axes = tuple(range(len(x_shape) - 1))
    dgamma_exact = (r * xhat).sum(axis=c_axes)
    dbeta_exact = r.astype(np.float64).sum(axis=c_axes)
    err = np.max(np.abs(y - want))
    assert err < 1e-4 * max(1.0, np.max(np.abs(want))), f"Keras's LayerNormalization is not the definition: {err}"
    return {
        "x_shape": list(x_shape), "offset": offset, "epsilon": epsilon,
        "x": flat(x), "gamma": flat(gamma), "beta": flat(beta), "r": flat(r),
        "y": flat(y), "dx": flat(dx), "dgamma": flat(dgamma), "dbeta": flat(dbeta),
        # Keras's own float32 error, largest where rows sit far from zero:
        # an implementation is held to the definition and to Keras within it.
        "y_exact": flat(want), "keras_error": float(err),
        "dx_exact": flat(dx_exact), "dgamma_exact": flat(dgamma_exact), "dbeta_exact": flat(dbeta_exact),
        "keras_grad_error": float(max(np.max(np.abs(np.asarray(dx) - dx_exact)), np.max(np.abs(np.asarray(dgamma) - dgamma_exact)), np.max(np.abs(np.asarray(dbeta) - dbeta_exact)))),
    }


def main(out):
    cases = [
        case((2, 5, 6), 0.0, 1.0, 1e-3),      # a batch of sequences, Keras's default epsilon
        case((3, 16), 0.0, 2.0, 1e-5),        # vectors, keras_hub's Transformer epsilon
        case((2, 3, 4, 5), 0.5, 1.0, 1e-3),   # images: each pixel's channels
        case((4, 7), 10.0, 0.1, 1e-3),        # rows far from zero, variance near epsilon
    ]
    doc = {
        "generated_by": "tests/reference/make_layer_norm_goldens.py",
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__},
        "cases": cases,
    }
    with open(out, "w") as f:
        json.dump(doc, f)
    print(f"wrote {out}: {len(cases)} cases")


if __name__ == "__main__":
    main(sys.argv[1])
