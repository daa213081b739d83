"""Figures 3 and 4: surface patterns per head (masses on the label classes, labels, transitions)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from bertstory.report import frames, style
from bertstory.report.naming import CONTRASTED_VIEWS, PAPER_VIEWS, ClassNames, label_order, view_title


def mass_by_layer(heads: pd.DataFrame, names: ClassNames) -> Figure:
    """Figure 3: per layer, each head's mean mass (fraction of a row, [0, 1]) on the first
    ([CLS]) and end ([SEP]) tokens, punctuation, self, previous and next token (``names``: the
    run's classes and their titles; a decoder has no next token, its panel is left out),
    attention beside global attribution."""
    frames = []
    for view in CONTRASTED_VIEWS:
        cols = {f"mass_{c}_{view}": c for c in names.label_columns}
        part = heads[["layer", "head", *cols]].rename(columns=cols).melt(
            id_vars=["layer", "head"], var_name="cls", value_name="mass"
        )
        frames.append(part.assign(view=view_title(view)))
    long = pd.concat(frames, ignore_index=True)
    palette = {view_title(v): style.map_colour(v) for v in CONTRASTED_VIEWS}
    fig, axes = plt.subplots(2, 3, figsize=(style.PAGE_WIDTH_IN, 4.0), layout="constrained", sharey=True)
    for ax in axes.flat[len(names.label_columns):]:
        ax.set_visible(False)
    for ax, cls in zip(axes.flat, names.label_columns):
        sns.stripplot(
            long[long["cls"] == cls], x="layer", y="mass", hue="view", hue_order=list(palette), palette=palette,
            dodge=True, size=2.2, alpha=0.75, jitter=0.2, ax=ax, legend=ax is axes.flat[0],
        )
        ax.set_title(f"mass on {names.titles[cls]}")
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("layer")
        ax.set_ylabel("mass (fraction of row)")
    axes.flat[0].legend(title=None, frameon=False, loc="upper left")
    return fig


def label_grids(heads: pd.DataFrame, names: ClassNames) -> Figure:
    """Figure 4a: layer × head grids of each head's pattern label, one grid per view of the paper
    (:data:`~bertstory.report.naming.PAPER_VIEWS`); the legend
    names the labels as the run does (``names.label_titles``)."""
    L, H = int(heads["layer"].max()), int(heads["head"].max())
    order = label_order(pd.concat([heads[f"label_{v}"] for v in PAPER_VIEWS]))
    index = {label: k for k, label in enumerate(order)}
    cmap = ListedColormap([style.label_color(label) for label in order])
    norm = BoundaryNorm(np.arange(len(order) + 1) - 0.5, len(order))
    cell = min(0.3, (style.PAGE_WIDTH_IN - 1.2) / (len(PAPER_VIEWS) * H))
    fig, axes = plt.subplots(1, len(PAPER_VIEWS), figsize=(style.PAGE_WIDTH_IN, 1.0 + cell * L), layout="constrained", sharey=True)
    for ax, view in zip(axes, PAPER_VIEWS):
        grid = heads.pivot(index="layer", columns="head", values=f"label_{view}").map(index.get).to_numpy(float)
        ax.imshow(grid, cmap=cmap, norm=norm, aspect="equal")
        ax.set_title(view_title(view))
        ax.set_xticks(range(H), [str(h) for h in range(1, H + 1)])
        ax.set_yticks(range(L), [str(layer) for layer in range(1, L + 1)])
        ax.set_xlabel("head")
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
    axes[0].set_ylabel("layer")
    handles = [Patch(facecolor=style.label_color(label), edgecolor="0.3", linewidth=0.3,
                     label=names.label_titles[label]) for label in order]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(order), frameon=False, handlelength=1.0)
    return fig


def transition_heatmap(transitions: pd.DataFrame, names: ClassNames) -> Figure:
    """Figure 4b: heads counted by attention label (rows) and global-attribution label
    (columns) among the run's labels (``names``, which also name them), from the ``transitions``
    table (scope ``all``)."""
    counts = frames.transitions(transitions, labels=names.labels).rename(index=names.label_titles,
                                                                         columns=names.label_titles)
    fig, ax = plt.subplots(figsize=(style.COLUMN_WIDTH_IN, 2.9), layout="constrained")
    sns.heatmap(
        counts, annot=True, fmt="d", cmap="Blues", cbar_kws={"label": "heads"}, ax=ax,
        linewidths=0.4, linecolor="white", annot_kws={"fontsize": plt.rcParams["xtick.labelsize"]}, square=True,
    )
    ax.set_xlabel("label under global attribution")
    ax.set_ylabel("label under attention")
    ax.tick_params(length=0)
    ax.tick_params(axis="y", rotation=0)
    ax.tick_params(axis="x", rotation=45)
    ax.collections[0].colorbar.locator = MaxNLocator(integer=True)
    ax.collections[0].colorbar.update_ticks()
    return fig
