"""``bertstory.load_run``: a run folder's record, inputs, tables and maps for a notebook, read
through :class:`~bertstory.results.RunFolder` like the commands read it; tables and maps are
read when first asked for."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from bertstory.api.explanation import ExplainSettings, Explanation
from bertstory.errors import BertstoryError
from bertstory.maps import InputMaps
from bertstory.results import RunFolder, RunRecord


def load_run(path: str | Path) -> Run:
    """The run folder at ``path`` (written by ``bertstory analyze`` or :meth:`Explanation.save`);
    a one-line error when ``path`` is not one."""
    if not isinstance(path, (str, os.PathLike)):
        raise BertstoryError(f"load_run takes the path of a run folder (a str or a pathlib.Path), not {path!r}")
    return Run(RunFolder.open(Path(path).expanduser()))


def _listing(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return (shown + (f", … ({len(names)} in all)" if len(names) > limit else "")) or "none"


class RunTables:
    """The run's tables (``docs/results.md#tables``) by name, each read as a DataFrame when
    first asked for: ``run.tables["heads"]``; ``list(run.tables)`` names those that exist."""

    def __init__(self, folder: RunFolder):
        self._folder = folder

    def names(self) -> list[str]:
        """The tables the run has (as CSV or Parquet), sorted."""
        files = self._folder.tables_dir.glob("*.*")
        return sorted({path.stem for path in files if path.suffix in (".csv", ".parquet")})

    def __getitem__(self, name: str) -> pd.DataFrame:
        if not self._folder.has_table(name):
            fix = "" if self.names() else f"; run `bertstory findings {self._folder.path}` to write them"
            raise BertstoryError(f"the run has no table {name!r}; it has: {_listing(self.names())}{fix}")
        return self._folder.table(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._folder.has_table(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())

    def __repr__(self) -> str:
        return f"RunTables({self.names()})"


class RunMaps:
    """The run's maps by input id, each input's read from its file when asked for:
    ``run.maps["00000"]`` is a dict of every registered map by name (``attention``, ``local``,
    ``global`` (L, H, n, n), ``contribution`` (L, n, n) …), float32 as written, and the input's
    ``tokens`` (list of str); ``list(run.maps)`` is the ids that have maps, in analysis order."""

    def __init__(self, folder: RunFolder):
        self._folder = folder

    def ids(self) -> list[str]:
        """Ids of the inputs with a map file, in ``inputs.jsonl`` order (inputs of a ``--keep-maps``
        run that kept statistics only are not listed)."""
        with_maps = self._folder.map_ids()
        return [i for i in self._folder.analysed_ids()[0] if i in with_maps] if with_maps else []

    def __getitem__(self, input_id: str) -> dict[str, np.ndarray | list[str]]:
        if input_id not in self:
            if input_id in self._folder.stats_ids():
                raise BertstoryError(f"input {input_id!r} was analysed, but its maps were not kept (the run kept the "
                                     f"maps of a sample only, `--keep-maps`); it has maps for: {_listing(self.ids())}")
            raise BertstoryError(f"the run has no maps for input {input_id!r}; it has maps for: {_listing(self.ids())}")
        return self._folder.load_maps(input_id)

    def __contains__(self, input_id: object) -> bool:
        return isinstance(input_id, str) and input_id in self.ids()

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids())

    def __len__(self) -> int:
        return len(self.ids())

    def __repr__(self) -> str:
        return f"RunMaps({len(self)} inputs)"


class Run:
    """One run folder (``docs/results.md``) as :func:`load_run` returns it.

    Attributes:
        path: the folder.
        record: ``run.json`` as a :class:`~bertstory.results.RunRecord` (``record.settings``,
            ``record.model``, ``record.corpus``, …).
        tables: :class:`RunTables`, the findings tables by name.
        maps: :class:`RunMaps`, the maps by input id.
        folder: the :class:`~bertstory.results.RunFolder` the commands read the run with.
    """

    def __init__(self, folder: RunFolder):
        self.folder = folder
        self.path = folder.path
        self.tables = RunTables(folder)
        self.maps = RunMaps(folder)

    def __repr__(self) -> str:
        return f"Run({str(self.path)!r}, {len(self.maps)} inputs with maps, tables: {_listing(self.tables.names())})"

    @property
    def record(self) -> RunRecord:
        return self.folder.record

    @property
    def inputs(self) -> pd.DataFrame:
        """``inputs.jsonl``: ``id``, ``text``, ``text_pair``, ``tokens``, in analysis order."""
        return self.folder.inputs

    def explanation(self, input_id: str) -> Explanation:
        """The stored maps of input ``input_id`` as an :class:`Explanation`, to plot, tabulate or save."""
        maps = self.maps[input_id]
        listed = self.inputs[self.inputs["id"] == input_id]
        if listed.empty:
            raise BertstoryError(f"input {input_id!r} has maps but is not listed in {self.path / 'inputs.jsonl'}")
        row = listed.iloc[0]
        record = self.record
        return Explanation(
            maps=InputMaps({name: array for name, array in maps.items() if name != "tokens"}),
            tokens=maps["tokens"],
            text=row["text"],
            text_pair=row["text_pair"] if isinstance(row["text_pair"], str) else None,
            input_id=input_id,
            settings=ExplainSettings(model=record.settings.model, revision=record.model.revision,
                                     estimator=record.settings.estimator, probes=record.settings.probes,
                                     seed=record.settings.seed, device=record.device or "unknown",
                                     dtype=record.dtype or "unknown", ablation_baseline=record.settings.ablation_baseline),
            model=record.model,
            special_tokens=record.special_tokens,
            versions=dict(record.versions),
            started=record.started,
            finished=record.finished,
            seconds=None,
        )
