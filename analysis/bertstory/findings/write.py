"""Write a run's findings tables and summary, or reuse them when nothing they depend on changed.

The tables are reduced from the inputs' statistics files (``stats/<id>.npz``); inputs whose
statistics are missing or stale get them from their saved maps first
(:func:`bertstory.findings.store.refresh_statistics`), so ``findings`` works on a run written
before statistics existed.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from bertstory.errors import BertstoryError
from bertstory.findings.bootstrap_memory import check_bootstrap_memory
from bertstory.findings.config import FindingsConfig
from bertstory.findings.persistence import NO_PATTERN
from bertstory.findings.statistics import STATISTICS_FORMAT, InputStatistics
from bertstory.findings.store import reduce_run, refresh_statistics
from bertstory.findings.tables import build_tables, table_names
from bertstory.maps import persistence_views, run_maps
from bertstory.results import RunFolder

#: Bumped whenever a table's definition or columns change; old tables are then recomputed.
FORMAT_VERSION = 2


def _fingerprint(folder: RunFolder, ids: list[str], config: FindingsConfig) -> str:
    """SHA-256 over the statistics used (names, sizes, modification times), the run's shape,
    special tokens and causality, the findings settings, :data:`FORMAT_VERSION` and the
    statistics' format and arrays (the registered metrics)."""
    record = folder.record
    payload = {
        "format": FORMAT_VERSION,
        "statistics_format": STATISTICS_FORMAT,
        "statistics": InputStatistics.array_names(),
        "shape": [record.num_layers, record.num_heads],
        "special_tokens": [record.special_tokens.cls, record.special_tokens.sep],
        "causal": record.model.causal,
        "config": config.to_dict(),
        "stats": folder.stats_stamps(ids),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _cached_tables(folder: RunFolder, key: str) -> dict[str, pd.DataFrame] | None:
    """The tables written for fingerprint ``key``, or ``None`` when they must be recomputed."""
    summary = folder.read_summary()
    if not summary or summary.get("fingerprint") != key:
        return None
    if not all(len(folder.table_files(name)) == 2 for name in table_names()):
        return None
    try:
        return {name: folder.table(name) for name in table_names()}
    except BertstoryError:
        return None  # unreadable: recompute


def _headline(tables: dict[str, pd.DataFrame]) -> dict:
    layers, rollout = tables["layers"], tables["rollout"]

    def per_layer(frame: pd.DataFrame, column: str) -> list[float]:
        return [round(float(v), 6) for v in frame[column]]

    return {
        "js_attention_local_median": per_layer(layers, "js_attention_local_median"),
        "js_attention_global_median": per_layer(layers, "js_attention_global_median"),
        "own_share_median": per_layer(layers, "own_share_median"),
        "own_top1_fraction": per_layer(layers, "own_top1_fraction"),
        "js_rollout": per_layer(rollout, "js_rollout"),
        "js_attention_mean": per_layer(rollout, "js_attention"),
        "persists_label_fraction": float(tables["heads"]["persists_label"].mean()),
        "heads_with_pattern": int((tables["heads"]["pattern"] != NO_PATTERN).sum()),
        **{f"persists_{kind}{view}": int(tables["heads"][f"persists_{kind}{view}"].sum())
           for view in persistence_views() for kind in ("", "specific_")},
    }


def write_findings(run: RunFolder | Path | str, config: FindingsConfig | None = None, *,
                   force: bool = False) -> dict[str, pd.DataFrame]:
    """Compute the findings of a run folder and write ``tables/<name>.csv`` and ``.parquet``
    and the summary ``tables/findings.json``.

    First writes the statistics of every input that has maps but no current statistics, then
    reduces the statistics (one input in memory at a time) and returns the tables by name
    (:func:`~bertstory.findings.tables.table_names`). Idempotent: when the summary records the
    same fingerprint — the statistics files' names, sizes and modification times, the run's
    shape, special tokens and causality, the settings and the formats — the tables are read
    back instead of recomputed (unless ``force``). ``config=None`` uses the defaults of
    :class:`FindingsConfig` (seed from ``run.json``).

    Raises :class:`~bertstory.errors.BertstoryError` when ``run`` is not a run folder, has
    neither maps nor statistics, or a file it needs is unreadable.
    """
    folder = run if isinstance(run, RunFolder) else RunFolder.open(run)
    with run_maps(folder.record.settings.faithfulness):
        return _write_findings(folder, config, force)


def _write_findings(folder: RunFolder, config: FindingsConfig | None, force: bool) -> dict[str, pd.DataFrame]:
    """:func:`write_findings` among the maps the run has (:func:`bertstory.maps.run_maps`)."""
    record = folder.record
    ids, skipped = folder.analysed_ids()
    resolved = (config or FindingsConfig()).resolved(record.settings.seed)
    check_bootstrap_memory(resolved.bootstrap_samples, len(ids), record.num_layers, record.num_heads)
    refresh_statistics(folder, ids)
    key = _fingerprint(folder, ids, resolved)
    cached = None if force else _cached_tables(folder, key)
    if cached is not None:
        return cached

    started = time.perf_counter()
    sums = reduce_run(folder, ids, resolved.max_offset)
    tables, extra = build_tables(sums, resolved)
    seconds = time.perf_counter() - started

    folder.clear_summary()  # invalid until every table is written
    for name, frame in tables.items():
        folder.write_table(name, frame)
    folder.write_summary({
        "fingerprint": key,
        "format_version": FORMAT_VERSION,
        "written": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(seconds, 3),
        "config": resolved.to_dict(),
        "estimator": record.settings.estimator,
        "probes": record.settings.probes,
        "n_inputs": sums.n_inputs,
        "n_queries": sums.n_rows,
        "skipped_inputs": list(skipped),
        "tables": list(tables),
        "mds_stress": {k: float(v) for k, v in extra["mds_stress"].items()},
        "headline": _headline(tables),
        "versions": {"numpy": np.__version__, "pandas": pd.__version__},
    })
    return tables
