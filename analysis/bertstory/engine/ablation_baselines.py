"""What takes an ablated token's place in the first layer's input (``docs/method.md``).

Baseline ``zero``: the token's row of the first layer's input is the zero vector. Baseline
``mask`` (models whose tokenizer has a mask token): the token's id is replaced by the mask
token's before the embeddings, positions, token types and attention mask unchanged; its row is
then the first layer's input the model computes for that id. Either way an ablation replaces one
row, so a baseline is a replacement row per token: (n, d).
"""

from __future__ import annotations

from typing import Literal, get_args

import torch
from torch import nn

from bertstory.engine.copies import rows_replaced, token_chunks
from bertstory.engine.families import Family
from bertstory.errors import BertstoryError

AblationBaseline = Literal["zero", "mask"]
ABLATION_BASELINES: tuple[AblationBaseline, ...] = get_args(AblationBaseline)

EMBEDDING_TOLERANCE = 1e-4
"""Largest change, relative to the largest entry of ``e⁰``, that replacing one token's id may make
to the other tokens' first-layer inputs (rounding of the batched forward); more is refused."""


def check_ablation_baseline(baseline: str, mask_token_id: int | None) -> None:
    """Refuse, in one line, a baseline that is unknown or that the tokenizer cannot serve.

    Args:
        mask_token_id: the tokenizer's mask token id, or ``None`` when it has none (decoders).
    """
    if baseline not in ABLATION_BASELINES:
        raise BertstoryError(f"unknown ablation baseline {baseline!r}; choose one of {', '.join(ABLATION_BASELINES)}")
    if baseline == "mask" and mask_token_id is None:
        raise BertstoryError("the mask ablation baseline needs a tokenizer with a mask token, and this one has none; "
                             "use the zero baseline")


def baseline_rows(
    baseline: AblationBaseline,
    model: nn.Module,
    family: Family,
    features: dict[str, torch.Tensor],
    embeddings: torch.Tensor,
    mask_token_id: int | None,
    *,
    chunk: int,
) -> torch.Tensor:
    """The rows that replace each token in the first layer's input.

    Args:
        embeddings: (n, d) ``e⁰``, the first layer's input of ``features`` ((1, n) tensors).
        chunk: copies per batched forward (``mask`` only).
    Returns:
        (n, d): row ``i`` takes token ``i``'s place when token ``i`` is ablated.
    """
    check_ablation_baseline(baseline, mask_token_id)
    if baseline == "zero":
        return torch.zeros_like(embeddings)
    return masked_rows(model, family, features, embeddings, mask_token_id, chunk=chunk)


def masked_rows(
    model: nn.Module,
    family: Family,
    features: dict[str, torch.Tensor],
    embeddings: torch.Tensor,
    mask_token_id: int,
    *,
    chunk: int,
) -> torch.Tensor:
    """Row ``i`` of the first layer's input when token ``i``'s id is the mask token's.

    The model runs on batches of copies of ``features``, copy ``i`` with the mask token's id at
    ``i``, and stops at its first layer's input. That no other row moves is checked (every
    supported family embeds token by token), so replacing row ``i`` of ``embeddings`` (n, d)
    with it gives exactly the first layer's input of copy ``i``.

    Returns:
        (n, d).
    """
    first_layer = family.layer_modules(model)[0]
    rows = torch.empty_like(embeddings)
    for tokens in token_chunks(len(embeddings), chunk, embeddings.device):
        batch = {name: value.expand(len(tokens), *value.shape[1:]).clone() for name, value in features.items()}
        batch["input_ids"][torch.arange(len(tokens)), tokens] = mask_token_id
        inputs = _first_layer_inputs(model, first_layer, batch)  # (B, n, d)
        rows[tokens] = inputs[torch.arange(len(tokens)), tokens]
        moved = (inputs - rows_replaced(embeddings, tokens, rows[tokens])).abs().max()
        if moved > EMBEDDING_TOLERANCE * embeddings.abs().max():
            raise BertstoryError(f"{family.name}: replacing one token's id changes other tokens' first-layer inputs; "
                                 "the mask ablation baseline is not available for this model")
    return rows


class _ReachedFirstLayer(Exception):
    """Raised by the pre-hook of :func:`_first_layer_inputs` to stop the model at its first layer."""

    def __init__(self, hidden: torch.Tensor):
        super().__init__()
        self.hidden = hidden


def _first_layer_inputs(model: nn.Module, first_layer: nn.Module, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """The first layer's input hidden states (B, n, d) of a batch of features ((B, n) tensors)."""

    def stop(module, args, kwargs):
        raise _ReachedFirstLayer(args[0] if args else kwargs["hidden_states"])

    handle = first_layer.register_forward_pre_hook(stop, with_kwargs=True)
    try:
        with torch.no_grad():
            model(**batch, use_cache=False)
    except _ReachedFirstLayer as reached:
        return reached.hidden
    finally:
        handle.remove()
    raise RuntimeError(f"{type(model).__name__} never called its first layer")
