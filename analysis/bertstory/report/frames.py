"""The findings tables (``docs/results.md``) reshaped into the frames figures and pages draw from.

The column names of the findings tables are made by :mod:`bertstory.findings.schema`; the frames
here rename them to what the figures and pages read.
Layers and heads are 1-based, as in the tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from bertstory.findings import schema
from bertstory.findings.patterns import LABELS, label_column
from bertstory.findings.persistence import NO_PATTERN, PATTERN_CLASSES
from bertstory.findings.statistics import ROLLOUT_METHODS
from bertstory.findings.metrics import METRICS
from bertstory.report.naming import head_name, label_order
from bertstory.maps import views


LAYER_JS_MEDIANS: dict[str, str] = {
    view: schema.over_heads(schema.metric("js", schema.pair_name("attention", view)), "median")
    for view in ("local", "global")
}
"""The ``layers`` columns of the median over a layer's heads of the mean JS of attention against
local and against global attribution (``js_attention_local_median``, ``js_attention_global_median``)."""


def layer_summary(layers: pd.DataFrame) -> pd.DataFrame:
    """Per layer: median over its heads of the mean JS of attention vs local and vs global
    attribution, and the fraction of heads whose attention label is unchanged under global
    attribution (the label rule)."""
    columns = ["layer", *LAYER_JS_MEDIANS.values(), schema.PERSISTS_LABEL_FRACTION]
    return layers[columns].sort_values("layer").reset_index(drop=True)


def mixing(layers: pd.DataFrame) -> pd.DataFrame:
    """Per layer: :data:`~bertstory.findings.schema.MIXING_COLUMNS`: ``own_share_median``,
    ``own_share_q25``, ``own_share_q75`` (own-token share C_jj over all outputs) and
    ``own_top1_fraction`` (outputs whose largest contributor is their own token)."""
    return layers[["layer", *schema.MIXING_COLUMNS]].sort_values("layer").reset_index(drop=True)


def rollout(table: pd.DataFrame) -> pd.DataFrame:
    """Long table ``layer, method`` and one column per metric (``js``, ``tv``, ``spearman``, ``top1``,
    :data:`~bertstory.findings.metrics.METRICS`): agreement with token contribution
    of attention ``rollout`` and of raw head-averaged ``attention`` per layer."""
    parts = [
        table[["layer", *(schema.metric(m, method) for m in METRICS)]]
        .rename(columns={schema.metric(m, method): m for m in METRICS})
        .assign(method=method)
        for method in ROLLOUT_METHODS
    ]
    return pd.concat(parts, ignore_index=True)[["layer", "method", *METRICS]]


def positions(table: pd.DataFrame) -> pd.DataFrame:
    """Long table ``layer, head, view, offset, mass``: mean mass at relative offset i − j."""
    return table[["layer", "head", "view", "offset", "mass"]]


def embedding(table: pd.DataFrame) -> pd.DataFrame:
    """Long table ``layer, head, view, x, y``: 2-D MDS coordinates of each head per view."""
    return table[["layer", "head", "view", "x", "y"]]


def _scope(table: pd.DataFrame, layer: int | None) -> pd.DataFrame:
    if layer is None:
        return table[table["scope"] == "all"]
    return table[(table["scope"] == "layer") & (table["layer"] == layer)]


def transitions(table: pd.DataFrame, layer: int | None = None, labels: Sequence[str] = LABELS) -> pd.DataFrame:
    """Heads by attention label (rows) and global-attribution label (columns), all ``labels`` (the
    run's: :attr:`~bertstory.report.naming.ClassNames.labels`, no ``next`` in a decoder) in display
    order, from the ``transitions`` table (every head, or one layer's)."""
    part = _scope(table, layer)
    held = part[part["count"] > 0]
    attention, glob = schema.label("attention"), schema.label("global")
    order = label_order(list(labels) + list(held[attention]) + list(held[glob]))
    grid = part.pivot_table(index=attention, columns=glob, values="count", aggfunc="sum")
    return grid.reindex(index=order, columns=order).fillna(0).astype(int)


def label_kept_by_class(table: pd.DataFrame, labels: Sequence[str] = LABELS) -> pd.DataFrame:
    """Per attention label held by at least one head: ``heads`` with it and ``persist``,
    how many keep it under global attribution (the diagonal of :func:`transitions`; the label
    rule, ``persists_label``)."""
    grid = transitions(table, labels=labels)
    out = pd.DataFrame({"heads": grid.sum(axis=1), "persist": pd.Series(np.diag(grid), index=grid.index)})
    return out[out["heads"] > 0]


def label_counts(heads: pd.DataFrame) -> pd.DataFrame:
    """Heads per label (rows, display order) and view (columns)."""
    order = label_order(pd.concat([heads[schema.label(v)] for v in views()]))
    counts = {v: heads[schema.label(v)].value_counts() for v in views()}
    return pd.DataFrame(counts).reindex(order).fillna(0).astype(int)


def nearest_heads(distances: pd.DataFrame, count: int) -> dict[tuple[int, int], dict[str, list[tuple[str, float]]]]:
    """Per head (layer, head) and view: the ``count`` other heads at the smallest JS distance
    (Clark et al. 2019) in the ``head_distances`` table, as (name, distance in bits)."""
    others = distances[(distances["layer_a"] != distances["layer_b"]) | (distances["head_a"] != distances["head_b"])]
    others = others.sort_values(["view", "layer_a", "head_a", "js", "layer_b", "head_b"], kind="stable")
    out: dict[tuple[int, int], dict[str, list[tuple[str, float]]]] = {}
    for (view, layer, head), part in others.groupby(["view", "layer_a", "head_a"], sort=False):
        out.setdefault((int(layer), int(head)), {})[str(view)] = [
            (head_name(int(r.layer_b), int(r.head_b)), float(r.js)) for r in part.head(count).itertuples()
        ]
    return out


def persistence_by_class(table: pd.DataFrame, view: str) -> pd.DataFrame:
    """Per pattern class (index, :data:`~bertstory.findings.persistence.PATTERN_CLASSES` order),
    summed over layers from the ``persistence`` table for ``view``: ``heads`` with the pattern,
    ``persist`` and ``specific`` (how many of them persist, and persist specifically)."""
    part = table[table["view"] == view]
    sums = part.groupby("class", sort=False)[["n_heads_with_pattern", "n_persist", "n_persist_specific"]].sum()
    sums.columns = ["heads", "persist", "specific"]
    return sums.reindex(list(PATTERN_CLASSES)).fillna(0).astype(int)


def patterned_heads(heads: pd.DataFrame, view: str) -> pd.DataFrame:
    """The heads that have a pattern, in head order: ``layer``, ``head``, ``pattern``, and for
    ``view`` the enrichment ``E``, ``E_lo``, ``E_hi`` and specificity ``S``, ``S_lo``, ``S_hi`` of
    the head's pattern class, ``persists`` and ``specific``."""
    part = heads[heads[schema.PATTERN] != NO_PATTERN].sort_values(["layer", "head"])
    rows = []
    for row in part.itertuples(index=False):
        row = row._asdict()
        c = label_column(row[schema.PATTERN])
        rows.append({
            "layer": int(row["layer"]), "head": int(row["head"]), "pattern": row[schema.PATTERN],
            **{key + suffix: float(row[schema.evidence(kind, c, view, bound)])
               for key, kind in (("E", schema.ENRICHMENT), ("S", schema.SPECIFICITY))
               for suffix, bound in (("", None), ("_lo", "lo"), ("_hi", "hi"))},
            "persists": bool(row[schema.persists(view)]), "specific": bool(row[schema.persists_specific(view)]),
        })
    columns = ["layer", "head", "pattern", "E", "E_lo", "E_hi", "S", "S_lo", "S_hi", "persists", "specific"]
    return pd.DataFrame(rows, columns=columns)


def enrichment_scatter(heads: pd.DataFrame, name: str, view: str) -> pd.DataFrame:
    """Every head's enrichment on class ``name`` (a pattern class, e.g. ``prev``) under
    attention (``x``) and under ``view`` (``y``, with ``y_lo``, ``y_hi``), its ``layer`` and
    whether ``name`` is its pattern (``has_pattern``)."""
    c = label_column(name)
    return pd.DataFrame({
        "layer": heads["layer"].astype(int), "head": heads["head"].astype(int),
        "x": heads[schema.evidence(schema.ENRICHMENT, c, "attention")],
        "y": heads[schema.evidence(schema.ENRICHMENT, c, view)],
        "y_lo": heads[schema.evidence(schema.ENRICHMENT, c, view, "lo")],
        "y_hi": heads[schema.evidence(schema.ENRICHMENT, c, view, "hi")],
        "has_pattern": heads[schema.PATTERN] == name,
    }).reset_index(drop=True)


def spearman_curves(table: pd.DataFrame, view: str) -> pd.DataFrame:
    """Long table ``layer, class, rho, lo, hi`` from the ``persistence`` table: per layer and
    pattern class, the Spearman correlation across the layer's heads of attention mass with
    ``view`` mass, and its bootstrap 95% interval."""
    part = table[table["view"] == view]
    part = part.assign(order=part["class"].map(PATTERN_CLASSES.index)).sort_values(["order", "layer"])
    return (part[["layer", "class", "spearman_mass", "spearman_lo", "spearman_hi"]]
            .rename(columns={"spearman_mass": "rho", "spearman_lo": "lo", "spearman_hi": "hi"})
            .reset_index(drop=True))
