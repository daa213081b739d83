"""The deterministic share of the inputs each ``torchrun`` worker analyses, balanced by cost.

An input of n tokens costs about n² (n tangents, each through n positions). The inputs are
taken longest first and each goes to the worker with the least cost so far (longest processing
time first), so no worker ends more than one input's cost above the least loaded one. The split
is a pure function of the inputs' lengths and the worker count: every worker computes it alike
and needs no message to learn its share.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence


def input_cost(n_tokens: int) -> int:
    """The cost of analysing an input of ``n_tokens`` tokens, in units of one token pair: n²."""
    return n_tokens * n_tokens


def balanced_split(costs: Sequence[int], count: int) -> list[list[int]]:
    """The positions of ``costs`` that each of ``count`` workers takes, each share in increasing
    position order; every position is in exactly one share.

    Positions are taken by decreasing cost (ties: earlier position first) and each is given to
    the worker with the least total cost so far (ties: lower rank).
    """
    if count < 1:
        raise ValueError(f"the number of workers must be at least 1, not {count}")
    loads = [(0, rank) for rank in range(count)]
    shares: list[list[int]] = [[] for _ in range(count)]
    for position in sorted(range(len(costs)), key=lambda p: (-costs[p], p)):
        load, rank = heapq.heappop(loads)
        shares[rank].append(position)
        heapq.heappush(loads, (load + costs[position], rank))
    return [sorted(share) for share in shares]
