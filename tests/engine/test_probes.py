"""The probe estimator: exact at K = d, converging as K grows, reproducible by seed."""

import numpy as np
import pytest

from bertstory.maps.compute import compute_maps

from engine.helpers import tiny_float64

VIEWS = ("local", "global", "contribution")


@pytest.fixture(scope="module")
def bert():
    case = tiny_float64("bert")

    def maps(**kwargs):
        return compute_maps(case.model, case.features, **kwargs)

    return maps


def mean_tv(a, b):
    return 0.5 * np.abs(a - b).sum(-1).mean()


def test_probes_with_k_equal_d_is_exact(bert):
    exact = bert(estimator="exact")
    probes = bert(estimator="probes", probes=16, seed=3, input_id="x")
    for view in VIEWS:
        np.testing.assert_allclose(probes[view], exact[view], rtol=0, atol=1e-5, err_msg=view)


def test_probe_error_shrinks_as_k_grows(bert):
    exact = bert(estimator="exact")
    errors = {
        k: np.mean([mean_tv(bert(estimator="probes", probes=k, seed=s, input_id="x")[view], exact[view])
                    for s in range(4) for view in VIEWS])
        for k in (1, 4, 12)
    }
    assert errors[1] > errors[4] > errors[12] > 0


def test_same_seed_same_numbers_other_seed_other_numbers(bert):
    first = bert(estimator="probes", probes=2, seed=7, input_id="00003")
    again = bert(estimator="probes", probes=2, seed=7, input_id="00003")
    other = bert(estimator="probes", probes=2, seed=8, input_id="00003")
    for view in VIEWS:
        np.testing.assert_array_equal(first[view], again[view])
        assert not np.allclose(first[view], other[view])
