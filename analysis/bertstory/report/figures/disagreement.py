"""Figures 1 and 2: where attention and attribution part ways (JS divergence per head and layer)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from bertstory.report import style
from bertstory.report.naming import pair_title

HEATMAP_PAIRS = ("attention_local", "attention_global")
"""The two comparisons of figures 1 and 2: attention against each attribution view."""
ANNOTATE_MAX_HEADS = 12
"""Heatmap cells carry their value (two decimals, no leading zero: ``.37``), at the tick labels' size,
when a layer has at most this many heads: cells are then wide enough for it on a page-wide figure."""


def js_heatmaps(heads: pd.DataFrame) -> Figure:
    """Figure 1: layer × head heatmaps of mean JS divergence (bits, [0, 1]) of attention
    against local and against global attribution, on one colour scale."""
    L, H = int(heads["layer"].max()), int(heads["head"].max())
    grids = {p: heads.pivot(index="layer", columns="head", values=f"js_{p}").to_numpy() for p in HEATMAP_PAIRS}
    vmax = max(float(np.nanmax(g)) for g in grids.values()) or 1.0
    cell = min(0.42, (style.PAGE_WIDTH_IN - 1.0) / (2 * H))
    fig, axes = plt.subplots(1, 2, figsize=(style.PAGE_WIDTH_IN, 0.9 + cell * L), layout="constrained", sharey=True)
    for ax, pair in zip(axes, HEATMAP_PAIRS):
        image = ax.imshow(grids[pair], cmap=style.SEQUENTIAL, vmin=0.0, vmax=vmax, aspect="equal")
        if H <= ANNOTATE_MAX_HEADS:
            for (row, col), value in np.ndenumerate(grids[pair]):
                shade = "white" if value < 0.55 * vmax else "black"
                ax.text(col, row, f"{value:.2f}".removeprefix("0"), ha="center", va="center",
                        fontsize=plt.rcParams["xtick.labelsize"], color=shade)
        ax.set_title(f"JS: {pair_title(pair)}")
        ax.set_xticks(range(H), [str(h) for h in range(1, H + 1)])
        ax.set_yticks(range(L), [str(layer) for layer in range(1, L + 1)])
        ax.set_xlabel("head")
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
    axes[0].set_ylabel("layer")
    fig.colorbar(image, ax=axes, shrink=0.9, label="JS divergence (bits)")
    return fig


def js_by_layer(heads: pd.DataFrame) -> Figure:
    """Figure 2: per layer, the distribution over heads of mean JS (bits) of attention
    against local and against global attribution; one point per head."""
    long = heads.melt(
        id_vars=["layer", "head"], value_vars=[f"js_{p}" for p in HEATMAP_PAIRS], var_name="pair", value_name="js"
    )
    long["comparison"] = long["pair"].str.removeprefix("js_").map(pair_title)
    palette = {pair_title(p): style.pair_colour(p) for p in HEATMAP_PAIRS}
    order = [pair_title(p) for p in HEATMAP_PAIRS]
    fig, ax = plt.subplots(figsize=(style.PAGE_WIDTH_IN, 2.6), layout="constrained")
    sns.boxplot(
        long, x="layer", y="js", hue="comparison", hue_order=order, palette=palette, ax=ax,
        fill=False, showfliers=False, linewidth=0.9, legend=False,
    )
    sns.stripplot(
        long, x="layer", y="js", hue="comparison", hue_order=order, palette=palette, ax=ax,
        dodge=True, size=2.2, alpha=0.7, jitter=0.15,
    )
    ax.set_xlabel("layer")
    ax.set_ylabel("JS divergence (bits)")
    ax.set_ylim(bottom=0)
    ax.legend(title=None, frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2)
    return fig
