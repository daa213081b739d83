"""TeX → MathML at build time (bertstory.report.mathml): wrappers kept, display kept, escapes undone,
untranslatable TeX refused."""

from __future__ import annotations

import re

import markdown
import pytest

from bertstory.errors import BertstoryError
from bertstory.report.mathml import replace_tex, tex_to_mathml


def _render(text: str) -> str:
    """``text`` through arithmatex (generic) and the MathML extension, as mkdocs.yml configures them."""
    return markdown.markdown(
        text, extensions=["pymdownx.arithmatex", "bertstory.report.mathml"],
        extension_configs={"pymdownx.arithmatex": {"generic": True}},
    )


def test_inline_and_display_maths_become_mathml_in_their_wrappers():
    page = _render("Share \\(C^l_{jj}\\) of \\(a < b\\).\n\n$$\n\\frac{p_i}{M_i}\n$$\n")
    assert "\\(" not in page and "\\[" not in page and "$$" not in page and "\\frac" not in page
    inline = re.findall(r'<span class="arithmatex"><math [^>]*display="inline">(.*?)</math></span>', page)
    assert len(inline) == 2
    assert "<msubsup><mi>C</mi><mrow><mi>j</mi><mi>j</mi></mrow><mi>l</mi></msubsup>" in inline[0]
    assert "<mi>a</mi>" in inline[1] and "<mi>b</mi>" in inline[1] and "&lt;" not in inline[1]
    (block,) = re.findall(r'<div class="arithmatex"><math [^>]*display="block">(.*?)</math></div>', page, re.S)
    assert re.search(r"<mfrac>.*<mi>p</mi>.*<mi>M</mi>.*</mfrac>", block)


def test_operator_names_latex2mathml_lacks_are_rendered_upright():
    mathml = tex_to_mathml(r"\arg\max_i C_{ji}", display=False)
    assert "\\" not in mathml
    assert '<mi mathvariant="normal">a</mi><mi mathvariant="normal">r</mi><mi mathvariant="normal">g</mi>' in mathml


def test_tex_that_cannot_be_translated_stops_the_build():
    with pytest.raises(BertstoryError, match=r"cannot render the TeX '\\\\undefinedmacro x' as MathML"):
        replace_tex('<p><span class="arithmatex">\\(\\undefinedmacro x\\)</span></p>')


def test_html_without_maths_is_unchanged():
    page = '<p>Costs $5 and \\(escaped\\) text</p><span class="other">\\(x\\)</span>'
    assert replace_tex(page) == page
