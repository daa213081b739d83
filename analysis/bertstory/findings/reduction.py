"""Reduce per-input statistics (:mod:`bertstory.findings.statistics`) over the inputs of a run.

Inputs are folded in one at a time. What is kept grows with the corpus only as

* per-input sums of the per-row JS divergences, ``(N, P, L, H)``, and the rollout ones
  ``(N, M, L)``, the query rows per input ``(N,)`` and the class statistics
  ``(N, V, L, H, C)`` — what medians and bootstrap intervals over inputs need;
* each output's own-token share ``Cˡ_jj``, ``(L, total rows)`` float64 — what its exact
  median and quartiles need;

everything else is a running total of fixed size: entropies, offset profiles, TV, top-1 and
Spearman sums and counts, and the ``(K, K)`` head-distance sums per clustered view.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from bertstory.findings.enrichment import CLASSES, EnrichmentStatistics
from bertstory.findings.statistics import CLUSTER_VIEWS, PAIRS, ROLLOUT_METHODS, InputStatistics
from bertstory.views import VIEWS


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
    js_inputs: np.ndarray              # (N, P, L, H) per-input Σ_rows JS
    tv_sums: np.ndarray                # (P, L, H)
    top1_sums: np.ndarray              # (P, L, H)
    spearman_sums: np.ndarray          # (P, L, H) over rows where Spearman is defined
    spearman_rows: np.ndarray          # (P, L, H)
    head_js_sums: np.ndarray           # (CV, K, K) Σ_rows JS between heads
    own_share: np.ndarray              # (L, total rows) C_jj
    own_top1: np.ndarray               # (L,) outputs whose largest contributor is themselves
    rollout_js_inputs: np.ndarray      # (N, M, L) per-input Σ_rows JS vs contribution
    rollout_tv: np.ndarray             # (M, L)
    rollout_top1: np.ndarray           # (M, L)
    rollout_spearman: np.ndarray       # (M, L)
    rollout_spearman_rows: np.ndarray  # (M, L)

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
    v, p, m, o, k = len(VIEWS), len(PAIRS), len(ROLLOUT_METHODS), 2 * max_offset + 1, num_layers * num_heads
    ids: list[str] = []
    input_rows = np.zeros(n_inputs, dtype=np.int64)
    class_mass = np.zeros((n_inputs, v, *head, len(CLASSES)))
    class_uniform = np.zeros((n_inputs, len(CLASSES)))
    class_rows = np.zeros((n_inputs, len(CLASSES)), dtype=np.int64)
    js_inputs = np.zeros((n_inputs, p, *head))
    rollout_js_inputs = np.zeros((n_inputs, m, num_layers))
    entropy_sums, entropy_rows = np.zeros((v, *head)), 0
    offset_sums, offset_rows = np.zeros((v, o, *head)), np.zeros(o, dtype=np.int64)
    tv, top1, spearman = np.zeros((p, *head)), np.zeros((p, *head)), np.zeros((p, *head))
    spearman_rows = np.zeros((p, *head), dtype=np.int64)
    head_js = np.zeros((len(CLUSTER_VIEWS), k, k))
    own_parts: list[np.ndarray] = []
    own_top1 = np.zeros(num_layers, dtype=np.int64)
    rollout = {name: np.zeros((m, num_layers)) for name in ("tv", "top1", "spearman")}
    rollout_rows = np.zeros((m, num_layers), dtype=np.int64)

    for index, (input_id, stats) in enumerate(inputs):
        if index >= n_inputs:
            raise ValueError(f"expected {n_inputs} inputs, got more")
        ids.append(input_id)
        input_rows[index] = stats.rows
        class_mass[index], class_uniform[index], class_rows[index] = (
            stats.class_mass, stats.class_uniform, stats.class_rows)
        js_inputs[index] = stats.pair_js
        rollout_js_inputs[index] = stats.rollout_js
        entropy_sums += stats.entropy_sum
        entropy_rows += stats.entropy_rows
        # the input's offsets run −(n − 1)..n − 1; those within −max_offset..max_offset are kept
        n = stats.rows
        span = min(max_offset, n - 1)
        kept = slice(max_offset - span, max_offset + span + 1)
        offset_sums[:, kept] += stats.offset_mass[:, n - 1 - span:n + span]
        offset_rows[kept] += stats.offset_rows[n - 1 - span:n + span]
        tv += stats.pair_tv
        top1 += stats.pair_top1
        spearman += stats.pair_spearman
        spearman_rows += stats.pair_spearman_rows
        head_js += stats.head_js
        own_parts.append(stats.own_share)
        own_top1 += stats.own_top1
        rollout["tv"] += stats.rollout_tv
        rollout["top1"] += stats.rollout_top1
        rollout["spearman"] += stats.rollout_spearman
        rollout_rows += stats.rollout_spearman_rows
    if len(ids) != n_inputs:
        raise ValueError(f"expected {n_inputs} inputs, got {len(ids)}")

    return Sums(
        num_layers=num_layers, num_heads=num_heads, max_offset=max_offset, input_ids=ids, input_rows=input_rows,
        classes=EnrichmentStatistics(views=VIEWS, mass=class_mass, uniform=class_uniform, rows=class_rows),
        entropy_sums=entropy_sums, entropy_rows=entropy_rows, offset_sums=offset_sums, offset_rows=offset_rows,
        js_inputs=js_inputs, tv_sums=tv, top1_sums=top1, spearman_sums=spearman, spearman_rows=spearman_rows,
        head_js_sums=head_js,
        own_share=np.concatenate(own_parts, axis=1) if own_parts else np.zeros((num_layers, 0)),
        own_top1=own_top1,
        rollout_js_inputs=rollout_js_inputs, rollout_tv=rollout["tv"], rollout_top1=rollout["top1"],
        rollout_spearman=rollout["spearman"], rollout_spearman_rows=rollout_rows,
    )
