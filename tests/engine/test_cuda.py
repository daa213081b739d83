"""On a machine with CUDA: the GPU computes the same maps as the CPU (skipped elsewhere)."""

import numpy as np
import pytest
import torch

from bertstory.maps.compute import compute_maps

from tiny_models import FAMILIES
from engine.helpers import tiny_float64

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("estimator", ["exact", "probes"])
def test_cuda_maps_equal_cpu_maps(family, estimator):
    case = tiny_float64(family)
    on_cpu = compute_maps(case.model, case.features, estimator=estimator, probes=3, input_id="a")
    model = case.model.to("cuda")
    features = {name: value.to("cuda") for name, value in case.features.items()}
    on_gpu = compute_maps(model, features, estimator=estimator, probes=3, input_id="a")
    for name, array in on_cpu.items():
        np.testing.assert_allclose(on_gpu[name], array, rtol=0, atol=1e-6, err_msg=name)
