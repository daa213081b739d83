"""Number formatting, Markdown tables and escaping of the generated pages."""

import re

import pytest

from bertstory.report.markdown import escape, interval, num, pct, table

from . import hostile
from .hostile import Page, site_markdown


def test_num_keeps_three_decimals_or_three_significant_digits():
    assert num(0.12345) == "0.123"
    assert num(-0.00001) == "-0.0000100"
    assert num(0.00123456) == "0.00123"
    assert num(-0.0) == "0.000" and num(-1e-15) == "0.000"
    assert num(float("nan")) == "n/a"
    assert num(12.5, 1) == "12.5"


def test_pct_and_interval():
    assert pct(0.4166) == "42%"
    assert pct(float("nan")) == "n/a"
    assert interval(0.1, 0.14321) == "[0.100, 0.143]"


def test_table_escapes_pipes_and_aligns():
    assert table(["a", "b"], [["x|y", 1]]).splitlines() == ["| a | b |", "| :-- | --: |", "| x\\|y | 1 |"]
    assert table(["a", "b"], [], "cl").splitlines()[1] == "| :-: | :-- |"


HOSTILE = (
    "The cat <script>window.__pwned = 1</script> sat.",
    'Second <img src=y onerror="window.__pwned = 1"> part.',
    "[here](javascript:window.__pwned=1) ![i](x.png) <javascript:alert(1)> <https://example.org> www.example.org",
    'Ends in an attribute list {: onclick="window.__pwned = 1" }',
    '*em*{: onclick="window.__pwned = 1"} **b** _i_ `code` ~~s~~ ==m== ^^c^^ ++ctrl++ :smile:',
    "Costs $5 and $x^2$, \\(a\\) \\[b\\] $$c$$",
    "&lt;b&gt; &amp; &#60;i&#62; &copy;",
    "a | b | c {{ 7*7 }} {% raw %} !!! note --8<-- \"x.md\" # h <!-- c --> <s> [CLS] </s>",
    "two\nlines\r\n# heading\tand a tab \x02wzxhzdk:0\x03",
    hostile.TEXT, *hostile.PAIR,
)
"""Corpus texts that would run, link, format or vanish if a page took them as Markdown or HTML."""


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_shows_literally_in_every_place_a_page_puts_it(text):
    """In a paragraph, a table cell, a link's text and an image's alt text, the escaped text renders as
    exactly its characters (line breaks and tabs as spaces) and adds no tag or attribute."""
    shown = re.sub(r"[\x00-\x1f]", " ", text)
    md = site_markdown()

    def render(source: str) -> Page:
        md.reset()
        page = Page(md.convert(source))
        assert page.injected == []
        return page

    paragraph = render(f"**Input** (1 token): “{escape(text)}”")
    assert [t for t, _ in paragraph.tags] == ["p", "strong"] and paragraph.tags[0][1] == {}
    assert paragraph.text == f"Input (1 token): “{shown}”"
    cell = render(table(["a", "b"], [[escape(text), "1"]]))
    assert [t for t, _ in cell.tags] == ["table", "thead", "tr", "th", "th", "tbody", "tr", "td", "td"]
    assert [c.strip() for c in cell.cells] == [shown.strip(), "1"]
    link = render(f"[{escape(text)}](page.md)")
    assert link.tags == [("p", {}), ("a", {"href": "page.md"})] and link.text == shown
    image = render(f"![{escape(text)}](map.png)")
    assert image.tags == [("p", {}), ("img", {"alt": shown, "src": "map.png"})]


def test_escape_leaves_words_readable():
    assert escape("The cat sat, “naïvely”") == "The cat sat&#44; “naïvely”"
    assert escape("plain words 42") == "plain words 42"
