"""Golden values for gradlab's image layers (Conv2D, pooling, BatchNormalization), computed by Keras.

Run in a throw-away environment (the tests never need TensorFlow):
    python3 -m venv /tmp/kenv && /tmp/kenv/bin/pip install tensorflow-cpu
    /tmp/kenv/bin/python tests/reference/make_image_goldens.py tests/fixtures/image_goldens.json

Versions used for the committed fixture: TensorFlow 2.21.0, Keras 3.15.1, NumPy 2.4.6 (CPU).
Weights and inputs are deterministic (the sine pattern of make_goldens.py), so no random state
is involved. Every tensor is channels-last (NHWC, as Keras) and written flat in row-major order
with its shape; Conv2D kernels in Keras's layout [kh, kw, cin, filters]. Floats are written as
the shortest decimal that reads back to the same float32.

Before writing, the script checks Keras against a small NumPy reference of the semantics an
implementation must match (see check_semantics):
  - "same" padding: total = max((ceil(n / s) - 1) * s + k - n, 0); top/left gets total // 2,
    bottom/right the rest (the extra cell goes bottom/right).
  - AveragePooling2D with "same" padding divides by the number of real (non-padded) cells;
    MaxPooling2D ignores padded cells.
  - BatchNormalization in training normalizes with the biased batch variance (divide by N,
    N = batch * height * width) and updates moving = momentum * moving + (1 - momentum) * batch
    statistic, with that same biased variance.
"""
import json
import math
import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
from keras import layers


def pattern(shape, seed):
    n = int(np.prod(shape))
    v = np.array([0.5 * math.sin(1.3 * i + 0.7 * seed) for i in range(n)], dtype=np.float32)
    return v.reshape(shape)


def flat(a):
    # str() of a NumPy float32 is the shortest decimal that reads back to the same float32.
    return [float(str(v)) for v in np.asarray(a, dtype=np.float32).ravel()]


def shape(a):
    return list(np.shape(a))


# ---------------------------------------------------------------------------------------------
# NumPy reference of the semantics, used only to check Keras (and to document what it does).

def same_pads(n, k, s):
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def pad_hw(x, kernel, strides, padding, value):
    if padding == "valid":
        return x, np.ones(x.shape[1:3], dtype=bool)
    (t, b), (l, r) = same_pads(x.shape[1], kernel[0], strides[0]), same_pads(x.shape[2], kernel[1], strides[1])
    real = np.pad(np.ones(x.shape[1:3], dtype=bool), ((t, b), (l, r)))
    return np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)), constant_values=value), real


def windows(xp, kernel, strides):
    oh = (xp.shape[1] - kernel[0]) // strides[0] + 1
    ow = (xp.shape[2] - kernel[1]) // strides[1] + 1
    for i in range(oh):
        for j in range(ow):
            yield i, j, (slice(i * strides[0], i * strides[0] + kernel[0]), slice(j * strides[1], j * strides[1] + kernel[1]))


def out_size(xp, kernel, strides):
    return (xp.shape[1] - kernel[0]) // strides[0] + 1, (xp.shape[2] - kernel[1]) // strides[1] + 1


def ref_conv(x, w, b, strides, padding):
    x, w = x.astype(np.float64), w.astype(np.float64)
    xp, _ = pad_hw(x, w.shape[:2], strides, padding, 0.0)
    oh, ow = out_size(xp, w.shape[:2], strides)
    y = np.zeros((x.shape[0], oh, ow, w.shape[3]))
    for i, j, (hs, ws) in windows(xp, w.shape[:2], strides):
        y[:, i, j, :] = np.einsum("nhwc,hwcf->nf", xp[:, hs, ws, :], w) + b
    return y


def ref_pool(x, kind, pool, strides, padding):
    x = x.astype(np.float64)
    xp, real = pad_hw(x, pool, strides, padding, -np.inf if kind == "max" else 0.0)
    oh, ow = out_size(xp, pool, strides)
    y = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    for i, j, (hs, ws) in windows(xp, pool, strides):
        win = xp[:, hs, ws, :]
        y[:, i, j, :] = win.max(axis=(1, 2)) if kind == "max" else win.sum(axis=(1, 2)) / real[hs, ws].sum()
    return y


