"""The ``.txt`` format: one input per line, a TAB between text and text_pair."""

from __future__ import annotations

from bertstory.corpus.rows import make_input
from bertstory.corpus.types import CorpusInput
from bertstory.errors import BertstoryError


def parse_txt(lines: list[str], label: str) -> list[CorpusInput]:
    """The inputs of a ``.txt`` corpus; the id is the 0-based line index, blank lines skipped."""
    inputs = []
    for index, line in enumerate(lines):
        where = f"{label} line {index + 1}"
        fields = line.split("\t")
        if len(fields) > 2:
            raise BertstoryError(
                f"{where} has {len(fields)} TAB-separated fields; expected 'text' or 'text<TAB>text_pair'"
            )
        item = make_input(index, fields[0], fields[1] if len(fields) == 2 else None, where)
        if item is not None:
            inputs.append(item)
    return inputs
