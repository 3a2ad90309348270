"""Models gradlab saved, opened in Keras 3 by tools/keras_load.py: each
saved .keras file, loaded back with keras.saving.load_model, predicts what
gradlab predicts to 1e-5, and the tokenizer written beside it
(keras_preprocessing's tokenizer_from_json) gives gradlab's token ids.

    target/bench/venv/bin/python tests/reference/keras_interop.py CASES.json WORKDIR

CASES.json is written by tests/keras_interop.rs (tests/interop/cases.rs):
every preset, masked and not, and models using every layer gradlab has.
Prints the largest difference per model; exits 1 on any failure.

The one known difference is Keras's own: a masked average over a text with
no token at all is 0/0 = NaN in Keras, zero in gradlab. Those rows are
checked to be exactly that (NaN in Keras, finite in gradlab), not skipped.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tools"))
import keras  # noqa: E402
import keras_hub  # noqa: E402,F401  (registers the Transformer layers a saved model may name)
import keras_load  # noqa: E402
import keras_save  # noqa: E402
from keras.utils import pad_sequences  # noqa: E402  (keras_preprocessing's needs NumPy 1)
from keras_preprocessing.text import tokenizer_from_json  # noqa: E402

cases_path, work = sys.argv[1], sys.argv[2]
cases = json.load(open(cases_path))
failures = []
for c in cases:
    name = c["name"]
    out = os.path.join(work, name + ".keras")
    try:
        keras_load.build(c["dir"], out)
    except keras_load.ModelFileError as e:
        failures.append(f"{name}: keras_load.py cannot build it: {e}")
        continue
    model = keras.saving.load_model(out)
    x = np.array(c["inputs"], dtype=np.float32).reshape((len(c["inputs"]),) + tuple(model.input_shape[1:]))
    # The model called directly: `predict` may compile it with XLA, which on
    # some CPUs turns the masked average's 0/0 (a text without a token) into
    # a finite value, so which rows are NaN would depend on the machine.
    got = np.asarray(model(x, training=False), dtype=np.float64)
    if c.get("lm"):
        # A language model's logits at every position, as one row per window.
        got = got.reshape(len(x), -1)
    want = np.array(c["gradlab"], dtype=np.float64)
    if got.shape != want.shape:
        failures.append(f"{name}: Keras gives shape {got.shape}, gradlab {want.shape}")
        continue
    # Rows with no token, in a model that averages under the mask: Keras's 0/0.
    # Whether the mask reaches an average (a Conv1D or the Add after
    # SinePositionEncoding drops it; an attention passes its query's on)
    # is gradlab's account (tests/interop/cases.rs), which Keras then bears
    # out: a NaN row anywhere else fails.
    empty = np.array([bool(c["masked_average"]) and not any(r) for r in c["inputs"]])
    nan_rows = np.isnan(got).any(axis=1)
    if (nan_rows != empty).any() or not np.isfinite(want).all():
        failures.append(f"{name}: NaN rows in Keras {np.flatnonzero(nan_rows).tolist()}, expected exactly the texts without a token {np.flatnonzero(empty).tolist()}")
        continue
    diff = float(np.abs(got[~empty] - want[~empty]).max())
    if c.get("lm"):
        # Logits, not probabilities: held to 1e-5 of their scale.
        diff /= max(1.0, float(np.abs(want).max()))
    note = f"; {int(empty.sum())} text(s) without a token: NaN in Keras (0/0), gradlab averages them to zero" if empty.any() else ""
    print(f"{name:<28} max |Keras − gradlab| = {diff:.2e}   ({' → '.join(c['layers'])}){note}")
    if diff > 1e-5:
        failures.append(f"{name}: Keras's probabilities differ from gradlab's by {diff:.3e}")
    if c.get("texts") is not None:
        # The tokenizer beside the .keras file gives gradlab's ids.
        tok = tokenizer_from_json(open(out[: -len(".keras")] + ".tokenizer.json", encoding="utf-8").read())
        meta = json.load(open(out[: -len(".keras")] + ".gradlab.json", encoding="utf-8"))
        ids = pad_sequences(tok.texts_to_sequences(c["texts"]), maxlen=meta["max_len"], padding=meta["padding"], truncating=meta["truncating"])
        if not np.array_equal(ids, np.array(c["inputs"], dtype=np.int64)):
            bad = int(np.flatnonzero((ids != np.array(c["inputs"])).any(axis=1))[0])
            failures.append(f"{name}: the Keras tokenizer gives {ids[bad].tolist()} for text {bad}, gradlab {c['inputs'][bad]}")

    # The way back: train on in Keras (one epoch, so every weight and the
    # batch statistics move), save for gradlab with tools/keras_save.py, and
    # record what Keras now predicts; tests/keras_interop.rs loads the files
    # in gradlab and compares.
    if c.get("lm"):
        # Next-token targets: each window's tokens shifted by one.
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.fit(x, np.roll(x, -1, axis=1).astype(np.int32), epochs=1, batch_size=4, verbose=0)
    else:
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
        # Not on texts without a token in a masked-average model: Keras's 0/0
        # there makes the gradient NaN and would turn every weight NaN.
        model.fit(x[~empty], want[~empty].argmax(axis=1), epochs=1, batch_size=8, verbose=0)
    back = os.path.join(work, "back", name)
    keras_save.save(model, back, keras_save.metadata_beside(out))
    after = np.asarray(model(x, training=False), dtype=np.float64).reshape(len(x), -1)
    json.dump({"output": [[None if np.isnan(v) else float(v) for v in row] for row in after]}, open(os.path.join(back, "keras.json"), "w"))

if failures:
    print("\n".join(failures), file=sys.stderr)
    sys.exit(1)
print(f"all {len(cases)} models agree")
