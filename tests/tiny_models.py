"""Tiny randomly initialised models of each supported family (hidden ≤ 32, 2 layers, 4 heads).

Every model uses eager attention, so that ``output_attentions`` returns the probabilities.
Llama, Qwen2 and Mistral have grouped-query attention (2 key/value heads for 4 query heads);
ALBERT has one layer group whose single layer runs twice.
"""

from __future__ import annotations

import torch
from transformers import (
    AlbertConfig,
    AlbertModel,
    BertConfig,
    BertModel,
    DebertaV2Config,
    DebertaV2Model,
    DistilBertConfig,
    DistilBertModel,
    ElectraConfig,
    ElectraModel,
    GPT2Config,
    GPT2Model,
    GPTNeoXConfig,
    GPTNeoXModel,
    LlamaConfig,
    LlamaModel,
    MistralConfig,
    MistralModel,
    ModernBertConfig,
    ModernBertModel,
    MPNetConfig,
    MPNetModel,
    Qwen2Config,
    Qwen2Model,
    RobertaConfig,
    RobertaModel,
)

ENCODERS = ("bert", "roberta", "electra", "distilbert", "albert", "deberta-v2", "mpnet", "modernbert")
DECODERS = ("gpt2", "gpt_neox", "llama", "qwen2", "mistral")
FAMILIES = ENCODERS + DECODERS
GROUPED_QUERY = ("llama", "qwen2", "mistral")
"""Families built with fewer key/value heads than query heads."""
TAKES_TOKEN_TYPES = ("bert", "roberta", "electra", "albert", "deberta-v2")
"""Families whose tiny model gets ``token_type_ids``."""

LAYERS = 2
HEADS = 4
KEY_VALUE_HEADS = 2


def tiny_config(family: str, vocab_size: int):
    """The config of the tiny model of ``family``: 2 layers, 4 heads, hidden 16 (32 for rotary decoders)."""
    common = dict(vocab_size=vocab_size, attn_implementation="eager")
    bert_like = dict(hidden_size=16, num_hidden_layers=LAYERS, num_attention_heads=HEADS, intermediate_size=32,
                     **common)
    llama_like = dict(hidden_size=32, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                      num_key_value_heads=KEY_VALUE_HEADS, intermediate_size=48, max_position_embeddings=64,
                      **common)
    if family == "bert":
        return BertConfig(max_position_embeddings=64, **bert_like)
    if family == "roberta":
        return RobertaConfig(max_position_embeddings=66, pad_token_id=0, **bert_like)
    if family == "electra":
        return ElectraConfig(embedding_size=8, max_position_embeddings=64, **bert_like)
    if family == "distilbert":
        return DistilBertConfig(dim=16, n_layers=LAYERS, n_heads=HEADS, hidden_dim=32, max_position_embeddings=64,
                                **common)
    if family == "albert":
        return AlbertConfig(embedding_size=8, num_hidden_groups=1, inner_group_num=1, max_position_embeddings=64,
                            **bert_like)
    if family == "deberta-v2":  # DeBERTa-v3 settings: relative attention only, shared keys, buckets
        return DebertaV2Config(max_position_embeddings=64, relative_attention=True, position_buckets=8,
                               pos_att_type=["p2c", "c2p"], norm_rel_ebd="layer_norm", share_att_key=True,
                               position_biased_input=False, type_vocab_size=2, **bert_like)
    if family == "mpnet":
        return MPNetConfig(max_position_embeddings=66, pad_token_id=1, **bert_like)
    if family == "modernbert":  # layer 1 global, layer 2 sliding-window attention over 4 tokens each side
        return ModernBertConfig(hidden_size=16, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                                intermediate_size=32, max_position_embeddings=64, global_attn_every_n_layers=2,
                                local_attention=8, pad_token_id=0, bos_token_id=1, eos_token_id=2,
                                cls_token_id=1, sep_token_id=2, initializer_range=0.2, **common)
    if family == "gpt2":
        return GPT2Config(n_embd=16, n_layer=LAYERS, n_head=HEADS, n_positions=64, bos_token_id=0, eos_token_id=0,
                          **common)
    if family == "gpt_neox":
        return GPTNeoXConfig(hidden_size=16, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                             intermediate_size=32, max_position_embeddings=64, rotary_pct=0.5,
                             use_parallel_residual=True, **common)
    if family == "llama":
        return LlamaConfig(**llama_like)
    if family == "qwen2":
        return Qwen2Config(**llama_like)
    if family == "mistral":
        return MistralConfig(sliding_window=6, **llama_like)
    raise ValueError(family)


_MODEL_CLASS = {
    "bert": BertModel, "roberta": RobertaModel, "electra": ElectraModel, "distilbert": DistilBertModel,
    "albert": AlbertModel, "deberta-v2": DebertaV2Model, "mpnet": MPNetModel, "modernbert": ModernBertModel,
    "gpt2": GPT2Model, "gpt_neox": GPTNeoXModel, "llama": LlamaModel, "qwen2": Qwen2Model, "mistral": MistralModel,
}


def build_tiny_model(family: str, vocab_size: int, seed: int = 0) -> torch.nn.Module:
    """A randomly initialised base model of ``family`` (see :func:`tiny_config`)."""
    torch.manual_seed(seed)
    return _MODEL_CLASS[family](tiny_config(family, vocab_size))
