"""Golden values for gradlab's attention and Transformer layers, computed by Keras 3 and keras_hub.

Run with the Keras environment `./lab test` creates (the tests never need TensorFlow):
    target/bench/venv/bin/python tests/reference/make_transformer_goldens.py tests/fixtures/transformer_goldens.json

Versions used for the committed fixture: TensorFlow 2.21.0, Keras 3.15.1, keras_hub 0.32.0 (CPU).
Inputs and weights are the deterministic sine pattern of make_goldens.py, so no random state is
involved; every dropout rate is 0. For each layer case the fixture holds the output and the
gradients of
    loss = sum(y * r)        (r a fixed pattern, so every output has its own weight)
with respect to the input and every weight, taken by tf.GradientTape; for MultiHeadAttention also
the attention scores [batch, heads, query, key]. For the two whole models (the `transformer`
classifier and the `gpt` language model) it holds the loss, every gradient, and the weights after
one step of Adam by train_on_batch.

Before writing, the script checks Keras's MultiHeadAttention against the NumPy definition (float64):
softmax(q k^T / sqrt(key_dim) with -1e9 in place of each score that Keras's combined mask
(query_mask[:, :, None] & value_mask[:, None, :] & causal) masks) v per head. Rows whose every key
is masked (padding queries) are the one place Keras's own two code paths disagree: with dropout or
return_attention_scores its Softmax layer zeroes them (gradlab does the same), otherwise
`ops.dot_product_attention` leaves them uniform. No model reads a padded position (the loss and
pooling skip them), so neither does `r` here: it is 0 at padded positions, and the fixture records
which rows those are so the test compares the live ones.
"""
import json
import math
import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
import keras_hub
import tensorflow as tf
from keras import layers


def pattern(shape, seed):
    n = int(np.prod(shape))
    v = np.array([0.5 * math.sin(1.3 * i + 0.7 * seed) for i in range(n)], dtype=np.float32)
    return v.reshape(shape)


def flat(a):
    return [float(str(v)) for v in np.asarray(a, dtype=np.float32).ravel()]


def set_pattern(layer, seed):
    ws = [pattern(w.shape, seed + i) for i, w in enumerate(layer.get_weights())]
    # Normalisation gains near one, as trained models have them.
    ws = [1.0 + 0.3 * w if v.path.endswith("gamma") else w for w, v in zip(ws, layer.weights)]
    layer.set_weights(ws)
    return ws


def weights_doc(layer, ws):
    return [{"name": v.path, "shape": list(w.shape), "values": flat(w)} for v, w in zip(layer.weights, ws)]


def grads(tape, loss, xt, layer):
    g = tape.gradient(loss, [xt] + list(layer.trainable_weights))
    return flat(g[0]) if g[0] is not None else None, [flat(t) for t in g[1:]]


# MultiHeadAttention -------------------------------------------------------------------------

def mha_reference(x, ws, heads, key_dim, value_dim, mask, causal, xv=None, value_mask=None):
    """The definition in float64; returns (output, probabilities, fully_masked_rows). `x` is the
    query, and the value too unless `xv` is given; `mask` masks the query rows, and the keys too
    unless the value has a mask of its own."""
    wq, bq, wk, bk, wv, bv, wo, bo = [w.astype(np.float64) for w in ws]
    x = x.astype(np.float64)
    xv = x if xv is None else xv.astype(np.float64)
    if value_mask is None and xv is x:
        value_mask = mask
    q = np.einsum("btd,dhk->bthk", x, wq) + bq
    k = np.einsum("btd,dhk->bthk", xv, wk) + bk
    v = np.einsum("btd,dhk->bthk", xv, wv) + bv
    s = np.einsum("bqhk,bshk->bhqs", q, k) / math.sqrt(key_dim)
    b, t = x.shape[:2]
    tk = xv.shape[1]
    allowed = np.ones((b, t, tk), dtype=bool)
    if mask is not None:
        allowed &= mask[:, :, None]
    if value_mask is not None:
        allowed &= value_mask[:, None, :]
    if causal:
        allowed &= np.tril(np.ones((t, tk), dtype=bool))[None]
    s = s + np.where(allowed, 0.0, -1e9)[:, None]
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    o = np.einsum("bhqs,bshk->bqhk", p, v)
    y = np.einsum("bqhk,hkd->bqd", o, wo) + bo
    return y, p, ~allowed.any(-1)


