"""The MDS layout and clusters of heads whose distances carry little structure."""

import numpy as np

from bertstory.findings.clustering import cluster_heads, mds_layout
from bertstory.findings.divergence import pairwise_js_sum


def two_token_decoder_distances(first_key_share: np.ndarray) -> np.ndarray:
    """Head distances (mean JS per row) of a decoder's only input of two tokens: every head's
    first row sees only the first token, its second row gives ``first_key_share`` to it."""
    k = len(first_key_share)
    rows = np.zeros((k, 2, 2))
    rows[:, 0, 0] = 1.0
    rows[:, 1, 0], rows[:, 1, 1] = first_key_share, 1.0 - first_key_share
    return pairwise_js_sum(rows) / 2


def test_heads_that_differ_in_one_number_are_laid_out_and_clustered():
    """Their distances have one positive classical-MDS eigenvalue: the second coordinate of the
    classical start is the square root of a negative number, which once made scikit-learn's
    SMACOF raise ``Input contains NaN``."""
    share = np.random.default_rng(0).random(8)
    distances = two_token_decoder_distances(share)
    coords, stress = mds_layout(distances, seed=0)
    assert coords.shape == (8, 2) and np.isfinite(coords).all() and np.isfinite(stress)
    order = np.argsort(share)  # heads sit on the layout in the order of their one number
    first_axis = coords[order, 0]
    assert np.all(np.diff(first_axis) > 0) or np.all(np.diff(first_axis) < 0)
    clusters = cluster_heads(distances, 3)
    assert sorted(set(clusters)) == [1, 2, 3]
