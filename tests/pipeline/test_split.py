"""The balanced split of the inputs among torchrun workers: deterministic, a partition of the
inputs for any worker count, longest first to the least loaded worker."""

import itertools

import numpy as np
import pytest

from bertstory.pipeline.split import balanced_split, input_cost


def loads(costs, shares):
    return [sum(costs[i] for i in share) for share in shares]


def test_cost_grows_as_the_square_of_the_length():
    assert [input_cost(n) for n in (1, 2, 128)] == [1, 4, 16384]


def test_longest_first_to_the_least_loaded_worker_by_hand():
    # costs 1, 4, 9, 16: 16 -> w0; 9 -> w1 (0 < 16); 4 -> w1 (9 < 16); 1 -> w1 (13 < 16)
    assert balanced_split([1, 4, 9, 16], 2) == [[3], [0, 1, 2]]
    # ties in cost go in position order, ties in load to the lower rank
    assert balanced_split([5, 5, 5, 5], 2) == [[0, 2], [1, 3]]
    assert balanced_split([5, 5, 5, 5], 3) == [[0, 3], [1], [2]]


@pytest.mark.parametrize("seed", range(5))
def test_every_input_is_in_exactly_one_share_for_any_worker_count(seed):
    costs = [input_cost(n) for n in np.random.default_rng(seed).integers(3, 129, size=101)]
    for count in range(1, 9):
        shares = balanced_split(costs, count)
        assert len(shares) == count
        assert sorted(itertools.chain.from_iterable(shares)) == list(range(len(costs)))
        assert all(share == sorted(share) for share in shares)
        assert shares == balanced_split(list(costs), count)  # deterministic


@pytest.mark.parametrize("seed", range(5))
def test_no_worker_ends_more_than_the_largest_input_above_the_least_loaded(seed):
    costs = [input_cost(n) for n in np.random.default_rng(seed).integers(3, 129, size=200)]
    for count in (2, 3, 4, 7):
        load = loads(costs, balanced_split(costs, count))
        assert max(load) - min(load) <= max(costs)


def test_more_workers_than_inputs_leaves_some_without_work():
    assert balanced_split([9, 4], 4) == [[0], [1], [], []]
    assert balanced_split([], 2) == [[], []]
    with pytest.raises(ValueError):
        balanced_split([1], 0)
