"""In-memory tiny models for the API tests, loaded from the session's tiny model folders."""

from __future__ import annotations

import pytest
from transformers import AutoModel, AutoTokenizer


@pytest.fixture
def in_memory(tiny_model_dirs):
    """``in_memory(family)``: a fresh (model, tokenizer) of that family, loaded the way a
    notebook user loads one (transformers' default attention: sdpa where the family has it)."""

    def load(family: str = "bert"):
        folder = tiny_model_dirs[family]
        return AutoModel.from_pretrained(folder), AutoTokenizer.from_pretrained(folder)

    return load
