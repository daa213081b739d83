"""The figures of the layer and head pages (site only, PNG): one registry for both.

A figure on every layer page or every head page is one
:class:`~bertstory.report.figures.registry.RegisteredFigure` of its ``scope``: a file key, a title and
caption the page prints (Markdown, after the page's name), and a factory that prepares a drawer once
per run (the expensive part: tables reshaped, shared axes laid out) whose ``draw`` writes one page's
PNG, ``<page stem>-<key>.png`` beside the page (``layer-3-<key>.png``, ``L3-H7-<key>.png``).
Adding a panel to the head page means writing its drawer module and adding one entry here;
``build.py``, the page templates and the tests iterate over :data:`PAGE_FIGURES`.

Each head page also shows the head's maps on the example inputs (:mod:`bertstory.report.examples`),
one PNG ``<head>-<key>-<input id>-<view>.png`` per example and view beside the page, each linked to the
explorer at that head, input and view (:func:`explorer_link`): :data:`EXAMPLE_MAPS`, whose caption the
head page prints before the maps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import matplotlib.pyplot as plt

from bertstory.report import frames, style
from bertstory.report.examples import load_examples
from bertstory.report.figures.head_maps import ExampleMaps
from bertstory.report.figures.heads import HeadFigure
from bertstory.report.figures.layers import LAYER_DPI, layer_figure
from bertstory.report.figures.registry import RegisteredFigure, Scope
from bertstory.report.naming import class_names, head_name, layer_slug
from bertstory.results import RunFolder
from bertstory.maps import run_maps, views


class Drawer(Protocol):
    """Draws one page's figure: ``draw(layer, out)`` for layer pages, ``draw(layer, head, out)``
    for head pages (1-based), writing the PNG ``out`` and returning its path."""

    def draw(self, *key_and_out) -> Path: ...


class LayerDrawer:
    """The per-layer figure of :func:`bertstory.report.figures.layers.layer_figure`."""

    def __init__(self, run: RunFolder) -> None:
        self.heads = run.table("heads")
        self.names = class_names(run.record)

    def draw(self, layer: int, out: Path) -> Path:
        fig = layer_figure(self.heads, layer, self.names)
        (path,) = style.save(fig, out.with_suffix(""), pdf=False, dpi=LAYER_DPI)
        plt.close(fig)
        return path


def explorer_link(layer: int, head: int, input_id: str, view: str) -> str:
    """The explorer at this head (1-based), input and view, from a head page."""
    return f"../explorer.md#input={input_id}&layer={layer}&head={head}&view={view}"


def _head_figure(run: RunFolder) -> HeadFigure:
    style.apply()
    return HeadFigure(frames.positions(run.table("positions")), run.table("heads"), class_names(run.record))


def _example_maps(run: RunFolder) -> ExampleMaps:
    style.apply()
    return ExampleMaps(load_examples(run))


PAGE_FIGURES: tuple[RegisteredFigure, ...] = (
    RegisteredFigure(
        "heads", "Divergence and mass per head",
        "(a) Each head's mean JS divergence of attention against local and against global attribution, with its "
        "bootstrap 95% interval over inputs. (b) Each head's mean mass on each token class under attention and "
        "under global attribution.",
        LayerDrawer, scope="layer",
    ),
    RegisteredFigure(
        "views", "Where the head looks, in each view",
        "(a) Mean mass at each relative position of the key (−5..+5) and (b) mean mass per token class, under "
        "attention, local and global attribution.",
        _head_figure, scope="head",
    ),
)

EXAMPLE_MAPS = RegisteredFigure(
    "map", "The maps on example inputs",
    "The head's attention, local and global attribution on each example input: rows are queries, columns input "
    "tokens, colour the share of the query's row (one scale on every head's page and in the explorer). Each map "
    "opens in the [explorer](../explorer.md) at this head and input.",
    _example_maps, scope="head",
)


def figures_for(scope: Scope) -> list[RegisteredFigure]:
    """The registered figures of layer pages or of head pages, in page order."""
    return [figure for figure in PAGE_FIGURES if figure.scope == scope]


def draw_page_figures(run: RunFolder, generated: Path) -> int:
    """Draw every registered figure of every layer page (``generated/layers/``) and head page
    (``generated/heads/``), and the head pages' :data:`EXAMPLE_MAPS` of the run's views
    (:func:`~bertstory.maps.run_maps`); returns how many files were written."""
    with run_maps(run.record.settings.faithfulness):
        return _draw_page_figures(run, generated)


def _draw_page_figures(run: RunFolder, generated: Path) -> int:
    style.apply()
    record = run.record
    layers = range(1, record.num_layers + 1)
    heads = [(layer, head) for layer in layers for head in range(1, record.num_heads + 1)]
    written = 0
    for figure in figures_for("layer"):
        drawer = figure.draw(run)
        for layer in layers:
            drawer.draw(layer, generated / "layers" / figure.file_name(layer_slug(layer)))
            written += 1
    for figure in figures_for("head"):
        drawer = figure.draw(run)
        for layer, head in heads:
            drawer.draw(layer, head, generated / "heads" / figure.file_name(head_name(layer, head)))
            written += 1
    maps = EXAMPLE_MAPS.draw(run)
    for layer, head in heads:
        for input_id in maps.input_ids:
            for view in views():
                maps.draw(layer, head, input_id, view,
                          generated / "heads" / EXAMPLE_MAPS.file_name(head_name(layer, head), input_id, view))
                written += 1
    return written
