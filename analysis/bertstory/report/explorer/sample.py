"""Which inputs the explorer shows: a seeded sample of the run, pairs included."""

from __future__ import annotations

import numpy as np
import pandas as pd

DEFAULT_COUNT = 24
"""Inputs in the explorer unless told otherwise."""


def is_pair(text_pair) -> bool:
    """Whether an ``inputs.jsonl`` ``text_pair`` value marks a sentence pair."""
    return isinstance(text_pair, str) and text_pair != ""


def sample_inputs(inputs: pd.DataFrame, count: int = DEFAULT_COUNT, seed: int = 0) -> list[str]:
    """Ids of ``min(count, len(inputs))`` inputs of ``inputs`` (columns ``id`` and, for pairs,
    ``text_pair``), in the order of ``inputs``.

    Sentence pairs and single sentences are drawn separately, without replacement, by
    ``numpy.random.default_rng(seed)``: each kind gets its share of ``count`` (rounded), and a
    kind the run has gets at least one place when ``count`` ≥ 2. The same inputs, count and
    seed give the same sample.
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, not {count}")
    ids = inputs["id"].astype(str).to_numpy()
    if count >= len(ids):
        return list(ids)
    pair = inputs["text_pair"].map(is_pair).to_numpy(bool) if "text_pair" in inputs else np.zeros(len(ids), bool)
    pairs, singles = np.flatnonzero(pair), np.flatnonzero(~pair)
    k_pairs = round(count * len(pairs) / len(ids))
    if len(pairs) and count >= 2:
        k_pairs = max(k_pairs, 1)
    if len(singles) and count >= 2:
        k_pairs = min(k_pairs, count - 1)
    k_singles = min(count - k_pairs, len(singles))
    k_pairs = count - k_singles  # at most len(pairs), as count < len(ids)
    rng = np.random.default_rng(seed)
    chosen = np.concatenate([rng.choice(pairs, k_pairs, replace=False), rng.choice(singles, k_singles, replace=False)])
    return list(ids[np.sort(chosen)])
