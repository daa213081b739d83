"""The written-down FLOP count of a BERT layer equals torch's own count of its matrix products."""

from torch.utils.flop_counter import FlopCounterMode

from bertstory.engine import family_for
from bertstory.engine.flops import estimator_flops, layer_flops, row_flops
from bertstory.engine.layer_calls import capture_forward, layer_heads

from bertstory.engine.layer_calls import run_layers
from tiny_models import HEADS, LAYERS
from engine.helpers import tiny_float64


def _counted(run) -> int:
    with FlopCounterMode(display=False) as counter:
        run()
    return counter.get_total_flops()


def test_layer_flops_match_torch_flop_counter_on_a_bert_layer():
    case = tiny_float64("bert")
    forward = capture_forward(case.model, family_for(case.model.config), case.features)
    n, d = forward.embeddings.shape
    count = layer_flops(n, d, case.model.config.intermediate_size)
    first = forward.calls[0]
    assert count.whole == _counted(lambda: run_layers([first], HEADS, forward.embeddings))
    assert count.up_to_heads == _counted(lambda: layer_heads(first, HEADS, forward.embeddings))


def test_estimator_flops_count_every_tangent_through_global_and_local_passes():
    case = tiny_float64("bert")
    forward = capture_forward(case.model, family_for(case.model.config), case.features)
    n, d = forward.embeddings.shape
    per_tangent = (_counted(lambda: run_layers(forward.calls, HEADS, forward.embeddings))
                   + sum(_counted(lambda: layer_heads(call, HEADS, forward.embeddings)) for call in forward.calls))
    assert LAYERS == len(forward.calls)
    for k in (1, 3, d):
        assert estimator_flops(n, d, case.model.config.intermediate_size, LAYERS, k) == n * k * per_tangent


def test_row_flops_count_one_forward_per_cotangent_through_the_layers_of_the_row():
    case = tiny_float64("bert")
    forward = capture_forward(case.model, family_for(case.model.config), case.features)
    n, d = forward.embeddings.shape
    width = case.model.config.intermediate_size
    whole = [_counted(lambda: run_layers([call], HEADS, forward.embeddings)) for call in forward.calls]
    heads = [_counted(lambda: layer_heads(call, HEADS, forward.embeddings)) for call in forward.calls]
    for layer in range(LAYERS):
        assert row_flops("local", layer, n, d, width, HEADS) == d // HEADS * heads[layer]
        assert row_flops("global", layer, n, d, width, HEADS) == d // HEADS * (sum(whole[:layer]) + heads[layer])
        assert row_flops("contribution", layer, n, d, width, HEADS) == d * sum(whole[:layer + 1])
