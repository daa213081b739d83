"""Figure 9: which view is faithful — per layer, each view's agreement with an ablation ground truth."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bertstory.report import faithfulness, style
from bertstory.report.naming import DERIVED_VIEW_TITLES, view_title


def faithfulness_by_layer(layers: pd.DataFrame) -> Figure:
    """Figure 9 from the ``faithfulness_layers`` table: one panel per ground truth the run measured
    (:data:`~bertstory.report.faithfulness.GROUND_TRUTHS` order: global ablation, local ablation,
    hidden-state ablation), per layer each view's median over heads of the Spearman ρ with it (line,
    the view's colour; derived rollout views dashed) and its bootstrap 95% interval (band)."""
    truths = faithfulness.ground_truths(layers)
    fig, axes = plt.subplots(1, len(truths), figsize=(style.PAGE_WIDTH_IN, 2.9), layout="constrained",
                             sharey=True, squeeze=False)
    for k, (ax, truth) in enumerate(zip(axes[0], truths)):
        table = faithfulness.curves(layers, truth)
        for view in faithfulness.views_against(layers, truth):
            part = table.loc[view]
            colour = style.view_colour(view)
            ax.fill_between(part.index, part["spearman_median_lo"], part["spearman_median_hi"], color=colour,
                            alpha=0.18, linewidth=0)
            ax.plot(part.index, part["spearman_median"], "o--" if view in DERIVED_VIEW_TITLES else "o-",
                    color=colour, markersize=3, label=view_title(view))
        ax.axhline(0, color="grey", linewidth=0.6, linestyle=":")
        ax.set_title(f"({chr(ord('a') + k)}) against {view_title(truth)}")
        ax.set_xlabel("layer")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=1)
    axes[0, 0].set_ylabel("median Spearman ρ over heads")
    return fig
