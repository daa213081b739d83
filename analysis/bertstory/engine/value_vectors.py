"""A layer's value vectors, read from (or zeroed in) the output of its value projection.

The value projection and the columns of its output that hold the value vectors are the
family's (:class:`bertstory.engine.families.Family`): a projection of its own, or the value
part of a fused query/key/value projection. Under grouped-query attention there are fewer value
heads than query heads; query head ``h`` reads value head ``h // (H / H_v)``, as transformers'
``repeat_kv`` pairs them.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import torch

from bertstory.engine.families import Family
from bertstory.engine.layer_calls import LayerCall, layer_heads


def value_vectors(call: LayerCall, family: Family, num_heads: int, layer_input: torch.Tensor) -> torch.Tensor:
    """Each query head's value vectors ``vˡʰᵢ`` (bias included) in one layer.

    Args:
        layer_input: (n, d) ``eˡ⁻¹``.
    Returns:
        (n, H, d_h): ``[i, h]`` the value vector of token ``i`` that head ``h`` weighs.
    """
    projection = family.value_projection(call.module)
    outputs: list[torch.Tensor] = []
    handle = projection.register_forward_hook(lambda module, args, output: outputs.append(output))
    try:
        head_size = layer_heads(call, num_heads, layer_input).shape[-1]
    finally:
        handle.remove()
    if len(outputs) != 1:
        raise RuntimeError(f"{family.name}: expected one call of the value projection per layer, saw {len(outputs)}")
    output = outputs[0][0]  # (n, width)
    columns = family.value_columns(output.shape[-1], num_heads).to(output.device)
    values = output[:, columns].unflatten(-1, (-1, head_size))  # (n, H_v, d_h)
    return values.repeat_interleave(num_heads // values.shape[1], dim=1)


@contextmanager
def values_scaled(call: LayerCall, family: Family, num_heads: int, scale: torch.Tensor) -> Iterator[None]:
    """While inside, the layer's value vectors of token ``i`` are multiplied by ``scale[i]`` in every head.

    Args:
        scale: (n,); 0 zeroes a token's value vectors, bias included (value zeroing), 1 keeps them.
    """
    projection = family.value_projection(call.module)

    def scaled(module, args, output):  # output (1, n, width); other columns (queries, keys) untouched
        is_value = torch.zeros(output.shape[-1], dtype=output.dtype, device=output.device)
        is_value[family.value_columns(output.shape[-1], num_heads).to(output.device)] = 1
        return output * (1 - (1 - scale)[:, None] * is_value)

    handle = projection.register_forward_hook(scaled)
    try:
        yield
    finally:
        handle.remove()
