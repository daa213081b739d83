"""The maps of one input with its tokens and the settings they were computed with: what
:func:`bertstory.explain` returns and :meth:`bertstory.Run.explanation` reads back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from bertstory import __version__
from bertstory.api.frame import tidy_maps
from bertstory.api.plot import head_views_figure
from bertstory.corpus import CorpusInput, content_hash
from bertstory.errors import BertstoryError
from bertstory.report.naming import head_name
from bertstory.results import EXPLAIN_SOURCE, CorpusInfo, ModelInfo, RunFolder, RunRecord, RunSettings, SpecialTokens, ensure_writable
from bertstory.maps import MAPS, InputMaps, map_names, run_maps, views


@dataclass(frozen=True)
class ExplainSettings:
    """What decided the maps.

    Attributes:
        model: the model's name or folder as given, or an in-memory model's ``name_or_path``
            (its class name when empty).
        revision: identity of the weights: the hub commit hash, else the first 16 hex digits of
            the SHA-256 of the weight files (a name or folder) or of the weights in memory.
        estimator: ``probes`` or ``exact`` (``docs/method.md#estimators``).
        probes: K, probe directions per input token; ``None`` for ``exact``.
        seed: seeds the probe directions (with the input id).
        device, dtype: where and in which precision the maps were computed.
        ablation_baseline: the ablation maps' baseline (``zero`` or ``mask``).
    """

    model: str
    revision: str
    estimator: str
    probes: int | None
    seed: int
    device: str
    dtype: str
    ablation_baseline: str = "zero"


@dataclass(frozen=True, eq=False, repr=False)
class Explanation:
    """The maps of one input of ``n`` tokens (``docs/method.md#the-four-maps``), by registered name.

    Arrays are float32 and 0-based like the results files (``docs/results.md``): rows are
    queries (outputs), columns input tokens, every row sums to 1. ``explanation["global"]``
    or, for a name that is an identifier, ``explanation.attention`` (``global`` as ``global_``):

    - ``attention`` (L, H, n, n) attention probabilities; ``attention[2, 6]`` is head L3-H7.
    - ``local`` (L, H, n, n) local attribution: each head's output against its layer's input.
    - ``global`` (L, H, n, n) global attribution: each head's output against the embedding output.
    - ``contribution`` (L, n, n) token contribution: each layer's output against the embedding output.
    - every other registered map (:data:`bertstory.maps.MAPS`).

    Attributes:
        maps: the maps by name (:class:`~bertstory.maps.InputMaps`), in registry order.
        tokens: the ``n`` tokens, special tokens included.
        text, text_pair: the input.
        input_id: the input's id in a run folder (``00000`` unless read from a run).
        settings: :class:`ExplainSettings`.
        model: the model's shape and identity, as ``run.json`` records it.
        special_tokens: the model's [CLS]-like and [SEP]-like token strings.
        versions: python, torch, transformers and numpy versions that computed the maps.
        started, finished: when the computation started and finished (ISO-8601, UTC).
        seconds: how long it took.
    """

    maps: InputMaps
    tokens: list[str]
    text: str
    text_pair: str | None
    input_id: str
    settings: ExplainSettings
    model: ModelInfo
    special_tokens: SpecialTokens
    versions: dict[str, str] = field(default_factory=dict)
    started: str | None = None
    finished: str | None = None
    seconds: float | None = None

    def __repr__(self) -> str:
        k = f" K={self.settings.probes}" if self.settings.probes is not None else ""
        return (f"Explanation({self.settings.model!r}, {len(self.tokens)} tokens, L={self.num_layers}, "
                f"H={self.num_heads}, estimator={self.settings.estimator}{k}, seed={self.settings.seed})")

    @property
    def num_layers(self) -> int:
        return self.model.num_layers

    @property
    def num_heads(self) -> int:
        return self.model.num_heads

    def __getattr__(self, attribute: str) -> np.ndarray:
        """A map as an attribute (``explanation.attention``; ``global`` as ``global_``)."""
        if attribute.startswith("__") or "maps" not in self.__dict__:
            raise AttributeError(attribute)
        return getattr(self.maps, attribute)

    def __getitem__(self, name: str) -> np.ndarray:
        """A map by its results-file name (``explanation["global"]``)."""
        if name not in self.maps:
            raise BertstoryError(f"no map named {name!r}; the maps are {', '.join(self.maps)}")
        return self.maps[name]

    def plot(self, layer: int, head: int, maps: Sequence[str] | None = None) -> Figure:
        """Maps of head ``L{layer}-H{head}`` as token-labelled heat maps side by side on one colour
        scale (share of the query's row): ``maps`` by name, in that order — by default the head's
        views (attention, local and global attribution, then any other registered view); a layer's
        map (``contribution``) shows layer ``layer``.

        ``layer`` and ``head`` are numbered from 1, as on the report's pages: ``plot(3, 7)``
        draws L3-H7, which is ``attention[2, 6]`` in the arrays.
        """
        _check_number("layer", layer, self.num_layers)
        _check_number("head", head, self.num_heads)
        names = [view for view in views() if view in self.maps] if maps is None else list(maps)
        if isinstance(maps, str) or not names:
            raise BertstoryError(f"maps must be a list of map names, not {maps!r}")
        for name in names:
            self[name]  # a one-line error for a name that is no map
        panels = {name: self.maps[name][layer - 1] if MAPS[name].scope == "layer" else
                  self.maps[name][layer - 1, head - 1] for name in names}
        return head_views_figure(panels, self.tokens, head_name(layer, head))

    def to_dataframe(self) -> pd.DataFrame:
        """Every map value as one row of a tidy table: columns ``map, layer, head, query, key,
        query_token, key_token, value``; ``layer`` and ``head`` numbered from 1, ``head``
        ``<NA>`` for ``contribution``; ``query``/``key`` are 0-based positions in ``tokens``
        (see :func:`bertstory.api.frame.tidy_maps`)."""
        return tidy_maps(self.maps, self.tokens)

    def save(self, path: str | Path) -> Path:
        """Write these maps as a run folder of one input at ``path`` (``docs/results.md``):
        ``run.json``, ``inputs.jsonl`` and ``maps/<input_id>.npz``, which ``bertstory findings``,
        ``bertstory report`` and :func:`bertstory.load_run` read. ``path`` must not exist or be
        an empty folder. Returns ``path``."""
        folder = RunFolder(Path(path).expanduser())
        if folder.path.exists() and (not folder.path.is_dir() or any(folder.path.iterdir())):
            raise BertstoryError(f"{folder.path} already exists and is not an empty folder; save to a new folder")
        record = self._record(folder.path.name)  # refuses a selection of maps no run holds, before writing
        ensure_writable(folder.path)
        folder.write_record(record)
        folder.write_inputs([{"id": self.input_id, "text": self.text, "text_pair": self.text_pair,
                              "tokens": self.tokens}])
        folder.save_maps(self.input_id, self.maps, self.tokens)
        return folder.path

    def _faithfulness(self) -> bool:
        """Whether these maps are those of a run with the faithfulness maps, or without them; a
        one-line error for another selection, which a run folder cannot hold."""
        for faithfulness in (True, False):
            with run_maps(faithfulness):
                if set(self.maps) == set(map_names()):
                    return faithfulness
        raise BertstoryError(f"only an explanation of every map, or of every map but the faithfulness maps, can be "
                             f"saved as a run; this one has {', '.join(self.maps)}")

    def _record(self, run_id: str) -> RunRecord:
        """``run.json`` of a run of this one input."""
        settings = self.settings
        item = CorpusInput(id=self.input_id, text=self.text, text_pair=self.text_pair)
        return RunRecord(
            bertstory_version=__version__,
            run_id=run_id,
            settings=RunSettings(model=settings.model, corpus=EXPLAIN_SOURCE, text_column="text", pair_column=None,
                                 estimator=settings.estimator, probes=settings.probes, seed=settings.seed,
                                 max_tokens=self.model.max_positions, max_inputs=None,
                                 ablation_baseline=settings.ablation_baseline, faithfulness=self._faithfulness()),
            model=self.model,
            corpus=CorpusInfo(source=EXPLAIN_SOURCE, content_hash=content_hash([item]), n_available=1,
                              n_selected=1),
            special_tokens=self.special_tokens,
            device=settings.device,
            dtype=settings.dtype,
            versions=dict(self.versions),
            started=self.started,
            finished=self.finished,
            status="complete",
            n_inputs=1,
            n_tokens=len(self.tokens),
            seconds=self.seconds,
        )


def _check_number(what: str, number: int, count: int) -> None:
    """``number`` must be an integer from 1 to ``count`` (layers and heads as people number them)."""
    if isinstance(number, bool) or not isinstance(number, (int, np.integer)) or not 1 <= number <= count:
        raise BertstoryError(f"{what} {number!r} is out of range: {what}s are numbered from 1 to {count}")
