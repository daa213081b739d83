"""Which inputs the explorer shows: a seeded sample of the run, pairs included, the head pages'
examples always among them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from bertstory.report.examples import is_pair

DEFAULT_COUNT = 24
"""Inputs in the explorer unless told otherwise."""


def sample_inputs(inputs: pd.DataFrame, count: int = DEFAULT_COUNT, seed: int = 0,
                  include: Sequence[str] = ()) -> list[str]:
    """Ids of ``max(count, len(include))`` inputs of ``inputs`` (columns ``id`` and, for pairs,
    ``text_pair``; every input when there are no more), in the order of ``inputs``.

    The ids of ``include`` (the head pages' examples) are always among them. The other places are
    drawn without replacement by ``numpy.random.default_rng(seed)``, sentence pairs and single
    sentences separately: each kind gets its share of the sample (rounded), counting the included
    inputs of that kind, and a kind the run has gets at least one place when the sample has two or
    more. The same inputs, count, seed and ``include`` give the same sample.
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, not {count}")
    ids = inputs["id"].astype(str).to_numpy()
    include = list(dict.fromkeys(str(i) for i in include))
    unknown = sorted(set(include) - set(ids))
    if unknown:
        raise ValueError(f"inputs to include are not among the inputs: {', '.join(unknown)}")
    count = max(count, len(include))
    if count >= len(ids):
        return list(ids)
    pair = inputs["text_pair"].map(is_pair).to_numpy(bool) if "text_pair" in inputs else np.zeros(len(ids), bool)
    forced = np.isin(ids, include)
    k_pairs = round(count * pair.sum() / len(ids))
    if pair.any() and count >= 2:
        k_pairs = max(k_pairs, 1)
    if (~pair).any() and count >= 2:
        k_pairs = min(k_pairs, count - 1)
    free_pairs, free_singles = np.flatnonzero(pair & ~forced), np.flatnonzero(~pair & ~forced)
    rest = count - len(include)
    draw_pairs = min(max(k_pairs - int((pair & forced).sum()), 0), len(free_pairs), rest)
    draw_singles = min(rest - draw_pairs, len(free_singles))
    draw_pairs = rest - draw_singles  # at most len(free_pairs), as count < len(ids)
    rng = np.random.default_rng(seed)
    chosen = np.concatenate([np.flatnonzero(forced), rng.choice(free_pairs, draw_pairs, replace=False),
                             rng.choice(free_singles, draw_singles, replace=False)])
    return list(ids[np.sort(chosen)])
