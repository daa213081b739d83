"""Seeded, nested sampling of corpus inputs (``--max-inputs``)."""

from __future__ import annotations

import random
from collections.abc import Sequence

from bertstory.corpus.types import CorpusInput
from bertstory.errors import BertstoryError


def sample(corpus_inputs: Sequence[CorpusInput], max_inputs: int | None, seed: int) -> list[CorpusInput]:
    """A seeded sample of ``max_inputs`` inputs without replacement, in source order.

    ``None`` or a value at least ``len(corpus_inputs)`` returns every input.

    The positions ``0..n-1`` are shuffled with ``random.Random(seed)``; the sample is the
    first ``max_inputs`` shuffled positions, sorted back into source order. Hence the
    samples are *nested*: for the same inputs and seed, the sample of size N is a subset
    of the sample of any larger size, so growing ``--max-inputs`` only adds inputs.
    """
    if max_inputs is not None and max_inputs < 1:
        raise BertstoryError(f"the number of inputs to sample must be at least 1, got {max_inputs}")
    if max_inputs is None or max_inputs >= len(corpus_inputs):
        return list(corpus_inputs)
    positions = list(range(len(corpus_inputs)))
    random.Random(seed).shuffle(positions)
    return [corpus_inputs[position] for position in sorted(positions[:max_inputs])]