def check(name, got, want, tol=1e-5):
    err = float(np.max(np.abs(np.asarray(got, np.float64) - want)))
    if err > tol:
        sys.exit(f"{name}: Keras differs from the NumPy reference by {err}")
    return err


def check_semantics(data):
    for c in data["conv2d"]:
        x = np.array(c["x"]).reshape(c["x_shape"])
        w = np.array(c["kernel"]).reshape(c["kernel_size"] + [c["x_shape"][3], c["filters"]])
        check("conv2d " + c["name"], np.array(c["y"]).reshape(c["y_shape"]), ref_conv(x, w, np.array(c["bias"]), c["strides"], c["padding"]))
    for c in data["pool"]:
        x = np.array(c["x"]).reshape(c["x_shape"])
        check("pool " + c["name"], np.array(c["y"]).reshape(c["y_shape"]), ref_pool(x, c["kind"], c["pool_size"], c["strides"], c["padding"]))
    # The alternatives really are distinguishable on these cases:
    c = next(c for c in data["pool"] if c["name"] == "average_3_s1_same")
    x = np.array(c["x"]).reshape(c["x_shape"]).astype(np.float64)
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    full = np.stack([np.stack([xp[:, i:i + 3, j:j + 3, :].sum(axis=(1, 2)) / 9 for j in range(5)], 1) for i in range(7)], 1)
    assert np.max(np.abs(full - np.array(c["y"]).reshape(c["y_shape"]))) > 1e-2, "average pooling counts padding?"
    c = next(c for c in data["conv2d"] if c["name"] == "same_s2")  # W = 6, k = 3, s = 2: one padded column
    x = np.array(c["x"]).reshape(c["x_shape"]).astype(np.float64)
    w = np.array(c["kernel"]).reshape([3, 3, 3, 4])
    xp = np.pad(x, ((0, 0), (1, 1), (1, 0), (0, 0)))  # the extra column on the left instead
    left = np.stack([np.stack([np.einsum("nhwc,hwcf->nf", xp[:, 2 * i:2 * i + 3, 2 * j:2 * j + 3, :], w) for j in range(3)], 1) for i in range(4)], 1) + np.array(c["bias"])
    assert np.max(np.abs(left - np.array(c["y"]).reshape(c["y_shape"]))) > 1e-2, "same padding puts the extra cell top/left?"

    bn = data["batch_norm"]
    x = np.array(bn["x"], np.float64).reshape(bn["x_shape"])
    mean, var = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))  # biased: divide by N
    n = x.size // x.shape[3]
    g, b = np.array(bn["gamma"]), np.array(bn["beta"])
    mm, mv = np.array(bn["moving_mean"]), np.array(bn["moving_variance"])
    m, eps = bn["momentum"], bn["epsilon"]
    check("batch_norm y_training", bn["y_training"], (g * (x - mean) / np.sqrt(var + eps) + b).ravel())
    check("batch_norm moving_mean_after", bn["moving_mean_after"], m * mm + (1 - m) * mean)
    check("batch_norm moving_variance_after (biased)", bn["moving_variance_after"], m * mv + (1 - m) * var)
    unbiased = m * mv + (1 - m) * var * n / (n - 1)
    assert np.max(np.abs(unbiased - np.array(bn["moving_variance_after"]))) > 1e-5, "moving variance unbiased?"
    check("batch_norm y_inference", bn["y_inference"], (g * (x - mm) / np.sqrt(mv + eps) + b).ravel())

    gap = data["global_average_pooling2d"]
    check("global_average_pooling2d", gap["y"], np.array(gap["x"]).reshape(gap["x_shape"]).mean(axis=(1, 2)).ravel())


# ---------------------------------------------------------------------------------------------
# Cases.

