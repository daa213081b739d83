"""One input's sufficient statistics: all that the findings tables need from its maps
(``docs/results.md#stats``; definitions in ``docs/method.md``).

``analyze`` computes them right after an input's maps and writes them beside the maps as
``stats/<id>.npz`` (:mod:`bertstory.findings.store`); every table is a reduction of them over
inputs (:mod:`bertstory.findings.reduction`), so the tables never need the maps, maps may be
kept for a sample of inputs only, and statistics written by several workers reduce together.

They are sums and counts over the input's query rows, so that pooled means over all rows of
all inputs are ratios of sums; the per-input sums also carry what the medians and bootstrap
intervals over inputs need. ``V`` views (:data:`~bertstory.views.VIEWS`), ``L`` layers,
``H`` heads, ``K = L·H``, ``n`` tokens (= query rows), ``C`` classes
(:data:`~bertstory.findings.enrichment.CLASSES`), ``P`` view pairs (:data:`PAIRS`), ``M``
rollout methods (:data:`ROLLOUT_METHODS`). A row counts for a class, a relative offset or
the entropy only where that exists among the keys the row may see (all ``n`` keys, or keys
``i ≤ j`` under a causal mask); under a causal mask Spearman correlations rank those keys only,
and the other per-row metrics see zeros on the rest (``docs/method.md#decoders``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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
from bertstory.findings.enrichment import CLASSES
from bertstory.findings.enrichment import input_statistics as class_statistics
from bertstory.findings.rollout import attention_rollout, head_average
from bertstory.findings.tokens import class_masks
from bertstory.views import VIEWS

#: Format number of the statistics files; bumped whenever what they hold changes, so that
#: statistics written by another version are recomputed from the maps. 2: a causal row's
#: Spearman correlations rank its visible keys only; a decoder's ``CLS`` is its first token.
STATISTICS_FORMAT = 2
#: Compared pairs of views, in table order (``js_attention_local`` …).
PAIRS: tuple[tuple[str, str], ...] = (("attention", "local"), ("attention", "global"), ("local", "global"))
#: Views whose heads are clustered.
CLUSTER_VIEWS: tuple[str, ...] = ("attention", "global")
#: What is compared with token contribution per layer: rollout Rˡ and raw head-averaged Āˡ.
ROLLOUT_METHODS: tuple[str, ...] = ("rollout", "attention")


@dataclass(frozen=True)
class InputStatistics:
    """The sufficient statistics of one input of ``n`` tokens (the file's arrays, same names).

    Attributes:
        rows: query rows of the input (= ``n``).
        class_mass: float64 ``(V, L, H, C)`` — Σ over the rows where the class exists of the row's
            mass on it (:class:`~bertstory.findings.enrichment.EnrichmentStatistics` ``mass``).
        class_uniform: float64 ``(C,)`` — the same sum for the row uniform over its visible keys.
        class_rows: int64 ``(C,)`` — rows where the class exists.
        entropy_sum: float64 ``(V, L, H)`` — Σ over rows that see at least two keys of
            ``H(row) / log(keys the row may see)``.
        entropy_rows: rows that see at least two keys.
        offset_mass: float64 ``(V, 2n − 1, L, H)`` — Σ over rows of the row's value at token
            ``j + k``, offsets ``k = −(n − 1) .. n − 1`` (0 where ``j + k`` is not visible).
        offset_rows: int64 ``(2n − 1,)`` — rows where token ``j + k`` exists and is visible.
        pair_js, pair_tv, pair_top1: float64 ``(P, L, H)`` — Σ over rows of the JS divergence
            (bits), total variation and top-1 agreement of the two views of each pair.
        pair_spearman: float64 ``(P, L, H)`` — Σ of the per-row Spearman correlations over the
            rows where it is defined; pair_spearman_rows: int64 ``(P, L, H)`` those rows.
        head_js: float64 ``(len(CLUSTER_VIEWS), K, K)`` — Σ over rows of the JS divergence between
            the rows of every two heads (index ``l·H + h``).
        own_share: float64 ``(L, n)`` — ``Cˡ_jj``, each output's share from its own token.
        own_top1: int64 ``(L,)`` — outputs whose largest contributor is their own token.
        rollout_js, rollout_tv, rollout_top1: float64 ``(M, L)`` — Σ over rows of the JS, total
            variation and top-1 agreement of rollout (raw head-averaged attention) with ``Cˡ``.
        rollout_spearman: float64 ``(M, L)`` — Σ of the defined per-row Spearman correlations;
            rollout_spearman_rows: int64 ``(M, L)`` those rows.
    """

    rows: int
    class_mass: np.ndarray
    class_uniform: np.ndarray
    class_rows: np.ndarray
    entropy_sum: np.ndarray
    entropy_rows: int
    offset_mass: np.ndarray
    offset_rows: np.ndarray
    pair_js: np.ndarray
    pair_tv: np.ndarray
    pair_top1: np.ndarray
    pair_spearman: np.ndarray
    pair_spearman_rows: np.ndarray
    head_js: np.ndarray
    own_share: np.ndarray
    own_top1: np.ndarray
    rollout_js: np.ndarray
    rollout_tv: np.ndarray
    rollout_top1: np.ndarray
    rollout_spearman: np.ndarray
    rollout_spearman_rows: np.ndarray

    def arrays(self) -> dict[str, np.ndarray]:
        """The statistics by name, as written to ``stats/<id>.npz`` (scalars as 0-d int64)."""
        return {f.name: np.asarray(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], num_layers: int, num_heads: int) -> InputStatistics:
        """The statistics of a file's arrays (other arrays, such as ``tokens``, are ignored);
        ``ValueError`` naming the first missing or misshapen array."""
        names = [f.name for f in dataclasses.fields(cls)]
        missing = [name for name in names if name not in arrays]
        if missing:
            raise ValueError(f"lacks array {missing[0]!r}")
        values = {name: np.asarray(arrays[name]) for name in names}
        for name in ("rows", "entropy_rows"):
            if values[name].shape != ():
                raise ValueError(f"{name} has shape {values[name].shape}, expected a scalar")
        n = int(values["rows"])
        if n < 1:
            raise ValueError(f"rows is {n}, an input has at least one token")
        shapes = _shapes(n, num_layers, num_heads)
        for name, shape in shapes.items():
            if values[name].shape != shape:
                raise ValueError(f"{name} has shape {values[name].shape}, expected {shape} "
                                 f"(L={num_layers}, H={num_heads}, n={n})")
        return cls(**{name: int(values[name]) if name in ("rows", "entropy_rows") else values[name]
                      for name in names})


def _shapes(n: int, num_layers: int, num_heads: int) -> dict[str, tuple[int, ...]]:
    """The shape of every array of :class:`InputStatistics` but the scalars."""
    v, p, m, c = len(VIEWS), len(PAIRS), len(ROLLOUT_METHODS), len(CLASSES)
    k = num_layers * num_heads
    head = (num_layers, num_heads)
    return {
        "class_mass": (v, *head, c), "class_uniform": (c,), "class_rows": (c,),
        "entropy_sum": (v, *head),
        "offset_mass": (v, 2 * n - 1, *head), "offset_rows": (2 * n - 1,),
        **{name: (p, *head) for name in ("pair_js", "pair_tv", "pair_top1", "pair_spearman", "pair_spearman_rows")},
        "head_js": (len(CLUSTER_VIEWS), k, k),
        "own_share": (num_layers, n), "own_top1": (num_layers,),
        **{name: (m, num_layers) for name in ("rollout_js", "rollout_tv", "rollout_top1", "rollout_spearman",
                                               "rollout_spearman_rows")},
    }


def offset_sums(p: np.ndarray, causal: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(sums (2n − 1, ...), rows (2n − 1,))``: Σ_j ``p[..., j, j + k]`` and the rows where
    ``j + k`` exists and is visible, ``k = −(n − 1) .. n − 1``."""
    n = p.shape[-1]
    offsets = range(-(n - 1), n)
    visible = [not (causal and k > 0) for k in offsets]
    sums = np.stack([
        np.diagonal(p, offset=k, axis1=-2, axis2=-1).sum(axis=-1) if seen else np.zeros(p.shape[:-2])
        for k, seen in zip(offsets, visible)
    ])
    rows = np.array([n - abs(k) if seen else 0 for k, seen in zip(offsets, visible)], dtype=np.int64)
    return sums, rows


def compute_statistics(maps: Mapping[str, np.ndarray], tokens: Sequence[str], cls: str | None, sep: str | None,
                       causal: bool) -> InputStatistics:
    """The statistics of one input.

    ``maps`` holds its row-normalised float64 maps (``attention``, ``local``, ``global``
    ``(L, H, n, n)``, ``contribution`` ``(L, n, n)``; rows = queries, columns = keys), as
    :func:`bertstory.results.normalise_map` makes them; ``tokens`` its ``n`` tokens, ``cls`` and
    ``sep`` the model's first and separator tokens (``run.json`` ``special_tokens``);
    ``causal`` whether row ``j`` sees only keys ``i ≤ j`` (a decoder, whose ``CLS`` is then
    its first token and whose maps are zero above the diagonal).
    """
    n = len(tokens)
    num_layers, num_heads = maps["attention"].shape[:2]
    stacked = np.stack([maps[view] for view in VIEWS])
    classes = class_statistics(stacked, class_masks(tokens, cls, sep, first_is_cls=causal), causal)
    entropy = normalised_entropy(stacked, causal)
    offset_mass, offset_rows = offset_sums(stacked, causal)

    ranks = {view: standardised_ranks(maps[view], causal) for view in VIEWS}
    pair = {name: np.zeros((len(PAIRS), num_layers, num_heads)) for name in ("js", "tv", "top1", "spearman")}
    spearman_rows = np.zeros((len(PAIRS), num_layers, num_heads), dtype=np.int64)
    for index, (a, b) in enumerate(PAIRS):
        p, q = maps[a], maps[b]
        pair["js"][index] = js_divergence(p, q).sum(axis=-1)
        pair["tv"][index] = total_variation(p, q).sum(axis=-1)
        pair["top1"][index] = top1_agreement(p, q).sum(axis=-1)
        rho = spearman_from_ranks(ranks[a], ranks[b])
        pair["spearman"][index] = np.nansum(rho, axis=-1)
        spearman_rows[index] = np.isfinite(rho).sum(axis=-1)
    k = num_layers * num_heads
    head_js = np.stack([pairwise_js_sum(maps[view].reshape(k, n, n)) for view in CLUSTER_VIEWS])

    contribution = maps["contribution"]
    z_contribution = standardised_ranks(contribution, causal)
    estimates = {"rollout": attention_rollout(maps["attention"]), "attention": head_average(maps["attention"])}
    rollout = {name: np.zeros((len(ROLLOUT_METHODS), num_layers)) for name in ("js", "tv", "top1", "spearman")}
    rollout_rows = np.zeros((len(ROLLOUT_METHODS), num_layers), dtype=np.int64)
    for index, method in enumerate(ROLLOUT_METHODS):
        r = estimates[method]
        rollout["js"][index] = js_divergence(r, contribution).sum(axis=-1)
        rollout["tv"][index] = total_variation(r, contribution).sum(axis=-1)
        rollout["top1"][index] = top1_agreement(r, contribution).sum(axis=-1)
        rho = spearman_from_ranks(standardised_ranks(r, causal), z_contribution)
        rollout["spearman"][index] = np.nansum(rho, axis=-1)
        rollout_rows[index] = np.isfinite(rho).sum(axis=-1)

    return InputStatistics(
        rows=n,
        class_mass=classes.mass[0], class_uniform=classes.uniform[0], class_rows=classes.rows[0],
        entropy_sum=np.nansum(entropy, axis=-1), entropy_rows=int(np.isfinite(entropy[0, 0, 0]).sum()),
        offset_mass=offset_mass.transpose(1, 0, 2, 3), offset_rows=offset_rows,
        pair_js=pair["js"], pair_tv=pair["tv"], pair_top1=pair["top1"], pair_spearman=pair["spearman"],
        pair_spearman_rows=spearman_rows,
        head_js=head_js,
        own_share=np.diagonal(contribution, axis1=-2, axis2=-1).copy(),
        own_top1=(np.argmax(contribution, axis=-1) == np.arange(n)).sum(axis=-1).astype(np.int64),
        rollout_js=rollout["js"], rollout_tv=rollout["tv"], rollout_top1=rollout["top1"],
        rollout_spearman=rollout["spearman"], rollout_spearman_rows=rollout_rows,
    )
