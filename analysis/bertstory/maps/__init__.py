"""The maps of an input, declared once: the registry (:mod:`bertstory.maps.kind`) and the
built-in maps, one module each, registered in table order (each module imports those it is compared with, so
they register first) — attention, local and global
attribution (the views of a head), then token contribution (a layer's map).

Importing this package imports no torch: :mod:`bertstory.maps.compute` runs a model.
"""

from bertstory.maps import attention, global_attribution, local_attribution, token_contribution  # noqa: F401
from bertstory.maps.input_maps import InputMaps
from bertstory.maps.kind import (
    MAPS,
    MapKind,
    Scope,
    cluster_views,
    estimated_maps,
    map_names,
    map_shape,
    map_titles,
    pair_names,
    persistence_views,
    register_map,
    view_pairs,
    views,
)

__all__ = ["MAPS", "InputMaps", "MapKind", "Scope", "cluster_views", "estimated_maps", "map_names", "map_shape",
           "map_titles", "pair_names", "persistence_views", "register_map", "view_pairs", "views"]
