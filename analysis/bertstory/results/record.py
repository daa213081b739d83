"""``run.json`` as typed records: what was run, on which model and corpus, and how far it got.

The fields and their meaning are documented in ``docs/results.md#runjson``;
:meth:`RunRecord.to_dict` writes them in that order and :meth:`RunRecord.from_dict` reads them
back, refusing a file that lacks what the tables and the report need.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from bertstory.options import SEED_RANGE, is_seed

Status = Literal["running", "complete"]
EXPLAIN_SOURCE = "bertstory.explain"
"""``corpus.source`` (and ``settings.corpus``) of a run folder written by ``Explanation.save``: one
text given to the Python API, not a corpus."""


@dataclass(frozen=True)
class RunSettings:
    """The settings that define a run (its folder key is a hash of them and of the model
    revision and corpus content); ``probes`` is ``None`` for the exact estimator,
    ``max_inputs`` ``None`` for the whole corpus; ``ablation_baseline`` that of the ablation maps
    (``zero`` in a ``run.json`` written before them); ``faithfulness`` whether the run has the
    faithfulness maps (``False`` for a ``run.json`` written before them)."""

    model: str
    corpus: str
    text_column: str
    pair_column: str | None
    estimator: str
    probes: int | None
    seed: int
    max_tokens: int | None
    max_inputs: int | None
    ablation_baseline: str = "zero"
    faithfulness: bool = False


@dataclass(frozen=True)
class ModelInfo:
    """The analysed model: where it came from, the weights' identity and its shape; ``causal``
    when a query row sees only the keys up to itself (a decoder), which the findings' class
    masses, entropies and positional profiles respect."""

    name_or_path: str
    revision: str
    model_type: str
    num_layers: int
    num_heads: int
    hidden_size: int | None = None
    max_positions: int | None = None
    causal: bool = False


@dataclass(frozen=True)
class CorpusInfo:
    """Where the inputs came from: ``content_hash`` is the SHA-256 of the analysed inputs
    (:func:`bertstory.corpus.content_hash`); counts of inputs available, sampled, and skipped as
    longer than ``max_tokens`` or as giving only special tokens (no text the tokenizer keeps)."""

    source: str
    content_hash: str
    n_available: int
    n_selected: int
    n_skipped_too_long: int = 0
    n_skipped_no_text: int = 0


@dataclass(frozen=True)
class SpecialTokens:
    """The tokenizer's own strings for the first ([CLS]-like: ``[CLS]``, ``<s>``, a decoder's BOS)
    and separator or end ([SEP]-like: ``[SEP]``, ``</s>``, a decoder's EOS) tokens; ``None`` where
    it has none. Both keys are required in ``run.json``. A decoder's (``ModelInfo.causal``) ``CLS``
    class is every input's first token, whatever it is."""

    cls: str | None
    sep: str | None


@dataclass(frozen=True)
class WorkerSplit:
    """How the inputs were shared among ``count`` workers (``torchrun``; 1 without it):
    ``inputs_per_worker[r]`` inputs went to the worker of rank ``r``."""

    count: int
    inputs_per_worker: list[int]


@dataclass(frozen=True)
class KeptMaps:
    """Whose maps the run keeps: ``asked`` is ``--keep-maps`` (``None``: every input's), ``count``
    the inputs whose map file exists at the end of the run (the others have statistics only)."""

    asked: int | None
    count: int


@dataclass(frozen=True)
class DiskUse:
    """Bytes on disk of the inputs' files at the end of the run: their map files, their statistics
    files, both together, and that total divided by the number of inputs (rounded)."""

    maps: int
    statistics: int
    total: int
    per_input: int


@dataclass(frozen=True)
class RunRecord:
    """The whole of ``run.json``."""

    run_id: str
    settings: RunSettings
    model: ModelInfo
    corpus: CorpusInfo
    special_tokens: SpecialTokens
    bertstory_version: str = "unknown"
    device: str | None = None
    dtype: str | None = None
    versions: dict[str, str] = field(default_factory=dict)
    started: str | None = None
    finished: str | None = None
    status: Status = "running"
    n_inputs: int | None = None
    n_tokens: int | None = None
    seconds: float | None = None
    workers: WorkerSplit | None = None
    kept_maps: KeptMaps | None = None
    bytes: DiskUse | None = None

    @property
    def num_layers(self) -> int:
        return self.model.num_layers

    @property
    def num_heads(self) -> int:
        return self.model.num_heads

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``run.json``, keys in the documented order."""
        order = ("bertstory_version", "run_id", "settings", "model", "corpus", "special_tokens", "device", "dtype",
                 "versions", "started", "finished", "status", "n_inputs", "n_tokens", "seconds", "workers", "kept_maps",
                 "bytes")
        values = dataclasses.asdict(self)
        return {key: values[key] for key in order}

    @classmethod
    def from_dict(cls, value: Any) -> RunRecord:
        """Read a ``run.json`` object; raises ``KeyError``, ``TypeError`` or ``ValueError``
        naming what is missing or malformed."""
        if not isinstance(value, dict):
            raise TypeError(f"run.json holds {type(value).__name__}, not an object")
        parts = {"settings": RunSettings, "model": ModelInfo, "corpus": CorpusInfo, "special_tokens": SpecialTokens}
        known = {f.name for f in dataclasses.fields(cls)}
        values = {key: item for key, item in value.items() if key in known}
        for key, part in parts.items():
            values[key] = _part(part, value[key], key)
        for key, part in _OPTIONAL_PARTS.items():
            if value.get(key) is not None:
                values[key] = _part(part, value[key], key)
        record = cls(**values)
        for key in ("num_layers", "num_heads"):
            if not isinstance(getattr(record.model, key), int) or getattr(record.model, key) < 1:
                raise ValueError(f"model.{key} must be a positive integer")
        if not is_seed(record.settings.seed):
            raise ValueError(f"settings.seed must be {SEED_RANGE}, not {record.settings.seed!r}")
        if not isinstance(record.model.causal, bool):
            raise ValueError("model.causal must be true or false")
        for key in ("cls", "sep"):
            if not isinstance(getattr(record.special_tokens, key), (str, type(None))):
                raise ValueError(f"special_tokens.{key} must be a string or null")
        return record

    def replace(self, **changes: Any) -> RunRecord:
        return dataclasses.replace(self, **changes)


_OPTIONAL_PARTS = {"workers": WorkerSplit, "kept_maps": KeptMaps, "bytes": DiskUse}
"""Parts of ``run.json`` that older runs lack."""


def _part(cls: type, value: Any, key: str):
    """One nested record (``settings``, ``model``, …) from its JSON object; unknown keys are ignored."""
    if not isinstance(value, dict):
        raise TypeError(f"{key} is not an object")
    names = {f.name for f in dataclasses.fields(cls)}
    required = {f.name for f in dataclasses.fields(cls)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
    missing = sorted(required - set(value))
    if missing:
        raise KeyError(f"{key}.{missing[0]}")
    return cls(**{name: item for name, item in value.items() if name in names})
