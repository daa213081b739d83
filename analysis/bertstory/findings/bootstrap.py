"""Per-input summaries of pooled means: median over inputs and a bootstrap 95% interval.

A head's metric is a *pooled* mean, ``Σ_inputs sum_i / Σ_inputs rows_i`` (every query row
weighs the same). Its uncertainty comes from the inputs: the bootstrap resamples inputs
with replacement ``B`` times, recomputes the pooled mean of each resample, and reports
the 2.5th and 97.5th percentiles (percentile interval). The resamples are those of
:func:`bertstory.findings.resampling.resample_weights` for the seed and ``B``, the same
that the enrichment intervals use, so every interval of a run comes from one paired set of
resamples and is reproducible for a given run, seed and ``B``.
"""

from __future__ import annotations

import numpy as np

from bertstory.findings.resampling import percentile_interval, resampled


def median_over_inputs(sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Median over inputs of each input's own mean (``sums`` ``(N, ...)``, ``counts`` ``(N,)``)."""
    counts = np.asarray(counts, dtype=np.float64).reshape((-1,) + (1,) * (sums.ndim - 1))
    return np.median(sums / counts, axis=0)


def bootstrap_pooled_mean(
    sums: np.ndarray, counts: np.ndarray, samples: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap 95% interval ``(lo, hi)`` of the pooled mean ``Σ sums / Σ counts``.

    ``sums`` is ``(N, ...)`` (per-input sums of a per-row metric), ``counts`` ``(N,)`` the
    rows of each input. Returns two arrays shaped like ``sums[0]``.
    """
    sums = np.asarray(sums, dtype=np.float64)
    counts = np.asarray(counts, dtype=np.float64)
    n = counts.shape[0]
    flat = sums.reshape(n, -1)
    (boots,) = resampled(n, samples, seed, lambda weights: [(weights @ flat) / (weights @ counts)[:, None]])
    lo, hi = percentile_interval(boots)
    return lo.reshape(sums.shape[1:]), hi.reshape(sums.shape[1:])
