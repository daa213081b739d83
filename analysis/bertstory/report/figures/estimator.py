"""Figure 8: error of the probe estimator against ``exact`` on map rows drawn from the run, by K."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullLocator

from bertstory.maps import MAPS, estimated_maps
from bertstory.report import style

MARKERS = ("s", "o", "^", "D", "v", "P")
"""Markers of the maps, in the order drawn (registry order, then maps no longer registered)."""
SPREAD = (0.1, 0.9)
"""The quantiles of the rows' errors that a bar spans."""
BAR_OFFSET = 0.08
"""How far aside of K each map's bar is drawn, in log2 units."""


def estimator_error(errors: pd.DataFrame, k: int | None = None) -> Figure:
    """Figure 8: per map, (a) total variation of a row ([0, 1]) and (b) largest absolute entry
    error of a row of the probe estimate against ``exact``, against the number of probes K (log–log;
    line: mean over the measured rows; bar: their 10th to 90th percentile, each map's a little aside of
    K). A dashed line marks the run's ``k``."""
    measured = set(errors["view"])
    views = [v for v in estimated_maps() if v in measured] + sorted(measured - set(estimated_maps()))
    ks = sorted(int(x) for x in errors["probes"].unique())
    fig, axes = plt.subplots(1, 2, figsize=(style.PAGE_WIDTH_IN * 0.8, 2.4), layout="constrained")
    for ax, column, ylabel in ((axes[0], "tv", "total variation of a row"),
                               (axes[1], "max_abs_error", "largest |error| of an entry")):
        for index, view in enumerate(views):
            part = errors[errors["view"] == view]
            color = MAPS[view].colour if view in MAPS else style.OKABE_ITO["black"]
            spread = part.groupby("probes")[column].quantile([SPREAD[0], SPREAD[1]]).unstack()
            aside = 2 ** (BAR_OFFSET * (index - (len(views) - 1) / 2))
            ax.vlines(spread.index * aside, spread[SPREAD[0]].where(spread[SPREAD[0]] > 0), spread[SPREAD[1]],
                      color=color, alpha=0.5, linewidth=1.5)
            mean = part.groupby("probes")[column].mean()
            ax.plot(mean.index, mean.where(mean > 0), marker=MARKERS[index % len(MARKERS)], markersize=3, color=color,
                    label=MAPS[view].title if view in MAPS else view)
        if k is not None:
            ax.axvline(k, color="0.5", linestyle="--", linewidth=0.8, label=f"this run (K = {k})")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.xaxis.set_major_locator(FixedLocator(ks))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xticklabels([str(x) for x in ks])
        ax.set_xlabel("probes per token K")
        ax.set_ylabel(ylabel)
    axes[0].legend(frameon=False)
    return fig
