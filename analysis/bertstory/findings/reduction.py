"""Reduce per-input statistics (:mod:`bertstory.findings.statistics`) over the inputs of a run.

Inputs are folded in one at a time. What is kept grows with the corpus only as

* per-input sums of the per-row metrics with intervals (JS, :func:`~bertstory.findings.metrics.interval_metrics`),
  ``(N, P, L, H)``, and the rollout ones ``(N, M, L)``, the query rows per input ``(N,)`` and
  the class statistics ``(N, V, L, H, C)`` — what medians and bootstrap intervals over inputs need;
* each output's own-token share ``Cˡ_jj``, ``(L, total rows)`` float64 — what its exact
  median and quartiles need;
* the faithfulness sums and rows per input (``(N, L, H)`` or ``(N, L)`` each), for their
  bootstrap intervals;

everything else is a running total of fixed size: entropies, offset profiles, the other
metrics' sums and counts (TV, Spearman, top-1), and the ``(K, K)`` head-distance sums per clustered view.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from bertstory.findings.enrichment import CLASSES, EnrichmentStatistics
from bertstory.findings.faithfulness import array_shapes as faithfulness_shapes
from bertstory.findings.metrics import METRICS
from bertstory.findings.ratios import safe_divide
from bertstory.findings.statistics import ROLLOUT_METHODS, Comparisons, InputStatistics
from bertstory.maps import cluster_views, view_pairs, views


@dataclass
class MetricSums:
    """Every registered metric of one set of comparisons (``S`` = ``(P, L, H)`` or ``(M, L)``),
    reduced over the inputs."""

    inputs: dict[str, np.ndarray]  # metrics with intervals: (N, *S) per-input Σ_rows
    sums: dict[str, np.ndarray]    # the other metrics: S Σ_rows over all inputs
    rows: dict[str, np.ndarray]    # partial metrics: S rows where defined

    @classmethod
    def zeros(cls, n_inputs: int, shape: tuple[int, ...]) -> MetricSums:
        return cls(inputs={name: np.zeros((n_inputs, *shape)) for name, m in METRICS.items() if m.intervals},
                   sums={name: np.zeros(shape) for name, m in METRICS.items() if not m.intervals},
                   rows={name: np.zeros(shape, dtype=np.int64) for name, m in METRICS.items() if m.partial})

    def add(self, index: int, compared: Comparisons) -> None:
        """Fold in input ``index``'s comparisons."""
        for name, values in compared.sums.items():
            if name in self.inputs:
                self.inputs[name][index] = values
            else:
                self.sums[name] += values
        for name, rows in compared.rows.items():
            self.rows[name] += rows

    def mean(self, name: str, n_rows: int) -> np.ndarray:
        """Metric ``name``'s pooled mean ``S`` over all rows (over the rows where it is defined)."""
        total = self.inputs[name].sum(axis=0) if name in self.inputs else self.sums[name]
        return safe_divide(total, self.rows[name]) if name in self.rows else total / n_rows


@dataclass
class Sums:
    """The statistics of every input of a run, reduced: totals over inputs, and per input what
    medians and the bootstrap resample (``N`` inputs; other letters as in
    :mod:`bertstory.findings.statistics`; ``O = 2·max_offset + 1`` offsets ``−max_offset..max_offset``)."""

    num_layers: int
    num_heads: int
    max_offset: int
    input_ids: list[str]
    input_rows: np.ndarray             # (N,) query rows (= tokens) per input
    classes: EnrichmentStatistics      # per input: class mass (N, V, L, H, C), uniform and rows (N, C)
    entropy_sums: np.ndarray           # (V, L, H) Σ normalised entropy over rows that see ≥ 2 keys
    entropy_rows: int                  # those rows
    offset_sums: np.ndarray            # (V, O, L, H) Σ_rows P[j, j+k]
    offset_rows: np.ndarray            # (O,) rows where j+k exists and is visible
    pairs: MetricSums                  # S = (P, L, H)
    head_js_sums: np.ndarray           # (CV, K, K) Σ_rows JS between heads
    own_share: np.ndarray              # (L, total rows) C_jj
    own_top1: np.ndarray               # (L,) outputs whose largest contributor is themselves
    rollout: MetricSums                # S = (M, L), against contribution
    faithfulness: dict[str, np.ndarray]  # per input: (N, L, H) or (N, L) faithfulness sums and rows

    @property
    def n_inputs(self) -> int:
        return len(self.input_ids)

    @property
    def n_rows(self) -> int:
        return int(self.input_rows.sum())


