"""One raw record (text and optional pair) to a :class:`CorpusInput`: trimming and blank rows."""

from __future__ import annotations

from bertstory.corpus.types import CorpusInput, input_id
from bertstory.errors import BertstoryError


def make_input(position: int, text: str, text_pair: str | None, where: str) -> CorpusInput | None:
    """The input at 0-based ``position``, or ``None`` for a blank record (to be skipped).

    Surrounding whitespace is trimmed from both parts; a blank pair becomes ``None``. A
    record with a blank text but a non-blank pair raises :class:`BertstoryError` naming
    ``where`` (e.g. ``"corpus.csv line 4"``).
    """
    text = text.strip()
    pair = text_pair.strip() if text_pair is not None else ""
    if not text:
        if pair:
            raise BertstoryError(f"{where} has a text_pair but an empty text")
        return None
    return CorpusInput(id=input_id(position), text=text, text_pair=pair or None)
