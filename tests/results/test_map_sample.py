"""The seeded sample of inputs whose maps are kept and shown: nested, each kind's share, the
same for the same inputs and seed."""

import numpy as np
import pandas as pd
import pytest

from bertstory.results import sample_inputs
from bertstory.results.map_sample import sample_order


def inputs(n: int, pairs: set[int]) -> pd.DataFrame:
    return pd.DataFrame({"id": [f"{k:05d}" for k in range(n)],
                         "text_pair": [f"second {k}" if k in pairs else None for k in range(n)]})


def test_the_order_holds_every_input_once():
    frame = inputs(50, set(range(0, 50, 3)))
    order = sample_order(frame, seed=3)
    assert sorted(order) == list(frame["id"]) and order != list(frame["id"])
    assert order == sample_order(frame, seed=3) and order != sample_order(frame, seed=4)


@pytest.mark.parametrize("seed", range(4))
def test_samples_are_nested(seed):
    frame = inputs(60, set(np.random.default_rng(seed).choice(60, 17, replace=False)))
    samples = [set(sample_inputs(frame, count, seed)) for count in range(1, 61)]
    assert [len(s) for s in samples] == list(range(1, 61))
    assert all(smaller < larger for smaller, larger in zip(samples, samples[1:]))
    assert samples[-1] == set(frame["id"])


@pytest.mark.parametrize("n_pairs", [0, 1, 7, 30, 59, 60])
def test_every_prefix_holds_each_kinds_share(n_pairs):
    frame = inputs(60, set(range(n_pairs)))
    is_pair = frame.set_index("id")["text_pair"].notna()
    for count in range(1, 61):
        chosen = sample_inputs(frame, count, seed=1)
        pairs = sum(bool(is_pair[i]) for i in chosen)
        share = round(count * n_pairs / 60)
        if count >= 2 and 0 < n_pairs < 60:
            share = min(max(share, 1), count - 1)  # at least one of each kind the run has
        assert pairs == share, (count, pairs, share)
        assert chosen == sorted(chosen)  # in the order of the inputs


def test_count_must_be_positive():
    with pytest.raises(ValueError):
        sample_inputs(inputs(3, set()), 0, seed=0)