def reduce_statistics(
    inputs: Iterable[tuple[str, InputStatistics]], n_inputs: int, num_layers: int, num_heads: int, max_offset: int,
) -> Sums:
    """Fold ``(id, statistics)`` pairs, one at a time, into :class:`Sums`; ``inputs`` may be a
    generator (only the current input's statistics are held besides the per-input parts kept)."""
    head = (num_layers, num_heads)
    v, p, m, o, k = len(views()), len(view_pairs()), len(ROLLOUT_METHODS), 2 * max_offset + 1, num_layers * num_heads
    ids: list[str] = []
    input_rows = np.zeros(n_inputs, dtype=np.int64)
    class_mass = np.zeros((n_inputs, v, *head, len(CLASSES)))
    class_uniform = np.zeros((n_inputs, len(CLASSES)))
    class_rows = np.zeros((n_inputs, len(CLASSES)), dtype=np.int64)
    pairs = MetricSums.zeros(n_inputs, (p, *head))
    rollout = MetricSums.zeros(n_inputs, (m, num_layers))
    entropy_sums, entropy_rows = np.zeros((v, *head)), 0
    offset_sums, offset_rows = np.zeros((v, o, *head)), np.zeros(o, dtype=np.int64)
    head_js = np.zeros((len(cluster_views()), k, k))
    own_parts: list[np.ndarray] = []
    own_top1 = np.zeros(num_layers, dtype=np.int64)
    faithfulness = {name: np.zeros((n_inputs, *shape), dtype=np.int64 if name.endswith("_rows") else np.float64)
                    for name, shape in faithfulness_shapes(num_layers, num_heads).items()}

    for index, (input_id, stats) in enumerate(inputs):
        if index >= n_inputs:
            raise ValueError(f"expected {n_inputs} inputs, got more")
        ids.append(input_id)
        input_rows[index] = stats.rows
        class_mass[index], class_uniform[index], class_rows[index] = (
            stats.class_mass, stats.class_uniform, stats.class_rows)
        pairs.add(index, stats.pair)
        rollout.add(index, stats.rollout)
        entropy_sums += stats.entropy_sum
        entropy_rows += stats.entropy_rows
        # the input's offsets run −(n − 1)..n − 1; those within −max_offset..max_offset are kept
        n = stats.rows
        span = min(max_offset, n - 1)
        kept = slice(max_offset - span, max_offset + span + 1)
        offset_sums[:, kept] += stats.offset_mass[:, n - 1 - span:n + span]
        offset_rows[kept] += stats.offset_rows[n - 1 - span:n + span]
        head_js += stats.head_js
        own_parts.append(stats.own_share)
        own_top1 += stats.own_top1
        for name, values in stats.faithfulness.items():
            faithfulness[name][index] = values
    if len(ids) != n_inputs:
        raise ValueError(f"expected {n_inputs} inputs, got {len(ids)}")

    return Sums(
        num_layers=num_layers, num_heads=num_heads, max_offset=max_offset, input_ids=ids, input_rows=input_rows,
        classes=EnrichmentStatistics(views=views(), mass=class_mass, uniform=class_uniform, rows=class_rows),
        entropy_sums=entropy_sums, entropy_rows=entropy_rows, offset_sums=offset_sums, offset_rows=offset_rows,
        pairs=pairs, head_js_sums=head_js,
        own_share=np.concatenate(own_parts, axis=1) if own_parts else np.zeros((num_layers, 0)),
        own_top1=own_top1,
        rollout=rollout,
        faithfulness=faithfulness,
    )
