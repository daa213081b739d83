"""Load one results directory (DESIGN §6) with its findings tables."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from bertstory.errors import BertstoryError
from bertstory.findings.run import read_run
from bertstory.findings.tables import TABLE_NAMES

REQUIRED_TABLES: tuple[str, ...] = TABLE_NAMES
"""Tables written by ``bertstory findings``; every report needs them."""
OPTIONAL_TABLES: tuple[str, ...] = ("estimator_error",)
"""Tables that exist only for some runs (``estimator_error``: ``--estimator probes``)."""
FINDINGS_FILE = "findings.json"
"""Written by ``bertstory findings`` after its tables; its absence means they are incomplete."""


@dataclass(frozen=True)
class RunData:
    """A results directory in memory: its ``run.json``, inputs and tables (not the maps)."""

    run_dir: Path
    run: dict
    inputs: pd.DataFrame
    """The inputs the findings tables cover, in analysis order (each has its map)."""
    tables: dict[str, pd.DataFrame]
    findings: dict
    """``tables/findings.json``: the findings ``config`` (label thresholds, bootstrap, …) and more."""
    unanalysed: tuple[str, ...] = ()
    """Inputs listed in ``inputs.jsonl`` but not in the tables: their maps are missing (an
    unfinished run) or were computed after ``bertstory findings`` ran."""

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
        path = self.run_dir / "maps" / f"{input_id}.npz"
        try:
            with np.load(path, allow_pickle=False) as npz:
                return {key: npz[key] for key in ("attention", "local", "global", "contribution")}
        except KeyError as error:
            raise BertstoryError(f"{path} lacks array {error}; rerun `bertstory analyze` to recompute it") from None
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
            raise BertstoryError(f"{path} is unreadable ({_reason(error)}); delete it and rerun `bertstory analyze`") from None


def _reason(error: Exception) -> str:
    """An exception's message on one line."""
    return " ".join(str(error).split()) or type(error).__name__


def _rerun_findings(run_dir: Path) -> str:
    return f"rerun `bertstory findings {run_dir} --force`"


def _read_table(run_dir: Path, name: str) -> pd.DataFrame | None:
    """Table ``name`` from its Parquet file, else its CSV; ``None`` when neither exists."""
    for path, read in ((run_dir / "tables" / f"{name}.parquet", pd.read_parquet),
                       (run_dir / "tables" / f"{name}.csv", pd.read_csv)):
        if path.exists():
            try:
                return read(path)
            except (OSError, ValueError, pa.ArrowException) as error:
                raise BertstoryError(f"{path} is unreadable ({_reason(error)}); {_rerun_findings(run_dir)}") from None
    return None


def _read_json(path: Path, fix: str) -> dict:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BertstoryError(f"{path} is unreadable ({_reason(error)}); {fix}") from None
    if not isinstance(value, dict):
        raise BertstoryError(f"{path} does not hold a JSON object; {fix}")
    return value


def _read_inputs(path: Path) -> pd.DataFrame:
    fix = "rerun `bertstory analyze` with the same settings to rewrite it"
    if not path.is_file():
        raise BertstoryError(f"{path} is missing; {fix}")
    try:
        inputs = pd.read_json(path, lines=True, dtype={"id": str})
    except (OSError, ValueError) as error:
        raise BertstoryError(f"{path} is unreadable ({_reason(error)}); {fix}") from None
    missing = [column for column in ("id", "tokens") if column not in inputs]
    if missing:
        raise BertstoryError(f"{path} lacks {' and '.join(missing)}; {fix}")
    inputs["id"] = inputs["id"].astype(str)
    return inputs


def load_run(run_dir: Path) -> RunData:
    """Read ``run.json``, ``inputs.jsonl`` and ``tables/`` of ``run_dir``.

    An unfinished run is accepted, as ``bertstory findings`` accepts it: the report covers
    the inputs the findings tables cover (those whose maps existed), listed in
    :attr:`RunData.inputs`; the others are in :attr:`RunData.unanalysed`.

    Raises :class:`BertstoryError` naming the file and what to do when the directory is not
    a run, has no maps, a file is unreadable or the findings tables are missing.
    """
    run_dir = Path(run_dir)
    info = read_run(run_dir)  # run.json: readable, with the model's shape; maps: at least one
    run = _read_json(run_dir / "run.json", "rerun `bertstory analyze` to rewrite it")
    listed = _read_inputs(run_dir / "inputs.jsonl")
    tables: dict[str, pd.DataFrame] = {}
    missing = []
    for name in REQUIRED_TABLES + OPTIONAL_TABLES:
        table = _read_table(run_dir, name)
        if table is not None:
            tables[name] = table
        elif name in REQUIRED_TABLES:
            missing.append(name)
    findings_json = run_dir / "tables" / FINDINGS_FILE
    if not missing and not findings_json.is_file():
        missing.append(FINDINGS_FILE)
    if missing:
        raise BertstoryError(
            f"{run_dir}/tables lacks {', '.join(missing)}; run `bertstory findings {run_dir}` first"
        )
    findings = _read_json(findings_json, _rerun_findings(run_dir))
    skipped = {str(i) for i in findings.get("skipped_inputs") or ()}
    covered = listed["id"].isin(set(info.ids) - skipped)
    inputs = listed[covered].reset_index(drop=True)
    if inputs.empty:
        raise BertstoryError(f"no input of {run_dir}/inputs.jsonl is in its findings tables; "
                             f"{_rerun_findings(run_dir)}")
    return RunData(run_dir=run_dir, run=run, inputs=inputs, tables=tables, findings=findings,
                   unanalysed=tuple(listed.loc[~covered, "id"]))
