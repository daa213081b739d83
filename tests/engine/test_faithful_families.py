"""Ablation, attention-norm and value-zeroing maps run for every supported family."""

import pytest
import torch

from bertstory.engine import family_for
from bertstory.engine.ablation import ablation_global_and_hidden, ablation_local
from bertstory.engine.attention_norm import attention_norm
from bertstory.engine.layer_calls import capture_forward, layer_heads
from bertstory.engine.value_vectors import value_vectors, values_scaled
from bertstory.engine.value_zeroing import value_zeroing

from tiny_models import FAMILIES, HEADS, LAYERS
from engine.helpers import tiny_float64


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_gives_finite_maps_and_its_value_vectors_make_its_head_outputs(family):
    """Σᵢ Aⱼᵢ vᵢ is each head's output, with and without one token's value vectors zeroed."""
    case = tiny_float64(family)
    description = family_for(case.model.config)
    forward = capture_forward(case.model, description, case.features)
    global_, hidden = ablation_global_and_hidden(forward, HEADS, torch.zeros_like(forward.embeddings), chunk=4)
    maps = {"ablation_global": global_, "ablation_hidden": hidden,
            "ablation_local": ablation_local(forward, HEADS, chunk=4),
            "attention_norm": attention_norm(forward, description, HEADS),
            "value_zeroing": value_zeroing(forward, description, HEADS, chunk=4)}
    for name, values in maps.items():
        assert values.shape == ((LAYERS, 11, 11) if values.dim() == 3 else (LAYERS, HEADS, 11, 11)), name
        assert values.isfinite().all() and (values >= 0).all() and values.max() > 0, name
    unseen = forward.attention == 0  # (L, H, n, n): causal masks, sliding windows; no move beyond rounding
    unseen_maps = {"ablation_local": unseen, "attention_norm": unseen, "value_zeroing": unseen.all(1)}
    if description.is_causal:  # through all layers, only later tokens are out of reach
        future = torch.ones(11, 11, dtype=torch.bool).triu(1)
        unseen_maps |= {"ablation_global": future.expand_as(unseen), "ablation_hidden": future.expand(LAYERS, 11, 11)}
    for name, mask in unseen_maps.items():
        assert (maps[name][mask] <= 1e-12 * maps[name].max()).all(), name
    layer_inputs = [forward.embeddings, *forward.layer_outputs[:-1]]
    for call, layer_input, attention in zip(forward.calls, layer_inputs, forward.attention):
        values = value_vectors(call, description, HEADS, layer_input)  # (n, H, d_h)
        weighted = torch.einsum("hji,ihc->jhc", attention, values)
        torch.testing.assert_close(weighted, layer_heads(call, HEADS, layer_input), rtol=1e-7, atol=1e-12)
        scale = (torch.arange(11) != 2).to(values)  # token 2's values zeroed: attention unchanged, its share gone
        with values_scaled(call, description, HEADS, scale):
            zeroed = layer_heads(call, HEADS, layer_input)
        torch.testing.assert_close(zeroed, torch.einsum("hji,ihc->jhc", attention, values * scale[:, None, None]),
                                   rtol=1e-7, atol=1e-12)
