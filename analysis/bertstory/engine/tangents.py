"""Tangent directions for the forward-mode estimators (``docs/method.md#estimators``).

Each input token ``i`` gets ``K`` directions ``u_ik ∈ R^d``; a tangent is zero except on
row ``i``, where it is ``u_ik``. Summing ``‖J u_ik‖²`` over ``k`` estimates the squared
Frobenius norm ``‖J‖²_F`` of the Jacobian block of token ``i``:

- ``exact``: the standard basis, ``K = d``: the sum is exact.
- ``probes``: ``K`` random orthonormal directions scaled by ``√(d/K)``, unbiased for the
  squared norm; ``K ≥ d`` gives an orthonormal basis of ``R^d``, hence exact too.
"""

from __future__ import annotations

import hashlib
from typing import Literal, get_args

import torch

Estimator = Literal["exact", "probes"]
ESTIMATORS: tuple[Estimator, ...] = get_args(Estimator)


def probe_generator(seed: int, input_id: str) -> torch.Generator:
    """A CPU generator seeded by the run seed and the input id, so that every input's probes
    are the same whatever the order or resumption of the run."""
    digest = hashlib.sha256(f"{seed}:{input_id}".encode()).digest()
    return torch.Generator().manual_seed(int.from_bytes(digest[:8], "little"))


def token_directions(
    estimator: Estimator, n: int, d: int, probes: int, generator: torch.Generator
) -> torch.Tensor:
    """Directions per token, already scaled.

    Returns:
        (n, K, d) float64 on the CPU: ``[i, k]`` is the k-th direction of token ``i``.
    """
    if estimator == "exact":
        return torch.eye(d, dtype=torch.float64).expand(n, d, d).clone()
    k = min(probes, d)
    gaussian = torch.randn(n, d, k, generator=generator, dtype=torch.float64)
    orthonormal, _ = torch.linalg.qr(gaussian)  # (n, d, k), orthonormal columns
    return orthonormal.transpose(1, 2) * (d / k) ** 0.5


def tangent_chunks(directions: torch.Tensor, chunk_size: int):
    """Yield batches of one-token tangents built from ``directions`` (n, K, d).

    Yields:
        (tokens, tangents) on the device of ``directions``: ``tokens`` (B,) long, the input
        token each tangent sits on; ``tangents`` (B, n, d), zero except ``tangents[b, tokens[b]]``.
    """
    n, k, d = directions.shape
    flat = directions.reshape(n * k, d)
    token_of = torch.arange(n, device=directions.device).repeat_interleave(k)
    for start in range(0, n * k, chunk_size):
        tokens = token_of[start : start + chunk_size]
        tangents = directions.new_zeros(len(tokens), n, d)
        tangents[torch.arange(len(tokens), device=directions.device), tokens] = flat[start : start + chunk_size]
        yield tokens, tangents
