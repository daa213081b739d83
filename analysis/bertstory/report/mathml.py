"""Maths rendered to MathML at build time, so that the site needs no network and no JavaScript.

A Python-Markdown extension, listed in ``mkdocs.yml`` after ``pymdownx.arithmatex`` (generic
mode). Arithmatex finds the TeX (``\\(..\\)``, ``\\[..\\]``, ``$$..$$``) and protects it from
Markdown; this extension then replaces the TeX inside each ``<span class="arithmatex">`` and
``<div class="arithmatex">`` with MathML from ``latex2mathml``, which browsers render natively
(MathML Core). The wrappers stay, so the theme's styles for them still apply.

TeX that ``latex2mathml`` cannot translate stops the build with a :class:`BertstoryError`
naming it, so raw TeX never reaches a page.
"""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert
from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor

from bertstory.errors import BertstoryError

ARITHMATEX = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">\\(?P<open>[(\[])(?P<tex>.*?)\\[)\]]</(?P=tag)>', re.S
)
"""Arithmatex's generic output: inline ``<span>\\(TeX\\)</span>``, display ``<div>\\[TeX\\]</div>``
(TeX HTML-escaped)."""

OPERATOR_NAMES: dict[str, str] = {r"\arg": r"\mathrm{arg}"}
"""Standard TeX operators that ``latex2mathml`` leaves untranslated, and upright TeX it renders."""
_OPERATOR = re.compile("|".join(rf"{re.escape(name)}(?![A-Za-z])" for name in OPERATOR_NAMES))


def tex_to_mathml(tex: str, display: bool) -> str:
    """The ``<math>`` element of one TeX formula (``display``: a block, else inline).

    Raises :class:`BertstoryError` when the MathML would still hold TeX (a backslash command
    ``latex2mathml`` does not know).
    """
    source = _OPERATOR.sub(lambda m: OPERATOR_NAMES[m.group(0)], tex.strip())
    try:
        mathml = convert(source, display="block" if display else "inline")
    except Exception as error:  # latex2mathml raises its own exception types and plain ones
        raise BertstoryError(f"cannot render the TeX {tex.strip()!r} as MathML ({error})") from None
    if "\\" in mathml:
        raise BertstoryError(f"cannot render the TeX {tex.strip()!r} as MathML: it uses a command latex2mathml lacks")
    return mathml


def replace_tex(page: str) -> str:
    """``page`` (HTML) with the TeX of every arithmatex wrapper replaced by MathML."""

    def render(match: re.Match) -> str:
        display = match["open"] == "["
        mathml = tex_to_mathml(html.unescape(match["tex"]), display)
        return f'<{match["tag"]} class="arithmatex">{mathml}</{match["tag"]}>'

    return ARITHMATEX.sub(render, page)


class _MathMLPostprocessor(Postprocessor):
    def run(self, text: str) -> str:
        return replace_tex(text)


class MathMLExtension(Extension):
    """Registers the TeX → MathML step after every other post-processor."""

    def extendMarkdown(self, md: Markdown) -> None:
        md.postprocessors.register(_MathMLPostprocessor(md), "bertstory_mathml", 1)


def makeExtension(**kwargs) -> MathMLExtension:  # noqa: N802 (the name Python-Markdown looks for)
    return MathMLExtension(**kwargs)
