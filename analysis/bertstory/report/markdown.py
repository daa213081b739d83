"""Number formatting, Markdown tables and escaping for the generated pages.

Every number a page states goes through :func:`num` or :func:`pct`, so tests can format
a table's value the same way and find it in the page; every text bertstory did not write
(corpus texts, tokens, special tokens) goes through :func:`escape`, so it shows and never runs.
"""

from __future__ import annotations

import math
import string
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


_LITERAL = {
    **{ord(char): f"&#{ord(char)};" for char in string.punctuation},
    **{code: " " for code in [*range(0x20), *range(0x7F, 0xA0)]},
}
"""What :func:`escape` replaces: ASCII punctuation by numeric character references, control
characters (line breaks, tabs, Python-Markdown's placeholder marks) by spaces."""


def escape(text: str) -> str:
    """``text`` as a page shows it literally, wherever it stands in Markdown: paragraph, table cell,
    link text or image alt text (not a code span, which would show the references). The one way
    text bertstory did not write (corpus texts, tokens, a tokenizer's special tokens) reaches a page.

    Every ASCII punctuation character becomes a numeric character reference (``<`` → ``&#60;``,
    ``[`` → ``&#91;``, ``$`` → ``&#36;``), which Python-Markdown and the site's extensions pass
    through untouched and the browser shows as the character, so no HTML tag, link, autolink,
    attribute list (``{: onclick=…}``), emphasis, table cell or TeX can form; control characters
    (line breaks, tabs) become spaces, so the text stays on its line."""
    return str(text).translate(_LITERAL)


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
