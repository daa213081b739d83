"""The attention-norm map of one input (Kobayashi et al. 2020, ``docs/method.md``).

``attention_norm`` (L, H, n, n): ``‖Aˡʰⱼᵢ · (vˡʰᵢ W_Oʰ)‖₂``, with ``vˡʰᵢ`` head ``h``'s value vector of
token ``i`` (bias included; under grouped-query attention the shared value head) and ``W_Oʰ`` the
part of the attention output projection ``P`` that reads head ``h``'s slice. Whatever the
family's projection (a Linear, GPT-2's Conv1D), ``vW_Oʰ = P(x) − P(0)`` for ``x`` zero but for head
``h``'s slice, set to ``v``. Rows are queries ``j``, the last axis keys ``i``; not normalised.
"""

from __future__ import annotations

import torch
from torch import nn

from bertstory.engine.families import Family
from bertstory.engine.layer_calls import CapturedForward
from bertstory.engine.value_vectors import value_vectors


def attention_norm(forward: CapturedForward, family: Family, num_heads: int) -> torch.Tensor:
    """Attention-norm maps of every layer and head.

    Args:
        forward: the input's captured forward.
        family: the model's family (its value projection).
        num_heads: H.
    Returns:
        (L, H, n, n).
    """
    layer_inputs = [forward.embeddings, *forward.layer_outputs[:-1]]  # e⁰..eᴸ⁻¹, each (n, d)
    maps = []
    for call, layer_input, attention in zip(forward.calls, layer_inputs, forward.attention):
        values = value_vectors(call, family, num_heads, layer_input)  # (n, H, d_h)
        maps.append(attention * transformed_value_norms(call.output_projection, values)[:, None, :])
    return torch.stack(maps)


def transformed_value_norms(output_projection: nn.Module, values: torch.Tensor) -> torch.Tensor:
    """``‖vʰᵢ W_Oʰ‖₂`` of every head and token.

    Args:
        values: (n, H, d_h) each head's value vectors.
    Returns:
        (H, n).
    """
    n, num_heads, head_size = values.shape
    heads = torch.arange(num_heads, device=values.device)
    alone = values.new_zeros(num_heads, n, num_heads, head_size)  # [h, i]: only head h's slice set
    alone[heads, :, heads] = values.transpose(0, 1)
    transformed = output_projection(alone.flatten(-2)) - output_projection(values.new_zeros(1, num_heads * head_size))
    return transformed.norm(dim=-1)
