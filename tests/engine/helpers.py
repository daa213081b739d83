"""Tiny float64 models with one input's features and transformers' own outputs, for engine tests."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from tiny_models import TAKES_TOKEN_TYPES, build_tiny_model

TOKEN_IDS = [101, 1996, 4937, 2938, 1010, 1998, 2009, 102, 2053, 1012, 102]
"""[CLS] the cat sat , and it [SEP] no . [SEP]: 11 tokens, a pair."""
SEGMENTS = [0] * 8 + [1] * 3


@dataclass(frozen=True)
class TinyCase:
    """A tiny model, one input's features ((1, n) tensors) and the model's own outputs on them."""

    model: torch.nn.Module
    features: dict[str, torch.Tensor]
    outputs: object  # transformers' output, with hidden_states and attentions

    @property
    def attentions(self) -> torch.Tensor:
        """(L, H, n, n) transformers' ``output_attentions``."""
        return torch.cat(self.outputs.attentions)

    @property
    def layer_inputs(self) -> list[torch.Tensor]:
        """``e⁰..eᴸ⁻¹``, each (n, d), from transformers' ``hidden_states``."""
        return [hidden[0] for hidden in self.outputs.hidden_states[:-1]]


def tiny_float64(family: str, seed: int = 0) -> TinyCase:
    """A tiny model of ``family`` in float64, eval mode, frozen, on the 11-token pair input."""
    model = build_tiny_model(family, vocab_size=30522, seed=seed).double().eval().requires_grad_(False)
    ids = torch.tensor([TOKEN_IDS])
    features = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
    if family in TAKES_TOKEN_TYPES:
        features["token_type_ids"] = torch.tensor([SEGMENTS])
    outputs = model(**features, output_hidden_states=True, output_attentions=True, use_cache=False)
    return TinyCase(model, features, outputs)
