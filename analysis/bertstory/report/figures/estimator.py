"""Figure 8: error of the probe estimator against ``exact`` on a few inputs."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from bertstory.report import style

VIEW_ORDER = ("local", "global", "contribution")


def estimator_error(errors: pd.DataFrame) -> Figure:
    """Figure 8: per view and K, the mean total variation (per row, [0, 1]) and the largest
    absolute entry error of the probe estimate against ``exact``; one point per input."""
    views = [v for v in VIEW_ORDER if v in set(errors["view"])] + sorted(set(errors["view"]) - set(VIEW_ORDER))
    errors = errors.assign(K=errors["probes"].map(lambda k: f"K = {k}"))
    ks = sorted(errors["K"].unique(), key=lambda s: int(s.split("= ")[1]))
    palette = dict(zip(ks, sns.color_palette("colorblind", len(ks))))
    fig, axes = plt.subplots(1, 2, figsize=(style.COLUMN_WIDTH_IN * 1.6, 2.2), layout="constrained")
    for ax, column, ylabel in ((axes[0], "mean_tv", "mean total variation"), (axes[1], "max_abs_error", "max |error|")):
        sns.stripplot(errors, x="view", y=column, order=views, hue="K", hue_order=ks, palette=palette, dodge=True,
                      size=3, jitter=0.15, ax=ax, legend=ax is axes[0])
        ax.set_ylim(bottom=0)
        ax.set_xlabel("map")
        ax.set_ylabel(ylabel)
    axes[0].legend(frameon=False, title=None)
    return fig
