"""Findings: turn a results directory into the tidy tables the story is told with.

Pure numpy/pandas over ``maps/`` (no model needed). Definitions follow DESIGN §3–§5 and
are documented module by module:

* :mod:`~bertstory.findings.tokens` — token classes (``CLS``, ``SEP``, ``punct``, …);
* :mod:`~bertstory.findings.divergence` — JS, TV, Spearman, top-1 per row;
* :mod:`~bertstory.findings.patterns` — masses, normalised entropy, labels;
* :mod:`~bertstory.findings.rollout` — attention rollout;
* :mod:`~bertstory.findings.bootstrap` — medians and 95% intervals over inputs;
* :mod:`~bertstory.findings.clustering` — head distances, MDS, clusters;
* :mod:`~bertstory.findings.stream` — the single pass over ``maps/``;
* :mod:`~bertstory.findings.tables` — the tables, documented in ``docs/results.md``.

Entry point: :func:`write_findings`.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from bertstory.findings.config import FindingsConfig
from bertstory.findings.patterns import LABELS, Label, label_head
from bertstory.findings.run import RunInfo, fingerprint, read_run
from bertstory.findings.stream import stream_run
from bertstory.findings.tables import TABLE_NAMES, build_tables
from bertstory.results import atomic_write_bytes, atomic_write_json

__all__ = [
    "FORMAT_VERSION", "SUMMARY_FILE", "FindingsConfig", "LABELS", "Label", "TABLE_NAMES", "is_up_to_date",
    "label_head", "read_summary", "write_findings",
]

#: Bumped whenever a table's definition or columns change; old tables are then recomputed.
FORMAT_VERSION = 1
SUMMARY_FILE = "findings.json"


def _prepare(run_dir: Path, config: FindingsConfig | None) -> tuple[RunInfo, FindingsConfig, str]:
    run = read_run(Path(run_dir))
    resolved = (config or FindingsConfig()).resolved(run.seed)
    return run, resolved, fingerprint(run, resolved.to_dict(), FORMAT_VERSION)


def read_summary(run_dir: Path) -> dict | None:
    """The run's ``tables/findings.json`` (fingerprint, settings, headline numbers), if any."""
    path = Path(run_dir) / "tables" / SUMMARY_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _cached(run_dir: Path, key: str) -> bool:
    summary = read_summary(run_dir)
    if not summary or summary.get("fingerprint") != key:
        return False
    tables = Path(run_dir) / "tables"
    return all((tables / f"{name}.{ext}").is_file() for name in TABLE_NAMES for ext in ("csv", "parquet"))


def is_up_to_date(run_dir: Path, config: FindingsConfig | None = None) -> bool:
    """True when ``tables/`` already holds the findings of these maps with this config."""
    _, _, key = _prepare(run_dir, config)
    return _cached(Path(run_dir), key)


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
        "persists_fraction": float(tables["heads"]["persists"].mean()),
    }


def write_findings(run_dir: Path, config: FindingsConfig | None = None) -> dict[str, pd.DataFrame]:
    """Compute the findings of a run folder and write ``tables/<name>.csv`` and ``.parquet``.

    Streams over ``maps/`` (one input in memory at a time) and returns the tables by name
    (:data:`~bertstory.findings.tables.TABLE_NAMES`). Idempotent: when
    ``tables/findings.json`` records the same fingerprint — the maps' names, sizes and
    modification times, the run's shape and special tokens, the settings and
    :data:`FORMAT_VERSION` — the tables are read back instead of recomputed; any change
    to the maps or settings recomputes them. ``config=None`` uses the defaults of
    :class:`FindingsConfig` (seed from ``run.json``).

    Raises :class:`~bertstory.errors.BertstoryError` when ``run_dir`` is not a run folder,
    has no maps, or a map is unreadable.
    """
    run_dir = Path(run_dir)
    run, resolved, key = _prepare(run_dir, config)
    tables_dir = run_dir / "tables"
    if _cached(run_dir, key):
        try:
            return {name: pd.read_parquet(tables_dir / f"{name}.parquet") for name in TABLE_NAMES}
        except (OSError, ValueError):
            pass  # unreadable: recompute below

    started = time.perf_counter()
    sums = stream_run(run, resolved.max_offset)
    tables, extra = build_tables(sums, resolved)
    seconds = time.perf_counter() - started

    tables_dir.mkdir(parents=True, exist_ok=True)
    (tables_dir / SUMMARY_FILE).unlink(missing_ok=True)  # invalid until every table is written
    for name, frame in tables.items():
        atomic_write_bytes(tables_dir / f"{name}.csv", frame.to_csv(index=False).encode())
        atomic_write_bytes(tables_dir / f"{name}.parquet", frame.to_parquet(index=False))
    summary = {
        "fingerprint": key,
        "format_version": FORMAT_VERSION,
        "written": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(seconds, 3),
        "config": resolved.to_dict(),
        "estimator": run.estimator,
        "probes": run.probes,
        "n_inputs": sums.n_inputs,
        "n_queries": sums.n_rows,
        "skipped_inputs": list(run.skipped),
        "tables": list(TABLE_NAMES),
        "mds_stress": {k: float(v) for k, v in extra["mds_stress"].items()},
        "headline": _headline(tables),
        "versions": {"numpy": np.__version__, "pandas": pd.__version__},
    }
    atomic_write_json(tables_dir / SUMMARY_FILE, summary)
    return tables
