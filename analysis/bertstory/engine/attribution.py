"""The gradient maps of one input (``docs/method.md#the-four-maps``): local and global
attribution of each head's output, and per-layer token contribution.

The maps come from the model's own layer modules, called with the arguments the model passed
them (:mod:`bertstory.engine.layer_calls`). All Frobenius norms come from forward-mode JVPs
batched with ``torch.func.vmap``, one layer at a time at the layer's input as the model's own
forward computed it (so a layer's primal is never recomputed from ``e⁰``): one tangent on input
token ``i`` yields the derivative of every head, layer and position at once. The tangents are cut
into chunks; each chunk is built once and serves every pass: the global pass, which carries its
tangents from ``e⁰`` up through all layers and serves ``global`` and ``contribution`` together,
and one local pass per layer above the first, through that layer only up to its head outputs
(the first layer's input is ``e⁰``, so its local blocks are its global ones). Each layer's
squared norms are summed as soon as its tangents exist; no tangent of an earlier layer stays alive.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import torch
from torch import nn
from torch.func import jvp, vmap

from bertstory.engine.allocator import keep_freed_memory
from bertstory.engine.layer_calls import LayerCall, layer_heads, run_layer
from bertstory.engine.tangents import probe_generator, tangent_chunks, token_directions

if TYPE_CHECKING:
    from bertstory.engine.source import MapSource

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


def chunk_size_for(n: int, d: int, num_heads: int, widest: int, budget: int) -> int:
    """Tangents per vmapped batch, so that the largest activation stays under ``budget`` elements.

    Per tangent, the widest live tensors are the widest activation inside a layer (n·widest, the
    feed-forward one), the attention scores (H·n²) and the hidden states (n·d).
    """
    per_tangent = max(n * d, n * widest, num_heads * n * n)
    return max(1, budget // per_tangent)


def frobenius_shares(squared_norms: torch.Tensor) -> torch.Tensor:
    """``‖·‖_F`` from squared norms, then divided by their row sum over the last axis."""
    norms = squared_norms.clamp_min(0).sqrt()
    return norms / norms.sum(-1, keepdim=True).clamp_min(torch.finfo(norms.dtype).tiny)


def attribution_shares(source: MapSource) -> dict[str, torch.Tensor]:
    """Local and global attribution ``(L, H, n, n)`` and token contribution ``(L, n, n)`` of one
    captured forward, by the map names (``local``, ``global``, ``contribution``): rows of shares,
    the last axis the input token. One pass of tangents serves all three (module docstring),
    along the source's probe directions (or every basis direction for ``exact``)."""
    forward = source.forward
    embeddings = forward.embeddings
    n, d = embeddings.shape
    directions = token_directions(source.estimator, n, d, source.probes, probe_generator(source.seed, source.input_id))
    directions = directions.to(device=embeddings.device, dtype=embeddings.dtype)
    if embeddings.device.type == "cpu":
        keep_freed_memory()  # the chunks' large tensors are reused, not mapped afresh each time
    budget = chunk_budget(embeddings.device, embeddings.dtype)
    chunk = chunk_size_for(n, d, source.num_heads, feed_forward_width(forward.calls[0].module), budget)
    layer_inputs = [embeddings, *forward.layer_outputs[:-1]]  # e⁰..eᴸ⁻¹, each (n, d)
    global_sq, contribution_sq, local_sq = _squared_norms(forward.calls, source.num_heads, layer_inputs, directions,
                                                          chunk)
    return {"local": frobenius_shares(local_sq), "global": frobenius_shares(global_sq),
            "contribution": frobenius_shares(contribution_sq)}


def feed_forward_width(layer: nn.Module) -> int:
    """The largest dimension of any parameter of a layer: the feed-forward width."""
    return max(max(parameter.shape) for parameter in layer.parameters())


def _squared_norms(calls: list[LayerCall], num_heads: int, layer_inputs: list[torch.Tensor], directions, chunk):
    """Squared norms of the Jacobian blocks, summed over each input token's tangents.

    Args:
        layer_inputs: ``e⁰..eᴸ⁻¹``, each (n, d): where each layer's JVPs are taken.
        directions: (n, K, d) the tangent directions of each token.
    Returns:
        global ``‖∂oˡʰ_j/∂e⁰_i‖²`` (L, H, n, n); contribution ``‖∂eˡ_j/∂e⁰_i‖²`` (L, n, n);
        local ``‖∂oˡʰ_j/∂eˡ⁻¹_i‖²`` (L, H, n, n); the last axis is the input token ``i``.
    """
    steps = [vmap(partial(_tangents_of, partial(run_layer, call, num_heads), x)) for call, x in zip(calls, layer_inputs)]
    local_passes = {l: vmap(partial(_tangents_of, partial(layer_heads, calls[l], num_heads), layer_inputs[l]))
                    for l in range(1, len(calls))}
    n = layer_inputs[0].shape[0]
    global_sq = layer_inputs[0].new_zeros(len(calls), num_heads, n, n)
    local_sq = torch.zeros_like(global_sq)
    contribution_sq = layer_inputs[0].new_zeros(len(calls), n, n)
    for tokens, tangents in tangent_chunks(directions, chunk):
        hidden = tangents
        for l in range(len(calls)):
            d_heads, hidden = steps[l](hidden)  # (B, n, H, d_h), (B, n, d)
            global_sq[l].index_add_(-1, tokens, _head_squares(d_heads))
            contribution_sq[l].index_add_(-1, tokens, hidden.square().sum(-1).T)
            if l in local_passes:
                local_sq[l].index_add_(-1, tokens, _head_squares(local_passes[l](tangents)))
    local_sq[0] = global_sq[0]  # the first layer's input is e⁰: its local and global blocks are the same
    return global_sq, contribution_sq, local_sq


def _tangents_of(function, primal: torch.Tensor, tangent: torch.Tensor):
    """The JVP of ``function`` at ``primal`` along ``tangent`` (the output tangents only)."""
    return jvp(function, (primal,), (tangent,))[1]


def _head_squares(d_heads: torch.Tensor) -> torch.Tensor:
    """(B, n, H, d_h) head-output tangents of B tangents → (H, n, B) their squared norms."""
    return d_heads.square().sum(-1).permute(2, 1, 0)
