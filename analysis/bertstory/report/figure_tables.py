"""The tables behind the committed paper figures (``figures/tables/``), at a stated precision.

Every number is written with :data:`SIGNIFICANT_DIGITS` significant digits, and the paper figures
are drawn from the tables as read back from these files (:class:`FigureTables`), never from the
run's full-precision tables: the same table bytes give the same PNG and PDF bytes.

Rounding alone does not make regeneration byte-identical: the run's float32 sums come out a little
differently on another CPU (other SIMD widths, other summation orders) or thread count, in the 6th
or 7th significant digit, and a digit that flips moves the figures' lines in the PDFs. So a file
already in ``figures/tables/`` is *settled* against: a number whose fresh value lies within the
tolerance (:data:`RTOL`, :data:`ATOL`, :func:`within_tolerance`) of the number in the file keeps
the file's text. A run that agrees with the committed tables within the tolerance rewrites them,
and the figures drawn from them, byte for byte; a number that moves further is written afresh, and
:mod:`bertstory.report.figure_check` names it.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from bertstory.results import RunFolder, atomic_write_bytes

SIGNIFICANT_DIGITS = 6
"""Significant digits of every number in ``figures/tables/``: far below the bootstrap intervals and
estimator error of any table, and more than any figure or page shows."""


def number_text(value: float) -> str:
    """``value`` rounded to :data:`SIGNIFICANT_DIGITS` significant digits, written as Python writes
    that float (``0.123457``, ``1.0``, ``1.23457e-05``): a float column reads back as floats."""
    return repr(float(f"{value:.{SIGNIFICANT_DIGITS}g}"))


RTOL = 1e-4
"""Relative tolerance of a figure-table number: a hundred times the cross-CPU noise seen in the
default run's tables (about 1e-6, the 6th significant digit of float32 sums over a few thousand
terms), far below any difference a figure or page shows."""
ATOL = 1e-5
"""Absolute tolerance of a figure-table number, for values near zero that are differences of
numbers near one (MDS coordinates, correlations): ten times the same noise at that scale."""


def within_tolerance(written: np.ndarray, fresh: np.ndarray) -> np.ndarray:
    """Whether each ``fresh`` value lies within the tolerance of the ``written`` one:
    ``|fresh - written| <= ATOL + RTOL * |written|``; two NaNs agree, a NaN and a number do not."""
    written, fresh = np.asarray(written, dtype=np.float64), np.asarray(fresh, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        close = np.abs(fresh - written) <= ATOL + RTOL * np.abs(written)
    return close | (np.isnan(written) & np.isnan(fresh))


def _float_columns(frame: pd.DataFrame) -> list[str]:
    return [column for column in frame.columns if pd.api.types.is_float_dtype(frame[column])]


def table_text(fresh: pd.DataFrame, existing: str | None = None) -> str:
    """The CSV text of ``fresh`` with every float by :func:`number_text`.

    ``existing``: the CSV text already in the file. When it has the same columns and number of
    rows, each float cell whose existing text is a number as this function writes it, and whose
    fresh value lies within the tolerance of that number (:func:`within_tolerance`), keeps the
    existing text; every other cell is the fresh one.
    """
    out = fresh.copy()
    old = None
    if existing is not None:
        old = pd.read_csv(io.StringIO(existing), dtype=str, keep_default_na=False)
        if list(old.columns) != [str(c) for c in fresh.columns] or len(old) != len(fresh):
            old = None
    for column in _float_columns(fresh):
        values = fresh[column].to_numpy(np.float64)
        text = np.array([number_text(v) if np.isfinite(v) else "" for v in values], dtype=object)
        if old is not None:
            kept = old[str(column)].to_numpy(dtype=object)
            number = pd.to_numeric(pd.Series(kept), errors="coerce").to_numpy(np.float64)
            written = np.array([np.isfinite(n) and number_text(n) == k for n, k in zip(number, kept)])
            close = written & np.isfinite(values) & within_tolerance(number, values)
            text = np.where(close | (kept == text), kept, text)
        out[column] = pd.Series([t if t != "" else np.nan for t in text], index=fresh.index, dtype=object)
    return out.to_csv(index=False, lineterminator="\n")


def write_figure_tables(run: RunFolder, names: list[str], folder: Path) -> list[Path]:
    """Write each table of ``names`` (of ``run``) as ``folder/<name>.csv`` by :func:`table_text`,
    settled against the file already there, and remove the other CSV files of ``folder``;
    returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        path = folder / f"{name}.csv"
        existing = path.read_text(encoding="utf-8") if path.is_file() else None
        text = table_text(run.table(name), existing)
        if text != existing:
            atomic_write_bytes(path, text.encode("utf-8"))
        written.append(path)
    for stale in set(folder.glob("*.csv")) - set(written):
        stale.unlink()
    return written


class FigureTables:
    """A run as the paper figures see it: its tables read back from ``folder`` (the files
    :func:`write_figure_tables` wrote), its ``record`` and findings ``summary()``."""

    def __init__(self, run: RunFolder, folder: Path) -> None:
        self.run = run
        self.folder = Path(folder)
        self._tables: dict[str, pd.DataFrame] = {}

    @property
    def record(self):
        return self.run.record

    def summary(self) -> dict:
        return self.run.summary()

    def table(self, name: str) -> pd.DataFrame:
        """Table ``name`` as written to ``folder``, rounded."""
        if name not in self._tables:
            self._tables[name] = pd.read_csv(self.folder / f"{name}.csv")
        return self._tables[name]
