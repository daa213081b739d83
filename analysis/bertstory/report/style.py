"""Figure style: Agg backend, paper rcParams, colour-blind-safe palettes, deterministic files.

Colours follow the Okabe–Ito palette (safe for the common colour-vision deficiencies);
continuous maps use ``cividis``/``viridis``. Files carry no dates or software strings, so
the same results give byte-identical PNG and PDF files.

Figures are drawn at the width they are shown at: a page shows a figure's PNG at its size in inches
(:func:`shown_width`, 96 CSS pixels an inch), so its text shows at the size of its points in every
figure alike (8 pt: 10.7 CSS pixels), and a figure as wide as the page is drawn :data:`PAGE_WIDTH_IN`
wide, which fits the site's text column.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import numpy as np
from PIL import Image

from bertstory.maps import MAPS, view_pairs

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#BBBBBB",
}



def map_colour(name: str) -> str:
    """A map's colour, from its registry entry."""
    return MAPS[name].colour


DERIVED_VIEW_COLOURS = {"rollout": OKABE_ITO["black"], "value_zeroing_rollout": "#6E6E6E"}
"""Colours of the views findings derive from maps (attention rollout, value-zeroing rollout): black and
dark grey, apart from every registered map's colour."""


def view_colour(name: str) -> str:
    """A view's colour: a derived view's from :data:`DERIVED_VIEW_COLOURS`, a map's from its registry
    entry, black for a map a table names that this process has not registered."""
    if name in DERIVED_VIEW_COLOURS:
        return DERIVED_VIEW_COLOURS[name]
    return MAPS[name].colour if name in MAPS else OKABE_ITO["black"]


def pair_colour(pair: str) -> str:
    """A compared pair ``{a}_{b}``'s colour: that of its second map (attention vs global: global's)."""
    a, b = next((a, b) for a, b in view_pairs() if f"{a}_{b}" == pair)
    return MAPS[b].colour


LABEL_COLORS = {
    "CLS": OKABE_ITO["orange"],
    "SEP": OKABE_ITO["vermillion"],
    "punct": OKABE_ITO["purple"],
    "self": OKABE_ITO["green"],
    "prev": OKABE_ITO["blue"],
    "next": OKABE_ITO["sky"],
    "broad": OKABE_ITO["grey"],
    "mixed": OKABE_ITO["yellow"],
}
METHOD_COLORS = {"rollout": OKABE_ITO["purple"], "attention": OKABE_ITO["blue"]}
SEQUENTIAL = "cividis"
MAP_CMAP = "viridis"

COLUMN_WIDTH_IN = 3.4
"""One column of a two-column paper, inches."""
PAGE_WIDTH_IN = 7.0
"""Full text width of a two-column paper, inches: 672 CSS pixels on a page, within the text column
of the site's pages with a table of contents (673 to 757 pixels wide from 1220-pixel windows up)."""
CSS_PX_PER_IN = 96
"""CSS pixels a page gives an inch of figure (the CSS inch)."""

RC = {
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "legend.title_fontsize": 7,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.03,
    "pdf.fonttype": 42,
    "figure.dpi": 100,
}

PNG_DPI = 2 * CSS_PX_PER_IN
"""Resolution of the site's PNG figures: two pixels a CSS pixel (sharp on high-density screens)."""

_PNG_METADATA = {"Software": None}
_PDF_METADATA = {"Creator": None, "Producer": None, "CreationDate": None}


def apply() -> None:
    """Set the paper rcParams (idempotent)."""
    plt.rcParams.update(RC)


@contextmanager
def seeded_jitter(seed: int = 0) -> Iterator[None]:
    """Seed numpy's global generator (seaborn's strip-plot jitter draws from it) and
    restore its state afterwards, so strip plots come out the same every time."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def label_color(label: str) -> str:
    """Colour of a head label; unknown labels are black."""
    return LABEL_COLORS.get(label, OKABE_ITO["black"])


def save(fig: Figure, stem: Path, pdf: bool = True, dpi: int = PNG_DPI) -> list[Path]:
    """Write ``stem.png`` (and ``stem.pdf``) without dates; returns the paths written.

    The figure is left open, so a caller may update its artists and save again.
    """
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png")]
    fig.savefig(paths[0], dpi=dpi, metadata=_PNG_METADATA)
    if pdf:
        paths.append(stem.with_suffix(".pdf"))
        fig.savefig(paths[1], metadata=_PDF_METADATA)
    return paths


def shown_width(png: Path, dpi: int = PNG_DPI) -> int:
    """The width in CSS pixels at which a page shows ``png``, drawn at ``dpi``: its width in inches
    at :data:`CSS_PX_PER_IN` (a point of text is then 4/3 CSS pixels in every figure)."""
    with Image.open(png) as image:
        return round(image.width * CSS_PX_PER_IN / dpi)


def save_canvas(canvas, out: Path, box: tuple[int, int, int, int] | None = None) -> Path:
    """Write what an Agg ``canvas`` holds (a blitted page figure, drawn on white) as the RGB PNG
    ``out``, cropped to the pixel ``box`` (left, upper, right, lower) when given. zlib level 1:
    faster than the default and, for these flat-coloured figures, no larger."""
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba())
    if box is not None:
        image = image.crop(box)
    out.parent.mkdir(parents=True, exist_ok=True)
    image.convert("RGB").save(out, format="png", compress_level=1)
    return out
