"""One pass over a run's maps, keeping sums instead of maps.

Memory holds one input's maps at a time. What is kept grows with the corpus only as

* per-input sums of the per-row JS divergences, ``(N, 3 pairs, L, H)`` and the rollout
  ones ``(N, 2, L)`` — needed for medians and the bootstrap over inputs;
* each output's own-token share ``C_jj`` per layer, ``(L, total tokens)`` float32 — needed
  for its exact median and IQR;

everything else is a running total of fixed size: masses, entropies, offset profiles,
TV/Spearman/top-1 sums, and the ``(L·H, L·H)`` pairwise head-distance sums per view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from bertstory.findings.divergence import (
    js_divergence,
    normalised_entropy,
    pairwise_js_sum,
    spearman_from_ranks,
    standardised_ranks,
    top1_agreement,
    total_variation,
)
from bertstory.findings.patterns import offset_sums, token_class_mass_sums
from bertstory.findings.rollout import attention_rollout, head_average
from bertstory.findings.tokens import TOKEN_CLASSES, class_masks
from bertstory.results import RunFolder
from bertstory.views import VIEWS

#: Compared pairs of views, in table order (``js_attention_local`` …).
PAIRS: tuple[tuple[str, str], ...] = (("attention", "local"), ("attention", "global"), ("local", "global"))
#: Views whose heads are clustered.
CLUSTER_VIEWS: tuple[str, ...] = ("attention", "global")
#: What is compared with token contribution per layer: rollout Rˡ and raw head-averaged Āˡ.
ROLLOUT_METHODS: tuple[str, ...] = ("rollout", "attention")


@dataclass
class Sums:
    """Everything the tables are made from, after one pass over the maps."""

    num_layers: int
    num_heads: int
    max_offset: int
    input_ids: list[str]
    input_rows: np.ndarray            # (N,) query rows (= tokens) per input
    class_sums: np.ndarray            # (V, L, H, 5) Σ_rows mass on cls/sep/punct/period/comma
    offset_sums: np.ndarray           # (V, O, L, H) Σ_rows P[j, j+k]
    offset_counts: np.ndarray         # (O,) rows where j+k exists
    entropy_sums: np.ndarray          # (V, L, H) Σ_rows normalised entropy
    js_inputs: np.ndarray             # (N, P, L, H) per-input Σ_rows JS
    tv_sums: np.ndarray               # (P, L, H)
    top1_sums: np.ndarray             # (P, L, H)
    spearman_sums: np.ndarray         # (P, L, H) over rows where Spearman is defined
    spearman_counts: np.ndarray       # (P, L, H)
    head_js_sums: np.ndarray          # (CV, K, K) Σ_rows JS between heads
    own_share: np.ndarray             # (L, total rows) C_jj, float32
    own_top1: np.ndarray              # (L,) outputs whose largest contributor is themselves
    rollout_js_inputs: np.ndarray     # (N, M, L) per-input Σ_rows JS vs contribution
    rollout_tv: np.ndarray            # (M, L)
    rollout_top1: np.ndarray          # (M, L)
    rollout_spearman: np.ndarray      # (M, L)
    rollout_spearman_counts: np.ndarray  # (M, L)
    _own_parts: list = field(default_factory=list, repr=False)

    @property
    def n_inputs(self) -> int:
        return len(self.input_ids)

    @property
    def n_rows(self) -> int:
        return int(self.input_rows.sum())


def _empty(n_inputs: int, num_layers: int, num_heads: int, max_offset: int) -> Sums:
    shape = (num_layers, num_heads)
    v, p, m, o = len(VIEWS), len(PAIRS), len(ROLLOUT_METHODS), 2 * max_offset + 1
    k = num_layers * num_heads
    return Sums(
        num_layers=num_layers, num_heads=num_heads, max_offset=max_offset,
        input_ids=[], input_rows=np.zeros(n_inputs, dtype=np.int64),
        class_sums=np.zeros((v, *shape, len(TOKEN_CLASSES))),
        offset_sums=np.zeros((v, o, *shape)), offset_counts=np.zeros(o, dtype=np.int64),
        entropy_sums=np.zeros((v, *shape)),
        js_inputs=np.zeros((n_inputs, p, *shape)),
        tv_sums=np.zeros((p, *shape)), top1_sums=np.zeros((p, *shape)),
        spearman_sums=np.zeros((p, *shape)), spearman_counts=np.zeros((p, *shape), dtype=np.int64),
        head_js_sums=np.zeros((len(CLUSTER_VIEWS), k, k)),
        own_share=np.zeros((num_layers, 0), dtype=np.float32), own_top1=np.zeros(num_layers),
        rollout_js_inputs=np.zeros((n_inputs, m, num_layers)),
        rollout_tv=np.zeros((m, num_layers)), rollout_top1=np.zeros((m, num_layers)),
        rollout_spearman=np.zeros((m, num_layers)),
        rollout_spearman_counts=np.zeros((m, num_layers), dtype=np.int64),
    )


def _add_input(acc: Sums, index: int, maps: Mapping[str, np.ndarray], masks: np.ndarray) -> None:
    """Fold one input's row-normalised maps into the running sums."""
    n = masks.shape[0]
    acc.input_rows[index] = n
    ranks = {}
    for vi, view in enumerate(VIEWS):
        p = maps[view]
        acc.class_sums[vi] += token_class_mass_sums(p, masks)
        sums, counts = offset_sums(p, acc.max_offset)
        acc.offset_sums[vi] += sums
        acc.entropy_sums[vi] += normalised_entropy(p).sum(axis=-1)
        ranks[view] = standardised_ranks(p)
    acc.offset_counts += counts
    for pi, (a, b) in enumerate(PAIRS):
        p, q = maps[a], maps[b]
        acc.js_inputs[index, pi] = js_divergence(p, q).sum(axis=-1)
        acc.tv_sums[pi] += total_variation(p, q).sum(axis=-1)
        acc.top1_sums[pi] += top1_agreement(p, q).sum(axis=-1)
        rho = spearman_from_ranks(ranks[a], ranks[b])
        acc.spearman_sums[pi] += np.nansum(rho, axis=-1)
        acc.spearman_counts[pi] += np.isfinite(rho).sum(axis=-1)
    k = acc.num_layers * acc.num_heads
    for ci, view in enumerate(CLUSTER_VIEWS):
        acc.head_js_sums[ci] += pairwise_js_sum(maps[view].reshape(k, n, n))

    contribution = maps["contribution"]
    acc._own_parts.append(np.diagonal(contribution, axis1=-2, axis2=-1).astype(np.float32))
    acc.own_top1 += (np.argmax(contribution, axis=-1) == np.arange(n)).sum(axis=-1)
    z_contribution = standardised_ranks(contribution)
    estimates = {"rollout": attention_rollout(maps["attention"]), "attention": head_average(maps["attention"])}
    for mi, method in enumerate(ROLLOUT_METHODS):
        r = estimates[method]
        acc.rollout_js_inputs[index, mi] = js_divergence(r, contribution).sum(axis=-1)
        acc.rollout_tv[mi] += total_variation(r, contribution).sum(axis=-1)
        acc.rollout_top1[mi] += top1_agreement(r, contribution).sum(axis=-1)
        rho = spearman_from_ranks(standardised_ranks(r), z_contribution)
        acc.rollout_spearman[mi] += np.nansum(rho, axis=-1)
        acc.rollout_spearman_counts[mi] += np.isfinite(rho).sum(axis=-1)


