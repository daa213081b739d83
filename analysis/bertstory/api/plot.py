"""Maps of one head of one input drawn as token-labelled heat maps — by default its views
(attention, local and global attribution, and any registered view) — side by side on one colour scale.

The figure is a plain :class:`matplotlib.figure.Figure`, made without ``pyplot``: it does not
change the notebook's backend nor pile up in pyplot's list of open figures. Display it as a
notebook cell's value or with ``display(figure)``, save it with ``figure.savefig(path)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.colors import PowerNorm
from matplotlib.figure import Figure

from bertstory.report.naming import token_label, view_title

COLOUR_MAP = "viridis"
COLOUR_GAMMA = 0.5
"""The colour of a cell is its share of the query's row on a power scale with this exponent
from 0 to 1 (as on the report's head pages), so that broad rows (about 1/n per token) stay
visible beside sharp ones."""
TOKEN_INCHES = 0.11
"""Room per token along each map's side, inches: enough for a 7-point tick label."""
TOKEN_LABEL_CHARACTERS = 10
"""Longer tokens are cut to this many characters (the last one an ellipsis) in tick labels, which show
them literally (:func:`~bertstory.report.naming.token_label`)."""


def head_views_figure(views: Mapping[str, np.ndarray], tokens: Sequence[str], title: str) -> Figure:
    """Maps of one head (or its layer) of one input of ``n`` tokens, one panel each.

    Args:
        views: registered map names (:data:`bertstory.maps.MAPS`) → (n, n) arrays, in panel order:
            rows are queries, columns keys.
        tokens: the ``n`` tokens, labelling rows and columns.
        title: the figure's title, e.g. ``L3-H7``.
    Returns:
        A figure whose first ``len(views)`` axes are the maps in ``views`` order, each titled with
        the map's title, then one colour bar they share.
    """
    n = len(tokens)
    labels = [token_label(token, TOKEN_LABEL_CHARACTERS) for token in tokens]
    side = max(2.4, TOKEN_INCHES * n + 0.8)
    figure = Figure(figsize=(len(views) * side + 1.0, side + 1.2), layout="constrained")
    norm = PowerNorm(COLOUR_GAMMA, vmin=0.0, vmax=1.0)
    axes = np.atleast_1d(figure.subplots(1, len(views), sharey=True))
    for ax, view in zip(axes, views):
        image = ax.imshow(np.asarray(views[view]), cmap=COLOUR_MAP, norm=norm, interpolation="nearest")
        ax.set_title(view_title(view))
        ax.set_xticks(range(n), labels, rotation=90, fontsize=7)
        ax.set_yticks(range(n), labels, fontsize=7)
        ax.tick_params(length=0, pad=1)
        ax.set_xlabel("key (input token)")
    axes[0].set_ylabel("query")
    figure.colorbar(image, ax=list(axes), shrink=0.8, label="share of the query's row")
    figure.suptitle(title, fontweight="bold")
    return figure
