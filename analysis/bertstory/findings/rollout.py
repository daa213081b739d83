"""Attention rollout (Abnar & Zuidema, 2020), the baseline of ``docs/method.md#mixing``.

With ``Āˡ`` the attention of layer ``l`` averaged over its heads,

    Rˡ = normalise(½·Āˡ + ½·I) · Rˡ⁻¹,   R⁰ = I,

where ``normalise`` divides each row by its sum (the ½·I accounts for the residual
connection). Row ``j`` of ``Rˡ`` is rollout's estimate of how much each input token feeds
hidden vector ``j`` after layer ``l``, which is what the token contribution ``Cˡ`` measures
with gradients. :mod:`bertstory.findings.statistics` compares the rows of ``Rˡ`` — and of the
raw ``Āˡ`` — with the rows of ``Cˡ`` using the metrics of :mod:`bertstory.findings.divergence`.
"""

from __future__ import annotations

import numpy as np

from bertstory.findings.divergence import normalise_rows


def head_average(attention: np.ndarray) -> np.ndarray:
    """``Āˡ``: attention ``(L, H, n, n)`` averaged over heads, ``(L, n, n)``."""
    return np.asarray(attention, dtype=np.float64).mean(axis=1)


def attention_rollout(attention: np.ndarray) -> np.ndarray:
    """Rollout ``R¹ … Rᴸ`` (``(L, n, n)``) of one input's attention ``(L, H, n, n)``."""
    mean = head_average(attention)
    n_layers, n = mean.shape[0], mean.shape[-1]
    eye = np.eye(n)
    rollout = np.empty_like(mean)
    current = eye
    for layer in range(n_layers):
        current = normalise_rows(0.5 * mean[layer] + 0.5 * eye) @ current
        rollout[layer] = current
    return rollout
