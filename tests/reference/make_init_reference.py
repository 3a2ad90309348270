"""How Keras fills a fresh layer's weights: the reference for gradlab's initialisers.

Run with the Keras environment `./lab test` creates (the tests never need TensorFlow):
    target/bench/venv/bin/python tests/reference/make_init_reference.py tests/fixtures/init_reference.json

Versions used for the committed fixture: TensorFlow 2.21.0, Keras 3.15, keras_hub 0.32 (CPU).
The goldens set every weight to a fixed pattern, so they cannot see an initialiser; a wrong one
only shows as a model that learns faster or slower than Keras's. Here each layer gradlab has is
built in Keras at sizes large enough for the statistics to settle (thousands of values a kernel),
and the fixture holds, for every weight in Keras's order: its path, shape, largest magnitude,
root mean square and mean. `tests/init_reference.rs` draws the same layer in gradlab and holds it to
those figures (a uniform initialiser's largest magnitude is its limit; a root mean square is the
scale whatever the distribution).
"""
import json
import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
import keras_hub  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402

H = keras_hub.layers


def case(name, gradlab, keras_layer, input_shapes, ints=False):
    """`gradlab` is the layer's config as gradlab reads it; `input_shapes` are per-sample shapes,
    one per input (a MultiHeadAttention takes a query and a value)."""
    xs = [np.zeros((2,) + tuple(s), dtype=np.int32 if ints else np.float32) for s in input_shapes]
    keras_layer(*xs)
    weights = []
    for w in keras_layer.weights:
        a = np.asarray(w, dtype=np.float64)
        weights.append({
            "path": w.path, "shape": list(a.shape),
            "max_abs": float(np.abs(a).max()), "rms": float(np.sqrt((a * a).mean())), "mean": float(a.mean()),
        })
    return {"name": name, "layer": gradlab, "input_shapes": [list(s) for s in input_shapes], "weights": weights}


def main(out):
    keras.utils.set_random_seed(7)
    cases = [
        case("dense", {"type": "Dense", "units": 96}, layers.Dense(96), [(64,)]),
        case("dense per position", {"type": "Dense", "units": 48}, layers.Dense(48), [(10, 64)]),
        case("embedding", {"type": "Embedding", "input_dim": 500, "output_dim": 32}, layers.Embedding(500, 32), [(10,)], ints=True),
        case("conv1d", {"type": "Conv1D", "filters": 32, "kernel_size": 5}, layers.Conv1D(32, 5), [(50, 16)]),
        case("conv2d", {"type": "Conv2D", "filters": 16, "kernel_size": 3}, layers.Conv2D(16, 3), [(12, 12, 8)]),
        case("lstm", {"type": "LSTM", "units": 32}, layers.LSTM(32), [(10, 48)]),
        case("gru", {"type": "GRU", "units": 32}, layers.GRU(32), [(10, 48)]),
        case("batch normalization", {"type": "BatchNormalization"}, layers.BatchNormalization(), [(20, 16)]),
        case("layer normalization", {"type": "LayerNormalization"}, layers.LayerNormalization(), [(10, 64)]),
        case("multi-head attention", {"type": "MultiHeadAttention", "num_heads": 4, "key_dim": 16},
             layers.MultiHeadAttention(4, 16), [(10, 64), (10, 64)]),
        case("multi-head attention, own sizes", {"type": "MultiHeadAttention", "num_heads": 2, "key_dim": 24, "value_dim": 20, "output_shape": 40},
             layers.MultiHeadAttention(2, 24, value_dim=20, output_shape=40), [(10, 32), (12, 48)]),
        case("token and position embedding", {"type": "TokenAndPositionEmbedding", "vocabulary_size": 300, "sequence_length": 64, "embedding_dim": 64},
             H.TokenAndPositionEmbedding(300, 64, 64), [(64,)], ints=True),
        case("transformer encoder", {"type": "TransformerEncoder", "intermediate_dim": 128, "num_heads": 4},
             H.TransformerEncoder(128, 4), [(16, 64)]),
        case("transformer decoder", {"type": "TransformerDecoder", "intermediate_dim": 256, "num_heads": 4, "activation": "gelu", "normalize_first": True},
             H.TransformerDecoder(256, 4, activation="gelu", normalize_first=True), [(16, 64)]),
    ]
    doc = {
        "generated_by": "tests/reference/make_init_reference.py",
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__, "keras_hub": keras_hub.__version__, "numpy": np.__version__},
        "cases": cases,
    }
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
    print(f"wrote {out}: {len(cases)} layers, {sum(len(c['weights']) for c in cases)} weights")


if __name__ == "__main__":
    main(sys.argv[1])
