"""Figure 7: head clustering — MDS embeddings of heads by attention and by global attribution."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.colors import BoundaryNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from bertstory.report import style
from bertstory.report.naming import label_order, view_title


def head_embedding(embedding: pd.DataFrame, heads: pd.DataFrame) -> Figure:
    """Figure 7: 2-D MDS coordinates (unitless; distances approximate JS distances between
    heads) per view (rows), coloured by layer (left) and by the head's label in that view (right)."""
    views = [v for v in ("attention", "global") if v in set(embedding["view"])]
    L = int(heads["layer"].max())
    fig, axes = plt.subplots(len(views), 2, figsize=(style.PAGE_WIDTH_IN, 3.0 * len(views)), layout="constrained",
                             squeeze=False)
    cmap = plt.get_cmap("viridis", L)
    norm = BoundaryNorm([x + 0.5 for x in range(L + 1)], L)
    for row, view in enumerate(views):
        points = embedding[embedding["view"] == view].merge(heads[["layer", "head", f"label_{view}"]], on=["layer", "head"])
        ax = axes[row, 0]
        scatter = ax.scatter(points["x"], points["y"], c=points["layer"], cmap=cmap, norm=norm, s=14,
                             edgecolors="0.2", linewidths=0.3)
        ax.set_title(f"{view_title(view)}: coloured by layer")
        fig.colorbar(scatter, ax=ax, ticks=range(1, L + 1), label="layer")
        ax = axes[row, 1]
        labels = label_order(points[f"label_{view}"])
        for label in labels:
            part = points[points[f"label_{view}"] == label]
            ax.scatter(part["x"], part["y"], color=style.label_color(label), s=14, edgecolors="0.2", linewidths=0.3,
                       label=label)
        ax.set_title(f"{view_title(view)}: coloured by label")
        ax.legend(handles=[Line2D([], [], marker="o", linestyle="", color=style.label_color(lab), markeredgecolor="0.2",
                                  markeredgewidth=0.3, label=lab) for lab in labels],
                  frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
        for ax in axes[row]:
            ax.set_xlabel("MDS 1")
            ax.set_ylabel("MDS 2")
            ax.set_aspect("equal", adjustable="datalim")
    return fig