def cross_case(name, heads, key_dim, query_lengths, value_lengths):
    """Attention of a query [2, 4, 6] over a value [2, 6, 5], each with its own padding mask or
    none, as a functional model delivers them (each input's mask attached to its tensor)."""
    b, tq, tk, dq, dv = 2, 4, 6, 6, 5
    xq, xv = pattern((b, tq, dq), 2), pattern((b, tk, dv), 3)
    r = pattern((b, tq, dq), 5) + 0.25
    layer = layers.MultiHeadAttention(num_heads=heads, key_dim=key_dim)
    layer.build((b, tq, dq), (b, tk, dv))
    ws = set_pattern(layer, 20)
    qmask = None if query_lengths is None else np.array([[i < n for i in range(tq)] for n in query_lengths])
    vmask = None if value_lengths is None else np.array([[i < n for i in range(tk)] for n in value_lengths])
    if qmask is not None:
        r = r * qmask[:, :, None]
    xqt, xvt = tf.constant(xq), tf.constant(xv)

    def attach():
        if qmask is not None:
            keras.src.backend.set_keras_mask(xqt, tf.constant(qmask))
        if vmask is not None:
            keras.src.backend.set_keras_mask(xvt, tf.constant(vmask))
    with tf.GradientTape() as tape:
        tape.watch([xqt, xvt])
        attach()
        y = layer(xqt, xvt)
        loss = tf.reduce_sum(y * r)
    g = tape.gradient(loss, [xqt, xvt] + list(layer.trainable_weights))
    attach()
    _, scores = layer(xqt, xvt, return_attention_scores=True)
    want, p, dead = mha_reference(xq, ws, heads, key_dim, key_dim, qmask, False, xv=xv, value_mask=vmask)
    y, scores = np.asarray(y), np.asarray(scores)
    live = ~dead
    err = np.max(np.abs(y - want)[live])
    assert err < 1e-5, f"{name}: Keras's MultiHeadAttention is not the definition ({err})"
    serr = np.max(np.abs(scores - p).transpose(0, 2, 1, 3)[live])
    assert serr < 1e-5, f"{name}: Keras's attention scores are not the definition ({serr})"
    return {
        "name": name, "heads": heads, "key_dim": key_dim,
        "query_shape": [b, tq, dq], "value_shape": [b, tk, dv], "query_lengths": query_lengths, "value_lengths": value_lengths,
        "query": flat(xq), "value": flat(xv), "r": flat(r),
        "weights": weights_doc(layer, ws),
        "y": flat(y), "scores": flat(scores), "dquery": flat(g[0]), "dvalue": flat(g[1]), "dweights": [flat(t) for t in g[2:]],
        "padded_queries": dead.astype(int).tolist(),
    }


def mha_case(name, heads, key_dim, value_dim, causal, lengths, use_bias=True):
    b, t, d = 2, 5, 6
    x = pattern((b, t, d), 1)
    r = pattern((b, t, d), 4) + 0.25
    layer = layers.MultiHeadAttention(num_heads=heads, key_dim=key_dim, value_dim=value_dim, use_bias=use_bias)
    layer.build((b, t, d), (b, t, d))
    ws = set_pattern(layer, 10)
    mask = None
    if lengths is not None:
        mask = np.array([[i < n for i in range(t)] for n in lengths])
        r = r * mask[:, :, None]  # the loss never reads a padded position, as a model's does not
    xt = tf.constant(x)
    kw = {"use_causal_mask": causal}
    if mask is not None:
        kw.update(value_mask=tf.constant(mask))

    def attach():
        # Keras 3.15 reads the query's mask from the tensor (the explicit query_mask argument is
        # overwritten by it), as a model delivers it; the call detaches it again.
        if mask is not None:
            keras.src.backend.set_keras_mask(xt, tf.constant(mask))
    with tf.GradientTape() as tape:
        tape.watch(xt)
        attach()
        y = layer(xt, xt, **kw)
        loss = tf.reduce_sum(y * r)
    dx, dw = grads(tape, loss, xt, layer)
    attach()
    _, scores = layer(xt, xt, return_attention_scores=True, **kw)
    full = ws if use_bias else [ws[0], np.zeros((heads, key_dim), np.float32), ws[1], np.zeros((heads, key_dim), np.float32),
                                ws[2], np.zeros((heads, value_dim), np.float32), ws[3], np.zeros((d,), np.float32)]
    want, p, dead = mha_reference(x, full, heads, key_dim, value_dim, mask, causal)
    y, scores = np.asarray(y), np.asarray(scores)
    live = ~dead  # [b, t] query rows with at least one key
    err = np.max(np.abs(y - want)[live])
    assert err < 1e-5, f"{name}: Keras's MultiHeadAttention is not the definition ({err})"
    serr = np.max(np.abs(scores - p).transpose(0, 2, 1, 3)[live])
    assert serr < 1e-5, f"{name}: Keras's attention scores are not the definition ({serr})"
    return {
        "name": name, "heads": heads, "key_dim": key_dim, "value_dim": value_dim, "use_bias": use_bias, "causal": causal,
        "x_shape": [b, t, d], "lengths": lengths, "x": flat(x), "r": flat(r),
        "weights": weights_doc(layer, ws),
        "y": flat(y), "scores": flat(scores), "dx": dx, "dweights": dw,
        "y_exact": flat(want), "scores_exact": flat(p),
        "padded_queries": dead.astype(int).tolist(),
    }


