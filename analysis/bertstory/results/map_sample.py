"""The seeded sample of a run's inputs whose maps are kept and shown: one pure function shared by
``analyze --keep-maps N`` (which inputs keep their map files) and the report (the explorer's
inputs, drawn from those that have maps).

The sample of ``count`` inputs is the first ``count`` of a seeded order of all the run's inputs,
so samples are nested: the sample of N is part of the sample of any larger N, and a run
resumed with a smaller ``--keep-maps`` keeps a subset of the maps it has.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def is_pair(text_pair) -> bool:
    """Whether an ``inputs.jsonl`` ``text_pair`` value marks a sentence pair."""
    return isinstance(text_pair, str) and text_pair != ""


def _pairs_among_first(k: int, n_pairs: int, n_singles: int) -> int:
    """How many of the first ``k`` inputs of the order are pairs: the pairs' share of ``k``
    (rounded), at least one of each kind the run has when ``k`` ≥ 2, never more of a kind than
    there are. Grows by 0 or 1 with each ``k``."""
    pairs = round(k * n_pairs / (n_pairs + n_singles))
    if n_pairs and k >= 2:
        pairs = max(pairs, 1)
    if n_singles and k >= 2:
        pairs = min(pairs, k - 1)
    return min(max(pairs, k - n_singles), n_pairs)


def _shuffled_kinds(inputs: pd.DataFrame, seed: int) -> tuple[np.ndarray, list[int], list[int]]:
    """The ids of ``inputs`` and the positions of its sentence pairs and of its single sentences,
    each kind shuffled by ``numpy.random.default_rng(seed)`` (pairs first)."""
    ids = inputs["id"].astype(str).to_numpy()
    pair = inputs["text_pair"].map(is_pair).to_numpy(bool) if "text_pair" in inputs else np.zeros(len(ids), bool)
    rng = np.random.default_rng(seed)
    return ids, list(rng.permutation(np.flatnonzero(pair))), list(rng.permutation(np.flatnonzero(~pair)))


def sample_order(inputs: pd.DataFrame, seed: int) -> list[str]:
    """Every id of ``inputs`` (columns ``id`` and, for pairs, ``text_pair``) in sampling order.

    Sentence pairs and single sentences are each shuffled (:func:`_shuffled_kinds`) and then
    interleaved so that every prefix holds each kind's share: the ``k``-th input is a pair
    exactly when :func:`_pairs_among_first` grows at ``k``.
    """
    ids, pairs, singles = _shuffled_kinds(inputs, seed)
    order, taken_pairs = [], 0
    for k in range(1, len(ids) + 1):
        if _pairs_among_first(k, len(pairs), len(singles)) > taken_pairs:
            order.append(pairs[taken_pairs])
            taken_pairs += 1
        else:
            order.append(singles[k - 1 - taken_pairs])
    return [str(ids[position]) for position in order]


def sample_inputs(inputs: pd.DataFrame, count: int, seed: int, include: Sequence[str] = ()) -> list[str]:
    """Ids of ``min(max(count, len(include)), len(inputs))`` inputs of ``inputs``, in the order of
    ``inputs``.

    Without ``include`` they are the first ``count`` of :func:`sample_order`: each kind (pair,
    single sentence) gets its share of ``count`` (rounded), a kind the run has gets at least one
    place when ``count`` ≥ 2, and a smaller count gives a subset. The ids of ``include`` (the head
    pages' examples) are always among them and count towards their kind's share; the other places
    go to the first inputs of each kind's shuffled order. The same arguments give the same sample.
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, not {count}")
    ids, pairs, singles = _shuffled_kinds(inputs, seed)
    include = set(map(str, include))
    unknown = sorted(include - set(ids))
    if unknown:
        raise ValueError(f"inputs to include are not among the inputs: {', '.join(unknown)}")
    count = min(max(count, len(include)), len(ids))
    forced_pairs = [p for p in pairs if ids[p] in include]
    free_pairs = [p for p in pairs if ids[p] not in include]
    free_singles = [p for p in singles if ids[p] not in include]
    rest = count - len(include)
    take_pairs = min(max(_pairs_among_first(count, len(pairs), len(singles)) - len(forced_pairs), 0), rest)
    take_pairs = max(min(take_pairs, len(free_pairs)), rest - len(free_singles))
    chosen = include | {str(ids[p]) for p in free_pairs[:take_pairs] + free_singles[:rest - take_pairs]}
    return [i for i in ids if i in chosen]
