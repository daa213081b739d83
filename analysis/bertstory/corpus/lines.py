"""Strict UTF-8 decoding of a corpus file into lines, naming the first bad line."""

from __future__ import annotations

from bertstory.errors import BertstoryError

_BOM = b"\xef\xbb\xbf"


def decode_lines(data: bytes, label: str) -> list[str]:
    """The lines of ``data`` (UTF-8, an optional leading BOM dropped), without line endings.

    ``\\n`` and ``\\r\\n`` both end a line; a final line ending does not start a new line.
    Undecodable bytes raise :class:`BertstoryError` naming the 1-based line of ``label``.
    """
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    raw_lines = data.split(b"\n")
    if raw_lines[-1] == b"":
        raw_lines.pop()
    lines = []
    for number, raw in enumerate(raw_lines, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise BertstoryError(
                f"{label} line {number} is not valid UTF-8 (byte 0x{raw[error.start]:02x} at column "
                f"{error.start + 1}); save the corpus as UTF-8"
            ) from None
        lines.append(line.removesuffix("\r"))
    return lines
