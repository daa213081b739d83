"""What sets some families apart: shared layers, grouped-query attention, sliding windows."""

import numpy as np
import torch
from transformers import AlbertModel

from bertstory.engine import family_for
from bertstory.maps.compute import compute_maps

from tiny_models import GROUPED_QUERY, HEADS, KEY_VALUE_HEADS, LAYERS, tiny_config
from engine.helpers import tiny_float64
from engine.oracle import oracle_maps


def test_albert_runs_one_shared_layer_module_into_different_maps():
    case = tiny_float64("albert")
    family = family_for(case.model.config)
    assert len(family.layer_modules(case.model)) == 1
    assert family.num_layers(case.model) == LAYERS
    maps = compute_maps(case.model, case.features, estimator="exact")
    assert maps.local.shape == (LAYERS, HEADS, 11, 11)
    for view in ("attention", "local", "global", "contribution"):
        first, second = maps[view]
        assert not np.allclose(first, second, atol=1e-3), view


def test_albert_with_two_layers_per_group_has_twice_as_many_layers():
    config = tiny_config("albert", vocab_size=30522)
    config.inner_group_num = 2
    torch.manual_seed(0)
    model = AlbertModel(config).double().eval().requires_grad_(False)
    family = family_for(config)
    assert len(family.layer_modules(model)) == 2
    assert family.num_layers(model) == 2 * LAYERS
    case = tiny_float64("albert")
    maps = compute_maps(model, case.features, estimator="exact")
    assert maps.local.shape == (2 * LAYERS, HEADS, 11, 11)
    expected = torch.cat(model(**case.features, output_attentions=True).attentions).numpy()
    np.testing.assert_allclose(maps.attention, expected, rtol=0, atol=1e-6)
    outputs = model(**case.features, output_hidden_states=True)
    oracle = oracle_maps(model, case.features, [hidden[0] for hidden in outputs.hidden_states[:-1]])
    for view in ("local", "global", "contribution"):
        np.testing.assert_allclose(maps[view], oracle[view].numpy(), rtol=0, atol=1e-5, err_msg=view)


def test_grouped_query_attention_has_a_map_per_query_head():
    for name in GROUPED_QUERY:
        case = tiny_float64(name)
        attention = case.model.layers[0].self_attn
        head_dim = attention.head_dim
        assert attention.k_proj.out_features == KEY_VALUE_HEADS * head_dim
        assert attention.o_proj.in_features == HEADS * head_dim
        maps = compute_maps(case.model, case.features, estimator="exact")
        assert maps.local.shape == maps.global_.shape == (LAYERS, HEADS, 11, 11)
        # query heads 0 and 1 share key/value head 0, and still look and depend differently
        for view in ("attention", "local", "global"):
            array = maps[view]
            assert not np.allclose(array[:, 0], array[:, 1], atol=1e-3), (name, view)


def test_sliding_window_layers_see_only_their_window():
    # ModernBERT's second layer looks 4 tokens each way; Mistral looks back over a window of 6
    for name, layer, outside in [
        ("modernbert", 1, lambda q, k: abs(q - k) > 4),
        ("mistral", 0, lambda q, k: k > q or q - k >= 6),
        ("mistral", 1, lambda q, k: k > q or q - k >= 6),
    ]:
        case = tiny_float64(name)
        maps = compute_maps(case.model, case.features, estimator="exact")
        mask = np.array([[outside(q, k) for k in range(11)] for q in range(11)])
        assert mask.any()
        for view in ("attention", "local"):
            assert (maps[view][layer][:, mask] == 0).all(), (name, layer, view)
            assert (maps[view][layer][:, ~mask] > 0).all(), (name, layer, view)
