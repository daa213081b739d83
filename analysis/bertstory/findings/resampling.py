"""Bootstrap resamples of the inputs as weight matrices, and percentile intervals.

A resample draws ``N`` inputs with replacement out of ``N``; it is held as a row of
weights ``w`` ``(N,)`` (how often each input was drawn), so any statistic that is a
ratio of sums over inputs is recomputed for ``b`` resamples at once as ``W @ sums`` with
``W`` ``(b, N)``. The draws are ``numpy.random.default_rng(seed).integers(0, N, size=(b, N))``
in chunks of at most 2,000,000 weights; every interval of the findings (JS medians' and
enrichment's, :mod:`bertstory.findings.bootstrap` and :mod:`bertstory.findings.enrichment`)
comes from these resamples, so the same seed and number of samples pair them
(``docs/method.md#comparing-two-views``: seeded bootstrap over inputs). :func:`resampled` computes
a statistic of every resample chunk by chunk into arrays allocated once.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Sequence

import numpy as np

_MAX_WEIGHTS = 2_000_000  # resample weights held at once (float64 values)


def chunk_rows(n_inputs: int) -> int:
    """Resamples per chunk of :func:`resample_weights` (the chunks decide the draws: keep them)."""
    return max(1, _MAX_WEIGHTS // n_inputs)


def resample_weights(n_inputs: int, samples: int, seed: int) -> Iterator[np.ndarray]:
    """Yield the ``samples`` resamples in chunks, each a float64 ``(b, n_inputs)`` matrix of
    draw counts (every row sums to ``n_inputs``)."""
    if n_inputs < 1 or samples < 1:
        raise ValueError(f"need at least one input and one sample, got {n_inputs} and {samples}")
    rng = np.random.default_rng(seed)
    per_chunk = chunk_rows(n_inputs)
    for start in range(0, samples, per_chunk):
        b = min(per_chunk, samples - start)
        picks = rng.integers(0, n_inputs, size=(b, n_inputs))
        weights = np.bincount((picks + (np.arange(b) * n_inputs)[:, None]).ravel(), minlength=b * n_inputs)
        yield weights.reshape(b, n_inputs).astype(np.float64)


def resampled(n_inputs: int, samples: int, seed: int,
              statistics: Callable[[np.ndarray], Sequence[np.ndarray]]) -> list[np.ndarray]:
    """The statistics of every resample of :func:`resample_weights`: ``statistics`` maps a chunk
    of weights ``(b, n_inputs)`` to arrays ``(b, ...)``; they are returned as ``(samples, ...)``
    arrays, each allocated once and filled chunk by chunk (memory: what the resamples' statistics
    hold, plus one chunk's work)."""
    stacked: list[np.ndarray] = []
    start = 0
    for weights in resample_weights(n_inputs, samples, seed):
        parts = statistics(weights)
        if not stacked:
            stacked = [np.empty((samples, *part.shape[1:]), dtype=part.dtype) for part in parts]
        for target, part in zip(stacked, parts):
            target[start:start + len(weights)] = part
        start += len(weights)
    return stacked


def percentile_interval(boots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2.5th and 97.5th percentiles over axis 0 of ``boots`` ``(B, ...)``, ignoring the
    resamples where a statistic is undefined (``NaN``); ``NaN`` where none is defined."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices give NaN, as documented
        lo, hi = np.nanpercentile(boots, [2.5, 97.5], axis=0)
    return lo, hi
