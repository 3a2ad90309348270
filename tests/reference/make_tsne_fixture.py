"""t-SNE reference for tests/tsne.rs: scikit-learn's exact t-SNE on a
fixed table of three clusters in 10 dimensions (60 rows, float32).

Writes tests/fixtures/tsne_reference.json with
  - the rows and the perplexity;
  - P, scikit-learn's joint probabilities (`_joint_probabilities`, condensed);
  - a fixed layout and the KL divergence and gradient scikit-learn's
    `_kl_divergence` gives there (with P, and with P exaggerated 12 times);
  - twenty steps of its gradient descent in each phase (early
    exaggeration from the start; plain from a spread layout);
  - `TSNE(method="exact", learning_rate="auto")`'s embedding from the PCA
    start (given in float64), its final KL divergence, iterations and
    trustworthiness (5 neighbours); and the KL divergence of the default
    `init="pca"`, whose float32 start ends elsewhere.

Needs numpy and scikit-learn (1.9.1 wrote the committed file), in any venv:
    python -m venv /tmp/sk && /tmp/sk/bin/pip install scikit-learn
    /tmp/sk/bin/python tests/reference/make_tsne_fixture.py
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE, trustworthiness
from sklearn.manifold._t_sne import _gradient_descent, _joint_probabilities, _kl_divergence
from sklearn.metrics import pairwise_distances

rng = np.random.RandomState(7)
centres = rng.normal(0, 4, size=(3, 10))
X = np.concatenate([c + rng.normal(0, 1, size=(20, 10)) for c in centres]).astype(np.float32)
labels = [k for k in range(3) for _ in range(20)]
perplexity = 10.0
n = X.shape[0]

D = pairwise_distances(X, metric="euclidean", squared=True)
P = _joint_probabilities(D, perplexity, 0)

layout = rng.normal(0, 1, size=(n, 2))
kl, grad = _kl_divergence(layout.ravel(), P, 1, n, 2)
kl_x, grad_x = _kl_divergence(layout.ravel(), P * 12.0, 1, n, 2)
layout3 = rng.normal(0, 1, size=(n, 3))
kl3, grad3 = _kl_divergence(layout3.ravel(), P, 2, n, 3)

# scikit-learn's PCA start, kept in float64: its own init="pca" rounds the
# start to float32 and then optimises partly in float32, and t-SNE's
# descent carries such differences to the end; from a float64 start its
# descent is float64 throughout, as gradlab's is.
pca = PCA(n_components=2, svd_solver="randomized", random_state=0).fit_transform(X.astype(np.float64))
start = pca / np.std(pca[:, 0]) * 1e-4
tsne = TSNE(n_components=2, perplexity=perplexity, method="exact", init=start, learning_rate="auto", random_state=0)
Y = tsne.fit_transform(X)
# Twenty steps of each phase of scikit-learn's descent, from the start and
# from a spread layout (before the layouts part: the descent is chaotic in
# its first phase, and float64 rounding alone moves a run's end).
lr = max(n / 12.0 / 4.0, 50.0)
early, _, _ = _gradient_descent(_kl_divergence, start.ravel().copy(), 0, 20, n_iter_check=50, momentum=0.5, learning_rate=lr, args=[P * 12.0, 1, n, 2])
spread = rng.normal(0, 3, size=(n, 2)).ravel()
late, _, _ = _gradient_descent(_kl_divergence, spread.copy(), 250, 270, n_iter_check=50, momentum=0.8, learning_rate=lr, args=[P, 1, n, 2])
default = TSNE(n_components=2, perplexity=perplexity, method="exact", init="pca", learning_rate="auto", random_state=0).fit(X)

out = {
    "sklearn": sklearn.__version__,
    "rows": X.ravel().tolist(),
    "width": 10,
    "labels": labels,
    "perplexity": perplexity,
    "p_condensed": P.tolist(),
    "layout": layout.ravel().tolist(),
    "kl": float(kl),
    "grad": grad.tolist(),
    "kl_exaggerated": float(kl_x),
    "grad_exaggerated": grad_x.tolist(),
    "layout3": layout3.ravel().tolist(),
    "kl3": float(kl3),
    "grad3": grad3.tolist(),
    "embedding": Y.ravel().tolist(),
    "kl_divergence": float(tsne.kl_divergence_),
    "n_iter": int(tsne.n_iter_),
    "trustworthiness": float(trustworthiness(X, Y, n_neighbors=5)),
    "start": start.ravel().tolist(),
    "default_kl_divergence": float(default.kl_divergence_),
    "early_20": early.tolist(),
    "spread": spread.tolist(),
    "late_20": late.tolist(),
}
path = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "tsne_reference.json"
path.write_text(json.dumps(out))
print(f"wrote {path}: kl {tsne.kl_divergence_:.6f} after {tsne.n_iter_} iterations (float32 start: {default.kl_divergence_:.6f}), trustworthiness {out['trustworthiness']:.4f}")
