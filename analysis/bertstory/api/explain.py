"""``bertstory.explain``: the maps of one text, from a model name, a model folder or a model
already in memory, through the same loading, tokenising and computing as ``bertstory analyze``."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from contextlib import nullcontext
from datetime import datetime, timezone
from typing import ContextManager

from transformers import PreTrainedModel, PreTrainedTokenizerBase

from bertstory.api.explanation import ExplainSettings, Explanation
from bertstory.corpus.types import input_id
from bertstory.errors import BertstoryError
from bertstory.maps import selected_maps
from bertstory.models import Encoded, LoadedModel, borrowed_model, encode, has_text, load_model
from bertstory.pipeline.compute import input_maps
from bertstory.pipeline.record import model_dtype, model_info, software_versions, special_tokens
from bertstory.pipeline.settings import AnalyzeSettings

EXPLAIN_INPUT_ID = input_id(0)
"""The id of the explained input: that of the first input of a corpus, so that ``explain(model,
text)`` gives the maps ``bertstory analyze`` computes for a corpus whose first line is ``text``
(the probe directions are seeded by the seed and the input id)."""


_DEFAULTS = AnalyzeSettings()
"""``bertstory analyze``'s settings, whose defaults, choices and bounds ``explain`` takes."""


def explain(model: str | os.PathLike | PreTrainedModel, text: str, text_pair: str | None = None, *,
            tokenizer: PreTrainedTokenizerBase | None = None, estimator: str = _DEFAULTS.estimator,
            probes: int = _DEFAULTS.probes, seed: int = _DEFAULTS.seed, device: str = _DEFAULTS.device,
            ablation_baseline: str = _DEFAULTS.ablation_baseline, maps: Sequence[str] | None = None) -> Explanation:
    """The maps of one input: attention, local and global attribution, token contribution, and the
    faithfulness maps (ablations, attention-norm, value zeroing), or those named in ``maps``.

    Args:
        model: a Hugging Face model name, a model folder, ``"embedded"`` (the MiniLM-L6 BERT
            shipped with bertstory, offline), or a transformers model already in memory (a BERT,
            RoBERTa, ELECTRA or DistilBERT encoder, or such an encoder with a task head, which is
            analysed through its encoder). An in-memory model is used as it is (weights, dtype)
            and given back unchanged: its training mode, ``requires_grad`` flags, attention
            implementation and device are restored.
        text, text_pair: the input; a pair is tokenised as the model's tokenizer joins pairs, and refused
            when the tokenizer has no pair template (GPT-2's, GPT-NeoX's: ``docs/method.md#decoders``).
            Never truncated: an input longer than the model accepts is an error.
        tokenizer: the tokenizer of an in-memory model (required for one, refused for a name
            or folder, which brings its own).
        estimator, probes: ``probes`` estimates the attribution norms from ``probes`` (K) random
            directions per token; ``exact`` computes them exactly (``docs/method.md#estimators``).
        seed: seeds the probe directions: an integer from 0 to 2**32 - 1.
        estimator, probes, seed, device and ablation_baseline have the defaults, choices and bounds of ``bertstory analyze``
        (:class:`~bertstory.pipeline.settings.AnalyzeSettings`).
        device: ``auto`` loads a named model on CUDA when present and computes an in-memory
            model where it is; ``cpu`` or ``cuda`` compute there (moving an in-memory model
            there and back).
        ablation_baseline: what takes an ablated token's place in the ablation maps: ``zero`` (the zero
            vector in the first layer's input) or ``mask`` (the tokenizer's mask token; encoders only);
            local ablation always uses zero (``docs/method.md#faithfulness``).
        maps: the registered maps to compute, by name (:func:`bertstory.maps.map_names`); ``None``: all.
    Returns:
        An :class:`Explanation`: the maps as numpy arrays, the tokens and the settings.
    Raises:
        BertstoryError: with a one-line message, for an unknown or unsupported model, a missing
            tokenizer or one without a vocabulary, bad settings or an input the model cannot take
            (too long, or only special tokens: text of control characters alone).
    """
    _check_settings(text, text_pair, estimator, probes, seed, device, ablation_baseline, maps)
    with _analysis_model(model, tokenizer, device) as loaded:
        encoded = encode(loaded, text, text_pair)
        _check_fits(loaded, encoded)
        started, clock = datetime.now(timezone.utc), time.perf_counter()
        computed = input_maps(loaded, encoded, estimator=estimator, probes=probes, seed=seed,
                              input_id=EXPLAIN_INPUT_ID, ablation_baseline=ablation_baseline, names=maps)
        seconds = time.perf_counter() - clock
        return Explanation(
            maps=computed,
            tokens=encoded.tokens,
            text=text,
            text_pair=text_pair,
            input_id=EXPLAIN_INPUT_ID,
            settings=ExplainSettings(model=loaded.name_or_path, revision=loaded.revision, estimator=estimator,
                                     probes=probes if estimator == "probes" else None, seed=seed,
                                     ablation_baseline=ablation_baseline,
                                     device=str(loaded.device), dtype=model_dtype(loaded)),
            model=model_info(loaded),
            special_tokens=special_tokens(loaded),
            versions=software_versions(),
            started=started.isoformat(timespec="seconds"),
            finished=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            seconds=round(seconds, 3),
        )


def _analysis_model(model, tokenizer, device: str) -> ContextManager[LoadedModel]:
    """A named model loaded as ``bertstory analyze`` loads it, or the in-memory model borrowed."""
    if isinstance(model, (str, os.PathLike)):
        if tokenizer is not None:
            raise BertstoryError("tokenizer= is only for an in-memory model; a model name or folder brings its own")
        return nullcontext(load_model(os.fspath(model), device))
    return borrowed_model(model, tokenizer, device)


def _check_settings(text, text_pair, estimator, probes, seed, device, ablation_baseline, maps) -> None:
    """Strings for the text; the settings checked as ``AnalyzeSettings`` checks them; the maps
    registered ones (before a model is loaded)."""
    if not isinstance(text, str) or not (text_pair is None or isinstance(text_pair, str)):
        raise BertstoryError("text and text_pair must be strings")
    selected_maps(maps)
    AnalyzeSettings(estimator=estimator, probes=probes, seed=seed, device=device, ablation_baseline=ablation_baseline)


def _check_fits(loaded: LoadedModel, encoded: Encoded) -> None:
    """The input must have text the tokenizer keeps, fit the position embeddings, and its token
    ids the model's vocabulary."""
    if not has_text(loaded.tokenizer, encoded):
        shown = " ".join(encoded.tokens) or "no token at all"
        raise BertstoryError(f"the input gives only special tokens ({shown}): the tokenizer of {loaded.name_or_path} "
                             "keeps none of its characters; pass a text with words")
    n = len(encoded.tokens)
    if n > loaded.max_tokens:
        raise BertstoryError(f"the input has {n} tokens, more than the {loaded.max_tokens} that "
                             f"{loaded.name_or_path} accepts; shorten it (bertstory never truncates)")
    vocabulary = loaded.model.get_input_embeddings().num_embeddings
    largest = int(encoded.features["input_ids"].max())
    if largest >= vocabulary:
        raise BertstoryError(f"the tokenizer gives token id {largest}, but the model's vocabulary has {vocabulary} "
                             "entries; pass the model's own tokenizer")
