"""Enrichment and specificity of every head's view on every class (``docs/method.md#enrichment``): per-input sufficient statistics, and their
reduction over any weighting of the inputs, with bootstrap intervals.

Notation. Input ``k`` has ``n`` tokens; query row ``j`` may see the keys ``V(j)``: all
``n`` for an encoder, ``{i ≤ j}`` under a causal mask. Class ``c`` (one of
:data:`CLASSES`) gives each row the keys ``c(j) ⊆ V(j)``:

* ``cls``, ``sep``, ``punct``, ``period``, ``comma`` — the visible tokens of that class
  (:func:`bertstory.findings.tokens.class_masks`);
* ``self`` — ``{j}``; ``prev`` — ``{j − 1}`` for ``j ≥ 1``; ``next`` — ``{j + 1}`` where that
  token exists and is visible (never under a causal mask).

A row counts for ``c`` only where ``c(j)`` is not empty. For one view (attention, local or
global attribution) and head, with ``P`` the input's row-stochastic map:

* ``M_c = Σ_k Σ_j Σ_{i ∈ c(j)} P[j, i]`` — summed mass on the class (rows where it is empty add 0);
* ``U_c = Σ_k Σ_{j: c(j) ≠ ∅} |c(j)| / |V(j)|`` — the same for the uniform row over ``V(j)``;
* ``R_c = Σ_k #{j : c(j) ≠ ∅}`` — the rows that count.

Then the pooled **mass** is ``m_c = M_c / R_c`` (a probability), the **enrichment**
``E_c = M_c / U_c`` (pooled mass over the uniform row's pooled mass on the same rows:
1 is chance, 3 is three times chance), and the **specificity** of head ``h`` of layer ``l``

    S_c = E_c(head) / E_c(layer mean map) = M_c[l, h] / ((1/H) Σ_h' M_c[l, h'])

because mass is linear in the map and the row-wise mean of the layer's ``H`` maps has
``M_c`` equal to the mean of the heads' ``M_c`` (``U_c`` cancels). ``S_c > 1``: the head
favours ``c`` more than its layer's heads do on average. Every quantity is a ratio of sums
over inputs, so a weighting of the inputs (a subset, a bootstrap resample) is a weight
vector on the per-input sums.

Undefined values are ``NaN``: ``m_c``, ``E_c`` and ``S_c`` when no row of the (weighted)
inputs has the class (``R_c = 0``, e.g. ``next`` under a causal mask, or ``punct`` in a
corpus without punctuation); ``S_c`` also when no head of the layer puts any mass on ``c``
(``0/0``). Bootstrap percentiles are taken over the resamples where a value is defined
(``NaN`` if none is). ``NaN`` never passes a threshold, so an undefined class is never a
pattern and never persists (:mod:`bertstory.findings.persistence`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bertstory.findings.divergence import spearman_from_ranks, standardised_ranks
from bertstory.findings.patterns import MASS_CLASSES
from bertstory.findings.ratios import safe_divide
from bertstory.findings.resampling import percentile_interval, resampled
from bertstory.findings.tokens import CLASS_COLUMN, TOKEN_CLASSES
from bertstory.maps import views as registered_views

#: The classes, in the order of the last axis of every array here (column-name spelling).
CLASSES: tuple[str, ...] = MASS_CLASSES
#: The view every other view's mass is correlated with across heads.
REFERENCE_VIEW = "attention"


def class_keys(token_masks: np.ndarray, causal: bool) -> np.ndarray:
    """Boolean ``(C, n, n)``: ``keys[c, j, i]`` is True when key ``i`` is in ``c(j)``.

    ``token_masks`` is the ``(n, len(TOKEN_CLASSES))`` membership of
    :func:`bertstory.findings.tokens.class_masks` (columns ``CLASS_COLUMN``); ``causal`` restricts row ``j`` to keys ``i ≤ j``.
    """
    token_masks = np.asarray(token_masks, dtype=bool)
    n = token_masks.shape[0]
    if token_masks.shape != (n, len(TOKEN_CLASSES)):
        raise ValueError(f"token masks must be (n, {len(TOKEN_CLASSES)}), got {token_masks.shape}")
    visible = np.tril(np.ones((n, n), dtype=bool)) if causal else np.ones((n, n), dtype=bool)
    relations = {"self": 0, "prev": -1, "next": 1}
    keys = []
    for name in CLASSES:
        if name in relations:
            member = np.eye(n, k=relations[name], dtype=bool)
        else:
            member = np.broadcast_to(token_masks[:, CLASS_COLUMN[name]][None, :], (n, n))
        keys.append(member & visible)
    return np.stack(keys)


@dataclass(frozen=True)
class EnrichmentStatistics:
    """Per-input sufficient statistics of enrichment and specificity, one row per input.

    Attributes (``N`` inputs, ``V`` views, ``L`` layers, ``H`` heads, ``C = len(CLASSES)``):
        views: names of the view axis, e.g. ``("attention", "local", "global")``.
        mass: float64 ``(N, V, L, H, C)`` — ``Σ_j Σ_{i ∈ c(j)} P[j, i]`` of each input: the
            summed row mass on the class over the rows where it exists (unit: rows × probability).
        uniform: float64 ``(N, C)`` — ``Σ_{j: c(j) ≠ ∅} |c(j)| / |V(j)|``: the same sum for the
            uniform row over the visible keys (independent of view and head).
        rows: int64 ``(N, C)`` — ``#{j : c(j) ≠ ∅}``, the rows that count for the class.
    """

    views: tuple[str, ...]
    mass: np.ndarray
    uniform: np.ndarray
    rows: np.ndarray

    def __post_init__(self) -> None:
        n_inputs, c = self.uniform.shape[0], len(CLASSES)
        if self.mass.ndim != 5 or self.mass.shape[0] != n_inputs or self.mass.shape[1] != len(self.views) \
                or self.mass.shape[-1] != c or self.uniform.shape != (n_inputs, c) or self.rows.shape != (n_inputs, c):
            raise ValueError(
                f"inconsistent shapes: mass {self.mass.shape}, uniform {self.uniform.shape}, rows {self.rows.shape} "
                f"for {len(self.views)} views and {c} classes"
            )

    @property
    def n_inputs(self) -> int:
        return self.uniform.shape[0]


def input_statistics(
    maps: np.ndarray, token_masks: np.ndarray, causal: bool, views: Sequence[str] | None = None
) -> EnrichmentStatistics:
    """The statistics of one input (``N = 1``).

    ``maps`` are the input's row-stochastic maps stacked as ``(V, L, H, n, n)`` in the order
    of ``views`` (default: the registered views, :func:`bertstory.maps.views`; rows = queries,
    columns = keys); ``token_masks`` its ``(n, 5)`` class
    membership; ``causal`` whether row ``j`` sees only keys ``i ≤ j``. Mass on invisible
    keys is not counted.
    """
    views = registered_views() if views is None else views
    maps = np.asarray(maps, dtype=np.float64)
    n = maps.shape[-1]
    if maps.ndim != 5 or maps.shape[0] != len(views) or maps.shape[-2] != n:
        raise ValueError(f"maps must be (V={len(views)}, L, H, n, n), got {maps.shape}")
    keys = class_keys(token_masks, causal)
    if keys.shape[-1] != n:
        raise ValueError(f"maps have {n} tokens but the token masks {keys.shape[-1]}")
    visible_per_row = np.arange(1, n + 1) if causal else np.full(n, n)
    mass = maps.reshape(-1, n * n) @ keys.reshape(len(CLASSES), n * n).T.astype(np.float64)
    uniform = (keys.sum(axis=-1) / visible_per_row).sum(axis=-1)
    rows = keys.any(axis=-1).sum(axis=-1)
    return EnrichmentStatistics(
        views=tuple(views),
        mass=mass.reshape(1, *maps.shape[:3], len(CLASSES)),
        uniform=uniform[None].astype(np.float64),
        rows=rows[None].astype(np.int64),
    )


@dataclass(frozen=True)
class Estimates:
    """Pooled mass, enrichment and specificity for a weighting of the inputs.

    Each array is ``(*W, V, L, H, C)``, ``W`` the leading shape of the weights (none for a
    single weighting): ``mass`` in probability per row, ``enrichment`` and ``specificity``
    dimensionless (1 = chance, respectively = the layer's mean map).
    """

    mass: np.ndarray
    enrichment: np.ndarray
    specificity: np.ndarray


def estimate(stats: EnrichmentStatistics, weights: np.ndarray | None = None) -> Estimates:
    """``m_c``, ``E_c`` and ``S_c`` pooled over the inputs weighted by ``weights``.

    ``weights`` is ``(N,)`` or ``(B, N)`` (non-negative; how often each input counts), or
    ``None`` for every input once. Undefined values are ``NaN`` (module docstring).
    """
    w = np.ones(stats.n_inputs) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape[-1] != stats.n_inputs:
        raise ValueError(f"weights cover {w.shape[-1]} inputs, the statistics {stats.n_inputs}")
    shape = stats.mass.shape[1:]
    summed = (w @ stats.mass.reshape(stats.n_inputs, -1)).reshape(*w.shape[:-1], *shape)  # M_c
    uniform = (w @ stats.uniform)[..., None, None, None, :]                              # U_c
    rows = (w @ stats.rows.astype(np.float64))[..., None, None, None, :]                 # R_c
    layer_mean = summed.mean(axis=-2, keepdims=True)                                     # M_c of the mean map
    return Estimates(
        mass=safe_divide(summed, np.broadcast_to(rows, summed.shape)),
        enrichment=safe_divide(summed, np.broadcast_to(uniform, summed.shape)),
        specificity=safe_divide(summed, np.broadcast_to(layer_mean, summed.shape)),
    )


def across_heads_spearman(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman correlation across heads, per layer and class, of ``x`` and ``y`` ``(..., L, H, C)``.

    Returns ``(..., L, C)``, average ranks for ties; ``NaN`` where either is constant over
    the layer's heads (e.g. ``H = 1``) or holds a ``NaN``.
    """
    zx = standardised_ranks(np.moveaxis(x, -2, -1))
    zy = standardised_ranks(np.moveaxis(y, -2, -1))
    return spearman_from_ranks(zx, zy)


def mass_spearman(stats: EnrichmentStatistics, mass: np.ndarray) -> np.ndarray:
    """Across-heads Spearman of :data:`REFERENCE_VIEW` mass with each other view's mass.

    ``mass`` is ``(*W, V, L, H, C)`` (:attr:`Estimates.mass`); returns ``(*W, V − 1, L, C)`` for
    the views of :func:`compared_views`, in that order.
    """
    axis = mass.ndim - 4
    others = [np.take(mass, stats.views.index(v), axis=axis) for v in compared_views(stats.views)]
    ref = np.take(mass, stats.views.index(REFERENCE_VIEW), axis=axis)
    return np.stack([across_heads_spearman(ref, other) for other in others], axis=axis)


def compared_views(views: Sequence[str]) -> tuple[str, ...]:
    """The views whose mass is correlated with :data:`REFERENCE_VIEW`'s: all the others."""
    if REFERENCE_VIEW not in views:
        raise ValueError(f"the statistics need the {REFERENCE_VIEW!r} view, they have {tuple(views)}")
    return tuple(v for v in views if v != REFERENCE_VIEW)


@dataclass(frozen=True)
class ViewEvidence:
    """``E_c`` and ``S_c`` of every head in one view with their lower 95% bounds, ``(L, H, C)`` each."""

    enrichment: np.ndarray
    enrichment_lo: np.ndarray
    specificity: np.ndarray
    specificity_lo: np.ndarray


@dataclass(frozen=True)
class EnrichmentSummary:
    """Point estimates over all inputs and paired bootstrap 95% intervals over inputs.

    Attributes (``V`` views, ``L`` layers, ``H`` heads, ``C = len(CLASSES)``):
        views: names of the view axis.
        n_inputs, samples, seed: inputs reduced, bootstrap resamples and their seed.
        rows: int64 ``(C,)`` — ``R_c``, rows that count for each class over all inputs.
        mass: ``(V, L, H, C)`` pooled mass ``m_c`` (probability per row).
        enrichment, enrichment_lo, enrichment_hi: ``(V, L, H, C)`` ``E_c`` and its interval.
        specificity, specificity_lo, specificity_hi: ``(V, L, H, C)`` ``S_c`` and its interval.
        spearman_views: the views correlated with attention (all but ``attention``).
        spearman, spearman_lo, spearman_hi: ``(len(spearman_views), L, C)`` across-heads
            Spearman correlation of attention mass with that view's mass, and its interval.
    """

    views: tuple[str, ...]
    n_inputs: int
    samples: int
    seed: int
    rows: np.ndarray
    mass: np.ndarray
    enrichment: np.ndarray
    enrichment_lo: np.ndarray
    enrichment_hi: np.ndarray
    specificity: np.ndarray
    specificity_lo: np.ndarray
    specificity_hi: np.ndarray
    spearman_views: tuple[str, ...]
    spearman: np.ndarray
    spearman_lo: np.ndarray
    spearman_hi: np.ndarray

    def evidence(self, view: str) -> ViewEvidence:
        """The enrichment and specificity of ``view`` with their lower bounds."""
        v = self.views.index(view)
        return ViewEvidence(self.enrichment[v], self.enrichment_lo[v], self.specificity[v], self.specificity_lo[v])


def summarise(stats: EnrichmentStatistics, samples: int, seed: int) -> EnrichmentSummary:
    """Point estimates over every input once, and 95% percentile intervals from ``samples``
    bootstrap resamples of the inputs (:func:`bertstory.findings.resampling.resampled`,
    seeded ``numpy.random.default_rng(seed)``). The bootstrap is paired: ``E_c``, ``S_c`` and
    the Spearman correlations of every head, view and class use the same resamples."""
    point = estimate(stats)
    spearman = mass_spearman(stats, point.mass)

    def resample(weights: np.ndarray) -> tuple[np.ndarray, ...]:
        pooled = estimate(stats, weights)
        return pooled.enrichment, pooled.specificity, mass_spearman(stats, pooled.mass)

    boot_e, boot_s, boot_rho = resampled(stats.n_inputs, samples, seed, resample)
    e_lo, e_hi = percentile_interval(boot_e)
    s_lo, s_hi = percentile_interval(boot_s)
    rho_lo, rho_hi = percentile_interval(boot_rho)
    return EnrichmentSummary(
        views=stats.views, n_inputs=stats.n_inputs, samples=int(samples), seed=int(seed),
        rows=stats.rows.sum(axis=0),
        mass=point.mass,
        enrichment=point.enrichment, enrichment_lo=e_lo, enrichment_hi=e_hi,
        specificity=point.specificity, specificity_lo=s_lo, specificity_hi=s_hi,
        spearman_views=compared_views(stats.views),
        spearman=spearman, spearman_lo=rho_lo, spearman_hi=rho_hi,
    )