def conv2d_cases():
    x_shape = [2, 7, 6, 3]
    x = pattern(x_shape, 1)
    cases = []
    for name, kernel, strides, padding in [
        ("valid_s1", (3, 3), (1, 1), "valid"),
        ("same_s1", (3, 3), (1, 1), "same"),
        ("valid_s2", (3, 3), (2, 2), "valid"),
        ("same_s2", (3, 3), (2, 2), "same"),
        ("same_s21_k32", (3, 2), (2, 1), "same"),
    ]:
        layer = layers.Conv2D(4, kernel, strides=strides, padding=padding, activation="linear")
        layer.build(tuple(x_shape))
        w = pattern(layer.kernel.shape, 2)
        b = pattern(layer.bias.shape, 3)
        layer.set_weights([w, b])
        y = np.asarray(layer(x))
        cases.append({
            "name": name, "filters": 4, "kernel_size": list(kernel), "strides": list(strides),
            "padding": padding, "activation": "linear",
            "x_shape": x_shape, "x": flat(x), "kernel": flat(w), "bias": flat(b),
            "y_shape": shape(y), "y": flat(y),
        })
    return cases


def pool_cases():
    x_shape = [2, 7, 5, 3]
    x = pattern(x_shape, 1)
    cases = []
    for kind, cls in [("max", layers.MaxPooling2D), ("average", layers.AveragePooling2D)]:
        for name, pool, strides, padding in [
            ("2_valid", (2, 2), None, "valid"),
            ("2_s2_same", (2, 2), (2, 2), "same"),
            ("3_s2_valid", (3, 3), (2, 2), "valid"),
            ("3_s1_same", (3, 3), (1, 1), "same"),
        ]:
            y = np.asarray(cls(pool_size=pool, strides=strides, padding=padding)(x))
            cases.append({
                "name": kind + "_" + name, "kind": kind, "pool_size": list(pool),
                "strides": list(strides if strides is not None else pool), "padding": padding,
                "x_shape": x_shape, "x": flat(x), "y_shape": shape(y), "y": flat(y),
            })
    return cases


def global_average_pooling2d():
    x = pattern((2, 4, 3, 5), 1)
    y = np.asarray(layers.GlobalAveragePooling2D()(x))
    return {"x_shape": shape(x), "x": flat(x), "y_shape": shape(y), "y": flat(y)}


def batch_norm():
    x_shape = (4, 3, 3, 2)
    x = pattern(x_shape, 1) * 2.0 + 0.3
    c = x_shape[-1]
    gamma = 1.0 + 0.1 * pattern((c,), 2)
    beta = pattern((c,), 3)
    moving_mean = pattern((c,), 4)
    moving_variance = 1.0 + 0.5 * np.abs(pattern((c,), 5))
    weights = [gamma, beta, moving_mean, moving_variance]

    def fresh():
        layer = layers.BatchNormalization(momentum=0.99, epsilon=0.001)
        layer.build(x_shape)
        layer.set_weights(weights)
        return layer

    train = fresh()
    y_training = np.asarray(train(x, training=True))
    after = train.get_weights()
    y_inference = np.asarray(fresh()(x, training=False))
    return {
        "x_shape": list(x_shape), "x": flat(x),
        "gamma": flat(gamma), "beta": flat(beta), "moving_mean": flat(moving_mean), "moving_variance": flat(moving_variance),
        "momentum": 0.99, "epsilon": 0.001,
        "y_training": flat(y_training),
        "moving_mean_after": flat(after[2]), "moving_variance_after": flat(after[3]),
        "y_inference": flat(y_inference),
    }


