"""Attention-norm and value zeroing equal a plain re-implementation of a BERT layer from its
weights (float64), written here without transformers' modules."""

import torch
from torch.nn.functional import cosine_similarity, gelu, layer_norm, linear

from bertstory.engine import family_for
from bertstory.engine.attention_norm import attention_norm
from bertstory.engine.layer_calls import capture_forward
from bertstory.engine.value_zeroing import value_zeroing

from tiny_models import HEADS
from engine.helpers import tiny_float64


def _bert_layer_by_hand(layer, x: torch.Tensor, value_scale: torch.Tensor):
    """A BERT layer on ``x`` (n, d), token ``i``'s value vectors times ``value_scale[i]``.

    Returns:
        attention (H, n, n), value vectors (n, H, d_h), output (n, d).
    """
    attention, eps = layer.attention, layer.attention.output.LayerNorm.eps
    n, d = x.shape
    split = lambda t: t.reshape(n, HEADS, d // HEADS)
    queries = split(linear(x, attention.self.query.weight, attention.self.query.bias))
    keys = split(linear(x, attention.self.key.weight, attention.self.key.bias))
    values = split(linear(x, attention.self.value.weight, attention.self.value.bias)) * value_scale[:, None, None]
    probabilities = torch.softmax(torch.einsum("jhc,ihc->hji", queries, keys) / (d // HEADS) ** 0.5, dim=-1)
    context = torch.einsum("hji,ihc->jhc", probabilities, values).reshape(n, d)
    dense = attention.output.dense
    mixed = layer_norm(linear(context, dense.weight, dense.bias) + x, (d,), attention.output.LayerNorm.weight,
                       attention.output.LayerNorm.bias, eps)
    inner = gelu(linear(mixed, layer.intermediate.dense.weight, layer.intermediate.dense.bias))
    output = layer_norm(linear(inner, layer.output.dense.weight, layer.output.dense.bias) + mixed, (d,),
                        layer.output.LayerNorm.weight, layer.output.LayerNorm.bias, eps)
    return probabilities, values, output


def test_attention_norm_and_value_zeroing_equal_a_bert_layer_written_from_its_weights():
    case = tiny_float64("bert")
    family = family_for(case.model.config)
    forward = capture_forward(case.model, family, case.features)
    norms = attention_norm(forward, family, HEADS)
    zeroing = value_zeroing(forward, family, HEADS, chunk=4)
    n = len(forward.embeddings)
    for l, (layer, x) in enumerate(zip(case.model.encoder.layer, case.layer_inputs)):
        probabilities, values, output = _bert_layer_by_hand(layer, x, torch.ones(n, dtype=x.dtype))
        torch.testing.assert_close(output, case.outputs.hidden_states[l + 1][0], rtol=0, atol=1e-12)
        w_o = layer.attention.output.dense.weight.unflatten(1, (HEADS, -1))  # (d, H, d_h)
        transformed = torch.einsum("ihc,ehc->hie", values, w_o)  # (H, n, d): v_i^h W_O^h
        expected_norms = probabilities * transformed.norm(dim=-1)[:, None, :]
        torch.testing.assert_close(norms[l], expected_norms, rtol=1e-5, atol=1e-10)
        expected_zeroing = torch.stack([
            1 - cosine_similarity(output, _bert_layer_by_hand(layer, x, (torch.arange(n) != i).to(x))[2], dim=-1)
            for i in range(n)], dim=-1)
        torch.testing.assert_close(zeroing[l], expected_zeroing, rtol=1e-5, atol=1e-10)
        assert expected_norms.min() > 0 and expected_zeroing.min() > 0
