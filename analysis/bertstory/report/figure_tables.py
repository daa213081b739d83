"""The tables behind the committed paper figures (``figures/tables/``), at a stated precision.

Every number is written with :data:`SIGNIFICANT_DIGITS` significant digits, and the paper figures
are drawn from the tables as read back from these files (:class:`FigureTables`), never from the
run's full-precision tables: the same rounded numbers give the same PNG and PDF bytes.

Rounding alone does not make regeneration byte-identical: a value that lies within float noise of
a rounding boundary flips its last digit from one machine (or thread count) to the next. So a file
already in ``figures/tables/`` is *settled* against: a number whose fresh value lies within one
unit of the last written digit of the number in the file (measured at the smaller of the two
magnitudes) keeps the file's text. Every number in a figure table is therefore within one unit of
its last digit of the run's value, and a run that agrees with the committed tables to that
precision rewrites them, and the figures drawn from them, byte for byte.
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


def last_digit_unit(values: np.ndarray) -> np.ndarray:
    """One unit in the :data:`SIGNIFICANT_DIGITS`-th significant digit of each value
    (``unit(0.0123456) = 1e-7``); 0 for zero, NaN for non-finite values."""
    magnitude = np.abs(np.asarray(values, dtype=np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        exponent = np.floor(np.log10(magnitude))
        unit = 10.0 ** (exponent - (SIGNIFICANT_DIGITS - 1))
    return np.where(magnitude == 0, 0.0, unit)


def _float_columns(frame: pd.DataFrame) -> list[str]:
    return [column for column in frame.columns if pd.api.types.is_float_dtype(frame[column])]


def table_text(fresh: pd.DataFrame, existing: str | None = None) -> str:
    """The CSV text of ``fresh`` with every float by :func:`number_text`.

    ``existing``: the CSV text already in the file. When it has the same columns and number of
    rows, each float cell whose existing text is a number as this function writes it, and whose
    fresh value lies within one unit of that number's last digit (at the smaller magnitude of the
    two), keeps the existing text; every other cell is the fresh one.
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
            smaller = np.where(np.abs(values) < np.abs(number), values, number)
            written = np.array([np.isfinite(n) and number_text(n) == k for n, k in zip(number, kept)])
            with np.errstate(invalid="ignore"):
                close = written & np.isfinite(values) & (np.abs(values - number) <= last_digit_unit(smaller))
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
