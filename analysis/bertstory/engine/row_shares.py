"""Unnormalised maps (ablation distances, attention norms, value zeroing) as rows of shares.

A row's shares are its entries divided by its total over the keys the row sees. A row that does
not move at all — every key it sees at zero — has no shares: it is NaN throughout, so that it is
counted (:func:`still_rows`) and left out of every comparison rather than read as a distribution.
"""

from __future__ import annotations

import torch


def row_shares(values: torch.Tensor, sees: torch.Tensor | None = None) -> torch.Tensor:
    """Each row of ``values`` divided by its total over the keys it sees.

    Args:
        values: (..., n, n) non-negative, rows = outputs/queries, last axis = keys.
        sees: boolean, broadcastable to ``values``: the keys each row sees; ``None``: every key.
    Returns:
        like ``values``: keys a row does not see are 0, each other row sums to 1; rows that do
        not move at all (zero total over the keys they see) are NaN throughout.
    """
    seen = values if sees is None else values * sees
    totals = seen.sum(-1, keepdim=True)
    return torch.where(totals > 0, seen / totals.clamp_min(torch.finfo(values.dtype).tiny), torch.nan)


def still_rows(shares: torch.Tensor) -> torch.Tensor:
    """(..., n) boolean: the rows of :func:`row_shares`'s output that did not move at all."""
    return shares.isnan().all(-1)
