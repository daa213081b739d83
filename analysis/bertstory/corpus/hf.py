"""The ``hf:NAME[:CONFIG]:SPLIT`` source: a split of a dataset, through the optional ``datasets`` package."""

from __future__ import annotations

from typing import Any

from bertstory.corpus.rows import make_input
from bertstory.corpus.types import CorpusInput
from bertstory.errors import BertstoryError

PREFIX = "hf:"


def load_hf(spec: str, text_column: str, pair_column: str | None) -> list[CorpusInput]:
    """The inputs of the dataset split named by ``spec``; the id is the 0-based row index.

    ``datasets`` is imported only here; a missing package, an unreachable dataset, a
    missing column or a non-string value raises :class:`BertstoryError`.
    """
    name, config, split = _parse_spec(spec)
    try:
        import datasets
    except ImportError:
        raise BertstoryError("hf: corpora need the `datasets` package: pip install 'bertstory[hf]'") from None
    try:
        dataset = datasets.load_dataset(name, config, split=split)
    except Exception as error:  # datasets raises many types (network, missing config or split)
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise BertstoryError(f"cannot load dataset {spec[len(PREFIX):]!r} (offline?): {reason}") from None
    columns = list(dataset.column_names)
    for column in [text_column] + ([pair_column] if pair_column is not None else []):
        if column not in columns:
            available = ", ".join(repr(name) for name in columns)
            raise BertstoryError(f"dataset {name!r} has no column {column!r}; its columns are: {available}")
    inputs = []
    for position, row in enumerate(dataset):
        where = f"{spec} row {position}"
        text = _string(row[text_column], text_column, where)
        pair = _string(row[pair_column], pair_column, where) if pair_column is not None else None
        item = make_input(position, text or "", pair, where)
        if item is not None:
            inputs.append(item)
    return inputs


def _parse_spec(spec: str) -> tuple[str, str | None, str]:
    """``(name, config, split)`` from ``hf:NAME[:CONFIG]:SPLIT``."""
    parts = spec[len(PREFIX):].split(":")
    if len(parts) not in (2, 3) or not all(parts):
        raise BertstoryError(
            f"invalid dataset corpus {spec!r}: expected hf:NAME[:CONFIG]:SPLIT, e.g. hf:glue:mrpc:test"
        )
    if len(parts) == 2:
        return parts[0], None, parts[1]
    return parts[0], parts[1], parts[2]


def _string(value: Any, column: str, where: str) -> str | None:
    """A text cell as a string (``None`` stays ``None``), or an error for another type."""
    if value is not None and not isinstance(value, str):
        raise BertstoryError(f"{where}: column {column!r} must hold strings, not {type(value).__name__}")
    return value
