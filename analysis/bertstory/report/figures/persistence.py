"""Figure 6: which patterns persist into global attribution — per pattern class, every head's
enrichment under attention against its enrichment under global attribution, and per layer the
across-heads Spearman correlation of attention mass with global mass."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import BoundaryNorm
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from bertstory.report import frames, style
from bertstory.report.naming import ClassNames, view_title

VIEW = "global"
"""The view whose persistence the figure shows."""
LAYER_CMAP = "viridis"


def _log_axis(axis, low: float, high: float) -> None:
    """Plain tick labels on a log axis from ``low`` to ``high``: 0.5, 1, 2, 5, 10 over a few
    decades, powers of ten only over more."""
    subs = (1.0, 2.0, 5.0) if np.log10(high / low) <= 2.5 else (1.0,)
    axis.set_major_locator(LogLocator(base=10, subs=subs))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_formatter(NullFormatter())


def _scatter(ax, points: pd.DataFrame, cmap, norm, persist_enrichment: float):
    """One class's panel (a): ``points`` from :func:`~bertstory.report.frames.enrichment_scatter`.
    Returns the scatter artist that carries the layer colours, or ``None`` when nothing is drawn."""
    shown = points[np.isfinite(points["x"]) & np.isfinite(points["y"]) & (points["x"] > 0) & (points["y"] > 0)]
    if shown.empty:
        ax.text(0.5, 0.5, "class never occurs", transform=ax.transAxes, ha="center", va="center", fontsize=7)
        ax.set_xticks([])
        ax.set_yticks([])
        return None
    values = np.concatenate([shown["x"], shown["y"], [1.0, persist_enrichment]])
    low, high = values.min() / 1.3, values.max() * 1.3
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    for axis in (ax.xaxis, ax.yaxis):
        _log_axis(axis, low, high)
    ax.plot([low, high], [low, high], color="0.8", linewidth=0.7, zorder=0)
    ax.axhline(1.0, color="0.5", linestyle="--", linewidth=0.7)
    ax.axvline(1.0, color="0.5", linestyle="--", linewidth=0.7)
    ax.axhline(persist_enrichment, color="0.3", linestyle=":", linewidth=0.8)
    others, patterned = shown[~shown["has_pattern"]], shown[shown["has_pattern"]]
    artist = ax.scatter(others["x"], others["y"], c=others["layer"], cmap=cmap, norm=norm, s=9, alpha=0.6,
                        linewidths=0)
    if len(patterned):
        lo = (patterned["y"] - patterned["y_lo"]).clip(lower=0)
        hi = (patterned["y_hi"] - patterned["y"]).clip(lower=0)
        ax.errorbar(patterned["x"], patterned["y"], yerr=np.vstack([lo, hi]), fmt="none", ecolor="0.35",
                    elinewidth=0.6, capsize=1.2, zorder=2)
        artist = ax.scatter(patterned["x"], patterned["y"], c=patterned["layer"], cmap=cmap, norm=norm, s=30,
                            edgecolors="black", linewidths=0.7, zorder=3)
    return artist


def _curve(ax, curve: pd.DataFrame, name: str) -> None:
    """One class's panel (b): the Spearman correlation per layer with its 95% band."""
    color = style.label_color(name)
    ax.fill_between(curve["layer"], curve["lo"], curve["hi"], color=color, alpha=0.25, linewidth=0)
    ax.plot(curve["layer"], curve["rho"], "o-", color=color, markersize=2.5, linewidth=1.0)
    ax.axhline(0.0, color="0.5", linestyle="--", linewidth=0.7)
    ax.set_ylim(-1.05, 1.05)
    ax.set_yticks([-1, 0, 1])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("layer")


def persistence(heads: pd.DataFrame, table: pd.DataFrame, persist_enrichment: float, names: ClassNames) -> Figure:
    """Figure 6. ``heads``: the heads table; ``table``: the persistence table;
    ``persist_enrichment``: the enrichment a pattern needs in global attribution to persist;
    ``names``: the run's pattern classes (no ``next`` in a decoder) and their titles.

    For each pattern class, (a) each head's enrichment on the class (× chance, log axes, same
    range on both) under attention (x) against global attribution (y), coloured by layer; the
    heads whose pattern is the class are drawn large, edged, with the 95% interval of their
    global enrichment. Dashed: chance (1); dotted: the persistence threshold; grey: equal
    enrichment in both views. Heads whose enrichment is undefined (the class never occurs) or
    0 are left out (log axes). Below it, (b) per layer, the Spearman correlation across the
    layer's heads of attention mass with global-attribution mass on the class, with its
    bootstrap 95% interval as a band.
    """
    n_layers = int(heads["layer"].max())
    cmap = plt.get_cmap(LAYER_CMAP, n_layers)
    norm = BoundaryNorm(np.arange(0.5, n_layers + 1.5), n_layers)
    by_class = frames.persistence_by_class(table, VIEW)
    curves = frames.spearman_curves(table, VIEW)
    fig = plt.figure(figsize=(style.PAGE_WIDTH_IN, 7.4), layout="constrained")
    grid = fig.add_gridspec(4, 3, height_ratios=[3.0, 1.2, 3.0, 1.2])
    scatters, artist = [], None
    for k, name in enumerate(names.pattern_classes):
        row, col = 2 * (k // 3), k % 3
        ax = fig.add_subplot(grid[row, col])
        scatters.append(ax)
        drawn = _scatter(ax, frames.enrichment_scatter(heads, name, VIEW), cmap, norm, persist_enrichment)
        artist = drawn if drawn is not None else artist
        ax.set_title(f"{names.patterns[name]}: {by_class.loc[name, 'persist']} of {by_class.loc[name, 'heads']} "
                     "persist")
        ax.set_xlabel("attention enrichment")
        below = fig.add_subplot(grid[row + 1, col])
        _curve(below, curves[curves["class"] == name], name)
        if col == 0:
            ax.set_ylabel(f"{view_title(VIEW)}\nenrichment (× chance)")
            below.set_ylabel("Spearman ρ")
    if artist is not None:
        bar = fig.colorbar(artist, ax=scatters, shrink=0.5, label="layer", ticks=np.arange(1, n_layers + 1))
        bar.ax.tick_params(length=0)
    fig.suptitle("(a) per class, each head's enrichment under attention and under global attribution "
                 "(large: heads with that pattern)\n(b) below each, Spearman ρ across a layer's heads of attention "
                 "mass with global mass, 95% band", fontsize=7)
    return fig
