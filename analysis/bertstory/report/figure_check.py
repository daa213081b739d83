"""Check a regenerated ``figures/`` against the committed one, naming every difference.

``python -m bertstory.report.figure_check COMMITTED NEW`` (CI's last step, ``.ci/run``) compares
two ``figures/`` folders: each table of ``tables/`` cell by cell (a number kept within the tolerance
of :mod:`bertstory.report.figure_tables` has the same text, so every differing cell is a number that
moved beyond it, or a label, count or NaN that changed), ``tables/run.json`` field by field, and
every other file (the PNG and PDF figures) byte for byte. It prints one line per difference and
exits with status 1 when there is any, 0 otherwise.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pandas as pd

from bertstory.report.figure_tables import ATOL, RTOL, within_tolerance
from bertstory.report.figures.paper import FIGURES

ROW_KEYS: dict[str, tuple[str, ...]] = {
    "heads": ("layer", "head"),
    "layers": ("layer",),
    "transitions": ("scope", "layer", "label_attention", "label_global"),
    "persistence": ("layer", "class", "view"),
    "rollout": ("layer",),
    "head_embedding": ("view", "layer", "head"),
    "estimator_error": ("input_id", "view", "probes"),
}
"""The columns that say which row of each figure table a difference is in (a table not named here
is described by row number only)."""


def _number(text: str) -> float | None:
    try:
        return float(text) if text != "" else float("nan")
    except ValueError:
        return None


def _cell_difference(committed: str, new: str) -> str:
    """``committed X, new Y``, with how far a number moved against the tolerance."""
    line = f"committed {committed or 'empty'}, new {new or 'empty'}"
    old, fresh = _number(committed), _number(new)
    if old is None or fresh is None or old != old or fresh != fresh:
        return line
    beyond = "within" if within_tolerance(old, fresh) else "beyond"
    return f"{line} ({beyond} the tolerance {ATOL:g} + {RTOL:g}·|committed|)"


def table_differences(name: str, committed: str, new: str) -> list[str]:
    """One line per difference between two texts of figure table ``name``: its columns, its
    number of rows, or a cell (table, column, row with its :data:`ROW_KEYS`, both values)."""
    old = pd.read_csv(io.StringIO(committed), dtype=str, keep_default_na=False)
    fresh = pd.read_csv(io.StringIO(new), dtype=str, keep_default_na=False)
    if list(old.columns) != list(fresh.columns):
        return [f"{name}.csv: columns changed from {', '.join(old.columns)} to {', '.join(fresh.columns)}"]
    if len(old) != len(fresh):
        return [f"{name}.csv: {len(old)} rows committed, {len(fresh)} new"]
    keys = [k for k in ROW_KEYS.get(name, ()) if k in old.columns]
    lines = []
    for row in range(len(old)):
        where = ", ".join(f"{k} {old.at[row, k] or 'empty'}" for k in keys)
        for column in old.columns:
            a, b = old.at[row, column], fresh.at[row, column]
            if a != b:
                lines.append(f"{name}.csv: column {column}, row {row + 1}{f' ({where})' if where else ''}: "
                             f"{_cell_difference(a, b)}")
    return lines


def _flat(value, prefix: str = "") -> dict[str, object]:
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _flat(item, f"{prefix}{key}.").items()}
    return {prefix.removesuffix("."): value}


def record_differences(committed: str, new: str) -> list[str]:
    """One line per field of ``run.json`` (dotted path) that differs."""
    old, fresh = _flat(json.loads(committed)), _flat(json.loads(new))
    return [f"run.json: {key}: committed {old.get(key, 'absent')}, new {fresh.get(key, 'absent')}"
            for key in sorted(old.keys() | fresh.keys()) if old.get(key, "absent") != fresh.get(key, "absent")]


def _drawn_from(stem: str, changed_tables: set[str]) -> str:
    """Why figure ``stem`` changed, as far as its tables say."""
    figure = FIGURES.get(stem)
    if figure is None:
        return ""
    tables = ", ".join(figure.tables)
    if changed_tables & set(figure.tables):
        return f" (drawn from {tables}, which changed)"
    return (f" though its tables ({tables}) did not: its drawing code or a pinned version "
            "(matplotlib, fonttools, seaborn, pillow) changed")


def figure_differences(committed: Path, new: Path) -> list[str]:
    """Every difference between the ``figures/`` folders ``committed`` and ``new``, one line each."""
    old = {p.relative_to(committed).as_posix() for p in committed.rglob("*") if p.is_file()}
    fresh = {p.relative_to(new).as_posix() for p in new.rglob("*") if p.is_file()}
    lines = [f"{name}: committed, not regenerated" for name in sorted(old - fresh)]
    lines += [f"{name}: new, not committed" for name in sorted(fresh - old)]
    both = sorted(old & fresh)
    changed = [name for name in both if (committed / name).read_bytes() != (new / name).read_bytes()]
    changed_tables = set()
    for name in changed:
        path = Path(name)
        if path.parent.name == "tables" and path.suffix == ".csv":
            changed_tables.add(path.stem)
            lines += table_differences(path.stem, (committed / name).read_text(encoding="utf-8"),
                                       (new / name).read_text(encoding="utf-8"))
        elif path.parent.name == "tables" and path.name == "run.json":
            lines += record_differences((committed / name).read_text(encoding="utf-8"),
                                        (new / name).read_text(encoding="utf-8"))
    for name in changed:
        path = Path(name)
        if path.parent.name != "tables":
            lines.append(f"{name}: changed{_drawn_from(path.stem, changed_tables)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """``figure_check COMMITTED NEW``: print the differences; 1 when there are any, 2 on bad arguments."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or not all(Path(a).is_dir() for a in args):
        print("usage: python -m bertstory.report.figure_check COMMITTED_FIGURES_DIR NEW_FIGURES_DIR", file=sys.stderr)
        return 2
    lines = figure_differences(Path(args[0]), Path(args[1]))
    for line in lines:
        print(line)
    return 1 if lines else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
