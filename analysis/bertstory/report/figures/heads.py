"""One PNG per head: where the head looks in each view (its maps on the example inputs are
:mod:`bertstory.report.figures.head_maps`).

Drawing 72–144 figures is one of the report's slowest steps, so :class:`HeadFigure` renders the
parts every head shares (axes, ticks, legend) once and, per head, only draws its lines, bars and
title over a copy of that background (Agg blitting). Every panel therefore has a fixed scale,
the same on all heads' pages.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bertstory.report import style
from bertstory.report.naming import ClassNames, head_name, view_title
from bertstory.maps import views

HEAD_DPI = 110
"""Resolution of per-head PNGs (site only)."""


class HeadFigure:
    """Per-head figure: (a) mean mass at relative offsets −5..+5 per view, (b) mean mass per
    token class per view."""

    def __init__(self, positions: pd.DataFrame, heads: pd.DataFrame, names: ClassNames) -> None:
        """``positions``: :func:`bertstory.report.frames.positions`; ``heads``: the heads table;
        ``names``: the run's token classes (no ``next`` in a decoder) and their titles."""
        self.classes = names.shown
        self.class_titles = names.titles
        # offsets some key can have: a decoder's keys never come after the query (no mass, NaN there)
        self.offsets = np.array(sorted(positions.dropna(subset=["mass"])["offset"].unique()))
        grid = positions.pivot_table(index=["layer", "head", "view"], columns="offset", values="mass")
        self.profiles = {key: row.to_numpy(float) for key, row in grid.reindex(columns=self.offsets).iterrows()}
        self.heads = heads.set_index(["layer", "head"])
        self.fig = Figure(figsize=(style.PAGE_WIDTH_IN, 2.9), dpi=HEAD_DPI, layout="constrained")
        self.canvas = FigureCanvasAgg(self.fig)
        grid_spec = self.fig.add_gridspec(1, 2)
        self.title = self.fig.suptitle(f"{head_name(99, 99)}   (attention: punct, local: punct, global: punct)",
                                       fontsize=10, fontweight="bold")
        self._profile_panel(self.fig.add_subplot(grid_spec[0, 0]))
        self._class_panel(self.fig.add_subplot(grid_spec[0, 1]))
        # Lay out once with the placeholder title, then freeze the layout and keep the background.
        self.canvas.draw()
        self.fig.set_layout_engine("none")
        self.title.set_text("")
        self.title.set_animated(True)
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(self.fig.bbox)

    def _profile_panel(self, ax) -> None:
        self.lines = {
            view: ax.plot(self.offsets, np.zeros(len(self.offsets)), "o-", markersize=3, color=style.map_colour(view),
                          label=view_title(view), animated=True)[0]
            for view in views()
        }
        ax.axvline(0, color="0.85", linewidth=0.6, zorder=0)
        ax.set_xticks(self.offsets)
        ax.set_xlim(self.offsets[0] - 0.5, self.offsets[-1] + 0.5)
        ax.set_ylim(0, 1)
        ax.set_xlabel("relative position of key (i − j)")
        ax.set_ylabel("mean mass (fraction of row)")
        ax.set_title("(a) where the head looks")
        self.fig.legend(handles=list(self.lines.values()), loc="outside lower center", ncols=len(views()), frameon=False,
                        fontsize=7)

    def _class_panel(self, ax) -> None:
        width = 0.8 / len(views())
        x = np.arange(len(self.classes))
        self.bars = {
            view: ax.bar(x + (k - (len(views()) - 1) / 2) * width, np.zeros(len(self.classes)), width, color=style.map_colour(view),
                         label=view_title(view))
            for k, view in enumerate(views())
        }
        for bars in self.bars.values():
            for bar in bars:
                bar.set_animated(True)
        ax.set_xticks(x, [self.class_titles[c] for c in self.classes], rotation=30, ha="right")
        ax.set_xlim(-0.6, len(self.classes) - 0.4)
        ax.set_ylim(0, 1)
        ax.set_ylabel("mean mass (fraction of row)")
        ax.set_title("(b) mass per token class")

    def draw(self, layer: int, head: int, out: Path) -> Path:
        """Draw head (``layer``, ``head``), 1-based, and save it as ``out`` (PNG)."""
        row = self.heads.loc[(layer, head)]
        labels = ", ".join(f"{view}: {row[f'label_{view}']}" for view in views())
        self.title.set_text(f"{head_name(layer, head)}   ({labels})")
        self.canvas.restore_region(self.background)
        for view, line in self.lines.items():
            line.set_ydata(self.profiles.get((layer, head, view), np.zeros(len(self.offsets))))
            self.fig.draw_artist(line)
        for view, bars in self.bars.items():
            for bar, cls in zip(bars, self.classes):
                bar.set_height(float(row[f"mass_{cls}_{view}"]))
                self.fig.draw_artist(bar)
        self.fig.draw_artist(self.title)
        return style.save_canvas(self.canvas, out)