# keras_hub layers ----------------------------------------------------------------------------

def block_case(name, cls, kw, lengths):
    b, t, d = 2, 5, 8
    x = pattern((b, t, d), 1)
    r = pattern((b, t, d), 4) + 0.25
    layer = cls(**kw)
    layer.build((b, t, d))
    ws = set_pattern(layer, 20)
    if lengths is not None:
        r = r * np.array([[i < n for i in range(t)] for n in lengths])[:, :, None]
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        if lengths is not None:
            # The mask as a Sequential model delivers it, attached to the input: keras_hub masks
            # the keys with it, and MultiHeadAttention the queries too (an explicit padding_mask
            # would mask the keys only).
            keras.src.backend.set_keras_mask(xt, tf.constant(np.array([[i < n for i in range(t)] for n in lengths])))
        y = layer(xt)
        loss = tf.reduce_sum(y * r)
    dx, dw = grads(tape, loss, xt, layer)
    return {
        "name": name, "class": cls.__name__, "config": kw, "x_shape": [b, t, d], "lengths": lengths,
        "x": flat(x), "r": flat(r), "weights": weights_doc(layer, ws), "y": flat(y), "dx": dx, "dweights": dw,
    }


def embedding_case():
    b, t, v, positions, d = 2, 4, 7, 6, 5
    ids = np.array([[3, 1, 6, 0], [2, 5, 0, 0]], dtype=np.int32)
    r = pattern((b, t, d), 4) + 0.25
    layer = keras_hub.layers.TokenAndPositionEmbedding(vocabulary_size=v, sequence_length=positions, embedding_dim=d, mask_zero=True)
    layer.build((b, t))
    ws = set_pattern(layer, 30)
    with tf.GradientTape() as tape:
        y = layer(tf.constant(ids))
        loss = tf.reduce_sum(y * r)
    # The token table's gradient arrives as IndexedSlices; densified here.
    dw = [flat(tf.convert_to_tensor(g)) for g in tape.gradient(loss, layer.trainable_weights)]
    mask = keras.src.backend.get_keras_mask(y)  # the mask the layer attaches to its output
    return {
        "ids": ids.tolist(), "vocabulary_size": v, "sequence_length": positions, "embedding_dim": d, "r": flat(r),
        "weights": weights_doc(layer, ws), "y": flat(y), "dweights": dw, "mask": np.asarray(mask).astype(int).tolist(),
    }


# Whole models --------------------------------------------------------------------------------

def model_weights(model, seed):
    out = []
    for li, layer in enumerate(model.layers):
        ws = set_pattern(layer, seed + 10 * li) if layer.weights else []
        out.append(ws)
    return out


def model_case(name, build, x, y, loss_fn, gradlab_layers):
    probe = build()
    model_weights(probe, 40)
    with tf.GradientTape() as tape:
        loss_t = loss_fn(y, probe(x, training=True))
    all_grads = iter(tape.gradient(loss_t, probe.trainable_weights))
    gradients = [[flat(tf.convert_to_tensor(next(all_grads))) for _ in layer.trainable_weights] for layer in probe.layers]
    model = build()
    before = model_weights(model, 40)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss=loss_fn, jit_compile=False)
    loss_before = float(model.train_on_batch(x, y))
    if abs(loss_before - float(loss_t)) > 1e-6:
        sys.exit(f"{name}: train_on_batch returned {loss_before}, the forward pass gives {float(loss_t)}")
    after = [layer.get_weights() for layer in model.layers]
    return {
        "name": name, "layers": gradlab_layers, "input_shape": [x.shape[1]],
        "x": x.tolist(), "y": y.tolist(),
        "weight_names": [[v.path for v in layer.weights] for layer in model.layers],
        "weights_before": [[flat(w) for w in ws] for ws in before],
        "loss_before": float(str(np.float32(loss_before))),
        "gradients": gradients,
        "optimizer": {"kind": "adam", "learning_rate": 1e-3},
        "weights_after": [[flat(w) for w in ws] for ws in after],
    }


