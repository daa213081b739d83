"""From text to the tokens and features of one input (the engine computes ``e⁰`` from them)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from bertstory.models.loading import LoadedModel


@dataclass(frozen=True)
class Encoded:
    """One tokenised input: ``input_ids`` (1, n) and its tokens (special tokens included)."""

    features: dict[str, torch.Tensor]
    tokens: list[str]


def encode(loaded: LoadedModel, text: str, text_pair: str | None) -> Encoded:
    """Tokenise without truncation or padding (``docs/method.md#notation``: ``n`` tokens, no padding)."""
    features = loaded.tokenizer(text, text_pair, return_tensors="pt", truncation=False, verbose=False)
    if not loaded.family.takes_token_type_ids:
        features.pop("token_type_ids", None)
    tokens = loaded.tokenizer.convert_ids_to_tokens(features["input_ids"][0].tolist())
    return Encoded(features=dict(features), tokens=tokens)


def model_features(loaded: LoadedModel, encoded: Encoded) -> dict[str, torch.Tensor]:
    """The input's (1, n) features on the model's device, as :func:`bertstory.engine.compute_maps` takes them."""
    return {name: value.to(loaded.device) for name, value in encoded.features.items()}
