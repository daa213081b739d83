"""Exact rows of the attribution and contribution maps by reverse mode, and the probe estimate of
the same rows (``docs/method.md#estimator-check``).

A map row — head ``h`` of layer ``l`` at query ``j`` in ``local`` or ``global``, position ``j`` of
layer ``l`` in ``contribution`` — is normalised over the input tokens ``i``. Its output ``y``
(the head output ``oˡʰ_j``, d_h components, or the hidden vector ``eˡ_j``, d components) has
one Jacobian ``∂y/∂x`` with respect to the map's whole input ``x`` (``e⁰``, or ``eˡ⁻¹`` for
``local``): a VJP per component of ``y`` gives one row of it, so d_h (or d) VJPs give the exact
squared norms ``‖∂y/∂x_i‖²_F`` of every token ``i`` at once, where the forward-mode ``exact``
estimator needs n·d tangents for a whole map (every row at once). From the same Jacobian
rows, the probe estimate of the row along any directions ``u_ik`` is ``Σ_k ‖(∂y/∂x_i) u_ik‖²``:
the very numbers the forward-mode estimator computes along them (a JVP is the Jacobian applied
to the tangent), without running the model again.

The VJPs run through the model's own layer calls (:mod:`bertstory.engine.layer_calls`), batched
with ``torch.func.vmap`` in chunks of the size the forward-mode estimator uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Literal, get_args

import torch
from torch import nn
from torch.func import vjp, vmap

from bertstory.engine.families import family_for
from bertstory.engine.layer_calls import LayerCall, capture_forward, layer_heads, run_layer
from bertstory.engine.attribution import chunk_budget, chunk_size_for, feed_forward_width

RowView = Literal["local", "global", "contribution"]
ROW_VIEWS: tuple[RowView, ...] = get_args(RowView)
"""The maps a probe estimate differs from ``exact`` in (attention is exact by construction)."""


@dataclass(frozen=True)
class MapRow:
    """One row of one map of an input: ``view``, 0-based ``layer``, 0-based ``head`` (``None`` for
    ``contribution``), and the ``query`` position (the row's output position)."""

    view: RowView
    layer: int
    head: int | None
    query: int


@dataclass(frozen=True)
class RowNorms:
    """Squared Frobenius norms of the Jacobian blocks of ``R`` map rows of an input of ``n`` tokens.

    Attributes:
        exact: (R, n) ``‖∂y/∂x_i‖²_F``, the last axis the input token ``i``.
        estimates: (P, R, n) the same estimated along each of ``P`` sets of directions.
    """

    exact: torch.Tensor
    estimates: torch.Tensor


def row_norms(model: nn.Module, features: dict[str, torch.Tensor], rows: Sequence[MapRow],
              directions: Sequence[torch.Tensor]) -> RowNorms:
    """Exact squared norms of ``rows`` of one input's maps, and their estimates along ``directions``.

    Args:
        model, features: as for :func:`bertstory.maps.compute.compute_maps`.
        rows: the map rows, any order, repeats allowed.
        directions: P tensors (n, K_p, d), each a set of already scaled directions per input token
            (:func:`bertstory.engine.tangents.token_directions`).
    """
    family = family_for(model.config)
    forward = capture_forward(model, family, features)
    embeddings = forward.embeddings
    n, d = embeddings.shape
    num_heads = family.num_heads(model)
    layer_inputs = [embeddings, *forward.layer_outputs[:-1]]  # e⁰..eᴸ⁻¹, each (n, d)
    chunk = chunk_size_for(n, d, num_heads, feed_forward_width(forward.calls[0].module),
                           chunk_budget(embeddings.device, embeddings.dtype))
    directions = [u.to(device=embeddings.device, dtype=embeddings.dtype) for u in directions]
    exact = embeddings.new_zeros(len(rows), n)
    estimates = embeddings.new_zeros(len(directions), len(rows), n)
    groups: dict[tuple[str, int], list[int]] = {}
    for index, row in enumerate(rows):
        groups.setdefault((row.view, row.layer), []).append(index)
    for (view, layer), indices in groups.items():
        function = _row_function(view, layer, forward.calls, num_heads)
        primal = layer_inputs[layer] if view == "local" else embeddings
        output, pullback = vjp(function, primal)
        pullback = vmap(pullback)
        starts = torch.tensor([_output_offset(rows[i], output.shape) for i in indices], device=primal.device)
        components = output[_output_position(rows[indices[0]])].numel()
        owners = torch.tensor(indices, device=primal.device).repeat_interleave(components)
        for start in range(0, len(owners), chunk):
            owner = owners[start:start + chunk]
            flat = torch.arange(start, start + len(owner), device=primal.device)
            cotangents = output.new_zeros(len(owner), output.numel())
            cotangents[torch.arange(len(owner), device=primal.device), starts[flat // components] + flat % components] = 1
            cotangents = cotangents.view(len(owner), *output.shape)  # one-hot on one component of a row's output
            (jacobian_rows,) = pullback(cotangents)  # (B, n, d): row b of ∂y/∂x
            exact.index_add_(0, owner, jacobian_rows.square().sum(-1))
            for p, u in enumerate(directions):
                along = torch.einsum("bnd,nkd->bnk", jacobian_rows, u)
                estimates[p].index_add_(0, owner, along.square().sum(-1))
    return RowNorms(exact=exact, estimates=estimates)


def _row_function(view: str, layer: int, calls: list[LayerCall], num_heads: int):
    """The function from the map's input (n, d) to the outputs its rows are taken from: head
    outputs (n, H, d_h) for ``local`` and ``global``, hidden states (n, d) for ``contribution``."""
    if view == "local":
        return partial(layer_heads, calls[layer], num_heads)
    if view == "global":
        return lambda x: layer_heads(calls[layer], num_heads, _through(calls[:layer], num_heads, x))
    return partial(_through, calls[:layer + 1], num_heads)


def _through(calls: list[LayerCall], num_heads: int, hidden: torch.Tensor) -> torch.Tensor:
    """Hidden states (n, d) after the layers of ``calls``, one after the other."""
    for call in calls:
        hidden = run_layer(call, num_heads, hidden)[1]
    return hidden


def _output_position(row: MapRow) -> tuple[int, ...]:
    """Where the row's output sits in its function's output: ``[query, head]`` or ``[query]``."""
    return (row.query,) if row.head is None else (row.query, row.head)


def _output_offset(row: MapRow, shape: torch.Size) -> int:
    """Flat index of the row's first output component in a contiguous tensor of ``shape``."""
    strides = torch.empty(shape, device="meta").stride()
    return sum(position * stride for position, stride in zip(_output_position(row), strides))
