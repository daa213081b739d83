"""Small tokenizers of the decoder families, built offline: byte-level BPE (GPT-2, GPT-NeoX,
Qwen2: no BOS added, ``<|endoftext|>`` as EOS, no pair template) and SentencePiece-style BPE
(Llama, Mistral: ``<s>`` added first, ``</s>`` as EOS, pairs joined by ``<s>``).

Each is trained with the ``tokenizers`` library on a few English sentences (deterministic), then
wrapped in the family's own transformers tokenizer class, so that a saved model folder loads it
with ``AutoTokenizer`` like a hub checkpoint's.
"""

from __future__ import annotations

import json
from functools import cache

from tokenizers import Tokenizer, models, pre_tokenizers, trainers
from transformers import GPT2Tokenizer, GPTNeoXTokenizer, LlamaTokenizer, PreTrainedTokenizerBase, Qwen2Tokenizer

TRAINING_TEXT = (
    "The cat sat on the mat.",
    "Tokenization splits unbelievably long words, doesn't it?",
    "Prices rose 3.5% in 2024. Nobody was surprised.",
    "Where is the station? Turn left at the bridge.",
    "Photosynthesis needs light, water and air.",
    "A dog ran to the river bank, and the bird sang.",
)
VOCAB_SIZE = 320
"""Byte-level tokenizers start from the 256 byte symbols; the rest are merges."""


@cache
def _trained(kind: str) -> tuple[dict[str, int], tuple[tuple[str, str], ...]]:
    """``(vocab, merges)`` of a BPE trained on :data:`TRAINING_TEXT`: ``byte`` or ``metaspace``."""
    tokenizer = Tokenizer(models.BPE())
    if kind == "byte":
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        trainer = trainers.BpeTrainer(vocab_size=VOCAB_SIZE, special_tokens=["<|endoftext|>"],
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    else:
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
        trainer = trainers.BpeTrainer(vocab_size=VOCAB_SIZE, special_tokens=["<unk>", "<s>", "</s>"],
                                      show_progress=False)
    tokenizer.train_from_iterator(TRAINING_TEXT * 3, trainer)
    model = json.loads(tokenizer.to_str())["model"]
    return model["vocab"], tuple(tuple(pair) for pair in model["merges"])


def decoder_tokenizer(family: str) -> PreTrainedTokenizerBase:
    """A fresh small tokenizer of decoder ``family`` (``gpt2``, ``gpt_neox``, ``qwen2``, ``llama``, ``mistral``)."""
    if family in ("gpt2", "gpt_neox", "qwen2"):
        vocab, merges = _trained("byte")
        cls = {"gpt2": GPT2Tokenizer, "gpt_neox": GPTNeoXTokenizer, "qwen2": Qwen2Tokenizer}[family]
        return cls(vocab=dict(vocab), merges=list(merges))
    if family in ("llama", "mistral"):
        vocab, merges = _trained("metaspace")
        return LlamaTokenizer(vocab=dict(vocab), merges=list(merges), add_bos_token=True)
    raise ValueError(family)
