"""Golden values for gradlab's tests, computed by Keras.

Run in a throw-away environment (the tests never need TensorFlow):
    python3 -m venv /tmp/kenv && /tmp/kenv/bin/pip install tensorflow-cpu keras-preprocessing
    /tmp/kenv/bin/python tests/reference/make_goldens.py ../shared/data/spamassassin.tsv tests/fixtures/goldens.json

Versions used for the committed fixtures: TensorFlow 2.21.0, Keras 3.15.1,
keras-preprocessing 1.1.2 (the legacy Tokenizer and pad_sequences).
Weights are deterministic (a sine pattern), so no random state is involved.
"""
import json
import math
import sys

import numpy as np

# keras-preprocessing 1.1.2 predates NumPy 2, which renamed np.unicode_.
if not hasattr(np, "unicode_"):
    np.unicode_ = np.str_
import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
from keras import layers
from keras_preprocessing.text import Tokenizer
from keras_preprocessing.sequence import pad_sequences


def pattern(shape, seed):
    n = int(np.prod(shape))
    v = np.array([0.5 * math.sin(1.3 * i + 0.7 * seed) for i in range(n)], dtype=np.float32)
    return v.reshape(shape)


def tokenizer_cases(corpus_path):
    texts = []
    with open(corpus_path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= 150:
                break
            texts.append(line.rstrip("\n").split("\t", 1)[1])
    texts += [
        "Don't stop—believing! It's 'quoted' and \"double\" (parens) [brackets] {braces}",
        "ÉCOLE Straße İstanbul ΟΔΟΣ naïve café résumé",
        "日本語のテキスト 中文 混合 text",
        "!!! ??? ... --- ***",
        "",
        "tabs\tand\nnewlines and\r carriage returns and\u00a0no-break spaces",
        "emoji 😀 and ﬁ ligature and ＦＵＬＬＷＩＤＴＨ",
        "<OOV> oov OOV",
    ]
    cases = []
    for num_words, oov in [(None, None), (50, "<OOV>"), (50, None), (10000, "<OOV>")]:
        tok = Tokenizer(num_words=num_words, oov_token=oov)
        tok.fit_on_texts(texts)
        seqs = tok.texts_to_sequences(texts)
        case = {
            "num_words": num_words,
            "oov_token": oov,
            "word_index": tok.word_index,
            "sequences": seqs,
            "padded": {},
        }
        for pad in ["pre", "post"]:
            for trunc in ["pre", "post"]:
                case["padded"][pad + "_" + trunc] = pad_sequences(seqs, maxlen=12, padding=pad, truncating=trunc).tolist()
        case["padded_default"] = pad_sequences(seqs[:20]).tolist()
        cases.append(case)
    return {"texts": texts, "cases": cases}


def model_case(name, layer_list, ids, input_len):
    model = keras.Sequential([keras.Input(shape=(input_len,), dtype="int32")] + layer_list)
    weights = []
    for li, layer in enumerate(model.layers):
        ws = [pattern(w.shape, 10 * li + wi) for wi, w in enumerate(layer.get_weights())]
        if ws:
            layer.set_weights(ws)
        weights.append([w.flatten().tolist() for w in ws])
    out = model.predict(np.array(ids, dtype=np.int32), verbose=0)
    return {"name": name, "input_len": input_len, "ids": ids, "weights": weights, "output": out.tolist()}


def models():
    ids = [[3, 1, 4, 1, 5, 0, 0, 0], [2, 7, 1, 8, 2, 8, 1, 8], [0, 0, 0, 0, 0, 0, 0, 0], [9, 0, 0, 0, 0, 0, 0, 0]]
    post = [[3, 1, 4, 1, 5, 0, 0, 0], [2, 7, 1, 8, 2, 8, 1, 8], [6, 6, 0, 0, 0, 0, 0, 0], [9, 0, 0, 0, 0, 0, 0, 0]]
    L = 8
    cases = []
    cases.append(model_case("lstm_masked", [layers.Embedding(10, 4, mask_zero=True), layers.LSTM(5, return_sequences=True), layers.LSTM(3), layers.Dense(2, activation="softmax")], post, L))
    cases.append(model_case("lstm_unmasked", [layers.Embedding(10, 4), layers.LSTM(5, return_sequences=True), layers.LSTM(3), layers.Dense(2, activation="softmax")], ids, L))
    cases.append(model_case("lstm_sequences", [layers.Embedding(10, 4, mask_zero=True), layers.LSTM(3, return_sequences=True), layers.GlobalAveragePooling1D(), layers.Dense(3, activation="softmax")], post, L))
    cases.append(model_case("gru_masked", [layers.Embedding(10, 4, mask_zero=True), layers.GRU(5), layers.Dense(2, activation="softmax")], post, L))
    cases.append(model_case("gru_sequences", [layers.Embedding(10, 4), layers.GRU(3, return_sequences=True), layers.Flatten(), layers.Dense(2, activation="sigmoid")], ids, L))
    cases.append(model_case("cnn", [layers.Embedding(10, 4), layers.Conv1D(6, 3, activation="relu"), layers.GlobalMaxPooling1D(), layers.Dense(4, activation="tanh"), layers.Dense(2, activation="softmax")], ids, L))
    cases.append(model_case("cnn_stride", [layers.Embedding(10, 3), layers.Conv1D(4, 2, strides=2, activation="elu"), layers.Flatten(), layers.Dense(2, activation="softmax")], ids, L))
    cases.append(model_case("bow_masked", [layers.Embedding(10, 4, mask_zero=True), layers.GlobalAveragePooling1D(), layers.Dense(6, activation="relu"), layers.Dense(3, activation="softmax")], post, L))
    for act in ["linear", "relu", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "softplus", "swish", "softmax"]:
        cases.append(model_case("dense_" + act, [layers.Embedding(10, 4), layers.Flatten(), layers.Dense(5, activation=act)], ids, L))
    return cases


def losses():
    pred = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3], [1e-9, 0.5, 0.5 - 1e-9]], dtype=np.float32)
    target = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]], dtype=np.float32)
    reals = np.array([[0.5, -1.5, 2.0], [3.0, 0.0, -0.2]], dtype=np.float32)
    real_t = np.array([[0.0, 0.5, 0.1], [0.0, 0.1, 2.5]], dtype=np.float32)
    out = {"pred": pred.tolist(), "target": target.tolist(), "reals": reals.tolist(), "real_target": real_t.tolist()}
    out["categorical_crossentropy"] = float(keras.losses.CategoricalCrossentropy()(target, pred))
    out["sparse_categorical_crossentropy"] = float(keras.losses.SparseCategoricalCrossentropy()(np.argmax(target, 1), pred))
    out["binary_crossentropy"] = float(keras.losses.BinaryCrossentropy()(target, pred))
    for name, cls in [("mean_squared_error", keras.losses.MeanSquaredError), ("mean_absolute_error", keras.losses.MeanAbsoluteError), ("huber", keras.losses.Huber)]:
        out[name] = float(cls()(real_t, reals))
    return out


