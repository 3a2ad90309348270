"""Keras's side of the language-model comparison (bench/lm_compare.py): gradlab's `gpt` preset
built from keras_hub's layers, trained on the same text cut the same way.

    python bench/keras_lm.py TEXT CONTEXT STEPS VAL_SPLIT SEED [LAYERS HEADS D_MODEL FFN BATCH]

The text is read as gradlab reads it (src/data/lm.rs): characters, ids by frequency in the
training part (ties by code point) after id 0 for any character it lacks; the last VAL_SPLIT of the
characters held out; windows of CONTEXT + 1 consecutive, non-overlapping tokens, shuffled each
epoch (by NumPy from SEED: the order differs from gradlab's, the windows do not). Adam at 1e-3,
batch 32, sparse cross-entropy from logits. Prints one JSON line: the validation loss (nats per
token, mean over every validation window), the training loss of the last epoch's steps, and the
seconds and tokens/s of the training steps.
"""
import json
import math
import os
import sys
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
import keras_hub  # noqa: E402
import tensorflow as tf  # noqa: E402


def tokenizer(train_text):
    counts = {}
    for c in train_text:
        counts[c] = counts.get(c, 0) + 1
    chars = sorted(counts, key=lambda c: (-counts[c], ord(c)))
    return {c: i + 1 for i, c in enumerate(chars)}


def windows(ids, context):
    n = len(ids) // (context + 1)
    w = np.array(ids[: n * (context + 1)], dtype=np.int32).reshape(n, context + 1)
    return w[:, :-1], w[:, 1:]


def main():
    path, context, steps, val_split, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
    layers_n, heads, d, ffn, batch = (int(v) for v in (sys.argv[6:11] if len(sys.argv) > 6 else (2, 4, 64, 256, 32)))
    text = open(path, encoding="utf-8", errors="replace").read()
    cut = len(text) - math.floor(len(text) * val_split)
    train_text, val_text = text[:cut], text[cut:]
    index = tokenizer(train_text)
    vocab = len(index) + 1
    encode = lambda s: [index.get(c, 0) for c in s]  # noqa: E731
    x, y = windows(encode(train_text), context)
    vx, vy = windows(encode(val_text), context)
    keras.utils.set_random_seed(seed)
    H = keras_hub.layers
    model = keras.Sequential([keras.Input((context,), dtype="int32"), H.TokenAndPositionEmbedding(vocab, context, d)]
                             + [H.TransformerDecoder(ffn, heads, activation="gelu", normalize_first=True) for _ in range(layers_n)]
                             + [keras.layers.LayerNormalization(epsilon=1e-5), keras.layers.Dense(vocab)])
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss)
    rng = np.random.default_rng(seed)
    per_epoch = math.ceil(len(x) / batch)
    done, seconds, recent = 0, 0.0, []
    # A first step outside the clock: tracing and graph building, as every
    # system's first epoch is left out of its timing in bench/.
    order = rng.permutation(len(x))
    while done < steps:
        for b in range(per_epoch):
            if done >= steps:
                break
            idx = order[b * batch:(b + 1) * batch]
            t0 = time.perf_counter()
            l = float(model.train_on_batch(x[idx], y[idx]))
            if done > 0:
                seconds += time.perf_counter() - t0
            recent.append(l)
            done += 1
        order = rng.permutation(len(x))
    timed_tokens = (steps - 1) * batch * context
    val = model.evaluate(vx, vy, batch_size=256, verbose=0) if len(vx) else None
    print(json.dumps({
        "system": "keras", "version": f"keras {keras.__version__}, keras_hub {keras_hub.__version__}, tensorflow {tf.__version__}",
        "vocab_size": vocab, "parameters": int(model.count_params()), "steps": steps,
        "val_loss": val, "train_loss": float(np.mean(recent[-per_epoch:])),
        "seconds": seconds, "tokens_per_second": timed_tokens / seconds if seconds > 0 else 0.0,
    }))


if __name__ == "__main__":
    main()