def accumulate(
    inputs: Iterable[tuple[str, Mapping[str, np.ndarray]]],
    n_inputs: int, num_layers: int, num_heads: int, cls: str, sep: str, max_offset: int,
) -> Sums:
    """Fold ``(id, maps)`` pairs one at a time into :class:`Sums`.

    ``maps`` holds row-normalised float64 ``attention``/``local``/``global`` ``(L, H, n, n)``,
    ``contribution`` ``(L, n, n)`` and the ``tokens`` list (as :func:`load_maps` returns).
    ``inputs`` may be a generator: only the current input's maps are held.
    """
    acc = _empty(n_inputs, num_layers, num_heads, max_offset)
    for index, (input_id, maps) in enumerate(inputs):
        masks = class_masks(maps["tokens"], cls, sep)
        _add_input(acc, index, maps, masks)
        acc.input_ids.append(input_id)
    if len(acc.input_ids) != n_inputs:
        raise ValueError(f"expected {n_inputs} inputs, got {len(acc.input_ids)}")
    if acc._own_parts:
        acc.own_share = np.concatenate(acc._own_parts, axis=1)
    acc._own_parts = []
    return acc


def stream_run(folder: RunFolder, ids: list[str], max_offset: int) -> Sums:
    """One pass over the maps of inputs ``ids`` (one input in memory at a time)."""
    record = folder.record
    return accumulate(
        ((input_id, folder.load_maps(input_id, normalise=True)) for input_id in ids),
        len(ids), record.num_layers, record.num_heads, record.special_tokens.cls, record.special_tokens.sep,
        max_offset,
    )
