"""The maps bertstory computes for every input, by the names the results files use.

``attention``, ``local`` and ``global`` are the three *views* of a head (shape (L, H, n, n));
``contribution`` is the per-layer token contribution (shape (L, n, n)). Definitions:
``docs/method.md#the-four-maps``; file format: ``docs/results.md``.
"""

from __future__ import annotations

from typing import Literal, get_args

View = Literal["attention", "local", "global"]
#: The three views of a head, in the order tables and pages list them.
VIEWS: tuple[View, ...] = get_args(View)

MapName = Literal["attention", "local", "global", "contribution"]
#: Every map of one input: the views, then token contribution.
MAP_NAMES: tuple[MapName, ...] = get_args(MapName)
#: Every map's title on pages and figures (``global`` → "global attribution").
MAP_TITLES: dict[MapName, str] = {"attention": "attention", "local": "local attribution",
                                  "global": "global attribution", "contribution": "token contribution"}
