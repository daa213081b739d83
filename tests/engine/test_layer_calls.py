"""Replaying captured layer calls reproduces transformers' own forward; one layer stops at its heads."""

import pytest
import torch

from bertstory.engine import family_for
from bertstory.engine.layer_calls import capture_forward, layer_heads, run_layers
from bertstory.maps.compute import compute_maps
from bertstory.errors import BertstoryError

from tiny_models import FAMILIES, HEADS, LAYERS
from engine.helpers import tiny_float64

FINAL_NORM = {"gpt2": "ln_f", "gpt_neox": "final_layer_norm", "llama": "norm", "qwen2": "norm", "mistral": "norm",
              "modernbert": "final_norm"}
"""Families whose ``last_hidden_state`` (and last ``hidden_states``) is after a final norm."""


@pytest.mark.parametrize("family", FAMILIES)
def test_replayed_layers_reproduce_transformers_hidden_states(family):
    case = tiny_float64(family)
    forward = capture_forward(case.model, family_for(case.model.config), case.features)
    heads, outputs = run_layers(forward.calls, HEADS, forward.embeddings)
    hidden = [h[0] for h in case.outputs.hidden_states]
    assert heads.shape[:3] == (LAYERS, 11, HEADS)
    torch.testing.assert_close(forward.embeddings, hidden[0], rtol=0, atol=0)
    torch.testing.assert_close(outputs[:-1], torch.stack(hidden[1:-1]), rtol=0, atol=1e-12)
    last = outputs[-1]
    if family in FINAL_NORM:
        last = getattr(case.model, FINAL_NORM[family])(last)
    torch.testing.assert_close(last, case.outputs.last_hidden_state[0], rtol=0, atol=1e-12)
    torch.testing.assert_close(forward.layer_outputs, outputs, rtol=0, atol=1e-12)


def _modules_run(layer, run):
    """Names of the layer's submodules, in the order their forward starts, while ``run()`` runs."""
    order = []
    handles = [module.register_forward_pre_hook(lambda m, a, name=name: order.append(name))
               for name, module in layer.named_modules() if name]
    try:
        run()
    finally:
        for handle in handles:
            handle.remove()
    return order


@pytest.mark.parametrize("family", FAMILIES)
def test_one_layer_stops_at_its_head_outputs(family):
    case = tiny_float64(family)
    description = family_for(case.model.config)
    forward = capture_forward(case.model, description, case.features)
    heads, _ = run_layers(forward.calls, HEADS, forward.embeddings)
    layer_input = forward.embeddings
    for l, call in enumerate(forward.calls):
        full = _modules_run(call.module, lambda: call(layer_input[None]))
        stopped = _modules_run(call.module, lambda: layer_heads(call, HEADS, layer_input))
        projection = next(name for name, module in call.module.named_modules() if module is call.output_projection)
        after_projection = set(full[full.index(projection) + 1:]) - set(full[: full.index(projection)])
        assert after_projection, family  # the feed-forward part
        assert not after_projection & set(stopped), family
        torch.testing.assert_close(layer_heads(call, HEADS, layer_input), heads[l], rtol=0, atol=1e-12)
        layer_input = forward.layer_outputs[l]


def test_a_model_that_changes_hidden_states_between_layers_is_refused():
    case = tiny_float64("bert")
    second_layer = case.model.encoder.layer[1]
    handle = second_layer.register_forward_pre_hook(lambda module, args: (2 * args[0], *args[1:]))
    try:
        with pytest.raises(BertstoryError, match="layer 2's input is not layer 1's output") as error:
            compute_maps(case.model, case.features)
    finally:
        handle.remove()
    assert "\n" not in str(error.value)
