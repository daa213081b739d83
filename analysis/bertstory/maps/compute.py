"""Compute every registered map of one input from one captured forward of the model."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from bertstory.engine import Estimator, open_source
from bertstory.errors import BertstoryError
from bertstory.maps.input_maps import InputMaps
from bertstory.maps.kind import MAPS, map_names, map_shape


def compute_maps(model: nn.Module, features: dict[str, torch.Tensor], *, estimator: Estimator = "probes",
                 probes: int = 8, seed: int = 0, input_id: str = "", ablation_baseline: str = "zero",
                 mask_token_id: int | None = None, names: Sequence[str] | None = None) -> InputMaps:
    """The maps ``names`` (default: every registered map, :func:`~bertstory.maps.map_names`) of one input.

    Args:
        model, features, estimator, probes, seed, input_id, ablation_baseline, mask_token_id: as for
            :func:`bertstory.engine.open_source` (checked there, before any compute).
        names: registered map names, computed in registry order.
    Returns:
        float32 arrays by name, shaped by each map's scope (:func:`~bertstory.maps.map_shape`).
    """
    unknown = [name for name in names or () if name not in map_names()]
    if unknown:
        raise BertstoryError(f"no map named {unknown[0]!r}; the maps are {', '.join(map_names())}")
    source = open_source(model, features, estimator=estimator, probes=probes, seed=seed, input_id=input_id,
                         ablation_baseline=ablation_baseline, mask_token_id=mask_token_id)
    num_layers, num_heads, n = *source.forward.attention.shape[:2], source.forward.attention.shape[-1]
    wanted = set(map_names() if names is None else names)
    arrays = {}
    for name, kind in MAPS.items():
        if name not in wanted:
            continue
        array = kind.compute(source).detach().to("cpu", torch.float32).numpy()
        expected = map_shape(name, num_layers, num_heads, n)
        if array.shape != expected:
            raise ValueError(f"map {name!r} computed an array of shape {array.shape}, expected {expected}")
        arrays[name] = array
    return InputMaps(arrays)
