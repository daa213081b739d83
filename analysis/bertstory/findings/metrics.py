"""The per-row comparison metrics, declared once (``docs/method.md#comparing-two-views``).

Every metric compares two maps row by row (query by query) and is one :class:`Metric` in
:data:`METRICS`, in the order tables list them. The statistics (``pair_{name}``,
``rollout_{name}``), the reduction, the tables' columns (``{name}_{pair}``,
``{name}_{method}``) and the pages' agreement tables all iterate over this registry, so a new
metric is one :func:`register_metric` call::

    register_metric(Metric("hellinger", "Hellinger", "Hellinger distance", higher_is_closer=False,
                           rows=lambda p, q: np.sqrt(0.5 * ((np.sqrt(p) - np.sqrt(q)) ** 2).sum(axis=-1))))

Register it before the statistics are computed: statistics files that lack a registered
metric are recomputed from their maps (:mod:`bertstory.findings.store`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bertstory.findings.divergence import (
    js_divergence,
    spearman_from_ranks,
    standardised_ranks,
    top1_agreement,
    total_variation,
)


def _as_is(x: np.ndarray, causal: bool) -> np.ndarray:
    return x


@dataclass(frozen=True)
class Metric:
    """One per-row comparison metric.

    Attributes:
        name: its key: column prefix in the tables and array suffix in the statistics.
        label: its short name on pages (``JS``), and in column titles such as ``JS median``.
        title: its column title in the agreement tables, with the unit where it has one.
        higher_is_closer: whether larger values mean the two maps agree more.
        rows: ``(p, q) → values``: one float64 value per row of two prepared maps shaped
            ``(..., n, n)`` (or ``(..., n)``), ``(...,)`` with the last axis dropped;
            ``NaN`` where the metric is undefined (only when ``partial``).
        prepare: ``(map, causal) → array`` applied once per compared map before ``rows``
            (e.g. ranks); it handles a causal row's visible keys where the metric must
            (a causal map is zero above the diagonal, which most metrics may simply see).
        partial: the metric may be undefined on some rows: its means are over the rows where it
            is defined, which the statistics count (``*_rows``).
        intervals: its per-input sums are kept, for medians and bootstrap 95% intervals over
            inputs (columns ``{name}_{pair}_median``, ``_lo``, ``_hi``); not with ``partial``.
    """

    name: str
    label: str
    title: str
    higher_is_closer: bool
    rows: Callable[[np.ndarray, np.ndarray], np.ndarray]
    prepare: Callable[[np.ndarray, bool], np.ndarray] = _as_is
    partial: bool = False
    intervals: bool = False

    def __post_init__(self) -> None:
        if not self.name.isidentifier() or self.name.endswith("_rows"):
            raise ValueError(f"a metric's name is a Python identifier not ending in _rows, got {self.name!r}")
        if self.partial and self.intervals:
            raise ValueError(f"metric {self.name!r}: intervals need a metric defined on every row")


#: Every registered metric by name, in table order.
METRICS: dict[str, Metric] = {}


def register_metric(metric: Metric) -> Metric:
    """Add ``metric`` to :data:`METRICS` (``ValueError`` when its name is taken); returns it."""
    if metric.name in METRICS:
        raise ValueError(f"a metric named {metric.name!r} is registered already")
    METRICS[metric.name] = metric
    return metric


def interval_metrics() -> list[str]:
    """Names of the metrics with medians and intervals over inputs, in table order."""
    return [name for name, metric in METRICS.items() if metric.intervals]


def compare_rows(pairs: list[tuple[np.ndarray, np.ndarray]], causal: bool
                 ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """``(sums, rows)`` of every registered metric over the compared ``pairs`` of maps (each
    ``(..., n, n)``; the same array object may appear in several pairs and is prepared once):
    ``sums[name]`` float64 ``(len(pairs), ...)``, Σ over each pair's rows of the metric (over the
    rows where it is defined); ``rows[name]`` int64, those rows, for ``partial`` metrics only."""
    sums, rows = {}, {}
    for metric in METRICS.values():
        prepared: dict[int, np.ndarray] = {}

        def prepare(x: np.ndarray, metric: Metric = metric) -> np.ndarray:
            if id(x) not in prepared:
                prepared[id(x)] = metric.prepare(x, causal)
            return prepared[id(x)]

        values = [metric.rows(prepare(p), prepare(q)) for p, q in pairs]
        if metric.partial:
            sums[metric.name] = np.stack([np.nansum(v, axis=-1) for v in values])
            rows[metric.name] = np.stack([np.isfinite(v).sum(axis=-1) for v in values]).astype(np.int64)
        else:
            sums[metric.name] = np.stack([v.sum(axis=-1) for v in values])
    return sums, rows


register_metric(Metric("js", "JS", "JS (bits)", higher_is_closer=False, rows=js_divergence, intervals=True))
register_metric(Metric("tv", "TV", "total variation", higher_is_closer=False, rows=total_variation))
register_metric(Metric("spearman", "Spearman", "Spearman", higher_is_closer=True, rows=spearman_from_ranks,
                       prepare=standardised_ranks, partial=True))
register_metric(Metric("top1", "top-1", "top-1 agreement", higher_is_closer=True, rows=top1_agreement))
