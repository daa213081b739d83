"""Per-layer figure (site only): each head's divergence and where it puts its mass."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bertstory.report import style
from bertstory.report.figures.disagreement import HEATMAP_PAIRS
from bertstory.report.naming import CONTRASTED_VIEWS, ClassNames, layer_name, pair_title, view_title

LAYER_DPI = 110
"""Resolution of per-layer PNGs (site only), shown at their natural size: 8 pt text is 12.2 CSS px, as on
the head pages (HEAD_DPI) and within 20% of the paper figures' 10.7 px."""


def layer_figure(heads: pd.DataFrame, layer: int, names: ClassNames) -> Figure:
    """One layer (1-based): (a) per head, mean JS (bits) of attention vs local and vs global
    attribution with the bootstrap 95% interval over inputs; (b) per head, mean mass on
    each token class of the run (``names``) under attention and under global attribution (shared colour scale)."""
    part = heads[heads["layer"] == layer].sort_values("head")
    H = len(part)
    fig = Figure(figsize=(style.PAGE_WIDTH_IN, 2.2 + 0.12 * H), layout="constrained")
    FigureCanvasAgg(fig)
    panels = fig.subfigures(1, 2, width_ratios=[1.0, 1.15])
    ax = panels[0].subplots()
    x = np.arange(1, H + 1)
    for k, pair in enumerate(HEATMAP_PAIRS):
        shift = (k - 0.5) * 0.25
        mean = part[f"js_{pair}"].to_numpy()
        lo, hi = part[f"js_{pair}_lo"].to_numpy(), part[f"js_{pair}_hi"].to_numpy()
        ax.errorbar(x + shift, mean, yerr=np.vstack([mean - lo, hi - mean]).clip(min=0), fmt="o", markersize=3,
                    capsize=1.5, elinewidth=0.8, color=style.pair_colour(pair), label=pair_title(pair))
    ax.set_xticks(x)
    ax.set_xlabel("head")
    ax.set_ylabel("JS divergence (bits)")
    ax.set_ylim(bottom=0)
    ax.set_title(f"(a) {layer_name(layer)}: attention vs attribution, 95% CI")
    ax.legend(frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.08), ncols=2)
    axes = panels[1].subplots(1, len(CONTRASTED_VIEWS), sharey=True)
    for ax, view in zip(axes, CONTRASTED_VIEWS):
        grid = part[[f"mass_{c}_{view}" for c in names.label_columns]].to_numpy(float)
        image = ax.imshow(grid, cmap=style.SEQUENTIAL, vmin=0, vmax=1, aspect="auto")
        ax.set_xticks(range(len(names.label_columns)), [names.titles[c] for c in names.label_columns], rotation=45,
                      ha="right")
        ax.set_yticks(range(H), [str(h) for h in range(1, H + 1)])
        ax.tick_params(length=0)
        ax.set_title(view_title(view))
    axes[0].set_ylabel("head")
    panels[1].suptitle("(b) mean mass per token class", fontsize=8)
    panels[1].colorbar(image, ax=axes, label="mass (fraction of row)", shrink=0.9)
    return fig