def optimizers():
    import tensorflow as tf
    p0 = pattern((7,), 1)
    grads = [pattern((7,), 2 + s) for s in range(3)]
    cases = []
    configs = [
        ("sgd", keras.optimizers.SGD(learning_rate=0.1)),
        ("sgd_momentum", keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)),
        ("sgd_nesterov", keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True)),
        ("adam", keras.optimizers.Adam(learning_rate=0.01)),
        ("adamw", keras.optimizers.AdamW(learning_rate=0.01)),
        ("rmsprop", keras.optimizers.RMSprop(learning_rate=0.01)),
        ("adagrad", keras.optimizers.Adagrad(learning_rate=0.1)),
        ("adam_clipnorm", keras.optimizers.Adam(learning_rate=0.01, global_clipnorm=0.5)),
    ]
    for name, opt in configs:
        v = keras.Variable(p0.copy())
        steps = []
        for g in grads:
            opt.apply_gradients([(tf.constant(g), v)])
            steps.append(np.array(v.numpy()).tolist())
        cases.append({"name": name, "start": p0.tolist(), "grads": [g.tolist() for g in grads], "steps": steps})
    return cases


def activations():
    xs = np.linspace(-4, 4, 17).astype(np.float32)
    out = {"x": xs.tolist()}
    for act in ["linear", "relu", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "softplus", "swish"]:
        out[act] = np.array(keras.activations.get(act)(xs)).tolist()
    return out


if __name__ == "__main__":
    corpus, dest = sys.argv[1], sys.argv[2]
    data = {
        "generated_by": "tests/reference/make_goldens.py with TensorFlow %s, Keras %s" % (__import__("tensorflow").__version__, keras.__version__),
        "tokenizer": tokenizer_cases(corpus),
        "models": models(),
        "losses": losses(),
        "optimizers": optimizers(),
        "activations": activations(),
    }
    with open(dest, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
    print("wrote", dest)
