"""Running one function on many modified copies of one input, as vmapped batches.

The ablation and value-zeroing maps (``docs/method.md``) compare a computation on an input with
the same computation on ``n`` copies, copy ``i`` modified at token ``i``. The copies run as
``torch.func.vmap`` batches of at most ``chunk`` copies (the caller sizes ``chunk`` to its memory
budget); every batch is led by the unmodified input, so that each copy is compared with a
reference computed by the same batched kernels. What a modification does not reach (a causal
model's future tokens, a window's far tokens) then comes out unchanged, as a rule exactly (a
reference computed apart differs from the batch by rounding: 1e-8 in float32 on a tiny Llama);
where the kernels treat batch positions differently, by rounding alone, which
:func:`change_norms` counts as no change.
"""

from __future__ import annotations

from typing import Callable, Iterator

import torch
from torch.func import vmap

ROUNDING_EPSILONS = 16
"""A change of a row by at most this many machine epsilons of its norm is rounding: no change."""


def token_chunks(n: int, chunk: int, device: torch.device) -> Iterator[torch.Tensor]:
    """The token indices ``0..n-1`` in consecutive (B,) long tensors of at most ``chunk``."""
    tokens = torch.arange(n, device=device)
    yield from tokens.split(max(1, chunk))


def rows_replaced(hidden: torch.Tensor, tokens: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
    """Copies of ``hidden`` (n, d), copy ``b`` with row ``tokens[b]`` set to ``rows[b]``.

    Args:
        tokens: (B,) long; rows: (B, d).
    Returns:
        (B, n, d).
    """
    copies = hidden.expand(len(tokens), *hidden.shape).clone()
    copies[torch.arange(len(tokens), device=hidden.device), tokens] = rows
    return copies


def with_reference(
    function: Callable[[torch.Tensor], tuple[torch.Tensor, ...]], reference: torch.Tensor, copies: torch.Tensor
) -> tuple[tuple[torch.Tensor, ...], tuple[torch.Tensor, ...]]:
    """``function`` on ``reference`` and on each of ``copies``, in one vmapped batch.

    Args:
        function: one input (shaped like ``reference``) → a tuple of tensors.
        reference: the unmodified input; copies: (B, *reference.shape).
    Returns:
        the reference's outputs, and the copies' outputs, each with a leading axis B.
    """
    outputs = vmap(function)(torch.cat([reference[None], copies]))
    return tuple(output[0] for output in outputs), tuple(output[1:] for output in outputs)


def change_norms(changed: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """``‖changed − reference‖₂`` over the last axis; 0 where rounding alone can explain it (at
    most :data:`ROUNDING_EPSILONS` machine epsilons of ``‖reference‖₂``), so that a row nothing
    reached does not move at all.

    Args:
        changed: (..., k); reference: broadcastable to it.
    Returns:
        (...).
    """
    distances = (changed - reference).norm(dim=-1)
    rounding = ROUNDING_EPSILONS * torch.finfo(distances.dtype).eps * reference.norm(dim=-1)
    return torch.where(distances > rounding, distances, 0)
