"""bertstory's functional layers reproduce transformers' hidden states and attentions."""

import pytest
import torch

from bertstory.engine.architecture import encoder_forward

from tiny_models import FAMILIES
from engine.helpers import tiny_float64


@pytest.mark.parametrize("family", FAMILIES)
def test_encoder_forward_matches_transformers(family):
    model, architecture, outputs = tiny_float64(family)
    heads, attention, hidden = encoder_forward(
        architecture.layers(model), outputs.hidden_states[0][0], architecture.num_heads(model)
    )
    assert heads.shape == (2, 4, 11, 4)
    torch.testing.assert_close(hidden, torch.stack(outputs.hidden_states[1:])[:, 0], rtol=0, atol=1e-10)
    torch.testing.assert_close(attention, torch.stack(outputs.attentions)[:, 0], rtol=0, atol=1e-10)
