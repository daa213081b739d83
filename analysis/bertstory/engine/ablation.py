"""The ablation maps of one input: what moves when one input token is taken away
(``docs/method.md``), the ground truth the other maps are measured against.

- ``ablation_global`` (L, H, n, n): ``‖oˡʰⱼ(e⁰) − oˡʰⱼ(e⁰⁽ⁱ⁾)‖₂``, every layer run from the ablated
  first-layer input ``e⁰⁽ⁱ⁾`` (row ``i`` replaced by the baseline's row, :mod:`ablation_baselines`).
- ``ablation_hidden`` (L, n, n): ``‖eˡⱼ(e⁰) − eˡⱼ(e⁰⁽ⁱ⁾)‖₂``, from the same runs.
- ``ablation_local`` (L, H, n, n): ``‖oˡʰⱼ(eˡ⁻¹) − oˡʰⱼ(eˡ⁻¹⁽ⁱ⁾)‖₂``, layer ``l`` alone on its actual
  input with row ``i`` set to zero.

Rows are output positions ``j``, the last axis the ablated token ``i``; a change by rounding
alone is none (:func:`bertstory.engine.copies.change_norms`); the distances are not
normalised (:func:`bertstory.engine.row_shares.row_shares` does that). The ``n`` ablated copies run
through the model's own layer modules, replayed with their captured arguments
(:mod:`bertstory.engine.layer_calls`), as vmapped batches (:mod:`bertstory.engine.copies`).
"""

from __future__ import annotations

from functools import partial

import torch

from bertstory.engine.copies import change_norms, rows_replaced, token_chunks, with_reference
from bertstory.engine.layer_calls import CapturedForward, layer_heads, run_layers


def ablation_global_and_hidden(
    forward: CapturedForward, num_heads: int, baseline: torch.Tensor, *, chunk: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Global and hidden-state ablation maps, from one pass of the ablated copies through all layers.

    Args:
        forward: the input's captured forward.
        num_heads: H.
        baseline: (n, d) the row that takes each token's place in ``e⁰`` (:func:`baseline_rows`).
        chunk: ablated copies per vmapped batch.
    Returns:
        ``ablation_global`` (L, H, n, n) and ``ablation_hidden`` (L, n, n).
    """
    embeddings = forward.embeddings
    n = len(embeddings)
    global_ = embeddings.new_zeros(len(forward.calls), num_heads, n, n)
    hidden = embeddings.new_zeros(len(forward.calls), n, n)
    run = partial(run_layers, forward.calls, num_heads)
    for tokens in token_chunks(n, chunk, embeddings.device):
        copies = rows_replaced(embeddings, tokens, baseline[tokens])
        (heads, outputs), (ablated_heads, ablated_outputs) = with_reference(run, embeddings, copies)
        global_[..., tokens] = _head_distances(ablated_heads, heads)
        hidden[..., tokens] = change_norms(ablated_outputs, outputs).movedim(0, -1)
    return global_, hidden


def ablation_local(forward: CapturedForward, num_heads: int, *, chunk: int) -> torch.Tensor:
    """Local ablation maps: each layer alone, on its actual input with one row set to zero.

    Args:
        forward: the input's captured forward.
        num_heads: H.
        chunk: ablated copies per vmapped batch.
    Returns:
        (L, H, n, n).
    """
    layer_inputs = [forward.embeddings, *forward.layer_outputs[:-1]]  # e⁰..eᴸ⁻¹, each (n, d)
    n = len(forward.embeddings)
    local = forward.embeddings.new_zeros(len(forward.calls), num_heads, n, n)
    for l, (call, layer_input) in enumerate(zip(forward.calls, layer_inputs)):
        run = partial(_heads_alone, partial(layer_heads, call, num_heads))
        for tokens in token_chunks(n, chunk, layer_input.device):
            copies = rows_replaced(layer_input, tokens, layer_input.new_zeros(len(tokens), layer_input.shape[1]))
            (heads,), (ablated_heads,) = with_reference(run, layer_input, copies)
            local[l][..., tokens] = _head_distances(ablated_heads, heads)
    return local


def _heads_alone(heads_of, layer_input: torch.Tensor) -> tuple[torch.Tensor]:
    return (heads_of(layer_input),)


def _head_distances(ablated: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Head-output distances, the copies' axis last.

    Args:
        ablated: (B, ..., n, H, d_h) the copies' head outputs; reference: (..., n, H, d_h).
    Returns:
        (..., H, n, B).
    """
    return change_norms(ablated, reference).movedim(0, -1).transpose(-3, -2)
