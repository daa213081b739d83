"""On a machine with CUDA: the GPU computes the same maps as the CPU (skipped elsewhere)."""

import numpy as np
import pytest
import torch

from bertstory.engine.maps import compute_maps

from engine.helpers import tiny_float64

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.mark.parametrize("estimator", ["exact", "probes"])
def test_cuda_maps_equal_cpu_maps(estimator):
    model, architecture, outputs = tiny_float64("bert")
    e0 = outputs.hidden_states[0][0]
    on_cpu = compute_maps(architecture.layers(model), 4, e0, estimator=estimator, probes=3, input_id="a")
    model.to("cuda")
    on_gpu = compute_maps(architecture.layers(model), 4, e0.to("cuda"), estimator=estimator, probes=3, input_id="a")
    for name, array in on_cpu.as_arrays().items():
        np.testing.assert_allclose(on_gpu.as_arrays()[name], array, rtol=0, atol=1e-6, err_msg=name)
