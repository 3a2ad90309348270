"""Learning-rate schedules as Keras computes them, step by step, for
tests/schedules.rs.

Run in a throw-away environment (the tests never need TensorFlow):
    python3 -m venv /tmp/kenv && /tmp/kenv/bin/pip install tensorflow-cpu
    /tmp/kenv/bin/python tests/reference/make_schedule_goldens.py tests/fixtures/schedule_goldens.json

Versions used for the committed fixture: TensorFlow 2.21.0, Keras 3.15.1.

Each case names the gradlab `--schedule` spec it stands for and the Keras
object it was computed with:
- `exponential:STEPS:RATE` is `ExponentialDecay(lr, STEPS, RATE,
  staircase=False)`, called with the update count (0 for the first update).
- `cosine:WARMUP:STEPS` is `CosineDecay(0.0, STEPS, alpha=0.0,
  warmup_target=lr, warmup_steps=WARMUP)`: a linear warm-up from 0 to lr
  over WARMUP updates, then a half cosine down to 0 over STEPS updates, then 0.
- `plateau:FACTOR:PATIENCE` is the `ReduceLROnPlateau(monitor="val_loss",
  factor=FACTOR, patience=PATIENCE, min_delta=0.0, cooldown=0,
  min_lr=1e-7)` callback driven by a fixed sequence of validation losses
  (with ties, which are not improvements); gradlab's spec has no min_delta
  or cooldown, so they are 0 here (Keras's defaults are 1e-4 and 0), and
  its min_lr is 1e-7. The rate recorded is the optimizer's after each
  epoch's `on_epoch_end`.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import keras
from keras.optimizers import schedules

STEPS = 600


def per_step(schedule):
    return [float(keras.ops.convert_to_numpy(schedule(step))) for step in range(STEPS)]


def exponential(lr, steps, rate):
    s = schedules.ExponentialDecay(lr, steps, rate, staircase=False)
    return {"spec": f"exponential:{steps}:{rate}", "lr": lr, "keras": repr(s.get_config()), "rates": per_step(s)}


def cosine(lr, warmup, steps):
    s = schedules.CosineDecay(0.0, steps, alpha=0.0, warmup_target=lr, warmup_steps=warmup)
    return {"spec": f"cosine:{warmup}:{steps}", "lr": lr, "keras": repr(s.get_config()), "rates": per_step(s)}


# Validation losses per epoch: falls, exact ties, rises, a long plateau
# (long enough to reach min_lr with a small factor), a late improvement.
LOSSES = (
    [1.0, 0.9, 0.9, 0.9, 0.85, 0.86, 0.87, 0.88, 0.80, 0.80, 0.80, 0.80, 0.80]
    + [0.79] + [0.81] * 30 + [0.5, 0.6, 0.5, 0.5, 0.4, 0.4000001, 0.7, 0.7, 0.7, 0.39]
)


def plateau(lr, factor, patience):
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    cb = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=factor, patience=patience, min_delta=0.0, cooldown=0, min_lr=1e-7)
    cb.set_model(model)
    cb.on_train_begin()
    rates = []
    for epoch, loss in enumerate(LOSSES):
        cb.on_epoch_end(epoch, {"val_loss": loss})
        rates.append(float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)))
    return {"spec": f"plateau:{factor}:{patience}", "lr": lr, "keras": "ReduceLROnPlateau(factor=%r, patience=%r, min_delta=0.0, cooldown=0, min_lr=1e-7)" % (factor, patience), "val_losses": LOSSES, "rates": rates}


def main(out):
    cases = {
        "exponential": [exponential(0.01, 100, 0.96), exponential(0.001, 7, 0.5), exponential(0.1, 1000, 0.1), exponential(0.05, 1, 0.99)],
        "cosine": [cosine(0.001, 50, 400), cosine(0.01, 0, 300), cosine(0.003, 1, 100), cosine(0.02, 200, 10)],
        "plateau": [plateau(0.01, 0.5, 2), plateau(0.01, 0.1, 1), plateau(0.001, 0.2, 3), plateau(0.05, 0.5, 10)],
        "versions": {"keras": keras.__version__, "numpy": np.__version__},
    }
    with open(out, "w") as f:
        json.dump(cases, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/schedule_goldens.json")
