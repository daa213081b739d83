"""Head clustering as in Clark et al. (2019), "What does BERT look at?".

The distance between two heads in a view is the mean, over every query row of every
input, of the Jensen–Shannon divergence (base 2) between their rows — summed per input by
:func:`bertstory.findings.divergence.pairwise_js_sum` into its statistics, then over inputs. From the ``(K, K)``
distance matrix (K = L·H heads, index ``l·H + h``) we compute

* a 2-D **metric MDS** layout (scikit-learn, SMACOF started from classical MDS, fixed
  ``random_state``), for "heads that behave alike sit together" plots, and
* **clusters**: average-linkage agglomerative clustering on the precomputed distances,
  cluster ids numbered from 1 in order of each cluster's first head (L1-H1 first).
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np


def mds_layout(distances: np.ndarray, seed: int) -> tuple[np.ndarray, float]:
    """2-D metric MDS coordinates ``(K, 2)`` of a precomputed distance matrix, and the stress."""
    from sklearn.manifold import MDS

    distances = np.asarray(distances, dtype=np.float64)
    k = distances.shape[0]
    if k < 3 or not np.any(distances > 0):
        # MDS is degenerate here; lay the heads out on a line by their first distances.
        coords = np.zeros((k, 2))
        if k == 2:
            coords[1, 0] = distances[0, 1]
        return coords, 0.0
    params = inspect.signature(MDS).parameters
    start = None
    if "metric_mds" in params:  # scikit-learn >= 1.8
        mds = MDS(n_components=2, metric_mds=True, metric="precomputed", init="classical_mds",
                  random_state=seed, normalized_stress=False)
        start = _classical_start(distances)
    else:  # older scikit-learn
        mds = MDS(n_components=2, metric=True, dissimilarity="precomputed", n_init=4,
                  random_state=seed, normalized_stress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        coords = mds.fit_transform(distances, init=start)
    return np.asarray(coords, dtype=np.float64), float(mds.stress_)


def _classical_start(distances: np.ndarray) -> np.ndarray:
    """The classical-MDS start ``(K, 2)`` that scikit-learn computes for ``init="classical_mds"``,
    with a zero second coordinate where the second eigenvalue is not positive (distances that
    do not spread in two dimensions, e.g. heads that differ in one number, as on a decoder's
    only input of two tokens): scikit-learn takes its square root, NaN, and SMACOF refuses it."""
    from sklearn.manifold import ClassicalMDS

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the square root of a negative eigenvalue
        start = ClassicalMDS(n_components=2, metric="precomputed").fit_transform(distances)
    return np.nan_to_num(start, nan=0.0)


def cluster_heads(distances: np.ndarray, n_clusters: int) -> np.ndarray:
    """Cluster ids (1-based, numbered in head order) from a precomputed distance matrix."""
    from sklearn.cluster import AgglomerativeClustering

    distances = np.asarray(distances, dtype=np.float64)
    k = distances.shape[0]
    n_clusters = max(1, min(int(n_clusters), k))
    if n_clusters == 1 or k < 2:
        return np.ones(k, dtype=np.int64)
    raw = AgglomerativeClustering(n_clusters=n_clusters, metric="precomputed", linkage="average").fit_predict(distances)
    renumber: dict[int, int] = {}
    for value in raw:
        renumber.setdefault(int(value), len(renumber) + 1)
    return np.array([renumber[int(v)] for v in raw], dtype=np.int64)
