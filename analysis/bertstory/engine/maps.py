"""The four maps of one input (``docs/method.md#notation``): attention, local and global
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

from dataclasses import dataclass
from functools import partial

import numpy as np
import torch
from torch import nn
from torch.func import jvp, vmap

from bertstory.engine.allocator import keep_freed_memory
from bertstory.engine.families import family_for
from bertstory.engine.layer_calls import LayerCall, capture_forward, layer_heads, run_layer
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
    num_heads = family.num_heads(model)
    directions = token_directions(estimator, n, d, probes, probe_generator(seed, input_id))
    directions = directions.to(device=embeddings.device, dtype=embeddings.dtype)
    if embeddings.device.type == "cpu":
        keep_freed_memory()  # the chunks' large tensors are reused, not mapped afresh each time
    budget = chunk_budget(embeddings.device, embeddings.dtype)
    chunk = chunk_size_for(n, d, num_heads, feed_forward_width(forward.calls[0].module), budget)
    layer_inputs = [embeddings, *forward.layer_outputs[:-1]]  # e⁰..eᴸ⁻¹, each (n, d)
    global_sq, contribution_sq, local_sq = _squared_norms(forward.calls, num_heads, layer_inputs, directions, chunk)

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
