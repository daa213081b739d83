"""The value-zeroing map of one input (Mohebbi et al. 2023, ``docs/method.md``).

``value_zeroing`` (L, n, n): layer ``l`` rerun on its actual input ``eˡ⁻¹`` with token ``i``'s value
vectors set to zero in every head (the value projection's output row, bias included); entry
``(j, i)`` is the cosine distance between row ``j`` of the layer's output and of the rerun's (0
where the row changed by rounding alone, :func:`bertstory.engine.copies.change_norms`). Rows
are output positions ``j``, the last axis the zeroed token ``i``; not normalised. The ``n`` reruns
of a layer run as vmapped batches (:mod:`bertstory.engine.copies`).
"""

from __future__ import annotations

from functools import partial

import torch
from torch.nn.functional import one_hot

from bertstory.engine.copies import change_norms, token_chunks, with_reference
from bertstory.engine.families import Family
from bertstory.engine.layer_calls import CapturedForward, LayerCall
from bertstory.engine.value_vectors import values_scaled


def value_zeroing(forward: CapturedForward, family: Family, num_heads: int, *, chunk: int) -> torch.Tensor:
    """Value-zeroing maps of every layer.

    Args:
        forward: the input's captured forward.
        family: the model's family (its value projection).
        num_heads: H.
        chunk: reruns per vmapped batch.
    Returns:
        (L, n, n).
    """
    layer_inputs = [forward.embeddings, *forward.layer_outputs[:-1]]  # e⁰..eᴸ⁻¹, each (n, d)
    n = len(forward.embeddings)
    maps = forward.embeddings.new_zeros(len(forward.calls), n, n)
    keep_all = forward.embeddings.new_ones(n)
    for l, (call, layer_input) in enumerate(zip(forward.calls, layer_inputs)):
        rerun = partial(_layer_with_values_scaled, call, family, num_heads, layer_input)
        for tokens in token_chunks(n, chunk, layer_input.device):
            (output,), (zeroed,) = with_reference(rerun, keep_all, 1 - one_hot(tokens, n).to(keep_all))
            maps[l][:, tokens] = torch.where(change_norms(zeroed, output) > 0, cosine_distance(zeroed, output), 0).T
    return maps


def _layer_with_values_scaled(
    call: LayerCall, family: Family, num_heads: int, layer_input: torch.Tensor, scale: torch.Tensor
) -> tuple[torch.Tensor]:
    """The layer's output (n, d) on ``layer_input`` (n, d) with token ``i``'s values times ``scale[i]``."""
    with values_scaled(call, family, num_heads, scale):
        return (call(layer_input[None])[0],)


def cosine_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``1 − cos(a, b)`` over the last axis, as ``½‖a/‖a‖ − b/‖b‖‖²``: exactly 0 where ``a == b``,
    and without the cancellation of ``1 − cos`` for nearly equal rows."""
    tiny = torch.finfo(a.dtype).tiny
    unit_a = a / a.norm(dim=-1, keepdim=True).clamp_min(tiny)
    unit_b = b / b.norm(dim=-1, keepdim=True).clamp_min(tiny)
    return (unit_a - unit_b).square().sum(-1) / 2
