"""The ``.jsonl`` format: one JSON object per line, with ``text`` and optional ``text_pair``."""

from __future__ import annotations

import json

from bertstory.corpus.rows import make_input
from bertstory.corpus.types import CorpusInput
from bertstory.errors import BertstoryError

DEFAULT_PAIR_KEY = "text_pair"


def parse_jsonl(lines: list[str], label: str, text_column: str, pair_column: str | None) -> list[CorpusInput]:
    """The inputs of a JSON Lines corpus; the id is the 0-based line index, blank lines skipped.

    ``text_column`` must be a key of every object. With ``pair_column`` given, that key
    must be present too (``null`` allowed); without it, an optional ``text_pair`` is read.
    """
    inputs = []
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        where = f"{label} line {index + 1}"
        record = _parse_object(line, where)
        text = _field(record, text_column, where, required=True)
        pair = _field(record, pair_column or DEFAULT_PAIR_KEY, where, required=pair_column is not None)
        item = make_input(index, text or "", pair, where)
        if item is not None:
            inputs.append(item)
    return inputs


def _parse_object(line: str, where: str) -> dict:
    """The JSON object on one line, or an error naming the line."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise BertstoryError(f"{where} is not valid JSON: {error.msg} (column {error.colno})") from None
    if not isinstance(record, dict):
        raise BertstoryError(f"{where} is not a JSON object but {type(record).__name__}")
    return record


def _field(record: dict, key: str, where: str, required: bool) -> str | None:
    """The string (or ``null``) value of ``key``, or an error naming the line and its keys."""
    if key not in record:
        if not required:
            return None
        keys = ", ".join(repr(name) for name in record) or "none"
        raise BertstoryError(f"{where} has no key {key!r}; its keys are: {keys}")
    value = record[key]
    if value is not None and not isinstance(value, str):
        raise BertstoryError(f"{where}: {key!r} must be a string, not {type(value).__name__}")
    return value
