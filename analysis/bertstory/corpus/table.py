"""The ``.csv`` and ``.tsv`` formats: a header row, then one input per row.

CSV follows the usual quoting rules (a quoted field may hold commas, quotes and line
breaks). TSV fields are literal (no quoting, as in the IANA TSV definition), so a text
may start with a quote; a field cannot hold a TAB or a line break.
"""

from __future__ import annotations

import csv
import io

from bertstory.corpus.rows import make_input
from bertstory.corpus.types import CorpusInput
from bertstory.errors import BertstoryError


def parse_table(
    lines: list[str], label: str, delimiter: str, text_column: str, pair_column: str | None
) -> list[CorpusInput]:
    """The inputs of a table; the id is the 0-based data row index (header excluded).

    Blank rows (empty, or blank in both columns) are skipped; an empty pair cell is ``None``.
    """
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter, quoting=quoting, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            return []
        text_index = _column_index(header, text_column, label)
        pair_index = _column_index(header, pair_column, label) if pair_column is not None else None
        inputs = []
        for position, row in enumerate(reader):
            where = f"{label} line {reader.line_num}"
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise BertstoryError(f"{where} has {len(row)} fields but the header has {len(header)}")
            pair = row[pair_index] if pair_index is not None else None
            item = make_input(position, row[text_index], pair, where)
            if item is not None:
                inputs.append(item)
        return inputs
    except csv.Error as error:
        raise BertstoryError(f"{label} line {reader.line_num} is not valid CSV: {error}") from None


def _column_index(header: list[str], column: str, label: str) -> int:
    """The position of ``column`` in ``header``, or an error naming the available columns."""
    names = [name.strip() for name in header]
    if column not in names:
        available = ", ".join(repr(name) for name in names)
        raise BertstoryError(f"{label} has no column {column!r}; its columns are: {available}")
    return names.index(column)
