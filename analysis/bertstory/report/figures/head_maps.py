"""A head's maps on the example inputs: one PNG per head, example input and view (site only),
big enough to read every token.

A map of n tokens gets :data:`CELL_IN` inches per token at :data:`MAP_DPI` (11 pixels a row, for
a 6-point label of 9 pixels), so its labels stay readable at 128 tokens; the resolution is lowered only where
a side would exceed :data:`MAX_PIXELS`, so files stay reasonable for longer inputs. Drawing
heads × examples × views maps is the report's slowest step, so :class:`ExampleMaps` renders each
example's axes, token labels and colour bar once and, per head and view, draws only the map and
its title over a copy of that background (Agg blitting), on one colour scale for every head.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import PowerNorm
from matplotlib.figure import Figure

from bertstory.report import style
from bertstory.report.examples import Example
from bertstory.maps import map_titles
from bertstory.report.naming import head_name, token_label, view_title

MAP_GAMMA = 0.5
"""Colour scale of the maps (and the explorer's): share of the row, power-law with this exponent
so that broad rows (≈ 1/n per token) stay visible next to sharp ones."""
CELL_IN = 0.1
"""Width and height of one token's column and row, inches."""
TOKEN_PT = 6
"""Font size of the token labels, points."""
MAP_DPI = 110
"""Resolution of the map PNGs: 11 pixels a token at :data:`CELL_IN`."""
MAX_PIXELS = 2000
"""Longest side of a map PNG, pixels: above it the resolution is lowered (from about 160 tokens)."""
COLOURBAR_IN = 2.5
"""Longest colour bar, inches (a map's width, up to this)."""
COLOURBAR_TICKS = (0.0, 0.1, 0.5, 1.0)
LABEL_CHARS = 12
"""Longest token label; longer tokens are cut with an ellipsis."""
_CHAR_IN = 0.055
"""Width of one label character at :data:`TOKEN_PT`, inches (for sizing the margins)."""


class _ExampleCanvas:
    """One example input's map figure: axes with its token labels and a colour bar, drawn once;
    ``draw`` puts one map and its title on a copy of that background."""

    def __init__(self, example: Example) -> None:
        self.example = example
        n = len(example.tokens)
        labels = [token_label(t, LABEL_CHARS) for t in example.tokens]
        margin = 0.35 + _CHAR_IN * max(len(label) for label in labels)  # tick labels and axis label
        width, height = margin + n * CELL_IN + 0.1, 0.3 + n * CELL_IN + margin + 0.6  # 0.3: title; 0.6: colour bar
        self.dpi = min(MAP_DPI, MAX_PIXELS / max(width, height))
        self.fig = Figure(figsize=(width, height), dpi=self.dpi, layout="constrained")
        self.canvas = FigureCanvasAgg(self.fig)
        self.axes = self.fig.add_subplot()
        self.image = self.axes.imshow(np.zeros((n, n)), cmap=style.MAP_CMAP, norm=PowerNorm(MAP_GAMMA, vmin=0.0, vmax=1.0),
                                      interpolation="nearest", animated=True)
        self.axes.set_xticks(range(n), labels, rotation=90, fontsize=TOKEN_PT)
        self.axes.set_yticks(range(n), labels, fontsize=TOKEN_PT)
        self.axes.tick_params(length=0, pad=1)
        self.axes.set_xlabel("input token (key)", fontsize=7)
        self.axes.set_ylabel(f"query · input {example.input_id}", fontsize=7)
        side = n * CELL_IN  # inches; the colour bar lies under the map, as wide as it up to COLOURBAR_IN
        bar = self.fig.colorbar(self.image, ax=self.axes, location="bottom", fraction=0.3 / side,
                                shrink=min(1.0, COLOURBAR_IN / side), aspect=min(side, COLOURBAR_IN) / 0.1,
                                anchor=(0.0, 1.0), ticks=COLOURBAR_TICKS)
        bar.set_label("share of the query's row", fontsize=7)
        bar.ax.tick_params(labelsize=TOKEN_PT)
        self.title = self.axes.set_title(f"{head_name(99, 99)} · {max(map_titles().values(), key=len)}", fontsize=8)
        # Lay out once with a placeholder title (the longest), then freeze the layout, keep the background
        # and the pixel box of what was drawn (the files are cropped to it).
        self.canvas.draw()
        self.fig.set_layout_engine("none")
        tight = self.fig.get_tightbbox(self.canvas.get_renderer()).padded(0.03)  # inches
        w, h = self.canvas.get_width_height()
        self.crop = (max(0, math.floor(tight.x0 * self.dpi)), max(0, math.floor(h - tight.y1 * self.dpi)),
                     min(w, math.ceil(tight.x1 * self.dpi)), min(h, math.ceil(h - tight.y0 * self.dpi)))
        self.title.set_text("")
        self.title.set_animated(True)
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(self.fig.bbox)

    def draw(self, layer: int, head: int, view: str, out: Path) -> Path:
        self.canvas.restore_region(self.background)
        self.image.set_data(self.example.maps[view][layer - 1, head - 1])
        self.title.set_text(f"{head_name(layer, head)} · {view_title(view)}")
        self.fig.draw_artist(self.image)
        self.fig.draw_artist(self.title)
        return style.save_canvas(self.canvas, out, self.crop)


class ExampleMaps:
    """Draws any head's attention, local or global map on any of ``examples`` as a PNG."""

    def __init__(self, examples: list[Example]) -> None:
        self.canvases = {example.input_id: _ExampleCanvas(example) for example in examples}

    @property
    def input_ids(self) -> list[str]:
        """The example inputs, in the order they were given."""
        return list(self.canvases)

    def draw(self, layer: int, head: int, input_id: str, view: str, out: Path) -> Path:
        """Draw the ``view`` map of head (``layer``, ``head``), 1-based, on input ``input_id`` and
        save it as ``out`` (PNG)."""
        return self.canvases[input_id].draw(layer, head, view, out)
