"""The exact estimator equals dense Jacobians of transformers' own modules (float64)."""

import numpy as np
import pytest
import torch

from bertstory.engine.maps import compute_maps

from tiny_models import FAMILIES
from engine.helpers import tiny_float64
from engine.oracle import oracle_maps


@pytest.fixture(scope="module", params=FAMILIES)
def exact_and_oracle(request):
    model, architecture, outputs = tiny_float64(request.param)
    e0 = outputs.hidden_states[0][0]
    maps = compute_maps(architecture.layers(model), architecture.num_heads(model), e0, estimator="exact")
    oracle = {name: value.numpy() for name, value in oracle_maps(model, e0, architecture.num_heads(model)).items()}
    return maps, oracle, outputs


@pytest.mark.parametrize("view", ["global", "local", "contribution"])
def test_exact_matches_dense_jacobian(exact_and_oracle, view):
    maps, oracle, _ = exact_and_oracle
    np.testing.assert_allclose(maps.as_arrays()[view], oracle[view], rtol=0, atol=1e-5)


def test_attention_is_transformers_output_attentions(exact_and_oracle):
    maps, _, outputs = exact_and_oracle
    expected = torch.stack(outputs.attentions)[:, 0].numpy()
    np.testing.assert_allclose(maps.attention, expected, rtol=0, atol=1e-6)


def test_local_equals_global_in_first_layer(exact_and_oracle):
    maps, _, _ = exact_and_oracle
    np.testing.assert_allclose(maps.local[0], maps.global_[0], rtol=0, atol=1e-6)
    assert not np.allclose(maps.local[1], maps.global_[1], atol=1e-3)


def test_every_row_sums_to_one(exact_and_oracle):
    maps, _, _ = exact_and_oracle
    for name, array in maps.as_arrays().items():
        assert array.dtype == np.float32, name
        np.testing.assert_allclose(array.sum(-1), 1.0, atol=1e-5, err_msg=name)
        assert (array >= 0).all(), name
