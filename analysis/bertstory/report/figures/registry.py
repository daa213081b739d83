"""The one entry type of every figure registry: the paper figures (:data:`~bertstory.report.figures.paper.FIGURES`),
the layer and head pages' figures and example maps (:mod:`~bertstory.report.figures.page_figures`) and the
comparison pages' figures (:data:`~bertstory.report.compare.figures.COMPARISON_FIGURES`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Scope = Literal["layer", "head"]
"""The pages a page figure is drawn for: every layer page or every head page."""


@dataclass(frozen=True)
class RegisteredFigure:
    """One registered figure.

    Attributes:
        key: the figure's file name: a paper figure's stem (``figures/<key>.png`` and ``.pdf``), else
            the part after the page's stem (:meth:`file_name`).
        title, caption: what the page prints with it (Markdown).
        draw: what its registry calls to draw it: from a run's tables, the paper figure; from a run,
            a page figure's drawer, prepared once per run, that draws one page's PNG; from the runs
            compared, the comparison figure (or ``None`` when it has nothing to draw).
        scope: a page figure's pages (``None`` for the others).
        tables: the findings tables a paper figure is drawn from.
    """

    key: str
    title: str
    caption: str
    draw: Callable[..., Any]
    scope: Scope | None = None
    tables: tuple[str, ...] = ()

    def file_name(self, page_stem: str, *parts: str) -> str:
        """The PNG beside a page: ``<page stem>-<key>.png`` (``L3-H7-views.png``), with ``parts``
        (an example map's input id and view) joined on: ``L3-H7-map-00001-global.png``."""
        return "-".join((page_stem, self.key, *parts)) + ".png"
