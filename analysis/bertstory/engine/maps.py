"""The four maps of one input (``docs/method.md#the-four-maps``): attention, local and global attribution of each
head's output, and per-layer token contribution.

All Frobenius norms come from forward-mode JVPs batched with ``torch.func.vmap``: the
primal is computed once, and one tangent on input token ``i`` yields the derivative of
every head, layer and position at once. One pass over tangents on ``e⁰`` serves
``global`` and ``contribution`` together; ``local`` runs one pass per layer through that
layer's attention sub-layer only (up to the head outputs, so it is cheap).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import torch
from torch.func import jvp, vmap

from bertstory.engine.architecture import encoder_forward, head_outputs
from bertstory.engine.tangents import Estimator, probe_generator, tangent_chunks, token_directions

CPU_CHUNK_ELEMENTS = 1 << 25
"""On the CPU, budget in tensor elements of the largest per-chunk tangent activation (128 MiB in float32)."""
CUDA_MEMORY_SHARE = 64
"""On CUDA, the largest per-chunk activation may take 1/64 of the free device memory: big
batches keep the GPU busy, and the few live tensors of that size still fit."""


def chunk_budget(device: torch.device, dtype: torch.dtype) -> int:
    """Elements the largest per-chunk tangent activation may hold on ``device``."""
    if device.type == "cuda":
        free_bytes, _ = torch.cuda.mem_get_info(device)
        element_bytes = torch.empty((), dtype=dtype).element_size()
        return max(CPU_CHUNK_ELEMENTS, free_bytes // (CUDA_MEMORY_SHARE * element_bytes))
    return CPU_CHUNK_ELEMENTS


@dataclass(frozen=True)
class InputMaps:
    """Maps of one input of ``n`` tokens; float32 arrays, rows = queries/outputs, each row sums to 1."""

    attention: np.ndarray  # (L, H, n, n)
    local: np.ndarray  # (L, H, n, n)
    global_: np.ndarray  # (L, H, n, n)
    contribution: np.ndarray  # (L, n, n)

    def as_arrays(self) -> dict[str, np.ndarray]:
        return {"attention": self.attention, "local": self.local, "global": self.global_, "contribution": self.contribution}


def chunk_size_for(n: int, d: int, num_layers: int, num_heads: int, intermediate: int, budget: int) -> int:
    """Tangents per vmapped batch, so that the largest activation stays under ``budget`` elements.

    Per tangent, the widest live tensors are the stacked layer outputs and head outputs
    (2·L·n·d), the feed-forward activation (n·intermediate) and the attention scores (H·n²).
    """
    per_tangent = max(2 * num_layers * n * d, n * intermediate, num_heads * n * n)
    return max(1, budget // per_tangent)


def frobenius_shares(squared_norms: torch.Tensor) -> torch.Tensor:
    """``‖·‖_F`` from squared norms, then divided by their row sum over the last axis."""
    norms = squared_norms.clamp_min(0).sqrt()
    return norms / norms.sum(-1, keepdim=True).clamp_min(torch.finfo(norms.dtype).tiny)


def compute_maps(
    layers: list,
    num_heads: int,
    embeddings: torch.Tensor,
    *,
    estimator: Estimator = "probes",
    probes: int = 8,
    seed: int = 0,
    input_id: str = "",
) -> InputMaps:
    """Attention, local and global attribution, and token contribution of one input.

    Args:
        layers: the encoder's layers (:meth:`Architecture.layers`).
        num_heads: H.
        embeddings: (n, d) the embedding output ``e⁰`` on the model's device and dtype.
        estimator, probes: the Frobenius-norm estimator and its K (ignored for ``exact``).
        seed, input_id: seed the probe directions (same seed and id, same numbers).
    """
    n, d = embeddings.shape
    num_layers = len(layers)
    intermediate = layers[0].ffn_in.out_features
    directions = token_directions(estimator, n, d, probes, probe_generator(seed, input_id))
    directions = directions.to(device=embeddings.device, dtype=embeddings.dtype)
    budget = chunk_budget(embeddings.device, embeddings.dtype)
    chunk = chunk_size_for(n, d, num_layers, num_heads, intermediate, budget)

    with torch.no_grad():
        _, attention, hidden = encoder_forward(layers, embeddings, num_heads)
    layer_inputs = torch.cat([embeddings[None], hidden[:-1]])  # e⁰..eᴸ⁻¹, (L, n, d)

    global_sq, contribution_sq = _global_squared_norms(layers, num_heads, embeddings, directions, chunk)
    local_sq = torch.stack(
        [
            _local_squared_norms(parts, num_heads, layer_inputs[l], directions, chunk)
            for l, parts in enumerate(layers)
        ]
    )

    def to_numpy(t: torch.Tensor) -> np.ndarray:
        return t.detach().to("cpu", torch.float32).numpy()

    return InputMaps(
        attention=to_numpy(attention),
        local=to_numpy(frobenius_shares(local_sq)),
        global_=to_numpy(frobenius_shares(global_sq)),
        contribution=to_numpy(frobenius_shares(contribution_sq)),
    )


def _global_squared_norms(layers, num_heads, embeddings, directions, chunk):
    """``‖∂oˡʰ_j/∂e⁰_i‖²`` (L, H, n, n) and ``‖∂eˡ_j/∂e⁰_i‖²`` (L, n, n), one JVP pass."""

    def forward(x0):
        heads, _, hidden = encoder_forward(layers, x0, num_heads)
        return heads, hidden

    def tangent_outputs(tangent):
        return jvp(forward, (embeddings,), (tangent,))[1]

    n = embeddings.shape[0]
    num_layers = len(layers)
    heads_sq = embeddings.new_zeros(num_layers, num_heads, n, n)
    hidden_sq = embeddings.new_zeros(num_layers, n, n)
    batched = vmap(tangent_outputs)
    for tokens, tangents in tangent_chunks(directions, chunk):
        d_heads, d_hidden = batched(tangents)
        # d_heads (B, L, H, n, d_h) -> (L, H, n, B); d_hidden (B, L, n, d) -> (L, n, B)
        heads_sq.index_add_(-1, tokens, d_heads.square().sum(-1).permute(1, 2, 3, 0))
        hidden_sq.index_add_(-1, tokens, d_hidden.square().sum(-1).permute(1, 2, 0))
    return heads_sq, hidden_sq


def _local_squared_norms(parts, num_heads, layer_input, directions, chunk):
    """``‖∂oˡʰ_j/∂eˡ⁻¹_i‖²`` (H, n, n), through layer ``l``'s attention sub-layer only."""
    heads_of = partial(_heads_only, parts, num_heads)

    def tangent_outputs(tangent):
        return jvp(heads_of, (layer_input,), (tangent,))[1]

    n = layer_input.shape[0]
    squared = layer_input.new_zeros(num_heads, n, n)
    batched = vmap(tangent_outputs)
    for tokens, tangents in tangent_chunks(directions, chunk):
        d_heads = batched(tangents)  # (B, H, n, d_h)
        squared.index_add_(-1, tokens, d_heads.square().sum(-1).permute(1, 2, 0))
    return squared


def _heads_only(parts, num_heads, x):
    return head_outputs(parts, x, num_heads)[0]
