"""Load one results directory (DESIGN §6) with its findings tables."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bertstory.errors import BertstoryError
from bertstory.findings.tables import TABLE_NAMES

REQUIRED_TABLES: tuple[str, ...] = TABLE_NAMES
"""Tables written by ``bertstory findings``; every report needs them."""
OPTIONAL_TABLES: tuple[str, ...] = ("estimator_error",)
"""Tables that exist only for some runs (``estimator_error``: ``--estimator probes``)."""


@dataclass(frozen=True)
class RunData:
    """A results directory in memory: its ``run.json``, inputs and tables (not the maps)."""

    run_dir: Path
    run: dict
    inputs: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    findings: dict
    """``tables/findings.json``: the findings ``config`` (label thresholds, bootstrap, …) and more."""

    @property
    def num_layers(self) -> int:
        """L, from the heads table."""
        return int(self.tables["heads"]["layer"].max())

    @property
    def num_heads(self) -> int:
        """H, heads per layer, from the heads table."""
        return int(self.tables["heads"]["head"].max())

    @property
    def has_estimator_error(self) -> bool:
        """Whether the run measured the probe estimator against ``exact``."""
        return "estimator_error" in self.tables and len(self.tables["estimator_error"]) > 0

    def table_files(self, name: str) -> list[Path]:
        """The CSV and Parquet files of table ``name`` that exist."""
        return [p for p in (self.run_dir / "tables" / f"{name}.{ext}" for ext in ("csv", "parquet")) if p.exists()]

    def maps(self, input_id: str) -> dict[str, np.ndarray]:
        """The four maps of one input: ``attention``/``local``/``global`` (L, H, n, n), ``contribution`` (L, n, n)."""
        with np.load(self.run_dir / "maps" / f"{input_id}.npz", allow_pickle=False) as npz:
            return {key: npz[key] for key in ("attention", "local", "global", "contribution")}


def _read_table(tables_dir: Path, name: str) -> pd.DataFrame | None:
    parquet, csv = tables_dir / f"{name}.parquet", tables_dir / f"{name}.csv"
    if parquet.exists():
        return pd.read_parquet(parquet)
    if csv.exists():
        return pd.read_csv(csv)
    return None


def load_run(run_dir: Path) -> RunData:
    """Read ``run.json``, ``inputs.jsonl`` and ``tables/`` of ``run_dir``.

    Raises :class:`BertstoryError` with what to do when the directory is not a finished
    run or its tables are missing.
    """
    run_dir = Path(run_dir)
    run_json = run_dir / "run.json"
    if not run_json.is_file():
        raise BertstoryError(f"{run_dir} is not a results directory (no run.json); run `bertstory analyze` first")
    run = json.loads(run_json.read_text(encoding="utf-8"))
    inputs_path = run_dir / "inputs.jsonl"
    has_inputs = inputs_path.is_file() and inputs_path.stat().st_size > 0
    inputs = pd.read_json(inputs_path, lines=True, dtype={"id": str}) if has_inputs else pd.DataFrame()
    if inputs.empty:
        raise BertstoryError(f"{run_dir} has no analysed inputs; run `bertstory analyze` first")
    tables: dict[str, pd.DataFrame] = {}
    missing = []
    for name in REQUIRED_TABLES + OPTIONAL_TABLES:
        table = _read_table(run_dir / "tables", name)
        if table is not None:
            tables[name] = table
        elif name in REQUIRED_TABLES:
            missing.append(name)
    if missing:
        raise BertstoryError(
            f"{run_dir}/tables lacks {', '.join(missing)}; run `bertstory findings {run_dir}` first"
        )
    findings_json = run_dir / "tables" / "findings.json"
    findings = json.loads(findings_json.read_text(encoding="utf-8")) if findings_json.is_file() else {}
    return RunData(run_dir=run_dir, run=run, inputs=inputs, tables=tables, findings=findings)
