"""All captured layer calls replayed from ``e⁰``, one :func:`~bertstory.engine.layer_calls.run_layer`
after the other: the whole forward as a function of ``e⁰``, for the engine tests and
``benchmarks/estimators.py`` (the engine itself never needs all layers at once)."""

from __future__ import annotations

import torch

from bertstory.engine.layer_calls import LayerCall, run_layer


def run_layers(calls: list[LayerCall], num_heads: int, embeddings: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """All layers from ``e⁰``.

    Args:
        embeddings: (n, d) ``e⁰``.
    Returns:
        head outputs (L, n, H, d_h) ``oˡʰ``; layer outputs ``e¹..eᴸ`` (L, n, d).
    """
    heads, outputs = [], []
    hidden = embeddings
    for call in calls:
        head_outputs, hidden = run_layer(call, num_heads, hidden)
        heads.append(head_outputs)
        outputs.append(hidden)
    return torch.stack(heads), torch.stack(outputs)
