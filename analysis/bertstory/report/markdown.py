"""Number formatting and Markdown tables for the generated pages.

Every number a page states goes through :func:`num` or :func:`pct`, so tests can format
a table's value the same way and find it in the page.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

DECIMALS = 3
"""Decimals of every metric value on the pages (more for values below 0.01, see :func:`num`)."""
MAX_DECIMALS = 12


def num(value: float, decimals: int = DECIMALS) -> str:
    """A metric value in fixed notation: ``decimals`` decimals, or as many as give it
    ``decimals`` significant digits when it is smaller than that shows (0.00123) but not
    below 10⁻¹² (float noise: ``0.000``); ``n/a`` for NaN, never ``-0.000``."""
    value = float(value)
    if math.isnan(value):
        return "n/a"
    magnitude = abs(value)
    if 10 ** -MAX_DECIMALS <= magnitude < 10 ** (1 - decimals):
        decimals = min(MAX_DECIMALS, decimals - 1 - math.floor(math.log10(magnitude)))
    text = f"{value:.{decimals}f}"
    return text.lstrip("-") if float(text) == 0 else text


def pct(fraction: float) -> str:
    """A fraction in [0, 1] as a whole percentage: ``0.4166`` → ``42%``."""
    fraction = float(fraction)
    return "n/a" if math.isnan(fraction) else f"{100 * fraction:.0f}%"


def interval(lo: float, hi: float) -> str:
    """A 95% interval: ``[0.101, 0.143]``."""
    return f"[{num(lo)}, {num(hi)}]"


def escape(text: str) -> str:
    """``text`` as Markdown shows it literally: HTML characters as entities (``<s>`` is a token,
    not a tag), and the characters of emphasis, code and table cells backslash-escaped."""
    text = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for char in "\\`*_|":
        text = text.replace(char, "\\" + char)
    return text


def _cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(headers: Sequence[str], rows: Iterable[Sequence], align: str | None = None) -> str:
    """A Markdown pipe table. ``align``: one character per column, ``l``/``r``/``c``
    (default: first column left, the rest right)."""
    align = align or "l" + "r" * (len(headers) - 1)
    rule = {"l": ":--", "r": "--:", "c": ":-:"}
    lines = [
        "| " + " | ".join(_cell(h) for h in headers) + " |",
        "| " + " | ".join(rule[a] for a in align) + " |",
    ]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
