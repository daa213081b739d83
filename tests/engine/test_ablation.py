"""The ablation maps equal an independent computation on transformers' whole model, float64:
for each token, the first layer's input row (or the token id) replaced by hooks, every head
output read at the input of its output projection (:func:`engine.oracle.forward_with_input`)."""

import pytest
import torch

from bertstory.engine import family_for
from bertstory.engine.ablation import ablation_global_and_hidden, ablation_local
from bertstory.engine.ablation_baselines import baseline_rows, check_ablation_baseline, masked_rows
from bertstory.engine.layer_calls import capture_forward
from bertstory.errors import BertstoryError

from tiny_models import HEADS
from engine.helpers import tiny_float64
from engine.oracle import forward_with_input

CHUNK = 4
"""Copies per batch: 11 tokens run as batches of 4, 4 and 3."""


def _expected_maps(case, ablated_run) -> tuple[torch.Tensor, torch.Tensor]:
    """Global (L, H, n, n) and hidden (L, n, n) distances, ``ablated_run(i)`` giving the whole
    model's head outputs (L, H, n, d_h) and layer outputs (L, n, d) with token ``i`` ablated."""
    heads, outputs = forward_with_input(case.model, case.features, None, 0)
    n = heads.shape[2]
    runs = [ablated_run(i) for i in range(n)]
    global_ = torch.stack([(ablated_heads - heads).norm(dim=-1) for ablated_heads, _ in runs], dim=-1)
    hidden = torch.stack([(ablated_outputs - outputs).norm(dim=-1) for _, ablated_outputs in runs], dim=-1)
    return global_, hidden


def _row_zeroed(hidden: torch.Tensor, i: int) -> torch.Tensor:
    ablated = hidden.clone()
    ablated[i] = 0
    return ablated


def _engine(case, baseline: str, mask_token_id=None):
    family = family_for(case.model.config)
    forward = capture_forward(case.model, family, case.features)
    rows = baseline_rows(baseline, case.model, family, case.features, forward.embeddings, mask_token_id, chunk=CHUNK)
    global_, hidden = ablation_global_and_hidden(forward, HEADS, rows, chunk=CHUNK)
    return global_, hidden, ablation_local(forward, HEADS, chunk=CHUNK)


@pytest.mark.parametrize("family", ["bert", "llama"])
def test_zero_ablation_equals_whole_model_runs_with_a_row_zeroed(family):
    case = tiny_float64(family)
    global_, hidden, local = _engine(case, "zero")
    first_input = case.layer_inputs[0]
    expected_global, expected_hidden = _expected_maps(
        case, lambda i: forward_with_input(case.model, case.features, _row_zeroed(first_input, i), 0))
    torch.testing.assert_close(global_, expected_global, rtol=1e-5, atol=1e-10)
    torch.testing.assert_close(hidden, expected_hidden, rtol=1e-5, atol=1e-10)
    for l, layer_input in enumerate(case.layer_inputs):
        heads = forward_with_input(case.model, case.features, None, 0)[0][l]
        expected_local = torch.stack([
            (forward_with_input(case.model, case.features, _row_zeroed(layer_input, i), l)[0][l] - heads).norm(dim=-1)
            for i in range(len(layer_input))], dim=-1)
        torch.testing.assert_close(local[l], expected_local, rtol=1e-5, atol=1e-10)
    assert global_.max() > 1e-3 and local.max() > 1e-3
    torch.testing.assert_close(local[0], global_[0], rtol=0, atol=0)  # layer 1: local is global
    assert not torch.allclose(local[1], global_[1], rtol=1e-2, atol=0)


def test_mask_ablation_equals_whole_model_runs_with_the_mask_token(embedded_tokenizer):
    case = tiny_float64("bert")
    mask = embedded_tokenizer.mask_token_id
    global_, hidden, local = _engine(case, "mask", mask)

    def masked_run(i):
        features = {**case.features, "input_ids": case.features["input_ids"].clone()}
        features["input_ids"][0, i] = mask
        return forward_with_input(case.model, features, None, 0)

    expected_global, expected_hidden = _expected_maps(case, masked_run)
    torch.testing.assert_close(global_, expected_global, rtol=1e-5, atol=1e-10)
    torch.testing.assert_close(hidden, expected_hidden, rtol=1e-5, atol=1e-10)
    zero_global, _, zero_local = _engine(case, "zero")
    torch.testing.assert_close(local, zero_local, rtol=0, atol=0)  # local ablation always zeroes the row
    assert not torch.allclose(global_, zero_global, rtol=1e-2, atol=0)


def test_mask_rows_are_refused_when_embeddings_mix_tokens(embedded_tokenizer):
    case = tiny_float64("bert")
    family = family_for(case.model.config)
    forward = capture_forward(case.model, family, case.features)
    mixing = case.model.embeddings.register_forward_hook(lambda module, args, output: output + output.mean(1, True))
    try:
        with pytest.raises(BertstoryError, match="changes other tokens' first-layer inputs") as error:
            masked_rows(case.model, family, case.features, forward.embeddings, embedded_tokenizer.mask_token_id,
                        chunk=CHUNK)
    finally:
        mixing.remove()
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("baseline, mask_token_id, message", [
    ("mask", None, "needs a tokenizer with a mask token"),
    ("mean", 103, "unknown ablation baseline 'mean'; choose one of zero, mask"),
])
def test_a_baseline_the_tokenizer_cannot_serve_is_refused_in_one_line(baseline, mask_token_id, message):
    with pytest.raises(BertstoryError, match=message) as error:
        check_ablation_baseline(baseline, mask_token_id)
    assert "\n" not in str(error.value)
    check_ablation_baseline("zero", None)
    check_ablation_baseline("mask", 103)
