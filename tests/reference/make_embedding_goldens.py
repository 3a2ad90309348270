"""Golden values for how Keras's optimizers update an Embedding's table.

Keras hands an Embedding's gradient to the optimizer as one slice per token
(tf.IndexedSlices), and the optimizers square those slices before adding
them up: a word seen k times in a batch adds Σ gᵢ² (not (Σ gᵢ)²) to Adam's
second moment and to RMSprop's and Adagrad's accumulators. These fixtures
pin that down: a small masked bag-of-words model with repeated tokens,
three steps of each optimizer.

Run with TensorFlow 2.21 / Keras 3.15 (e.g. the benchmark's venv):
    target/bench/venv/bin/python tests/reference/make_embedding_goldens.py tests/fixtures/embedding_goldens.json
"""
import json
import math
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402


def pattern(shape, seed):
    n = int(np.prod(shape))
    v = np.array([0.5 * math.sin(1.3 * i + 0.7 * seed) for i in range(n)], dtype=np.float32)
    return v.reshape(shape)


IDS = [[3, 1, 3, 3, 5, 0, 0], [2, 7, 1, 7, 2, 7, 1], [6, 6, 6, 0, 0, 0, 0], [3, 9, 9, 1, 0, 0, 0]]
LABELS = [0, 1, 2, 0]
OPTIMIZERS = {
    "adam": lambda: keras.optimizers.Adam(0.01),
    "rmsprop": lambda: keras.optimizers.RMSprop(0.01),
    "adagrad": lambda: keras.optimizers.Adagrad(0.1),
    "sgd_momentum": lambda: keras.optimizers.SGD(0.1, momentum=0.9),
}


def case(name):
    model = keras.Sequential([keras.Input((7,)), layers.Embedding(12, 4, mask_zero=True), layers.GlobalAveragePooling1D(), layers.Dense(3, activation="softmax")])
    model.compile(optimizer=OPTIMIZERS[name](), loss="sparse_categorical_crossentropy", jit_compile=False)
    start = [pattern(w.shape, k) for k, w in enumerate(model.get_weights())]
    model.set_weights(start)
    x, y = np.array(IDS, dtype=np.float32), np.array(LABELS)
    steps = []
    for _ in range(3):
        loss = float(model.train_on_batch(x, y))
        steps.append({"loss": loss, "weights": [w.flatten().tolist() for w in model.get_weights()]})
    return {"name": name, "start": [w.flatten().tolist() for w in start], "steps": steps}


if __name__ == "__main__":
    dest = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/embedding_goldens.json"
    data = {"versions": {"tensorflow": __import__("tensorflow").__version__, "keras": keras.__version__}, "ids": IDS, "labels": LABELS, "cases": [case(n) for n in OPTIMIZERS]}
    with open(dest, "w", encoding="utf-8") as f:
        json.dump(data, f)
    print("wrote", dest)
