"""The maps of one input as one tidy (long) table: one row per map value."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from bertstory.maps import MAPS

COLUMNS = ("map", "layer", "head", "query", "key", "query_token", "key_token", "value")
"""The columns of :func:`tidy_maps`, in order."""


def tidy_maps(maps: Mapping[str, np.ndarray], tokens: Sequence[str]) -> pd.DataFrame:
    """One row per value of every map of one input of ``n`` tokens.

    Args:
        maps: registered maps by name (:data:`bertstory.maps.MAPS`), in registry order: a head's
            views (L, H, n, n), a layer's maps such as ``contribution`` (L, n, n).
        tokens: the ``n`` tokens.
    Returns:
        Columns :data:`COLUMNS`: ``map`` (categorical, in the order of ``maps``); ``layer`` and
        ``head`` numbered from 1 (head ``L3-H7`` is layer 3, head 7; ``head`` is ``<NA>`` on the
        rows of a layer's map such as ``contribution``, which belong to a layer, not a head;
        both nullable ``Int64``); ``query`` and ``key``, the 0-based positions of the row's
        query (output) token and of the key (input) token in ``tokens``; ``query_token`` and
        ``key_token``, those tokens; ``value``, the map's share (float32, each query row of a
        map sums to 1). Rows run over maps, then layers, heads, queries and keys.
    """
    tokens = np.asarray(list(tokens), dtype=object)
    parts = [_tidy_view(name, array, tokens) if MAPS[name].scope == "head" else
             _tidy_view(name, array[:, None], tokens, has_heads=False) for name, array in maps.items()]
    frame = pd.concat(parts, ignore_index=True)
    frame["map"] = pd.Categorical(frame["map"], categories=list(maps))
    return frame


def _tidy_view(name: str, array: np.ndarray, tokens: np.ndarray, has_heads: bool = True) -> pd.DataFrame:
    """Rows of one map of shape (L, H, n, n) (H = 1 and ``head`` <NA> without heads)."""
    layer, head, query, key = (index.ravel() for index in np.indices(array.shape))
    return pd.DataFrame({
        "map": name,
        "layer": pd.array(layer + 1, dtype="Int64"),
        "head": pd.array(head + 1, dtype="Int64") if has_heads else pd.array([pd.NA] * len(layer), dtype="Int64"),
        "query": query,
        "key": key,
        "query_token": tokens[query],
        "key_token": tokens[key],
        "value": array.ravel(),
    })
