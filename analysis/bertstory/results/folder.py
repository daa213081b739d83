"""One run folder ``<out>/<run_id>/`` (``docs/results.md``): the only code that knows its layout.

``analyze`` writes it, ``findings`` reduces its statistics (written by ``analyze`` beside each
map, or by ``findings`` from the maps of an older run) into its tables, the report reads its
tables; all of them go through :class:`RunFolder`. Files are written atomically
(:mod:`bertstory.results.files`), so an interrupted run leaves whole files only, and every
unreadable file is reported as a one-line :class:`~bertstory.errors.BertstoryError` that names
the file and what to do.

Layout::

    run.json             RunRecord (typed, bertstory.results.record)
    inputs.jsonl         one analysed input per line: id, text, text_pair, tokens
    maps/<id>.npz        float32 attention/local/global (L, H, n, n), contribution (L, n, n), tokens
    stats/<id>.npz       the input's sufficient statistics (bertstory.findings.statistics), its tokens and
                         their format number; every table is reduced from these, never from the maps
    tables/<name>.csv    the findings tables, also as <name>.parquet
    tables/findings.json the findings summary; written last, so its absence means tables are incomplete
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa

from bertstory.errors import BertstoryError
from bertstory.results.files import (
    atomic_write_bytes, atomic_write_json, atomic_write_jsonl, npz_bytes, unfinished_write_target,
)
from bertstory.results.record import DiskUse, RunRecord
from bertstory.maps import MAPS, map_names, map_shape, run_maps

_RUN_JSON = "run.json"
_INPUTS = "inputs.jsonl"
_MAPS = "maps"
_STATS = "stats"
_FORMAT = "format"
_TABLES = "tables"
_SUMMARY = "findings.json"
_TABLE_FORMATS = ("parquet", "csv")


def map_shapes(num_layers: int, num_heads: int, n: int) -> dict[str, tuple[int, ...]]:
    """The shape of every registered map of an input of ``n`` tokens, in registry order."""
    return {name: map_shape(name, num_layers, num_heads, n) for name in map_names()}


def _reason(error: BaseException) -> str:
    """An exception's message on one line."""
    return " ".join(str(error).split()) or type(error).__name__


