"""Which inputs the explorer shows: the run's seeded map sample
(:func:`bertstory.results.sample_inputs`, pairs in proportion) drawn from the inputs whose maps
are kept, the head pages' examples always among them, so a run analysed with ``--keep-maps N``
shows inputs of the sample ``analyze`` kept."""

from __future__ import annotations

import pandas as pd

from bertstory.report.examples import choose_examples
from bertstory.results import sample_inputs

DEFAULT_COUNT = 24
"""Inputs in the explorer unless told otherwise."""


def explorer_inputs(candidates: pd.DataFrame, count: int, seed: int) -> list[str]:
    """Ids of the explorer's inputs among ``candidates`` (the inputs with maps: columns ``id``,
    ``tokens``, ``text_pair``): the seeded sample of ``count`` holding :func:`choose_examples`,
    in the candidates' order."""
    return sample_inputs(candidates, count, seed, include=choose_examples(candidates))
