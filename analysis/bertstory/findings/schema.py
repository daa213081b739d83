"""The names of a run's tables and of their columns (``docs/results.md#tables``), stated once:
the findings write their tables with them (:mod:`bertstory.findings.tables`), the estimator check
writes its table with them, and the report and the comparison read with them.

Column names are made by the functions here from their parts: a view (``attention``, ``local``,
``global``, ``contribution``), a class in column form (``cls``, ``prev``, …:
:data:`~bertstory.findings.patterns.MASS_CLASSES`), a metric (``js``, ``tv``, …:
:data:`~bertstory.findings.metrics.METRICS`) and what it compares (a view pair such as
``attention_global``, or a rollout method).
"""

from __future__ import annotations

TABLE_NAMES: tuple[str, ...] = (
    "heads", "layers", "transitions", "persistence", "rollout", "positions", "head_embedding", "head_distances",
)
"""Names of the findings tables, in the order they are written."""

ESTIMATOR_TABLE = "estimator_error"
"""The table the estimator check writes (:mod:`bertstory.pipeline.estimator_check`)."""
ESTIMATOR_COLUMNS: tuple[str, ...] = (
    "input_id", "n_tokens", "view", "layer", "head", "query", "probes", "tv", "max_abs_error",
)
"""Its columns: layers and heads numbered from 1 (no head for ``contribution``), the query
position from 0 as in the input's tokens."""

INTERVAL_SUFFIXES: tuple[str, ...] = ("median", "lo", "hi")
"""Columns ``{metric}_{compared}_{suffix}`` of a metric with intervals, besides its mean."""
BOUNDS: tuple[str, ...] = ("lo", "hi")
"""Suffixes of the bounds of a 95% interval (enrichment, specificity)."""
ENRICHMENT, SPECIFICITY = "enrichment", "specific"
"""The two kinds of evidence of :func:`evidence` (enrichment E and specificity S)."""
LAYER_STATISTICS: tuple[str, ...] = ("mean", "median")
"""What the ``layers`` table gives of a per-head column over a layer's heads (:func:`over_heads`)."""

PATTERN = "pattern"
"""``heads``: the head's pattern class under attention, or ``NO_PATTERN``."""
PERSISTS_LABEL = "persists_label"
"""``heads``: whether the head's attention label is its global-attribution label."""
PERSISTS_LABEL_FRACTION = f"{PERSISTS_LABEL}_fraction"
"""``layers``: the fraction of the layer's heads whose label persists."""
OWN_TOP1_FRACTION = "own_top1_fraction"
"""``layers``: the fraction of outputs whose largest contributor is their own token."""


def own_share(statistic: str) -> str:
    """``layers``: a statistic (``mean``, ``median``, ``q25``, ``q75``, ``iqr``) of the own-token share of
    token contribution over every output of the layer: ``own_share_median``."""
    return f"own_share_{statistic}"


MIXING_COLUMNS: tuple[str, ...] = (own_share("median"), own_share("q25"), own_share("q75"), OWN_TOP1_FRACTION)
"""The ``layers`` columns of token mixing the report draws."""


def pair_name(a: str, b: str) -> str:
    """What a view pair is called in columns: ``attention_global``."""
    return f"{a}_{b}"


def metric(name: str, compared: str, suffix: str | None = None) -> str:
    """The mean of metric ``name`` over ``compared`` (a view pair or a rollout method):
    ``js_attention_global``; with ``suffix`` (:data:`INTERVAL_SUFFIXES`) its median or a bound:
    ``js_attention_global_lo``."""
    column = f"{name}_{compared}"
    return column if suffix is None else f"{column}_{suffix}"


def mass(cls: str, view: str) -> str:
    """``heads``: a head's mean mass on a class in a view: ``mass_prev_global``."""
    return f"mass_{cls}_{view}"


def entropy(view: str) -> str:
    """``heads``: a head's mean normalised entropy in a view: ``entropy_attention``."""
    return f"entropy_{view}"


def label(view: str) -> str:
    """``heads``: a head's label in a view: ``label_global``."""
    return f"label_{view}"


def evidence(kind: str, cls: str, view: str, bound: str | None = None) -> str:
    """``heads``: a head's enrichment or specificity (``kind``: :data:`ENRICHMENT`,
    :data:`SPECIFICITY`) on a class in a view, or a bound of its interval (:data:`BOUNDS`):
    ``enrichment_prev_global``, ``specific_prev_global_lo``."""
    column = f"{kind}_{cls}_{view}"
    return column if bound is None else f"{column}_{bound}"


def persists(view: str) -> str:
    """``heads``: whether the head's pattern persists into a view: ``persists_global``."""
    return f"persists_{view}"


def persists_specific(view: str) -> str:
    """``heads``: whether the head's pattern persists specifically into a view: ``persists_specific_global``."""
    return f"persists_specific_{view}"


def heads_with_label(label_name: str, view: str) -> str:
    """``layers``: how many of the layer's heads have a label (column form) in a view: ``heads_prev_global``."""
    return f"heads_{label_name}_{view}"


def over_heads(column: str, statistic: str) -> str:
    """``layers``: the mean or median (:data:`LAYER_STATISTICS`) over the layer's heads of a
    per-head ``column``: ``js_attention_global_median``."""
    return f"{column}_{statistic}"
