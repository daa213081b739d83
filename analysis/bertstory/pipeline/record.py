"""The parts of ``run.json`` (:class:`~bertstory.results.RunRecord`) that describe the model and
the software, written the same way by ``analyze`` and by :meth:`bertstory.Explanation.save`."""

from __future__ import annotations

import platform

import numpy as np
import torch
import transformers

from bertstory.models import LoadedModel
from bertstory.results import ModelInfo, SpecialTokens


def model_info(loaded: LoadedModel) -> ModelInfo:
    """Where the model came from, its weights' identity and its shape (``docs/results.md#runjson``)."""
    return ModelInfo(
        name_or_path=loaded.name_or_path,
        revision=loaded.revision,
        model_type=loaded.family.model_type,
        num_layers=loaded.num_layers,
        num_heads=loaded.num_heads,
        hidden_size=loaded.hidden_size,
        max_positions=loaded.max_tokens,
        causal=loaded.family.is_causal,
    )


def special_tokens(loaded: LoadedModel) -> SpecialTokens:
    """The tokenizer's own strings for its first and end tokens: ``[CLS]``/``[SEP]`` (or ``<s>``/``</s>``)
    of an encoder, else its BOS and EOS tokens (a decoder's; ``None`` where it has none). In a
    decoder the ``CLS`` class is every input's first token whatever it is (``docs/method.md#decoders``)."""
    tokenizer = loaded.tokenizer
    return SpecialTokens(cls=tokenizer.cls_token or tokenizer.bos_token, sep=tokenizer.sep_token or tokenizer.eos_token)


def model_dtype(loaded: LoadedModel) -> str:
    """The precision of the model's parameters, e.g. ``float32``."""
    return str(next(loaded.model.parameters()).dtype).removeprefix("torch.")


def software_versions() -> dict[str, str]:
    """Versions of python, torch, transformers and numpy."""
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "numpy": np.__version__,
    }
