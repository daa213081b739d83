"""Figure 5: how fast context mixes (own-token share of token contribution) and whether
attention rollout recovers token contribution better than raw attention."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bertstory.report import style

METHOD_TITLES = {"rollout": "attention rollout", "attention": "raw attention (head mean)"}


def mixing(mix: pd.DataFrame, rollout: pd.DataFrame) -> Figure:
    """Figure 5. ``mix``: :func:`bertstory.report.frames.mixing`; ``rollout``:
    :func:`bertstory.report.frames.rollout`. Panels: (a) own-token share C_jj per layer,
    median with interquartile band, and the fraction of outputs whose top contributor is
    their own token; (b) JS (bits) and (c) top-1 agreement of rollout and of raw attention
    with token contribution per layer."""
    fig, axes = plt.subplots(1, 3, figsize=(style.PAGE_WIDTH_IN, 2.7), layout="constrained")
    ax = axes[0]
    color = style.OKABE_ITO["blue"]
    ax.fill_between(mix["layer"], mix["own_share_q25"], mix["own_share_q75"], color=color, alpha=0.25, linewidth=0,
                    label="own-token share, IQR")
    ax.plot(mix["layer"], mix["own_share_median"], "o-", color=color, markersize=3, label="own-token share, median")
    ax.plot(mix["layer"], mix["own_top1_fraction"], "s--", color=style.OKABE_ITO["orange"], markersize=3,
            label="own token is top contributor")
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("fraction")
    ax.set_title("(a) own-token share of contribution")
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.22))
    for ax, metric, title, ylabel in (
        (axes[1], "js", "(b) JS to token contribution", "JS divergence (bits)"),
        (axes[2], "top1", "(c) top-1 agreement", "fraction of rows"),
    ):
        for method, part in rollout.groupby("method", sort=False):
            ax.plot(part["layer"], part[metric], "o-", markersize=3, color=style.METHOD_COLORS.get(method, "black"),
                    label=METHOD_TITLES.get(method, method))
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        ax.set_ylim(bottom=0, top=1.02 if metric == "top1" else None)
    axes[1].legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.22))
    for ax in axes:
        ax.set_xlabel("layer")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return fig