STEP_LAYERS = [
    {"type": "Conv2D", "filters": 4, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid", "activation": "relu"},
    {"type": "BatchNormalization", "momentum": 0.99, "epsilon": 0.001},
    {"type": "MaxPooling2D", "pool_size": [2, 2], "strides": [2, 2], "padding": "valid"},
    {"type": "Conv2D", "filters": 6, "kernel_size": [3, 3], "strides": [1, 1], "padding": "same", "activation": "relu"},
    {"type": "AveragePooling2D", "pool_size": [2, 2], "strides": [1, 1], "padding": "same"},
    {"type": "Flatten"},
    {"type": "Dense", "units": 5, "activation": "relu"},
    {"type": "Dense", "units": 3, "activation": "softmax"},
]


def keras_layer(spec):
    kw = {k: v for k, v in spec.items() if k != "type"}
    return getattr(layers, spec["type"])(**kw)


# Weight seeds are 10 * layer + index + STEP_SEED_OFFSET. The offset 29 was picked (by trying
# 0..59) so that no ReLU pre-activation of the batch lies within 0.009 of zero and no max-pooling
# window has two unequal maxima closer than 0.04, so float rounding cannot flip a branch. Left as
# they are: the first Dense layer has one unit that is dead for the whole batch, and 13 pooling
# windows hold exactly tied maxima (cells that the first ReLU zeroed, equal after
# BatchNormalization); Keras sends such a window's gradient to its first maximum in row-major order.
STEP_SEED_OFFSET = 29


def step_weights(model):
    weights = []
    for li, layer in enumerate(model.layers):
        ws = []
        for wi, w in enumerate(layer.get_weights()):
            p = pattern(w.shape, 10 * li + wi + STEP_SEED_OFFSET)
            if isinstance(layer, layers.BatchNormalization):
                p = [1.0 + 0.1 * p, p, 0.2 * p, 1.0 + 0.5 * np.abs(p)][wi]  # gamma, beta, moving mean, moving variance
            ws.append(p.astype(np.float32))
        if ws:
            layer.set_weights(ws)
        weights.append(ws)
    return weights


def step():
    input_shape = (8, 8, 1)
    x = 0.5 + pattern((6,) + input_shape, 7)  # in [0, 1]
    labels = np.array([0, 1, 2, 0, 1, 2], dtype=np.int32)

    def build():
        model = keras.Sequential([keras.Input(shape=input_shape)] + [keras_layer(s) for s in STEP_LAYERS])
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy", jit_compile=False)
        return model, step_weights(model)

    # The loss of the batch in training mode, on a separate copy (a training-mode call updates
    # the BatchNormalization moving statistics).
    probe, _ = build()
    import tensorflow as tf
    with tf.GradientTape() as tape:
        probe_loss_t = keras.losses.SparseCategoricalCrossentropy()(labels, probe(x, training=True))
    probe_loss = float(probe_loss_t)
    # d loss / d weight for every trainable weight, per layer in Keras order
    # (BatchNormalization: gamma and beta; its moving statistics have none).
    all_grads = iter(tape.gradient(probe_loss_t, probe.trainable_weights))
    grads = [[flat(next(all_grads).numpy()) for _ in layer.trainable_weights] for layer in probe.layers]
    
    model, before = build()
    loss_before = float(model.train_on_batch(x, labels))  # the whole array is the one batch
    if abs(loss_before - probe_loss) > 1e-6:
        sys.exit(f"train_on_batch returned {loss_before}, the forward pass gives {probe_loss}")
    after = [layer.get_weights() for layer in model.layers]
    assert [len(w) for w in after] == [2, 4, 0, 2, 0, 0, 2, 2]
    return {
        "layers": STEP_LAYERS,
        "input_shape": list(input_shape), "x": flat(x), "labels": labels.tolist(),
        "loss": "sparse_categorical_crossentropy", "optimizer": {"kind": "adam", "learning_rate": 0.01},
        "weights_before": [[flat(w) for w in ws] for ws in before],
        "loss_before": float(str(np.float32(loss_before))),
        "gradients": grads,
        "weights_after": [[flat(w) for w in ws] for ws in after],
    }


if __name__ == "__main__":
    dest = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/image_goldens.json"
    data = {
        "versions": {"tensorflow": __import__("tensorflow").__version__, "keras": keras.__version__},
        "conv2d": conv2d_cases(),
        "pool": pool_cases(),
        "global_average_pooling2d": global_average_pooling2d(),
        "batch_norm": batch_norm(),
        "step": step(),
    }
    check_semantics(data)
    with open(dest, "w", encoding="utf-8") as f:
        json.dump(data, f)
    for c in data["conv2d"] + data["pool"]:
        print(f"{c['name']}: {c['x_shape']} -> {c['y_shape']}")
    print("wrote", dest, "with TensorFlow %(tensorflow)s, Keras %(keras)s" % data["versions"])
