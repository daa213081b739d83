"""Hostile corpus texts, which would run, link or format if a page took them as HTML or Markdown, and
what tells that a built page did: the escaping tests' shared material.

Every payload that runs sets ``window.__pwned`` (or the page title), so a page ran corpus text when
that global is set, or when an element carries an event handler, a ``javascript:`` link or a script
that mentions it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from importlib import resources

import markdown
import yaml

MARK = "__pwned"
"""What every hostile payload sets or mentions."""

TEXT = 'The cat <script>__pwned=1</script> sat [a](javascript:__pwned=2) *b*{: onclick="__pwned=3"} $x$\n# h'
"""A single sentence: a script, a Markdown link to ``javascript:``, an attribute list, TeX and a line
break before a Markdown heading (short enough for a tiny model's 64 positions)."""
PAIR = ('First <svg onload="__pwned=4">', 'Second <img src=y onerror="__pwned=5"> part.')
"""A sentence pair: an SVG whose load and an image whose error would run."""

def shown(text: str) -> str:
    """``text`` as a page shows it: every run of whitespace (line breaks too) one space."""
    return re.sub(r"\s+", " ", text).strip()


def site_markdown() -> markdown.Markdown:
    """A Python-Markdown converter with the extensions (and their settings) of the site's ``mkdocs.yml``."""
    config = yaml.safe_load(resources.files("bertstory.report").joinpath("assets", "mkdocs.yml").read_text())
    extensions = config["markdown_extensions"]
    names = [e if isinstance(e, str) else next(iter(e)) for e in extensions]
    settings = {next(iter(e)): next(iter(e.values())) for e in extensions if isinstance(e, dict)}
    return markdown.Markdown(extensions=names, extension_configs=settings)


class Page(HTMLParser):
    """An HTML page or fragment read as a browser would build it: its tags (with attributes), its text
    (character references decoded), the text of each table cell, and what of a hostile text took effect."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text = ""
        self.cells: list[str] = []
        self.injected: list[str] = []
        self._in_script = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        self._in_script = tag == "script"
        if tag == "td":
            self.cells.append("")
        for name, value in attrs.items():
            value = value or ""
            if name.startswith("on") and MARK in value:
                self.injected.append(f"<{tag} {name}>")
            if name in ("href", "src", "action", "formaction") and value.strip().lower().startswith("javascript:"):
                self.injected.append(f"<{tag} {name}={value}>")
            if name == "srcdoc" and MARK in value:
                self.injected.append(f"<{tag} srcdoc>")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            if MARK in data:
                self.injected.append("<script> from the corpus")
            return
        self.text += data
        if self.tags and self.tags[-1][0] == "td":
            self.cells[-1] += data