class RunFolder:
    """Reads and writes one run folder; read files are cached until this object rewrites them."""

    def __init__(self, path: Path | str, record: RunRecord | None = None):
        """``record``: the run's record when known."""
        self.path = Path(path)
        self._record = record
        self._inputs: pd.DataFrame | None = None
        self._tables: dict[str, pd.DataFrame] = {}

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    @classmethod
    def open(cls, path: Path | str) -> RunFolder:
        """The run folder at ``path``, or an error saying what ``path`` is instead (naming the
        runs inside a results root)."""
        folder = cls(path)
        if not (folder.path / _RUN_JSON).is_file():
            below = sorted(p.parent.name for p in folder.path.glob(f"*/{_RUN_JSON}")) if folder.path.is_dir() else []
            hint = (f"; it holds runs {', '.join(below[:5])}{' …' if len(below) > 5 else ''}: pass one of them"
                    if below else "; pass a folder written by `bertstory analyze`")
            raise BertstoryError(f"{folder.path} is not a run folder (no {_RUN_JSON}){hint}")
        return folder

    # ---- run.json -------------------------------------------------------------------------

    @property
    def record(self) -> RunRecord:
        """The typed ``run.json``."""
        if self._record is None:
            path = self.path / _RUN_JSON
            try:
                self._record = RunRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError, TypeError) as error:
                raise BertstoryError(
                    f"{path} is unreadable or lacks model.num_layers/num_heads or special_tokens ({_reason(error)}); "
                    "rerun `bertstory analyze` to rewrite it"
                ) from None
        return self._record

    def write_record(self, record: RunRecord) -> None:
        atomic_write_json(self.path / _RUN_JSON, record.to_dict())
        self._record = record

    # ---- inputs.jsonl ---------------------------------------------------------------------

    def write_inputs(self, rows: Iterable[dict[str, Any]]) -> None:
        """One JSON object per input: ``id``, ``text``, ``text_pair``, ``tokens``."""
        atomic_write_jsonl(self.path / _INPUTS, rows)
        self._inputs = None

    @property
    def inputs(self) -> pd.DataFrame:
        """Every listed input in analysis order: ``id`` (str), ``text``, ``text_pair``, ``tokens`` (list)."""
        if self._inputs is None:
            path = self.path / _INPUTS
            fix = "rerun `bertstory analyze` with the same settings to rewrite it"
            if not path.is_file():
                raise BertstoryError(f"{path} is missing; {fix}")
            rows = []
            with path.open(encoding="utf-8") as lines:
                for number, line in enumerate(lines, 1):
                    if not line.strip():
                        continue
                    try:
                        row = json.loads(line)
                        row["id"] = str(row["id"])
                    except (ValueError, KeyError, TypeError):
                        raise BertstoryError(f"{path}:{number} is not a JSON object with an id; {fix}") from None
                    if not isinstance(row.get("tokens"), list):
                        raise BertstoryError(f"{path}:{number} lacks its tokens; {fix}")
                    rows.append(row)
            frame = pd.DataFrame(rows, columns=["id", "text", "text_pair", "tokens"])
            frame["id"] = frame["id"].astype(str)
            self._inputs = frame
        return self._inputs

    # ---- maps/ ----------------------------------------------------------------------------

    def _map_path(self, input_id: str) -> Path:
        return self.path / _MAPS / f"{input_id}.npz"

    def map_ids(self) -> set[str]:
        """Ids of the inputs that have a map file (complete or not)."""
        return {p.stem for p in (self.path / _MAPS).glob("*.npz")}

    def save_maps(self, input_id: str, maps: dict[str, np.ndarray], tokens: list[str]) -> None:
        atomic_write_bytes(self._map_path(input_id), npz_bytes({**maps, "tokens": np.array(tokens)}))

    def _map_shapes(self, n: int) -> dict[str, tuple[int, ...]]:
        """The shape of every map this run has (:func:`bertstory.maps.run_maps`) for ``n`` tokens."""
        with run_maps(self.record.settings.faithfulness):
            return map_shapes(self.record.num_layers, self.record.num_heads, n)

    def has_maps(self, input_id: str, tokens: list[str]) -> bool:
        """True when the input's map file opens, holds ``tokens`` and every map in the run's shape
        (read from the arrays' headers: the maps themselves are not decompressed)."""
        try:
            with np.load(self._map_path(input_id), allow_pickle=False) as archive:
                if list(archive["tokens"]) != list(tokens):
                    return False
                shapes = self._map_shapes(len(tokens))
                return all(_stored_shape(archive, name) == shape for name, shape in shapes.items())
        except (OSError, KeyError, ValueError, zipfile.BadZipFile, EOFError):
            return False

    def delete_maps(self, input_id: str) -> None:
        """Remove the input's map file (its statistics stay): maps kept for a sample only."""
        self._map_path(input_id).unlink(missing_ok=True)

    def load_maps(self, input_id: str, *, normalise: bool = False) -> dict[str, Any]:
        """One input's maps in the run's shapes, plus its ``tokens`` (list of str).

        ``normalise=False`` returns the float32 arrays as written. ``normalise=True`` checks
        that every value is finite and non-negative and every row has mass, and returns the
        rows renormalised in float64 (what the findings compute with).
        """
        path = self._map_path(input_id)
        name = str(path)
        try:
            with np.load(path, allow_pickle=False) as archive:
                arrays = {key: archive[key] for key in (*self._map_shapes(1), "tokens")}
        except KeyError as error:
            raise BertstoryError(f"{name} lacks array {error}; rerun `bertstory analyze` to recompute it") from None
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
            raise BertstoryError(f"{name} is unreadable ({_reason(error)}); delete it and rerun `bertstory analyze`") from None
        tokens = [str(t) for t in arrays.pop("tokens").tolist()]
        record = self.record
        out: dict[str, Any] = {}
        for key, shape in self._map_shapes(len(tokens)).items():
            array = arrays[key]
            if array.shape != shape:
                raise BertstoryError(f"{name}: {key} has shape {array.shape}, expected {shape} "
                                     f"(L={record.num_layers}, H={record.num_heads}, n={len(tokens)} tokens)")
            out[key] = normalise_map(array, f"{name}: {key}", key) if normalise else array
        out["tokens"] = tokens
        return out

    def clear_unfinished_writes(self, input_ids: Iterable[str]) -> list[Path]:
        """Delete the temporary files that a killed process left while writing the map or
        statistics file of an input of ``input_ids``; returns them."""
        ids = set(input_ids)
        removed = []
        for folder in (self.path / _MAPS, self.path / _STATS):
            for path in folder.glob(".*") if folder.is_dir() else ():
                target = unfinished_write_target(path.name)
                if target is not None and target.endswith(".npz") and target[:-len(".npz")] in ids:
                    path.unlink(missing_ok=True)
                    removed.append(path)
        return removed

    def disk_use(self, input_ids: Iterable[str]) -> DiskUse:
        """Bytes of the map and statistics files of inputs ``input_ids`` (files that exist)."""
        ids = list(input_ids)
        maps = sum(_size(self._map_path(i)) for i in ids)
        statistics = sum(_size(self._stats_path(i)) for i in ids)
        return DiskUse(maps=maps, statistics=statistics, total=maps + statistics,
                       per_input=round((maps + statistics) / len(ids)) if ids else 0)

    def analysed_ids(self) -> tuple[list[str], list[str]]:
        """``(ids with maps or statistics, ids with neither)`` in ``inputs.jsonl`` order (an
        interrupted run lacks some); without ``inputs.jsonl``, every such id sorted by name.
        Raises when no input has either."""
        available = self.map_ids() | self.stats_ids()
        if (self.path / _INPUTS).is_file():
            listed = list(self.inputs["id"])
            ids = [i for i in listed if i in available]
            missing = [i for i in listed if i not in available]
        else:
            ids, missing = sorted(available), []
        if not ids:
            raise BertstoryError(f"no maps or statistics in {self.path}; run `bertstory analyze` to compute them")
        return ids, missing

    # ---- stats/ ---------------------------------------------------------------------------

    def _stats_path(self, input_id: str) -> Path:
        return self.path / _STATS / f"{input_id}.npz"

    def stats_ids(self) -> set[str]:
        """Ids of the inputs that have a statistics file (current or not)."""
        return {p.stem for p in (self.path / _STATS).glob("*.npz")}

    def save_stats(self, input_id: str, statistics: dict[str, np.ndarray], tokens: list[str], version: int) -> None:
        """``stats/<id>.npz``: the arrays of ``statistics``, the input's ``tokens`` and ``format``,
        the statistics' format number ``version`` (bytes that depend only on the data)."""
        reserved = {"tokens", _FORMAT} & set(statistics)
        if reserved:
            raise ValueError(f"statistics may not be named {sorted(reserved)}")
        arrays = {**statistics, "tokens": np.array(tokens), _FORMAT: np.array(version, dtype=np.int64)}
        atomic_write_bytes(self._stats_path(input_id), npz_bytes(arrays))

    def has_stats(self, input_id: str, version: int, tokens: list[str] | None = None,
                  names: Iterable[str] = ()) -> bool:
        """True when the input's statistics file loads, has format ``version``, holds ``tokens``
        (when given) and the arrays ``names``, and is not older than the input's map file:
        statistics written before their map was rewritten are stale."""
        path = self._stats_path(input_id)
        try:
            with np.load(path, allow_pickle=False) as archive:
                if int(archive[_FORMAT]) != version or not set(names) <= set(archive.files):
                    return False
                if tokens is not None and list(archive["tokens"]) != list(tokens):
                    return False
            written = path.stat().st_mtime_ns
        except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile, EOFError):
            return False
        try:
            return self._map_path(input_id).stat().st_mtime_ns <= written
        except FileNotFoundError:
            return True  # statistics kept without their map

    def load_stats(self, input_id: str, version: int) -> dict[str, Any]:
        """One input's statistics arrays as written, ``tokens`` as a list of str; an error when
        the file is unreadable or has another format than ``version``."""
        path = self._stats_path(input_id)
        fix = (f"delete it and rerun `bertstory findings {self.path}`, which recomputes it from the input's map "
               "(or `bertstory analyze` when the map is gone too)")
        try:
            with np.load(path, allow_pickle=False) as archive:
                arrays = {key: archive[key] for key in archive.files}
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
            raise BertstoryError(f"{path} is unreadable ({_reason(error)}); {fix}") from None
        found = arrays.pop(_FORMAT, None)
        if found is None or found.shape != () or int(found) != version:
            raise BertstoryError(f"{path} holds statistics of format {None if found is None else found.tolist()}, "
                                 f"this bertstory reads format {version}; {fix}")
        if "tokens" not in arrays:
            raise BertstoryError(f"{path} lacks array 'tokens'; {fix}")
        arrays["tokens"] = [str(t) for t in arrays["tokens"].tolist()]
        return arrays

    def stats_stamps(self, input_ids: Iterable[str]) -> list[list]:
        """``[id, size, modification time in ns]`` of each input's statistics file, in order."""
        out = []
        for input_id in input_ids:
            stat = self._stats_path(input_id).stat()
            out.append([input_id, stat.st_size, stat.st_mtime_ns])
        return out

    # ---- tables/ --------------------------------------------------------------------------

    @property
    def tables_dir(self) -> Path:
        return self.path / _TABLES

    def write_table(self, name: str, frame: pd.DataFrame) -> None:
        """``tables/<name>.csv`` and ``.parquet``."""
        atomic_write_bytes(self.tables_dir / f"{name}.csv", frame.to_csv(index=False).encode())
        atomic_write_bytes(self.tables_dir / f"{name}.parquet", frame.to_parquet(index=False))
        self._tables[name] = frame

    def table_files(self, name: str) -> list[Path]:
        """The CSV and Parquet files of table ``name`` that exist."""
        return [p for p in (self.tables_dir / f"{name}.{ext}" for ext in ("csv", "parquet")) if p.exists()]

    def has_table(self, name: str) -> bool:
        return bool(self.table_files(name))

    def table(self, name: str) -> pd.DataFrame:
        """Table ``name`` from its Parquet file, else its CSV; an error when neither exists or
        the file is unreadable."""
        if name not in self._tables:
            for ext in _TABLE_FORMATS:
                path = self.tables_dir / f"{name}.{ext}"
                if not path.exists():
                    continue
                try:
                    self._tables[name] = pd.read_parquet(path) if ext == "parquet" else pd.read_csv(path)
                except (OSError, ValueError, pa.ArrowException) as error:
                    raise BertstoryError(f"{path} is unreadable ({_reason(error)}); {self._rerun_findings}") from None
                break
            else:
                raise BertstoryError(f"{self.tables_dir} lacks {name}; run `bertstory findings {self.path}` first")
        return self._tables[name]

    def optional_table(self, name: str) -> pd.DataFrame | None:
        """Table ``name``, or ``None`` when the run has no such table or it has no rows."""
        if not self.has_table(name):
            return None
        table = self.table(name)
        return table if len(table) else None

    def require_tables(self, names: Iterable[str]) -> None:
        """Check that every table of ``names`` and the findings summary exist and load."""
        missing = [name for name in names if not self.has_table(name)]
        if not missing and not (self.tables_dir / _SUMMARY).is_file():
            missing.append(_SUMMARY)
        if missing:
            raise BertstoryError(f"{self.tables_dir} lacks {', '.join(missing)}; run `bertstory findings {self.path}` first")
        for name in names:
            self.table(name)
        self.summary()

    @property
    def _rerun_findings(self) -> str:
        return f"rerun `bertstory findings {self.path} --force`"

    # ---- tables/findings.json -------------------------------------------------------------

    def read_summary(self) -> dict | None:
        """The findings summary, ``None`` when absent or unreadable (then the tables are recomputed)."""
        try:
            value = json.loads((self.tables_dir / _SUMMARY).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return value if isinstance(value, dict) else None

    def summary(self) -> dict:
        """The findings summary, or an error saying how to rewrite it."""
        path = self.tables_dir / _SUMMARY
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BertstoryError(f"{self.tables_dir} lacks {_SUMMARY}; run `bertstory findings {self.path}` first") from None
        except (OSError, ValueError) as error:
            raise BertstoryError(f"{path} is unreadable ({_reason(error)}); {self._rerun_findings}") from None
        if not isinstance(value, dict):
            raise BertstoryError(f"{path} does not hold a JSON object; {self._rerun_findings}")
        return value

    def write_summary(self, summary: dict) -> None:
        atomic_write_json(self.tables_dir / _SUMMARY, summary)

    def clear_summary(self) -> None:
        """Remove the summary: the tables count as incomplete until it is written again."""
        (self.tables_dir / _SUMMARY).unlink(missing_ok=True)
        self._tables.clear()

    def summary_stamp(self) -> tuple[int, int] | None:
        """Identity of the summary file's version (inode, modification time), ``None`` when absent."""
        try:
            stat = (self.tables_dir / _SUMMARY).stat()
        except FileNotFoundError:
            return None
        return stat.st_ino, stat.st_mtime_ns

    def analysed_inputs(self) -> tuple[pd.DataFrame, tuple[str, ...]]:
        """The inputs the findings tables cover (those with maps when ``findings`` ran), in
        analysis order, and the ids of the listed inputs they leave out."""
        ids, _ = self.analysed_ids()
        skipped = {str(i) for i in self.summary().get("skipped_inputs") or ()}
        listed = self.inputs
        covered = listed["id"].isin(set(ids) - skipped)
        inputs = listed[covered].reset_index(drop=True)
        if inputs.empty:
            raise BertstoryError(f"no input of {self.path / _INPUTS} is in its findings tables; {self._rerun_findings}")
        return inputs, tuple(listed.loc[~covered, "id"])


def _stored_shape(archive: np.lib.npyio.NpzFile, name: str) -> tuple[int, ...]:
    """The shape of array ``name`` of an open ``.npz``, read from its ``.npy`` header only."""
    with archive.zip.open(f"{name}.npy") as member:
        version = np.lib.format.read_magic(member)
        read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                       (2, 0): np.lib.format.read_array_header_2_0}.get(version)
        if read_header is None:
            raise ValueError(f"unsupported .npy format version {version}")
        shape, _, _ = read_header(member)
    return tuple(shape)


def _size(path: Path) -> int:
    """Bytes of the file at ``path``, 0 when there is none."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def normalise_map(array: np.ndarray, name: str, map_name: str) -> np.ndarray:
    """``array`` in float64 with each row (last axis) divided by its sum, after checking that
    values are finite and non-negative (tiny float noise below zero is clipped) and every row has
    mass — but for a registered map ``map_name`` whose rows may not move (``still_rows``), whose
    all-zero rows stay zero; ``name`` (file and map) starts the error message otherwise. What the
    findings compute with, from a map file (:meth:`RunFolder.load_maps` with ``normalise=True``)
    or in memory."""
    array = np.asarray(array, dtype=np.float64)
    if not np.all(np.isfinite(array)) or array.min(initial=0.0) < -1e-6:
        raise BertstoryError(f"{name} holds negative or non-finite values")
    array = np.maximum(array, 0.0)
    totals = array.sum(axis=-1, keepdims=True)
    if np.any(totals <= 0) and not MAPS[map_name].still_rows:
        raise BertstoryError(f"{name} has an all-zero row")
    return array / np.where(totals > 0, totals, 1.0)
