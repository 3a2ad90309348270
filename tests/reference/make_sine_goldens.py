"""Golden values for gradlab's SinePositionEncoding, computed by keras_hub.

Run with the Keras environment `./lab test` creates (the tests never need TensorFlow):
    target/bench/venv/bin/python tests/reference/make_sine_goldens.py tests/fixtures/sine_goldens.json

Versions used for the committed fixture: TensorFlow 2.21.0, Keras 3.15.1, keras_hub 0.32.0 (CPU).
keras_hub's layer returns the position vectors alone; gradlab's layer is the input plus them (as
keras_hub's examples add them, and as gradlab's model.json writes it: the layer and an Add). For
each case the fixture holds the input x (the sine pattern of make_goldens.py), keras_hub's encoding
and the sum x + encoding computed by a Keras model (Add), in float32; and whether the sum carries
the padding mask of an Embedding(mask_zero) before it (it does not: Keras's SinePositionEncoding
drops the mask, and Add keeps one only when every input has one).
"""
import json
import math
import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
import keras_hub


def pattern(shape, seed):
    n = int(np.prod(shape))
    v = np.array([0.5 * math.sin(1.3 * i + 0.7 * seed) for i in range(n)], dtype=np.float32)
    return v.reshape(shape)


def flat(a):
    return [float(str(v)) for v in np.asarray(a, dtype=np.float32).ravel()]


def case(shape, max_wavelength, seed):
    x = pattern(shape, seed)
    inp = keras.Input(shape=shape[1:])
    term = keras_hub.layers.SinePositionEncoding(max_wavelength=max_wavelength)
    model = keras.Model(inp, keras.layers.Add()([inp, term(inp)]))
    encoding = np.asarray(term(x))
    total = np.asarray(model(x))
    ids = keras.Input(shape=(shape[1],))
    emb = keras.layers.Embedding(10, shape[2], mask_zero=True)(ids)
    summed = keras.layers.Add()([emb, keras_hub.layers.SinePositionEncoding(max_wavelength=max_wavelength)(emb)])
    has_mask = getattr(summed, "_keras_mask", None) is not None
    return {"shape": list(shape), "max_wavelength": max_wavelength, "x": flat(x), "encoding": flat(encoding), "sum": flat(total), "sum_has_mask": has_mask}


def main(out):
    cases = [
        case((2, 7, 8), 10000, 1),
        # Long enough for the fast dimensions to wrap many times; an odd width.
        case((1, 64, 5), 10000, 2),
        case((1, 12, 6), 100, 3),
    ]
    doc = {"versions": {"keras": keras.__version__, "keras_hub": keras_hub.__version__}, "cases": cases}
    with open(out, "w") as f:
        json.dump(doc, f)


if __name__ == "__main__":
    main(sys.argv[1])
