"""From text to tokens and to the embedding output ``e⁰`` (``hidden_states[0]``), the start of every map."""

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
    if loaded.architecture.family == "distilbert":
        features.pop("token_type_ids", None)
    tokens = loaded.tokenizer.convert_ids_to_tokens(features["input_ids"][0].tolist())
    return Encoded(features=dict(features), tokens=tokens)


def embedding_output(loaded: LoadedModel, encoded: Encoded) -> torch.Tensor:
    """``e⁰``: (n, d), the output of the model's embedding layer, on its device."""
    features = {name: value.to(loaded.device) for name, value in encoded.features.items()}
    with torch.no_grad():
        return loaded.model(**features, output_hidden_states=True).hidden_states[0][0]
