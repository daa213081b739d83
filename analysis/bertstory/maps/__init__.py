"""The maps of an input, declared once: the registry (:mod:`bertstory.maps.kind`) and the
built-in maps, one module each, registered in table order (each module imports those it is compared with, so
they register first) — attention, local and global attribution (the views of a head), token
contribution (a layer's map); then the faithfulness maps (``docs/method.md#faithfulness``): global
and local ablation and attention-norm (views of a head), hidden-state ablation and value zeroing
(maps of a layer).

Importing this package imports no torch: :mod:`bertstory.maps.compute` runs a model.
"""

# isort: off — the order of these imports is the order maps register in: the order of tables and pages
from bertstory.maps import attention, local_attribution, global_attribution, token_contribution  # noqa: F401
from bertstory.maps import attention_norm, value_zeroing  # noqa: F401
from bertstory.maps import ablation_local, ablation_global, ablation_hidden  # noqa: F401
# isort: on
from bertstory.maps.input_maps import InputMaps
from bertstory.maps.kind import (
    MAPS,
    MapKind,
    Scope,
    cluster_views,
    estimated_maps,
    explorer_maps,
    map_names,
    map_shape,
    map_titles,
    pair_names,
    persistence_views,
    register_map,
    run_maps,
    selected_maps,
    view_pairs,
    views,
)

__all__ = ["MAPS", "InputMaps", "MapKind", "Scope", "cluster_views", "estimated_maps", "explorer_maps", "map_names",
           "map_shape", "map_titles", "pair_names", "persistence_views", "register_map", "run_maps", "selected_maps", "view_pairs",
           "views"]
