"""Tiny randomly initialised encoders of each supported family (hidden 16, 2 layers, 4 heads)."""

from __future__ import annotations

import torch
from transformers import (
    BertConfig,
    BertModel,
    DistilBertConfig,
    DistilBertModel,
    ElectraConfig,
    ElectraModel,
    RobertaConfig,
    RobertaModel,
)

FAMILIES = ("bert", "roberta", "electra", "distilbert")


def build_tiny_model(family: str, vocab_size: int, seed: int = 0) -> torch.nn.Module:
    """A randomly initialised encoder of ``family`` with hidden size 16, 2 layers, 4 heads."""
    torch.manual_seed(seed)
    common = dict(vocab_size=vocab_size, attn_implementation="eager")
    if family == "bert":
        config = BertConfig(hidden_size=16, num_hidden_layers=2, num_attention_heads=4, intermediate_size=32,
                            max_position_embeddings=64, **common)
        return BertModel(config)
    if family == "roberta":
        config = RobertaConfig(hidden_size=16, num_hidden_layers=2, num_attention_heads=4, intermediate_size=32,
                               max_position_embeddings=66, pad_token_id=0, **common)
        return RobertaModel(config)
    if family == "electra":
        config = ElectraConfig(embedding_size=8, hidden_size=16, num_hidden_layers=2, num_attention_heads=4,
                               intermediate_size=32, max_position_embeddings=64, **common)
        return ElectraModel(config)
    if family == "distilbert":
        config = DistilBertConfig(dim=16, n_layers=2, n_heads=4, hidden_dim=32, max_position_embeddings=64, **common)
        return DistilBertModel(config)
    raise ValueError(family)
