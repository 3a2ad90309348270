"""Keras on TensorFlow CPU training the same model on the same token ids, or
scaled pixels, as gradlab (ids.json from `gradlab bench --export`). Prints
one JSON line.

    python bench/keras_train.py IDS.json PRESET EPOCHS MASK(true|false) [SEED] [STEPS_PER_EXECUTION]
"""
import json
import os
import resource
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402


def build_image(shape, classes, steps_per_execution):
    """The image-cnn preset, with Keras's defaults (Glorot uniform, zero bias)."""
    model = keras.Sequential([
        keras.Input(tuple(shape)),
        layers.Conv2D(16, 3, activation="relu", padding="valid"),
        layers.MaxPooling2D(2),
        layers.Conv2D(32, 3, activation="relu", padding="same"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(classes, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.001), loss="categorical_crossentropy", metrics=["accuracy"], steps_per_execution=steps_per_execution)
    return model


def build_transformer(num_words, max_len, classes, mask):
    """gradlab's transformer preset (src/presets.rs) in keras_hub's layers."""
    import keras_hub

    H = keras_hub.layers
    model = keras.Sequential([
        keras.Input((max_len,)),
        H.TokenAndPositionEmbedding(num_words, max_len, 64, mask_zero=mask),
        H.TransformerEncoder(128, 4, dropout=0.1),
        H.TransformerEncoder(128, 4, dropout=0.1),
        layers.GlobalAveragePooling1D(),
        layers.Dropout(0.1),
        layers.Dense(classes, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.001), loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def build(preset, num_words, max_len, classes, mask):
    if preset == "transformer":
        return build_transformer(num_words, max_len, classes, mask)
    emb = lambda mask_zero: layers.Embedding(num_words, 64, mask_zero=mask_zero)  # noqa: E731
    body = {
        "lstm": lambda: [emb(mask), layers.LSTM(64, return_sequences=True), layers.LSTM(32)],
        "cnn": lambda: [emb(False), layers.Conv1D(128, 5, activation="relu"), layers.GlobalMaxPooling1D()],
        "bow": lambda: [emb(mask), layers.GlobalAveragePooling1D()],
    }[preset]()
    model = keras.Sequential([keras.Input((max_len,))] + body + [layers.Dense(24, activation="relu"), layers.Dense(classes, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.001), loss="categorical_crossentropy", metrics=["accuracy"])
    return model


class EpochTimes(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.t0)


def main():
    ids_file, preset, epochs, mask = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] != "false"
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else 42
    steps_per_execution = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    d = json.load(open(ids_file))
    k = len(d["labels"])
    images = d.get("kind") == "image"
    # Images: each row holds one image's pixels in height × width × channels order.
    shape = (-1, *d["image_shape"]) if images else None
    x = np.array(d["train"]["ids"], dtype="float32")
    y = keras.utils.to_categorical(d["train"]["classes"], k)
    vx = np.array(d["val"]["ids"], dtype="float32")
    if images:
        x, vx = x.reshape(shape), vx.reshape(shape)
    keras.utils.set_random_seed(seed)
    if images:
        model = build_image(d["image_shape"], k, steps_per_execution)
    else:
        model = build(preset, d["num_words"], d["max_len"], k, mask)
    times = EpochTimes()
    model.fit(x, y, batch_size=32, epochs=epochs, shuffle=True, verbose=0, callbacks=[times])
    # Inference: a warm pass (the first traces and compiles the predict
    # function), then 3 timed passes, as gradlab's and TF.js's.
    model.predict(vx, batch_size=256, verbose=0)
    infer = []
    for _ in range(3):
        t0 = time.perf_counter()
        probs = model.predict(vx, batch_size=256, verbose=0)
        infer.append(time.perf_counter() - t0)
    acc = float(np.mean(np.argmax(probs, -1) == np.array(d["val"]["classes"])))
    steady = times.seconds[1:] if len(times.seconds) > 1 else times.seconds
    n = len(x)
    print(json.dumps({
        "system": "keras", "version": f"keras {keras.__version__}, tensorflow {tf.__version__}", "preset": preset, "mask": mask and not images,
        "steps_per_execution": steps_per_execution if images else 1,
        "rows": n, "val_rows": len(vx), "epochs": epochs, "epoch_seconds": times.seconds,
        "train_samples_per_s": n * len(steady) / sum(steady), "infer_rows": len(vx), "infer_seconds": infer,
        "val_accuracy": acc, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "threads": tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count(),
    }))


if __name__ == "__main__":
    main()
