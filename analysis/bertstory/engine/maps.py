"""The four maps of one input (``docs/method.md#notation``): attention, local and global
attribution of each head's output, and per-layer token contribution.

The maps come from the model's own layer modules, called with the arguments the model passed
them (:mod:`bertstory.engine.layer_calls`). All Frobenius norms come from forward-mode JVPs
batched with ``torch.func.vmap``: the primal is computed once per batch of tangents, and one
tangent on input token ``i`` yields the derivative of every head, layer and position at once.
One pass over tangents on ``e⁰`` serves ``global`` and ``contribution`` together; ``local``
runs one pass per layer through that layer only up to its head outputs (so it is cheap).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import torch
from torch import nn
from torch.func import jvp, vmap

from bertstory.engine.families import family_for
from bertstory.engine.layer_calls import LayerCall, capture_forward, layer_heads, run_layers
from bertstory.engine.tangents import ESTIMATORS, Estimator, probe_generator, tangent_chunks, token_directions
from bertstory.errors import BertstoryError

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


def chunk_size_for(n: int, d: int, num_layers: int, num_heads: int, widest: int, budget: int) -> int:
    """Tangents per vmapped batch, so that the largest activation stays under ``budget`` elements.

    Per tangent, the widest live tensors are the stacked layer outputs and head outputs
    (2·L·n·d), the widest activation inside a layer (n·widest, the feed-forward one) and the
    attention scores (H·n²).
    """
    per_tangent = max(2 * num_layers * n * d, n * widest, num_heads * n * n)
    return max(1, budget // per_tangent)


def frobenius_shares(squared_norms: torch.Tensor) -> torch.Tensor:
    """``‖·‖_F`` from squared norms, then divided by their row sum over the last axis."""
    norms = squared_norms.clamp_min(0).sqrt()
    return norms / norms.sum(-1, keepdim=True).clamp_min(torch.finfo(norms.dtype).tiny)


def compute_maps(
    model: nn.Module,
    features: dict[str, torch.Tensor],
    *,
    estimator: Estimator = "probes",
    probes: int = 8,
    seed: int = 0,
    input_id: str = "",
) -> InputMaps:
    """Attention, local and global attribution, and token contribution of one input.

    Args:
        model: a transformers base model of a supported family (:func:`family_for`), loaded with
            ``attn_implementation="eager"``, in eval mode, frozen, on its device and dtype.
        features: the tokenizer's output for one input, (1, n) tensors on the model's device
            (``input_ids``, ``attention_mask``, ``token_type_ids`` when the model takes them).
        estimator, probes: the Frobenius-norm estimator and its K (ignored for ``exact``).
        seed, input_id: seed the probe directions (same seed and id, same numbers).
    """
    family = family_for(model.config)
    _check_ready(model, estimator, probes)
    forward = capture_forward(model, family, features)
    embeddings = forward.embeddings
    n, d = embeddings.shape
    num_layers, num_heads = len(forward.calls), family.num_heads(model)
    directions = token_directions(estimator, n, d, probes, probe_generator(seed, input_id))
    directions = directions.to(device=embeddings.device, dtype=embeddings.dtype)
    budget = chunk_budget(embeddings.device, embeddings.dtype)
    chunk = chunk_size_for(n, d, num_layers, num_heads, _widest_dimension(forward.calls[0].module), budget)
    layer_inputs = torch.cat([embeddings[None], forward.layer_outputs[:-1]])  # e⁰..eᴸ⁻¹, (L, n, d)

    global_sq, contribution_sq = _global_squared_norms(forward.calls, num_heads, embeddings, directions, chunk)
    local_sq = torch.stack(
        [
            _local_squared_norms(call, num_heads, layer_inputs[l], directions, chunk)
            for l, call in enumerate(forward.calls)
        ]
    )

    def to_numpy(t: torch.Tensor) -> np.ndarray:
        return t.detach().to("cpu", torch.float32).numpy()

    return InputMaps(
        attention=to_numpy(forward.attention),
        local=to_numpy(frobenius_shares(local_sq)),
        global_=to_numpy(frobenius_shares(global_sq)),
        contribution=to_numpy(frobenius_shares(contribution_sq)),
    )


def _check_ready(model: nn.Module, estimator: str, probes: int) -> None:
    if estimator not in ESTIMATORS:
        raise BertstoryError(f"unknown estimator {estimator!r}; choose one of {', '.join(ESTIMATORS)}")
    if estimator == "probes" and probes < 1:
        raise BertstoryError(f"the probes estimator needs at least 1 probe per token, got {probes}")
    implementation = getattr(model.config, "_attn_implementation", None)
    if implementation != "eager":
        raise BertstoryError(
            f"the model runs {implementation!r} attention; load it with attn_implementation=\"eager\" "
            "so that its attention probabilities can be read"
        )
    if model.training:
        raise BertstoryError("the model is in training mode (dropout on); call model.eval() first")


def _widest_dimension(layer: nn.Module) -> int:
    """The largest dimension of any parameter of a layer: the feed-forward width."""
    return max(max(parameter.shape) for parameter in layer.parameters())


def _global_squared_norms(calls: list[LayerCall], num_heads, embeddings, directions, chunk):
    """``‖∂oˡʰ_j/∂e⁰_i‖²`` (L, H, n, n) and ``‖∂eˡ_j/∂e⁰_i‖²`` (L, n, n), one JVP pass."""
    forward = partial(run_layers, calls, num_heads)

    def tangent_outputs(tangent):
        return jvp(forward, (embeddings,), (tangent,))[1]

    n = embeddings.shape[0]
    num_layers = len(calls)
    heads_sq = embeddings.new_zeros(num_layers, num_heads, n, n)
    hidden_sq = embeddings.new_zeros(num_layers, n, n)
    batched = vmap(tangent_outputs)
    for tokens, tangents in tangent_chunks(directions, chunk):
        d_heads, d_hidden = batched(tangents)
        # d_heads (B, L, n, H, d_h) -> (L, H, n, B); d_hidden (B, L, n, d) -> (L, n, B)
        heads_sq.index_add_(-1, tokens, d_heads.square().sum(-1).permute(1, 3, 2, 0))
        hidden_sq.index_add_(-1, tokens, d_hidden.square().sum(-1).permute(1, 2, 0))
    return heads_sq, hidden_sq


def _local_squared_norms(call: LayerCall, num_heads, layer_input, directions, chunk):
    """``‖∂oˡʰ_j/∂eˡ⁻¹_i‖²`` (H, n, n), through layer ``l`` up to its head outputs only."""
    heads_of = partial(layer_heads, call, num_heads)

    def tangent_outputs(tangent):
        return jvp(heads_of, (layer_input,), (tangent,))[1]

    n = layer_input.shape[0]
    squared = layer_input.new_zeros(num_heads, n, n)
    batched = vmap(tangent_outputs)
    for tokens, tangents in tangent_chunks(directions, chunk):
        d_heads = batched(tangents)  # (B, n, H, d_h)
        squared.index_add_(-1, tokens, d_heads.square().sum(-1).permute(2, 1, 0))
    return squared
