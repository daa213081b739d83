"""Row-wise comparison of two distributions over the same tokens (``docs/method.md#comparing-two-views``).

Every function takes arrays whose last axis is the token axis (one distribution per row,
e.g. ``(L, H, n, n)`` maps compare query row by query row) and returns one value per row,
vectorised over all leading axes. Inputs are assumed row-stochastic (see
:func:`normalise_rows`); computations run in float64.

Metrics:

* **Jensen–Shannon divergence**, base 2: ``JS(p, q) = H(m) - ½H(p) - ½H(q)`` with
  ``m = ½(p + q)`` and ``H`` the Shannon entropy in bits (``0 log 0 = 0``). It lies in
  [0, 1]: 0 for identical rows, 1 for rows with disjoint support. Tiny negative values
  from rounding are clipped to 0.
* **Total variation** ``½ Σ_i |p_i - q_i|``, in [0, 1], the largest difference in
  probability the two rows give any set of tokens.
* **Spearman rank correlation** of the two rows (average ranks for ties). Undefined
  (``NaN``) when either row is constant, e.g. a uniform row or ``n = 1``; such rows are
  left out of Spearman means. Under a causal mask a row is ranked over the keys it may see
  (:func:`standardised_ranks` with ``causal``).

A causal model's maps are zero above the diagonal (masked keys get probability 0 and
derivative 0), so JS, total variation, top-1 agreement and entropy over all ``n`` keys equal
their values over the visible keys; only ranks see the zeros.
* **Top-1 agreement**: 1 when both rows put their largest value on the same token, else
  0 (ties resolved to the first maximal token, as ``numpy.argmax``).
"""

from __future__ import annotations

import numpy as np
from scipy.special import xlogy
from scipy.stats import rankdata

_LOG2 = np.log(2.0)


def normalise_rows(x: np.ndarray) -> np.ndarray:
    """``x`` in float64 with each row (last axis) divided by its sum."""
    x = np.asarray(x, dtype=np.float64)
    return x / x.sum(axis=-1, keepdims=True)


def normalised_entropy(p: np.ndarray, causal: bool = False) -> np.ndarray:
    """``H(row) / log k`` for each row (last axis), ``k`` the keys the row may see (``n``, or
    ``j + 1`` for row ``j`` under a causal mask, rows on the second-to-last axis): 1 for a row
    uniform over those keys, 0 for one-hot.

    ``NaN`` for a row that sees a single key (``n = 1``, or a decoder's first row): there is
    nothing to spread over, so such rows are left out of the means.
    """
    n = p.shape[-1]
    visible = np.arange(1, n + 1) if causal else np.asarray(n)  # causal: rows j = 0..n−1 on axis −2
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(visible >= 2, -xlogy(p, p).sum(axis=-1) / np.log(visible), np.nan)


def js_divergence(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Jensen–Shannon divergence (base 2) of each pair of rows, in [0, 1]."""
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    m = 0.5 * (p + q)
    plogp = xlogy(p, p).sum(axis=-1)
    qlogq = xlogy(q, q).sum(axis=-1)
    mlogm = xlogy(m, m).sum(axis=-1)
    js = (0.5 * plogp + 0.5 * qlogq - mlogm) / _LOG2
    return np.clip(js, 0.0, 1.0)


def total_variation(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Total variation distance ``½ Σ |p - q|`` of each pair of rows."""
    return 0.5 * np.abs(np.asarray(p, dtype=np.float64) - np.asarray(q, dtype=np.float64)).sum(axis=-1)


def standardised_ranks(x: np.ndarray, causal: bool = False) -> np.ndarray:
    """Average ranks of each row, centred and scaled to unit norm (``NaN`` for constant rows).

    The Spearman correlation of two rows is the dot product of their standardised ranks;
    computing these once per view lets several comparisons share them.

    ``causal``: row ``j`` (rows on the second-to-last axis, ``x`` shaped ``(..., n, n)``) is
    ranked over its visible keys ``i ≤ j`` only, and its invisible keys get 0, so the dot
    product is the Spearman correlation of the visible parts; the first row, which sees one
    key, is constant (``NaN``). Without it, a decoder's zeros after the query would tie and
    count as agreement.
    """
    x = np.asarray(x, dtype=np.float64)
    if causal:
        n = x.shape[-1]
        visible = np.tril(np.ones((n, n), dtype=bool))
        # invisible keys rank above every visible one, so visible ranks are 1..j+1 (mean (j + 2) / 2)
        ranks = rankdata(np.where(visible, x, np.inf), axis=-1)
        ranks = np.where(visible, ranks - (visible.sum(axis=-1, keepdims=True) + 1) / 2, 0.0)
    else:
        ranks = rankdata(x, axis=-1)
        ranks = ranks - ranks.mean(axis=-1, keepdims=True)
    norm = np.sqrt((ranks * ranks).sum(axis=-1, keepdims=True))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norm > 0, ranks / norm, np.nan)


def spearman_from_ranks(zp: np.ndarray, zq: np.ndarray) -> np.ndarray:
    """Spearman correlation from :func:`standardised_ranks` of both rows."""
    return np.clip((zp * zq).sum(axis=-1), -1.0, 1.0)


def top1_agreement(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """1.0 where both rows have their maximum on the same token, else 0.0."""
    return (np.argmax(p, axis=-1) == np.argmax(q, axis=-1)).astype(np.float64)


def pairwise_js_sum(p: np.ndarray) -> np.ndarray:
    """Sum over rows of the JS divergence between every pair of "heads".

    ``p`` has shape ``(K, rows, n)``: K heads, each with ``rows`` distributions over the
    same n tokens (one input's query rows). Returns the symmetric ``(K, K)`` matrix
    ``D[a, b] = Σ_rows JS(p[a, row], p[b, row])`` with a zero diagonal; dividing by the
    number of rows over all inputs gives Clark et al.'s (2019) head distance. Uses
    ``JS = ½ Σ p log p + ½ Σ q log q − Σ m log m`` with the ``p log p`` sums computed once
    per head, and one head against all later heads at a time (memory ``K·rows·n``).
    """
    p = np.asarray(p, dtype=np.float64)
    k = p.shape[0]
    out = np.zeros((k, k))
    tiny = np.finfo(np.float64).tiny  # log(max(x, tiny)) * x is 0 at x = 0, exact elsewhere

    def xlogx_sum(x: np.ndarray) -> np.ndarray:
        return (x * np.log(np.maximum(x, tiny))).sum(axis=(-2, -1))

    plogp = xlogx_sum(p)
    for a in range(k - 1):
        m = 0.5 * (p[a][None] + p[a + 1:])
        out[a, a + 1:] = 0.5 * plogp[a] + 0.5 * plogp[a + 1:] - xlogx_sum(m)
    out = np.maximum(out / _LOG2, 0.0)
    return out + out.T
