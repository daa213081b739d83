"""The corpus value types: one input (:class:`CorpusInput`) and a loaded corpus (:class:`Corpus`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class CorpusInput:
    """One input of the corpus: a single sentence, or a sentence pair.

    ``id`` is the input's 0-based position in its source (line of a ``.txt``/``.jsonl``
    file, data row of a ``.csv``/``.tsv`` file, row of a dataset split), zero-padded to
    5 digits, e.g. ``"00012"``. It is stable (blank lines and rows keep their position)
    and safe in file names.
    """

    id: str
    text: str
    text_pair: str | None = None


@dataclass(frozen=True)
class Corpus:
    """The inputs loaded from one source, in source order.

    ``source`` is ``"builtin"``, the file path as given, or the ``hf:`` spec.
    """

    source: str
    inputs: tuple[CorpusInput, ...]


def content_hash(inputs: Sequence[CorpusInput]) -> str:
    """SHA-256 hex digest of the JSON list of every input's ``[id, text, text_pair]``.

    It identifies the content of these inputs whatever their source or file format; ``run.json``
    records it for the analysed inputs, and it is part of the run's key.
    """
    rows = [[item.id, item.text, item.text_pair] for item in inputs]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()


def input_id(position: int) -> str:
    """The id of the input at 0-based ``position`` in its source."""
    return f"{position:05d}"
