"""One input's sufficient statistics: all that the findings tables need from its maps
(``docs/results.md#stats``; definitions in ``docs/method.md``).

``analyze`` computes them right after an input's maps and writes them beside the maps as
``stats/<id>.npz`` (:mod:`bertstory.findings.store`); every table is a reduction of them over
inputs (:mod:`bertstory.findings.reduction`), so the tables never need the maps, maps may be
kept for a sample of inputs only, and statistics written by several workers reduce together.

They are sums and counts over the input's query rows, so that pooled means over all rows of
all inputs are ratios of sums; the per-input sums also carry what the medians and bootstrap
intervals over inputs need. ``V`` views (the maps of a head, :func:`bertstory.maps.views`),
``L`` layers, ``H`` heads, ``K = L·H``, ``n`` tokens (= query rows), ``C`` classes
(:data:`~bertstory.findings.enrichment.CLASSES`), ``P`` compared pairs of maps
(:func:`bertstory.maps.view_pairs`), ``M`` rollout methods (:data:`ROLLOUT_METHODS`). A row
counts for a class, a relative offset or the entropy only where that exists among the keys the
row may see (all ``n`` keys, or keys ``i ≤ j`` under a causal mask); the per-row metrics
(:data:`~bertstory.findings.metrics.METRICS`) handle the visible keys themselves
(``docs/method.md#decoders``).

In memory the arrays of all views (pairs) are stacked along a first axis in registry order; in the
file each view's (pair's) array has a name of its own (``class_mass_attention``,
``pair_attention_local_js`` …), so that a map or metric registered since the file was written
makes it stale (it lacks that map's arrays) and it is recomputed from the maps.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bertstory.findings.divergence import normalised_entropy, pairwise_js_sum
from bertstory.findings.enrichment import CLASSES
from bertstory.findings.enrichment import input_statistics as class_statistics
from bertstory.findings.faithfulness import array_shapes as faithfulness_shapes
from bertstory.findings.faithfulness import input_faithfulness, measured
from bertstory.findings.metrics import METRICS, compare_rows
from bertstory.findings.rollout import attention_rollout, head_average
from bertstory.findings.tokens import class_masks
from bertstory.maps import cluster_views, pair_names, view_pairs, views

#: Format number of the statistics files; bumped whenever what they hold changes, so that
#: statistics written by another version are recomputed from the maps. 2: a causal row's
#: Spearman correlations rank its visible keys only; a decoder's ``CLS`` is its first token.
#: 3: one array per registered view and compared pair (``class_mass_{view}``,
#: ``pair_{a}_{b}_{metric}`` …), where format 2 stacked them; the faithfulness sums (``faith_…``).
STATISTICS_FORMAT = 3
#: What is compared with token contribution per layer: rollout Rˡ and raw head-averaged Āˡ.
ROLLOUT_METHODS: tuple[str, ...] = ("rollout", "attention")
#: The map the rollout methods are compared with, and whose own-token share is kept.
MIXING_MAP = "contribution"


@dataclass(frozen=True)
class Comparisons:
    """Σ over rows of every registered metric (:data:`~bertstory.findings.metrics.METRICS`) for
    one set of compared maps, each array shaped ``S`` (``(P, L, H)`` for the view pairs,
    ``(M, L)`` for rollout).

    Attributes:
        sums: float64 ``S`` per metric — Σ of its per-row values (over the rows where it is defined).
        rows: int64 ``S`` per ``partial`` metric — the rows where it is defined.
    """

    sums: dict[str, np.ndarray]
    rows: dict[str, np.ndarray]

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The file's arrays (:func:`comparison_names`), in registry order."""
        out = {}
        for index, part in enumerate(_parts(prefix)):
            for name in METRICS:
                out[f"{part}_{name}"] = self.sums[name][index] if prefix == "pair" else self.sums[name]
                if name in self.rows:
                    out[f"{part}_{name}_rows"] = self.rows[name][index] if prefix == "pair" else self.rows[name]
        return out

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], prefix: str) -> Comparisons:
        def gather(suffix: str) -> np.ndarray:
            parts = [arrays[f"{part}_{suffix}"] for part in _parts(prefix)]
            return np.stack(parts) if prefix == "pair" else parts[0]

        return cls(sums={name: gather(name) for name in METRICS},
                   rows={name: gather(f"{name}_rows") for name, metric in METRICS.items() if metric.partial})


