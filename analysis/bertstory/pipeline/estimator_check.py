"""Measure the probe estimator against ``exact`` on a few inputs (``docs/method.md#estimators``).

Writes ``tables/estimator_error.{csv,parquet}``: one row per input, view
(``local``, ``global``, ``contribution``) and K in 1, 2, 4, …, up to twice the run's K
(the run's K always included, capped at d): ``mean_tv`` is the mean over rows of the total
variation ``½Σ|p−q|`` between the probe map and the exact map, ``max_abs_error`` the
largest absolute difference of one entry. Exact maps are cached in the run's estimator folder
(:meth:`bertstory.results.RunFolder.estimator_cache`) so an interrupted check resumes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bertstory.errors import BertstoryError
from bertstory.models import Encoded, LoadedModel
from bertstory.pipeline.compute import input_maps
from bertstory.pipeline.settings import AnalyzeSettings
from bertstory.results import RunFolder

ESTIMATOR_TABLE = "estimator_error"
"""The table this check writes (``docs/results.md#tables``)."""
CHECK_VIEWS = ("local", "global", "contribution")
"""The maps an estimator computes (attention is exact by construction)."""
MIN_CHECK_TOKENS = 12
"""Prefer inputs of at least this many tokens: shorter ones make the check too easy."""


def probe_counts(run_probes: int, hidden_size: int) -> list[int]:
    """K values checked: powers of two up to ``2·run_probes``, plus ``run_probes``; at most d."""
    counts = {run_probes}
    k = 1
    while k <= 2 * run_probes:
        counts.add(k)
        k *= 2
    return sorted(c for c in counts if c <= hidden_size)


def pick_check_inputs(inputs: list[tuple[str, Encoded]], count: int) -> list[tuple[str, Encoded]]:
    """The ``count`` shortest inputs of at least :data:`MIN_CHECK_TOKENS` tokens (shortest overall if none)."""
    long_enough = [item for item in inputs if len(item[1].tokens) >= MIN_CHECK_TOKENS] or inputs
    return sorted(long_enough, key=lambda item: (len(item[1].tokens), item[0]))[:count]


def map_errors(estimate: np.ndarray, exact: np.ndarray) -> tuple[float, float]:
    """Mean total variation over rows, and the largest absolute entry difference."""
    difference = np.abs(estimate.astype(np.float64) - exact.astype(np.float64))
    return float(0.5 * difference.sum(-1).mean()), float(difference.max())


def check_estimator(loaded: LoadedModel, folder: RunFolder, inputs: list[tuple[str, Encoded]],
                    settings: AnalyzeSettings, log) -> pd.DataFrame:
    """Compute the estimator-error table of the run, or reuse it when it already covers
    the same inputs and K values."""
    picked = pick_check_inputs(inputs, settings.check_inputs)
    counts = probe_counts(settings.probes, loaded.hidden_size)
    if folder.has_table(ESTIMATOR_TABLE):
        try:
            table = folder.table(ESTIMATOR_TABLE)
        except BertstoryError:
            table = None  # unreadable: computed again below
        if (table is not None and set(table.input_id.astype(str)) == {input_id for input_id, _ in picked}
                and set(table.probes) == set(counts)):
            return table
    rows = []
    for input_id, encoded in picked:
        exact = _cached_exact(loaded, folder, input_id, encoded, settings, log)
        for k in counts:
            estimate = input_maps(loaded, encoded, estimator="probes", probes=k, seed=settings.seed,
                                  input_id=input_id).as_arrays()
            for view in CHECK_VIEWS:
                mean_tv, max_abs = map_errors(estimate[view], exact[view])
                rows.append({"input_id": input_id, "n_tokens": len(encoded.tokens), "view": view,
                             "probes": k, "mean_tv": mean_tv, "max_abs_error": max_abs})
    table = pd.DataFrame(rows)
    folder.write_table(ESTIMATOR_TABLE, table)
    return table


def _cached_exact(loaded: LoadedModel, folder: RunFolder, input_id: str, encoded: Encoded,
                  settings: AnalyzeSettings, log) -> dict[str, np.ndarray]:
    """Exact maps of one input, from the estimator cache when already computed."""
    cache = folder.estimator_cache()
    if cache.has_maps(input_id, encoded.tokens):
        cached = cache.load_maps(input_id)
        return {view: cached[view] for view in CHECK_VIEWS}
    if not settings.quiet:
        log(f"estimator check: exact maps of input {input_id} ({len(encoded.tokens)} tokens)")
    maps = input_maps(loaded, encoded, estimator="exact", probes=settings.probes, seed=settings.seed, input_id=input_id)
    cache.save_maps(input_id, maps.as_arrays(), encoded.tokens)
    return maps.as_arrays()
