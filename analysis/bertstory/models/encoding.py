"""From text to the tokens and features of one input (the engine computes ``e⁰`` from them)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from transformers import PreTrainedTokenizerBase

from bertstory.errors import BertstoryError
from bertstory.models.loading import LoadedModel


@dataclass(frozen=True)
class Encoded:
    """One tokenised input: ``input_ids`` (1, n) and its tokens (special tokens included)."""

    features: dict[str, torch.Tensor]
    tokens: list[str]


def has_pair_template(tokenizer: PreTrainedTokenizerBase) -> bool:
    """Whether the tokenizer joins a sentence pair with tokens of its own: a pair gets more
    special tokens than a single text (BERT ``[CLS] a [SEP] b [SEP]``, RoBERTa ``<s> a </s></s> b
    </s>``, a Llama tokenizer that adds its BOS ``<s> a <s> b``). GPT-2's and GPT-NeoX's add
    none: they would run the two texts together as one."""
    return tokenizer.num_special_tokens_to_add(pair=True) > tokenizer.num_special_tokens_to_add(pair=False)


def has_text(tokenizer: PreTrainedTokenizerBase, encoded: Encoded) -> bool:
    """Whether any token of ``encoded`` stands for its text: one other than the special tokens
    the tokenizer adds (``[CLS]``, ``[SEP]``, ``<s>``, …; the unknown token does stand for text).
    An input of control characters alone gives BERT nothing but ``[CLS] [SEP]``."""
    added = set(tokenizer.all_special_ids) - {tokenizer.unk_token_id}
    return any(i not in added for i in encoded.features["input_ids"][0].tolist())


def encode(loaded: LoadedModel, text: str, text_pair: str | None) -> Encoded:
    """Tokenise without truncation or padding (``docs/method.md#notation``: ``n`` tokens, no padding).

    A pair is refused when the tokenizer has no pair template (:func:`has_pair_template`).
    """
    if text_pair is not None and not has_pair_template(loaded.tokenizer):
        raise BertstoryError(f"the tokenizer of {loaded.name_or_path} has no pair template (it would run the two "
                             "texts together as one); pass a single text, without text_pair")
    features = loaded.tokenizer(text, text_pair, return_tensors="pt", truncation=False, verbose=False)
    if not loaded.family.takes_token_type_ids:
        features.pop("token_type_ids", None)
    tokens = loaded.tokenizer.convert_ids_to_tokens(features["input_ids"][0].tolist())
    return Encoded(features=dict(features), tokens=tokens)


def model_features(loaded: LoadedModel, encoded: Encoded) -> dict[str, torch.Tensor]:
    """The input's (1, n) features on the model's device, as :func:`bertstory.engine.compute_maps` takes them."""
    return {name: value.to(loaded.device) for name, value in encoded.features.items()}
