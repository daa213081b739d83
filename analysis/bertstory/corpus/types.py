"""The corpus value types: one input (:class:`CorpusInput`) and a loaded corpus (:class:`Corpus`)."""

from __future__ import annotations

import hashlib
import json
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

    @property
    def content_hash(self) -> str:
        """SHA-256 hex digest of the canonical JSON of every input's ``[id, text, text_pair]``.

        It identifies the corpus content whatever its source or file format.
        """
        rows = [[item.id, item.text, item.text_pair] for item in self.inputs]
        canonical = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def input_id(position: int) -> str:
    """The id of the input at 0-based ``position`` in its source."""
    return f"{position:05d}"
