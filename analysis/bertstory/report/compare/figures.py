"""The comparison figures (site only, PNG), one registry for the index and the pair pages.

A figure is one :class:`~bertstory.report.figures.registry.RegisteredFigure`: a file ``key``, a ``title`` and ``caption`` the
page prints (PNG ``<page stem>-<key>.png`` beside the page), and ``draw``, which draws it from the runs compared (every run on the index, two on a
pair page) and, on a pair page of two runs on the same corpus, their paired differences; it returns
``None`` when it has nothing to draw (the paired figure for different corpora). Pages and tests
iterate over :data:`COMPARISON_FIGURES`. Depth is a layer's number over its model's L, so models
with different numbers of layers share one axis.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from bertstory.report import style
from bertstory.report.compare.runs import ComparedRun
from bertstory.report.figures.registry import RegisteredFigure
from bertstory.report.naming import view_title

RUN_COLORS: tuple[str, ...] = tuple(style.OKABE_ITO[c] for c in
                                    ("blue", "vermillion", "green", "orange", "purple", "sky", "yellow", "black"))
"""Colour of the first, second, … run of a comparison (repeating beyond eight)."""


def run_color(run: ComparedRun) -> str:
    """The run's colour on every figure of the comparison, by its position."""
    return RUN_COLORS[run.position % len(RUN_COLORS)]


def _depth_axis(ax) -> None:
    ax.set_xlim(0, 1.02)
    ax.set_xlabel("depth (layer / L)")


def _legend(fig: Figure, runs: Sequence[ComparedRun]) -> None:
    handles = [plt.Line2D([], [], color=run_color(r), marker="o", markersize=3, label=f"{r.letter}: {r.name}")
               for r in runs]
    fig.legend(handles=handles, loc="outside lower center", frameon=False, ncols=1)


def js_by_depth(runs: Sequence[ComparedRun], paired: pd.DataFrame | None) -> Figure:
    """Per layer of each run, the median over its heads of the mean JS (bits) of attention against
    local (left) and against global attribution (right), against depth."""
    fig, axes = plt.subplots(1, 2, figsize=(style.PAGE_WIDTH_IN, 2.6 + 0.12 * len(runs)), layout="constrained",
                             sharey=True)
    for ax, column, title in ((axes[0], "js_attention_local_median", "attention vs local"),
                              (axes[1], "js_attention_global_median", "attention vs global")):
        for run in runs:
            ax.plot(run.curves["depth"], run.curves[column], "o-", color=run_color(run), markersize=3)
        ax.set_title(title)
        _depth_axis(ax)
    axes[0].set_ylabel("median head JS (bits)")
    axes[0].set_ylim(bottom=0)
    _legend(fig, runs)
    return fig


def mixing_by_depth(runs: Sequence[ComparedRun], paired: pd.DataFrame | None) -> Figure:
    """Per layer of each run, the own-token share of token contribution: median (line) and
    interquartile range (band), against depth."""
    fig, ax = plt.subplots(figsize=(style.COLUMN_WIDTH_IN + 0.6, 2.6 + 0.12 * len(runs)), layout="constrained")
    for run in runs:
        c = run.curves
        ax.fill_between(c["depth"], c["own_share_q25"], c["own_share_q75"], color=run_color(run), alpha=0.2,
                        linewidth=0)
        ax.plot(c["depth"], c["own_share_median"], "o-", color=run_color(run), markersize=3)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("own-token share")
    _depth_axis(ax)
    _legend(fig, runs)
    return fig


