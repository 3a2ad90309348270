"""PCA reference for tests/explain.rs: numpy's eigendecomposition of the
covariance (n - 1 denominator, as scikit-learn's PCA) of a fixed table
shaped like an Embedding's: 300 rows of 24 values, a few strong directions
plus noise. Writes tests/fixtures/pca_reference.json.

    target/bench/venv/bin/python tests/reference/make_pca_fixture.py
"""
import json
import pathlib

import numpy as np

rng = np.random.default_rng(7)
n, d = 300, 24
basis = np.linalg.qr(rng.normal(size=(d, d)))[0]
scales = np.array([5.0, 3.0, 2.0] + [0.5] * (d - 3))
table = (rng.normal(size=(n, d)) * scales) @ basis.T + rng.normal(size=d)
table = table.astype(np.float32)

x = table.astype(np.float64)
x -= x.mean(axis=0)
cov = x.T @ x / (n - 1)
values, vectors = np.linalg.eigh(cov)
order = np.argsort(values)[::-1][:3]
values, vectors = values[order], vectors[:, order].T
# The sign of each component: its largest-magnitude entry positive.
for v in vectors:
    if v[np.argmax(np.abs(v))] < 0:
        v *= -1
out = {
    "rows": n,
    "width": d,
    "table": [float(v) for v in table.ravel()],
    "explained_variance": values.tolist(),
    "explained_variance_ratio": (values / np.trace(cov)).tolist(),
    "components": vectors.tolist(),
    "coords_first_rows": (x[:5] @ vectors.T).tolist(),
    "numpy": np.__version__,
}
path = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "pca_reference.json"
path.write_text(json.dumps(out))
print(f"wrote {path}: variance ratios {np.round(out['explained_variance_ratio'], 4)}")
