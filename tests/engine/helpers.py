"""Build float64 tiny models and their embedding outputs for engine tests."""

from __future__ import annotations

import torch

from bertstory.engine.architecture import architecture_for

from tiny_models import build_tiny_model

TOKEN_IDS = [101, 1996, 4937, 2938, 1010, 1998, 2009, 102, 2053, 1012, 102]
"""[CLS] the cat sat , and it [SEP] no . [SEP]: 11 tokens, a pair."""
SEGMENTS = [0] * 8 + [1] * 3


def tiny_float64(family: str, seed: int = 0):
    """A tiny model in float64, eval mode, frozen, with its architecture and ``e⁰`` (n, d)."""
    model = build_tiny_model(family, vocab_size=30522, seed=seed).double().eval().requires_grad_(False)
    ids = torch.tensor([TOKEN_IDS])
    features = {"input_ids": ids}
    if family != "distilbert":
        features["token_type_ids"] = torch.tensor([SEGMENTS])
    outputs = model(**features, output_hidden_states=True, output_attentions=True)
    return model, architecture_for(model.config), outputs
