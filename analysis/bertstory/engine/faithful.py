"""The ablation maps and the field's measures of one captured forward as rows of shares, for the
map registry (``docs/method.md#faithfulness``): the work each registered map takes its part of
(:meth:`bertstory.engine.source.MapSource.shared`).

Every map here is a row of non-negative magnitudes per output, divided by its total; a row that
does not move at all (every entry zero: no ablation changes that output) stays all zero — it is
counted and left out of every comparison (:func:`bertstory.findings.faithfulness`).
"""

from __future__ import annotations

import torch

from bertstory.engine.ablation import ablation_global_and_hidden, ablation_local
from bertstory.engine.ablation_baselines import baseline_rows
from bertstory.engine.attention_norm import attention_norm
from bertstory.engine.attribution import chunk_budget, chunk_size_for, feed_forward_width
from bertstory.engine.row_shares import row_shares
from bertstory.engine.source import MapSource
from bertstory.engine.value_zeroing import value_zeroing


def copies_per_batch(source: MapSource) -> int:
    """Ablated or zeroed copies of the input per vmapped batch: as many as tangents per chunk of
    the attribution pass (their largest activations are alike)."""
    embeddings = source.forward.embeddings
    n, d = embeddings.shape
    widest = feed_forward_width(source.forward.calls[0].module)
    return chunk_size_for(n, d, source.num_heads, widest, chunk_budget(embeddings.device, embeddings.dtype))


def shares(values: torch.Tensor) -> torch.Tensor:
    """Rows of ``values`` (..., n, n) divided by their totals; a row that does not move stays zero."""
    return row_shares(values).nan_to_num(0.0)


def global_ablation_shares(source: MapSource) -> dict[str, torch.Tensor]:
    """``ablation_global`` (L, H, n, n) and ``ablation_hidden`` (L, n, n), from one batch of the
    ``n`` ablated copies of ``e⁰`` run through every layer."""
    chunk = copies_per_batch(source)
    forward = source.forward
    baseline = baseline_rows(source.ablation_baseline, source.model, source.family, source.features,
                             forward.embeddings, source.mask_token_id, chunk=chunk)
    global_, hidden = ablation_global_and_hidden(forward, source.num_heads, baseline, chunk=chunk)
    return {"ablation_global": shares(global_), "ablation_hidden": shares(hidden)}


def local_ablation_shares(source: MapSource) -> torch.Tensor:
    """``ablation_local`` (L, H, n, n): each layer alone, one row of its input set to zero."""
    return shares(ablation_local(source.forward, source.num_heads, chunk=copies_per_batch(source)))


def attention_norm_shares(source: MapSource) -> torch.Tensor:
    """``attention_norm`` (L, H, n, n): ``‖A_ji v_i W_Oʰ‖`` per row, as shares."""
    return shares(attention_norm(source.forward, source.family, source.num_heads))


def value_zeroing_shares(source: MapSource) -> torch.Tensor:
    """``value_zeroing`` (L, n, n): cosine distance of each output when token ``i``'s values are zeroed, as shares."""
    return shares(value_zeroing(source.forward, source.family, source.num_heads, chunk=copies_per_batch(source)))
