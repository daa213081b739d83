"""The names of a run's tables and of their columns (``docs/results.md#tables``), stated once:
the findings write with them, the estimator check writes its table with them, the report and
the comparison read with them."""

from __future__ import annotations

ESTIMATOR_TABLE = "estimator_error"
"""The table the estimator check writes (:mod:`bertstory.pipeline.estimator_check`)."""
ESTIMATOR_COLUMNS: tuple[str, ...] = (
    "input_id", "n_tokens", "view", "layer", "head", "query", "probes", "tv", "max_abs_error",
)
"""Its columns: layers and heads numbered from 1 (no head for ``contribution``), the query
position from 0 as in the input's tokens."""
