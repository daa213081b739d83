"""The exact estimator equals dense float64 Jacobians of transformers' own modules, per family."""

import numpy as np
import pytest

from bertstory.maps.compute import compute_maps

from tiny_models import DECODERS, FAMILIES
from engine.helpers import tiny_float64
from engine.oracle import oracle_maps


@pytest.fixture(scope="module", params=FAMILIES)
def case_maps_oracle(request):
    case = tiny_float64(request.param)
    maps = compute_maps(case.model, case.features, estimator="exact")
    oracle = {name: value.numpy() for name, value in oracle_maps(case.model, case.features, case.layer_inputs).items()}
    return request.param, case, maps, oracle


@pytest.mark.parametrize("view", ["global", "local", "contribution"])
def test_exact_matches_dense_jacobian(case_maps_oracle, view):
    _, _, maps, oracle = case_maps_oracle
    assert maps[view].shape == oracle[view].shape
    np.testing.assert_allclose(maps[view], oracle[view], rtol=0, atol=1e-5)


def test_attention_is_transformers_output_attentions(case_maps_oracle):
    _, case, maps, _ = case_maps_oracle
    assert maps.attention.shape == (2, 4, 11, 11)
    np.testing.assert_allclose(maps.attention, case.attentions.numpy(), rtol=0, atol=1e-6)


def test_local_equals_global_in_first_layer(case_maps_oracle):
    _, _, maps, _ = case_maps_oracle
    np.testing.assert_allclose(maps.local[0], maps.global_[0], rtol=0, atol=1e-6)
    assert not np.allclose(maps.local[1], maps.global_[1], atol=1e-3)


def test_every_row_sums_to_one(case_maps_oracle):
    _, _, maps, _ = case_maps_oracle
    for name, array in maps.items():
        assert array.dtype == np.float32, name
        np.testing.assert_allclose(array.sum(-1), 1.0, atol=1e-5, err_msg=name)
        assert (array >= 0).all(), name


def test_decoder_rows_are_zero_above_the_diagonal(case_maps_oracle):
    family, _, maps, _ = case_maps_oracle
    future = np.triu(np.ones((11, 11), dtype=bool), k=1)
    for name, array in maps.items():
        if family in DECODERS:
            assert (array[..., future] == 0).all(), name
        else:
            assert (array[..., future] > 0).any(), name
