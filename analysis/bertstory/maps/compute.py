"""Compute every registered map of one input from one captured forward of the model."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from bertstory.engine import Estimator, open_source
from bertstory.engine.ablation_baselines import check_ablation_baseline
from bertstory.errors import BertstoryError
from bertstory.maps.ablation_global import ABLATION_GLOBAL
from bertstory.maps.ablation_hidden import ABLATION_HIDDEN
from bertstory.maps.ablation_local import ABLATION_LOCAL
from bertstory.maps.input_maps import InputMaps
from bertstory.maps.kind import MAPS, map_shape, selected_maps


BASELINE_MAPS: tuple[str, ...] = (ABLATION_GLOBAL.name, ABLATION_HIDDEN.name)
"""The maps that take a token away from the model's input, by the ablation baseline; local ablation
always zeroes a row of its layer's input."""


def compute_maps(model: nn.Module, features: dict[str, torch.Tensor], *, estimator: Estimator = "probes",
                 probes: int = 8, seed: int = 0, input_id: str = "", ablation_baseline: str = "zero",
                 mask_token_id: int | None = None, names: Sequence[str] | None = None) -> InputMaps:
    """The maps ``names`` (default: every registered map, :func:`~bertstory.maps.map_names`) of one input.

    Args:
        model, features, estimator, probes, seed, input_id: as for :func:`bertstory.engine.open_source`
            (checked there, before any compute).
        ablation_baseline, mask_token_id: the baseline of :data:`BASELINE_MAPS` and the tokenizer's mask
            token id (``None`` without one), checked before any compute when one of them is selected;
            ``mask`` for local ablation alone is refused.
        names: registered map names (:func:`~bertstory.maps.selected_maps`), computed in registry order.
    Returns:
        float32 arrays by name, shaped by each map's scope (:func:`~bertstory.maps.map_shape`).
    """
    wanted = selected_maps(names)
    if any(name in wanted for name in BASELINE_MAPS):
        check_ablation_baseline(ablation_baseline, mask_token_id)
    elif ablation_baseline != "zero" and ABLATION_LOCAL.name in wanted:
        raise BertstoryError(f"the {ablation_baseline} baseline takes a token away from the model's input (global and "
                             "hidden-state ablation); local ablation always zeroes a row of its layer's input")
    source = open_source(model, features, estimator=estimator, probes=probes, seed=seed, input_id=input_id,
                         ablation_baseline=ablation_baseline, mask_token_id=mask_token_id)
    num_layers, num_heads, n = *source.forward.attention.shape[:2], source.forward.attention.shape[-1]
    arrays = {}
    for name in wanted:
        array = MAPS[name].compute(source).detach().to("cpu", torch.float32).numpy()
        expected = map_shape(name, num_layers, num_heads, n)
        if array.shape != expected:
            raise ValueError(f"map {name!r} computed an array of shape {array.shape}, expected {expected}")
        arrays[name] = array
    return InputMaps(arrays)
