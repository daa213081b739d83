"""Which inputs the explorer shows: the run's seeded map sample
(:func:`bertstory.results.sample_inputs`, pairs included) drawn from the inputs whose maps are
kept, so a run analysed with ``--keep-maps N`` shows inputs of the sample ``analyze`` kept."""

from __future__ import annotations

import pandas as pd

from bertstory.results.map_sample import is_pair, sample_inputs

__all__ = ["DEFAULT_COUNT", "explorer_inputs", "is_pair", "sample_inputs"]

DEFAULT_COUNT = 24
"""Inputs in the explorer unless told otherwise."""


def explorer_inputs(candidates: pd.DataFrame, with_maps: set[str], count: int, seed: int) -> list[str]:
    """Ids of the explorer's inputs: the seeded sample of ``count`` among the ``candidates``
    (columns ``id``, ``text_pair``) whose id is in ``with_maps``, in the candidates' order."""
    return sample_inputs(candidates[candidates["id"].astype(str).isin(with_maps)], count, seed)
