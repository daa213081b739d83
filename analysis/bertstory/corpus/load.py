"""``load_corpus``: pick the format from the source, read it, and check it is not empty."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from bertstory.corpus.hf import PREFIX as HF_PREFIX
from bertstory.corpus.hf import load_hf
from bertstory.corpus.jsonl import parse_jsonl
from bertstory.corpus.lines import decode_lines
from bertstory.corpus.table import parse_table
from bertstory.corpus.txt import parse_txt
from bertstory.corpus.types import Corpus, CorpusInput
from bertstory.errors import BertstoryError

BUILTIN = "builtin"
SUPPORTED = ".txt, .tsv, .csv, .jsonl, or hf:NAME[:CONFIG]:SPLIT"
_DEFAULT_TEXT_COLUMN = "text"


def load_corpus(source: str | None, text_column: str = "text", pair_column: str | None = None) -> Corpus:
    """The corpus at ``source``: ``None`` or ``"builtin"`` for the built-in corpus, a file
    path (``.txt``, ``.tsv``, ``.csv``, ``.jsonl``) or ``hf:NAME[:CONFIG]:SPLIT``.

    ``text_column`` and ``pair_column`` pick the fields of tables, JSON Lines and datasets.
    Every problem raises :class:`BertstoryError` with a one-line message.
    """
    if source is None or source == BUILTIN:
        _check_no_columns(BUILTIN, "the built-in corpus", text_column, pair_column)
        data = resources.files("bertstory.corpus").joinpath("data", "builtin.jsonl").read_bytes()
        return _non_empty(BUILTIN, parse_jsonl(decode_lines(data, BUILTIN), BUILTIN, _DEFAULT_TEXT_COLUMN, None))
    if source.startswith(HF_PREFIX):
        return _non_empty(source, load_hf(source, text_column, pair_column))
    return _non_empty(source, _load_file(source, text_column, pair_column))


def _load_file(source: str, text_column: str, pair_column: str | None) -> list[CorpusInput]:
    """The inputs of a corpus file, by its extension."""
    path = Path(source)
    suffix = path.suffix.lower()
    if path.is_dir():
        raise BertstoryError(f"corpus path is a directory, not a file: {source}")
    if not path.exists():
        raise BertstoryError(f"corpus file not found: {source}")
    if suffix not in (".txt", ".tsv", ".csv", ".jsonl"):
        kind = repr(path.suffix) if path.suffix else "(no extension)"
        raise BertstoryError(f"unsupported corpus type {kind} for {source}: use {SUPPORTED}")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise BertstoryError(f"cannot read corpus file {source}: {error.strerror}") from None
    lines = decode_lines(data, source)
    if suffix == ".txt":
        _check_no_columns(source, "a .txt corpus (one input per line, a TAB splits a pair)", text_column, pair_column)
        return parse_txt(lines, source)
    if suffix == ".jsonl":
        return parse_jsonl(lines, source, text_column, pair_column)
    return parse_table(lines, source, "\t" if suffix == ".tsv" else ",", text_column, pair_column)


def _check_no_columns(source: str, what: str, text_column: str, pair_column: str | None) -> None:
    """Refuse column choices for a source without columns, rather than ignore them."""
    if text_column != _DEFAULT_TEXT_COLUMN or pair_column is not None:
        raise BertstoryError(f"text and pair columns do not apply to {what}: {source}")


def _non_empty(source: str, inputs: list[CorpusInput]) -> Corpus:
    """The corpus of ``inputs``, or an error when there is none."""
    if not inputs:
        raise BertstoryError(f"corpus {source} is empty: it has no non-blank inputs")
    return Corpus(source=source, inputs=tuple(inputs))