#: Statistics held as :class:`Comparisons`, by file prefix: the view pairs and rollout.
_COMPARISONS = ("pair", "rollout")
#: Statistics stacked over the views (or clustered views) in memory, one array per view in the file.
_PER_VIEW = {"class_mass": views, "entropy_sum": views, "offset_mass": views, "head_js": cluster_views}


def _parts(prefix: str) -> list[str]:
    """The file's name stems of a :class:`Comparisons`: ``pair_{a}_{b}`` per compared pair, or ``rollout``."""
    return [f"pair_{name}" for name in pair_names()] if prefix == "pair" else [prefix]


def comparison_names(prefix: str) -> list[str]:
    """The file's arrays of the :class:`Comparisons` ``prefix``: per stem, every metric's sums
    ``{stem}_{metric}``, then its rows ``{stem}_{metric}_rows`` where counted."""
    return [name for part in _parts(prefix) for metric in METRICS.values()
            for name in (f"{part}_{metric.name}", *((f"{part}_{metric.name}_rows",) if metric.partial else ()))]


@dataclass(frozen=True)
class InputStatistics:
    """The sufficient statistics of one input of ``n`` tokens (the file's arrays, same names).

    Attributes:
        rows: query rows of the input (= ``n``).
        class_mass: float64 ``(V, L, H, C)`` (file: ``class_mass_{view}`` each ``(L, H, C)``) — Σ over the rows where the class exists of the row's
            mass on it (:class:`~bertstory.findings.enrichment.EnrichmentStatistics` ``mass``).
        class_uniform: float64 ``(C,)`` — the same sum for the row uniform over its visible keys.
        class_rows: int64 ``(C,)`` — rows where the class exists.
        entropy_sum: float64 ``(V, L, H)`` — Σ over rows that see at least two keys of
            ``H(row) / log(keys the row may see)``.
        entropy_rows: rows that see at least two keys.
        offset_mass: float64 ``(V, 2n − 1, L, H)`` — Σ over rows of the row's value at token
            ``j + k``, offsets ``k = −(n − 1) .. n − 1`` (0 where ``j + k`` is not visible).
        offset_rows: int64 ``(2n − 1,)`` — rows where token ``j + k`` exists and is visible.
        pair: :class:`Comparisons` ``(P, L, H)`` of the two maps of each pair (arrays ``pair_{a}_{b}_js`` …).
        head_js: float64 ``(len(cluster_views()), K, K)`` (file: ``head_js_{view}``) — Σ over rows of the JS divergence between
            the rows of every two heads (index ``l·H + h``).
        own_share: float64 ``(L, n)`` — ``Cˡ_jj``, each output's share from its own token.
        own_top1: int64 ``(L,)`` — outputs whose largest contributor is their own token.
        rollout: :class:`Comparisons` ``(M, L)`` of rollout (raw head-averaged attention) with ``Cˡ``
            (arrays ``rollout_js`` …).
        faithfulness: the faithfulness sums and rows by file name (``faith_{view}_{truth}_{metric}`` …,
            :func:`~bertstory.findings.faithfulness.input_faithfulness`); empty when the ablation
            maps are not registered.
    """

    rows: int
    class_mass: np.ndarray
    class_uniform: np.ndarray
    class_rows: np.ndarray
    entropy_sum: np.ndarray
    entropy_rows: int
    offset_mass: np.ndarray
    offset_rows: np.ndarray
    pair: Comparisons
    head_js: np.ndarray
    own_share: np.ndarray
    own_top1: np.ndarray
    rollout: Comparisons
    faithfulness: dict[str, np.ndarray]

    def arrays(self) -> dict[str, np.ndarray]:
        """The statistics by name, as written to ``stats/<id>.npz`` (scalars as 0-d int64)."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in _COMPARISONS:
                out.update(value.arrays(f.name))
            elif f.name == "faithfulness":
                out.update(value)
            elif f.name in _PER_VIEW:
                out.update({f"{f.name}_{view}": part for view, part in zip(_PER_VIEW[f.name](), value)})
            else:
                out[f.name] = np.asarray(value)
        return out

    @staticmethod
    def array_names() -> list[str]:
        """The names of the file's arrays (those of :meth:`arrays`), for the registered maps and metrics."""
        return ["rows", "entropy_rows", *_shapes(1, 1, 1)]

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], num_layers: int, num_heads: int) -> InputStatistics:
        """The statistics of a file's arrays (other arrays, such as ``tokens``, are ignored);
        ``ValueError`` naming the first missing or misshapen array."""
        names = cls.array_names()
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
        fields = {f.name: int(values[f.name]) if f.name in ("rows", "entropy_rows") else
                  Comparisons.from_arrays(values, f.name) if f.name in _COMPARISONS else
                  np.stack([values[f"{f.name}_{view}"] for view in _PER_VIEW[f.name]()]) if f.name in _PER_VIEW else
                  {name: values[name] for name in faithfulness_shapes(1, 1)} if f.name == "faithfulness" else
                  values[f.name]
                  for f in dataclasses.fields(cls)}
        return cls(**fields)


