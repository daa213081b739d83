"""The runs a comparison reads: each opened, checked finished, and reduced to the per-layer
curves and per-class counts that the comparison pages set side by side (``docs/method.md#comparing-models``).

Every number here is read from a run's findings tables (``docs/results.md#tables``); nothing
assumes two runs share their number of layers or heads, their family, or their pattern classes
(a causal run's ``next`` columns may be empty).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import string

import pandas as pd

from bertstory.errors import BertstoryError
from bertstory.findings import schema
from bertstory.findings.schema import TABLE_NAMES
from bertstory.findings.persistence import PATTERN_CLASSES
from bertstory.maps import persistence_views
from bertstory.report import frames
from bertstory.report.faithfulness import FAITHFULNESS_LAYERS_TABLE, GLOBAL_ABLATION
from bertstory.results import RunFolder

CURVE_COLUMNS: tuple[str, ...] = (*frames.LAYER_JS_MEDIANS.values(), *schema.MIXING_COLUMNS)
"""Columns of the ``layers`` table the comparison draws per layer."""


def letter(k: int) -> str:
    """``A``, ``B``, … ``Z``, ``AA``, ``AB``, … for the run at position ``k`` (0-based)."""
    letters = string.ascii_uppercase
    return letters[k] if k < len(letters) else letter(k // len(letters) - 1) + letters[k % len(letters)]


@dataclass(frozen=True)
class ComparedRun:
    """One finished run of a comparison: its folder, its ``position`` among the runs compared
    (0-based, in the order given; its :attr:`letter` names it on the pages) and, from its tables,
    ``curves`` (one row per layer: ``layer`` from 1, ``depth`` = layer / L, and :data:`CURVE_COLUMNS`)
    and ``patterns`` (one row per pattern class, in ``PATTERN_CLASSES`` order: ``heads`` with the
    pattern, then for each view of ``persistence_views()`` ``persist_<view>`` and ``specific_<view>``,
    summed over layers from the ``persistence`` table); ``faithfulness``, when the run measured it, the rows
    of its ``faithfulness_layers`` table against global ablation (``layer``, ``depth``, ``view``,
    ``spearman_median`` and its interval), else ``None``."""

    run: RunFolder
    position: int
    curves: pd.DataFrame
    patterns: pd.DataFrame
    faithfulness: pd.DataFrame | None = None

    @property
    def letter(self) -> str:
        return letter(self.position)

    @property
    def name(self) -> str:
        """The run's folder name, ``run.json`` ``run_id``: what pages and legends call it."""
        return self.run.record.run_id

    @property
    def num_layers(self) -> int:
        return self.run.record.num_layers

    @property
    def num_heads(self) -> int:
        return self.run.record.num_heads


def open_finished_run(path: Path | RunFolder) -> RunFolder:
    """The run folder at ``path``, refused in one line when it is not a run folder, its ``run.json``
    does not say ``complete``, or its findings tables are missing."""
    run = path if isinstance(path, RunFolder) else RunFolder.open(path)
    status = run.record.status
    if status != "complete":
        raise BertstoryError(
            f"{run.path} is an unfinished run (run.json status '{status}'); rerun the `bertstory analyze` command "
            "that started it to finish it, then compare")
    run.require_tables(TABLE_NAMES)
    return run


def compared_run(run: RunFolder, position: int = 0) -> ComparedRun:
    """A finished run's per-layer curves and pattern counts (:class:`ComparedRun`), at ``position``."""
    layers = run.table("layers").sort_values("layer").reset_index(drop=True)
    curves = layers[["layer", *CURVE_COLUMNS]].copy()
    curves.insert(1, "depth", curves["layer"] / run.record.num_layers)
    patterns = pd.DataFrame({"heads": run.table("heads")[schema.PATTERN].value_counts()}).reindex(list(PATTERN_CLASSES))
    patterns = patterns.fillna(0).astype(int)
    persistence = run.table("persistence")
    for view in persistence_views():
        counts = frames.persistence_by_class(persistence, view)
        patterns[f"persist_{view}"] = counts["persist"]
        patterns[f"specific_{view}"] = counts["specific"]
    patterns.index.name = "class"
    return ComparedRun(run=run, position=position, curves=curves, patterns=patterns,
                       faithfulness=_faithfulness_curves(run))


def _faithfulness_curves(run: RunFolder) -> pd.DataFrame | None:
    """The run's per-layer agreement with global ablation (:attr:`ComparedRun.faithfulness`), or ``None``."""
    table = run.optional_table(FAITHFULNESS_LAYERS_TABLE)
    if table is None:
        return None
    part = table[table["ground_truth"] == GLOBAL_ABLATION]
    part = part[["layer", "view", "spearman_median", "spearman_median_lo", "spearman_median_hi"]].reset_index(drop=True)
    part.insert(1, "depth", part["layer"] / run.record.num_layers)
    return part


def open_runs(paths: Sequence[Path | RunFolder]) -> list[ComparedRun]:
    """Every run of ``paths`` (at least two, distinct run ids), opened and checked finished."""
    if len(paths) < 2:
        raise BertstoryError(f"compare needs at least two run folders, got {len(paths)}")
    runs = [open_finished_run(path) for path in paths]
    seen: dict[str, Path] = {}
    for run in runs:
        name = run.record.run_id
        if name in seen:
            raise BertstoryError(f"{seen[name]} and {run.path} are both run {name}; pass each run once")
        seen[name] = run.path
    return [compared_run(run, k) for k, run in enumerate(runs)]