def paired_difference(runs: Sequence[ComparedRun], paired: pd.DataFrame | None) -> Figure | None:
    """Per matched pair of layers, the mean over inputs of js_B − js_A (attention vs global, bits)
    with its bootstrap 95% interval, against the first run's depth; ``None`` without paired inputs."""
    if paired is None:
        return None
    a, b = runs
    part = paired[paired["layer_a"] > 0]
    fig, ax = plt.subplots(figsize=(style.COLUMN_WIDTH_IN + 0.6, 2.4), layout="constrained")
    ax.axhline(0, color="grey", linewidth=0.6, linestyle="--")
    ax.errorbar(part["depth"], part["difference"],
                yerr=[part["difference"] - part["lo"], part["hi"] - part["difference"]],
                fmt="o-", color=run_color(b), markersize=3, capsize=2)
    ax.set_ylabel(f"JS {b.letter} − JS {a.letter} (bits)")
    _depth_axis(ax)
    ax.set_xlabel(f"depth of {a.letter} (layer / L)")
    return fig


def faithfulness_by_depth(runs: Sequence[ComparedRun], paired: pd.DataFrame | None) -> Figure | None:
    """Per view of a head (one panel each, the first run's order), per layer of each run the median over
    its heads of the Spearman ρ with global ablation (line) and its 95% interval (band), against depth;
    ``None`` unless every run measured faithfulness."""
    if any(run.faithfulness is None for run in runs):
        return None
    views = list(dict.fromkeys(v for run in runs for v in run.faithfulness["view"]))
    fig, axes = plt.subplots(1, len(views), figsize=(style.PAGE_WIDTH_IN, 2.4 + 0.12 * len(runs)),
                             layout="constrained", sharey=True, squeeze=False)
    for ax, view in zip(axes[0], views):
        for run in runs:
            part = run.faithfulness[run.faithfulness["view"] == view].sort_values("layer")
            ax.fill_between(part["depth"], part["spearman_median_lo"], part["spearman_median_hi"],
                            color=run_color(run), alpha=0.2, linewidth=0)
            ax.plot(part["depth"], part["spearman_median"], "o-", color=run_color(run), markersize=3)
        ax.set_title(view_title(view))
        _depth_axis(ax)
    axes[0, 0].set_ylabel("median Spearman ρ")
    _legend(fig, runs)
    return fig


COMPARISON_FIGURES: tuple[RegisteredFigure, ...] = (
    RegisteredFigure(
        "js", "Attention against attribution, by depth",
        "Per layer of each run, the median over the layer's heads of each head's mean Jensen–Shannon divergence "
        "(bits) between attention and local (left) or global (right) attribution; depth is the layer over the "
        "model's number of layers L.", js_by_depth),
    RegisteredFigure(
        "mixing", "Mixing, by depth",
        "Per layer of each run, the own-token share of token contribution over every output of every input: "
        "median (line) and interquartile range (band).", mixing_by_depth),
    RegisteredFigure(
        "paired", "Input by input: attention against global attribution",
        "Per matched pair of layers, the mean over the inputs of the difference B − A of each input's mean "
        "Jensen–Shannon divergence (bits) between attention and global attribution, with its bootstrap 95% "
        "interval (dashed: no difference).", paired_difference),
    RegisteredFigure(
        "faithfulness", "Agreement with global ablation, by depth",
        "Per layer of each run, the median over the layer's heads of each head's Spearman correlation per query "
        "row between a view (one panel each) and global ablation, with its bootstrap 95% interval (band); shown "
        "when every run measured faithfulness.", faithfulness_by_depth),
)


def draw_comparison_figures(runs: Sequence[ComparedRun], paired: pd.DataFrame | None, folder: Path,
                            page_stem: str) -> list[RegisteredFigure]:
    """Write the PNG of every figure of :data:`COMPARISON_FIGURES` that has something to draw for
    ``runs`` (and ``paired``) into ``folder``; returns those figures."""
    style.apply()
    drawn = []
    for spec in COMPARISON_FIGURES:
        fig = spec.draw(runs, paired)
        if fig is None:
            continue
        style.save(fig, folder / spec.file_name(page_stem)[: -len(".png")], pdf=False)
        plt.close(fig)
        drawn.append(spec)
    return drawn