def _shapes(n: int, num_layers: int, num_heads: int) -> dict[str, tuple[int, ...]]:
    """The shape of every array of the file but the scalars, for the registered maps and metrics."""
    m, c = len(ROLLOUT_METHODS), len(CLASSES)
    k = num_layers * num_heads
    head = (num_layers, num_heads)
    per_view = {"class_mass": (*head, c), "entropy_sum": head, "offset_mass": (2 * n - 1, *head), "head_js": (k, k)}
    return {
        **{f"{name}_{view}": shape for name, shape in per_view.items() for view in _PER_VIEW[name]()},
        "class_uniform": (c,), "class_rows": (c,), "offset_rows": (2 * n - 1,),
        **{name: head for name in comparison_names("pair")},
        "own_share": (num_layers, n), "own_top1": (num_layers,),
        **{name: (m, num_layers) for name in comparison_names("rollout")},
        **faithfulness_shapes(num_layers, num_heads),
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

    ``maps`` holds its row-normalised float64 maps by registered name (a head's views
    ``(L, H, n, n)``, ``contribution`` ``(L, n, n)``; rows = queries, columns = keys), as
    :func:`bertstory.results.normalise_map` makes them; ``tokens`` its ``n`` tokens, ``cls`` and
    ``sep`` the model's first and separator tokens (``run.json`` ``special_tokens``);
    ``causal`` whether row ``j`` sees only keys ``i ≤ j`` (a decoder, whose ``CLS`` is then
    its first token and whose maps are zero above the diagonal).
    """
    n = len(tokens)
    head_views = views()
    num_layers, num_heads = maps[head_views[0]].shape[:2]
    stacked = np.stack([maps[view] for view in head_views])
    classes = class_statistics(stacked, class_masks(tokens, cls, sep, first_is_cls=causal), causal)
    entropy = normalised_entropy(stacked, causal)
    offset_mass, offset_rows = offset_sums(stacked, causal)

    pair = Comparisons(*compare_rows([(maps[a], maps[b]) for a, b in view_pairs()], causal))
    k = num_layers * num_heads
    head_js = np.stack([pairwise_js_sum(maps[view].reshape(k, n, n)) for view in cluster_views()])

    contribution = maps[MIXING_MAP]
    estimates = {"rollout": attention_rollout(maps["attention"]), "attention": head_average(maps["attention"])}
    rollout = Comparisons(*compare_rows([(estimates[method], contribution) for method in ROLLOUT_METHODS], causal))

    return InputStatistics(
        rows=n,
        class_mass=classes.mass[0], class_uniform=classes.uniform[0], class_rows=classes.rows[0],
        entropy_sum=np.nansum(entropy, axis=-1), entropy_rows=int(np.isfinite(entropy[0, 0, 0]).sum()),
        offset_mass=offset_mass.transpose(1, 0, 2, 3), offset_rows=offset_rows,
        pair=pair,
        head_js=head_js,
        own_share=np.diagonal(contribution, axis1=-2, axis2=-1).copy(),
        own_top1=(np.argmax(contribution, axis=-1) == np.arange(n)).sum(axis=-1).astype(np.int64),
        rollout=rollout,
        faithfulness=input_faithfulness(maps, causal) if measured() else {},
    )
