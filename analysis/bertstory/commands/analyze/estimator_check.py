"""Measure the probe estimator against ``exact`` on a few inputs (DESIGN §2: "measure its
error against exact on a few inputs").

Writes ``tables/estimator_error.{csv,parquet}``: one row per input, view
(``local``, ``global``, ``contribution``) and K in 1, 2, 4, …, up to twice the run's K
(the run's K always included, capped at d): ``mean_tv`` is the mean over rows of the total
variation ``½Σ|p−q|`` between the probe map and the exact map, ``max_abs_error`` the
largest absolute difference of one entry. Exact maps are cached under ``estimator/maps/`` so
an interrupted check resumes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bertstory.engine import compute_maps
from bertstory.engine.embedding import Encoded, model_features
from bertstory.results import RunDirectory, atomic_write_bytes

CHECK_VIEWS = ("local", "global", "contribution")
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


def check_estimator(loaded, run_dir: RunDirectory, inputs: list[tuple[str, Encoded]], args, log) -> pd.DataFrame:
    """Compute the estimator-error table of the run, or reuse it when it already covers
    the same inputs and K values."""
    picked = pick_check_inputs(inputs, args.check_inputs)
    counts = probe_counts(args.probes, loaded.model.config.hidden_size)
    csv_path = run_dir.tables_dir / "estimator_error.csv"
    if csv_path.exists():
        table = pd.read_csv(csv_path, dtype={"input_id": str})
        if set(table.input_id) == {input_id for input_id, _ in picked} and set(table.probes) == set(counts):
            return table
    rows = []
    for input_id, encoded in picked:
        features = model_features(loaded, encoded)
        exact = _cached_exact(loaded, run_dir, input_id, encoded, features, args, log)
        for k in counts:
            estimate = compute_maps(
                loaded.model, features, estimator="probes", probes=k, seed=args.seed, input_id=input_id
            ).as_arrays()
            for view in CHECK_VIEWS:
                mean_tv, max_abs = map_errors(estimate[view], exact[view])
                rows.append({"input_id": input_id, "n_tokens": len(encoded.tokens), "view": view,
                             "probes": k, "mean_tv": mean_tv, "max_abs_error": max_abs})
    table = pd.DataFrame(rows)
    run_dir.tables_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(run_dir.tables_dir / "estimator_error.parquet", table.to_parquet(index=False))
    atomic_write_bytes(csv_path, table.to_csv(index=False).encode())
    return table


def _cached_exact(loaded, run_dir, input_id, encoded, features, args, log) -> dict[str, np.ndarray]:
    """Exact maps of one input, from ``estimator/maps/<id>.npz`` when already computed."""
    exact_dir = RunDirectory(run_dir.path / "estimator")
    num_heads = loaded.architecture.num_heads(loaded.model)
    if exact_dir.has_complete_maps(input_id, encoded.tokens, loaded.num_layers, num_heads):
        with np.load(exact_dir.map_path(input_id)) as archive:
            return {view: archive[view] for view in CHECK_VIEWS}
    if not args.quiet:
        log(f"estimator check: exact maps of input {input_id} ({len(encoded.tokens)} tokens)")
    maps = compute_maps(loaded.model, features, estimator="exact", seed=args.seed, input_id=input_id)
    exact_dir.save_maps(input_id, maps.as_arrays(), encoded.tokens)
    return maps.as_arrays()
