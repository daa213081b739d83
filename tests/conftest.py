"""Shared fixtures: tiny randomly initialised models of each supported family, saved as model
folders so the CLI can load them: encoders with the embedded bert-base-uncased tokenizer,
decoders with a small tokenizer of their own family (:mod:`tiny_tokenizers`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from transformers import AutoTokenizer

from bertstory.models import embedded_model_path
from tiny_models import DECODERS, FAMILIES, build_tiny_model
from tiny_tokenizers import decoder_tokenizer


@pytest.fixture(scope="session")
def embedded_tokenizer():
    return AutoTokenizer.from_pretrained(embedded_model_path())


@pytest.fixture(scope="session")
def tiny_model_dirs(tmp_path_factory, embedded_tokenizer) -> dict[str, Path]:
    """One saved tiny model folder per supported family, with its tokenizer (a decoder's own)."""
    folders = {}
    for family in FAMILIES:
        folder = tmp_path_factory.mktemp(f"tiny-{family}")
        tokenizer = decoder_tokenizer(family) if family in DECODERS else embedded_tokenizer
        build_tiny_model(family, len(tokenizer)).save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        folders[family] = folder
    return folders


UNTOKENIZED_VOCABULARY = {"bert": 30522, "roberta": 50265, "gpt2": 50257}
"""The families whose weights are saved without tokenizer files, with their hub vocabulary sizes."""


@pytest.fixture(scope="session")
def untokenized_model_dirs(tmp_path_factory) -> dict[str, Path]:
    """Model folders with ``config.json`` and weights but no tokenizer files (BERT, RoBERTa,
    GPT-2), and ``"empty-vocab"``: a BERT folder whose ``vocab.txt`` is empty."""
    folders = {}
    for family, vocab_size in UNTOKENIZED_VOCABULARY.items():
        folders[family] = tmp_path_factory.mktemp(f"weights-only-{family}")
        build_tiny_model(family, vocab_size).save_pretrained(folders[family])
    folders["empty-vocab"] = tmp_path_factory.mktemp("empty-vocab")
    build_tiny_model("bert", UNTOKENIZED_VOCABULARY["bert"]).save_pretrained(folders["empty-vocab"])
    (folders["empty-vocab"] / "vocab.txt").write_text("")
    return folders


@pytest.fixture(scope="session")
def tiny_bert_dir(tiny_model_dirs) -> Path:
    return tiny_model_dirs["bert"]


@pytest.fixture
def single_sentence_corpus(tmp_path) -> Path:
    """Four short single sentences, as a .txt corpus (for tokenizers without a pair template)."""
    path = tmp_path / "singles.txt"
    path.write_text(
        "The cat sat on the mat.\n"
        "Tokenization splits unbelievably long words, doesn't it?\n"
        "Where is the station? Turn left at the bridge.\n"
        "Photosynthesis needs light.\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def small_corpus(tmp_path) -> Path:
    """Five short inputs, two of them sentence pairs, as a .txt corpus."""
    path = tmp_path / "corpus.txt"
    path.write_text(
        "The cat sat on the mat.\n"
        "Tokenization splits unbelievably long words, doesn't it?\n"
        "Prices rose 3.5% in 2024.\tNobody was surprised.\n"
        "Where is the station?\tTurn left at the bridge.\n"
        "Photosynthesis needs light.\n",
        encoding="utf-8",
    )
    return path
