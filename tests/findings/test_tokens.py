"""Token classes: special tokens from run.json, punctuation after stripping sub-word markers."""

from __future__ import annotations

import numpy as np

from bertstory.findings.tokens import TOKEN_CLASSES, class_masks, is_punct, strip_marker


def test_markers_are_stripped():
    assert strip_marker("##ing") == "ing"
    assert strip_marker("Ġ,") == ","
    assert strip_marker("▁.") == "."
    assert strip_marker("word") == "word"


def test_punctuation_tokens():
    for token in [".", ",", "!", "?", "...", "##.", "Ġ,", "▁)", "—", "«", "$", "'"]:
        assert is_punct(token), token
    for token in ["a", "##s", "Ġ", "▁", "3.5", "don't", "[CLS]", "</s>", ""]:
        assert not is_punct(token), token


def test_class_masks_bert():
    tokens = ["[CLS]", "hello", ",", "world", "##.", "...", "[SEP]", "again", "[SEP]"]
    masks = class_masks(tokens, "[CLS]", "[SEP]")
    assert TOKEN_CLASSES == ("cls", "sep", "punct", "period", "comma")
    assert masks.shape == (9, 5)
    np.testing.assert_array_equal(np.flatnonzero(masks[:, 0]), [0])
    np.testing.assert_array_equal(np.flatnonzero(masks[:, 1]), [6, 8])
    np.testing.assert_array_equal(np.flatnonzero(masks[:, 2]), [2, 4, 5])
    np.testing.assert_array_equal(np.flatnonzero(masks[:, 3]), [4])  # "##." is a period, "..." is not
    np.testing.assert_array_equal(np.flatnonzero(masks[:, 4]), [2])


def test_class_masks_roberta_special_tokens_are_not_punct():
    tokens = ["<s>", "ĠHi", "Ġ,", "</s>", "</s>", "Ġthere", ".", "</s>"]
    masks = class_masks(tokens, "<s>", "</s>")
    np.testing.assert_array_equal(np.flatnonzero(masks[:, 0]), [0])
    np.testing.assert_array_equal(np.flatnonzero(masks[:, 1]), [3, 4, 7])
    np.testing.assert_array_equal(np.flatnonzero(masks[:, 2]), [2, 6])
    np.testing.assert_array_equal(np.flatnonzero(masks[:, 3]), [6])
    np.testing.assert_array_equal(np.flatnonzero(masks[:, 4]), [2])


def test_class_masks_decoder_first_token_is_cls_whatever_it_is():
    # GPT-2 adds no BOS: the first word is CLS; its end token <|endoftext|> is SEP; a later
    # token equal to the first token's string is not CLS
    tokens = ["The", "Ġcat", ",", "ĠThe", "<|endoftext|>"]
    masks = class_masks(tokens, "<|endoftext|>", "<|endoftext|>", first_is_cls=True)
    np.testing.assert_array_equal(np.flatnonzero(masks[:, 0]), [0])
    np.testing.assert_array_equal(np.flatnonzero(masks[:, 1]), [4])
    np.testing.assert_array_equal(np.flatnonzero(masks[:, 2]), [2])
    # a first token made of punctuation is CLS, not punct
    masks = class_masks(["\"", "Hi", "\""], None, None, first_is_cls=True)
    np.testing.assert_array_equal(masks[:, 0], [True, False, False])
    np.testing.assert_array_equal(masks[:, 2], [False, False, True])