def transformer_model():
    vocab, t, d, classes = 11, 6, 8, 3
    x = np.array([[3, 1, 6, 2, 0, 0], [2, 5, 7, 9, 10, 4], [1, 0, 0, 0, 0, 0], [8, 8, 3, 4, 5, 0]], dtype=np.int32)
    y = np.array([0, 2, 1, 2], dtype=np.int32)

    def build():
        return keras.Sequential([
            keras.Input(shape=(t,), dtype="int32"),
            keras_hub.layers.TokenAndPositionEmbedding(vocab, t, d, mask_zero=True),
            keras_hub.layers.TransformerEncoder(16, 2),
            keras_hub.layers.TransformerEncoder(16, 2),
            layers.GlobalAveragePooling1D(),
            layers.Dense(classes, activation="softmax"),
        ])
    gl = [
        {"type": "TokenAndPositionEmbedding", "vocabulary_size": vocab, "sequence_length": t, "embedding_dim": d, "mask_zero": True},
        {"type": "TransformerEncoder", "intermediate_dim": 16, "num_heads": 2},
        {"type": "TransformerEncoder", "intermediate_dim": 16, "num_heads": 2},
        {"type": "GlobalAveragePooling1D"},
        {"type": "Dense", "units": classes, "activation": "softmax"},
    ]
    return model_case("transformer", build, x, y, keras.losses.SparseCategoricalCrossentropy(), gl)


def gpt_model():
    vocab, t, d = 13, 6, 8
    text = [(7 * i + 3) % vocab for i in range(4 * (t + 1))]
    rows = np.array([text[i * (t + 1):(i + 1) * (t + 1)] for i in range(4)], dtype=np.int32)
    x, y = rows[:, :t], rows[:, 1:]  # inputs and next-token targets

    def build():
        return keras.Sequential([
            keras.Input(shape=(t,), dtype="int32"),
            keras_hub.layers.TokenAndPositionEmbedding(vocab, t, d),
            keras_hub.layers.TransformerDecoder(32, 2, activation="gelu", normalize_first=True),
            keras_hub.layers.TransformerDecoder(32, 2, activation="gelu", normalize_first=True),
            layers.LayerNormalization(epsilon=1e-5),
            layers.Dense(vocab),
        ])
    gl = [
        {"type": "TokenAndPositionEmbedding", "vocabulary_size": vocab, "sequence_length": t, "embedding_dim": d},
        {"type": "TransformerDecoder", "intermediate_dim": 32, "num_heads": 2, "activation": "gelu", "normalize_first": True},
        {"type": "TransformerDecoder", "intermediate_dim": 32, "num_heads": 2, "activation": "gelu", "normalize_first": True},
        {"type": "LayerNormalization", "epsilon": 1e-5},
        {"type": "Dense", "units": vocab},
    ]
    return model_case("gpt", build, x, y, keras.losses.SparseCategoricalCrossentropy(from_logits=True), gl)


def main(out):
    hub = keras_hub.layers
    doc = {
        "generated_by": "tests/reference/make_transformer_goldens.py",
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__, "keras_hub": keras_hub.__version__, "numpy": np.__version__},
        "attention": [
            mha_case("plain", 2, 3, 4, False, None),
            mha_case("causal", 3, 2, 2, True, None),
            mha_case("padding", 2, 3, 3, False, [5, 3]),
            mha_case("padding and causal, no bias", 2, 3, 3, True, [4, 2], use_bias=False),
        ],
        "cross_attention": [
            cross_case("query padded, value not", 2, 3, [3, 4], None),
            cross_case("value padded, query not", 2, 3, None, [6, 2]),
            cross_case("both padded, differently", 3, 2, [2, 4], [5, 3]),
        ],
        "blocks": [
            block_case("encoder", hub.TransformerEncoder, {"intermediate_dim": 16, "num_heads": 2}, None),
            block_case("encoder, padded", hub.TransformerEncoder, {"intermediate_dim": 16, "num_heads": 2}, [5, 3]),
            block_case("encoder, pre-LN gelu", hub.TransformerEncoder, {"intermediate_dim": 12, "num_heads": 4, "activation": "gelu", "normalize_first": True}, [4, 5]),
            block_case("decoder, pre-LN gelu", hub.TransformerDecoder, {"intermediate_dim": 16, "num_heads": 2, "activation": "gelu", "normalize_first": True}, None),
            block_case("decoder, post-LN relu", hub.TransformerDecoder, {"intermediate_dim": 12, "num_heads": 4}, None),
        ],
        "token_and_position_embedding": embedding_case(),
        "models": [transformer_model(), gpt_model()],
    }
    with open(out, "w") as f:
        json.dump(doc, f)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1])
