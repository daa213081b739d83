"""``sample`` is seeded, stable, nested and in source order; ``content_hash`` tracks the content."""

from __future__ import annotations

import hashlib

import pytest

from bertstory.corpus import CorpusInput, content_hash, sample

INPUTS = tuple(CorpusInput(f"{i:05d}", f"Sentence number {i}.") for i in range(100))


def test_none_or_large_returns_everything():
    assert sample(INPUTS, None, seed=1) == list(INPUTS)
    assert sample(INPUTS, 100, seed=1) == list(INPUTS)
    assert sample(INPUTS, 500, seed=1) == list(INPUTS)


def test_seeded_and_stable():
    first = sample(INPUTS, 10, seed=7)
    assert len(first) == 10
    assert sample(INPUTS, 10, seed=7) == first
    assert sample(INPUTS, 10, seed=8) != first


def test_in_source_order_without_replacement():
    picked = sample(INPUTS, 30, seed=3)
    positions = [int(item.id) for item in picked]
    assert positions == sorted(set(positions))


@pytest.mark.parametrize("seed", [0, 1, 42])
def test_nested(seed):
    previous: set[str] = set()
    for size in (1, 5, 17, 40, 99):
        ids = {item.id for item in sample(INPUTS, size, seed=seed)}
        assert previous <= ids
        previous = ids


def test_content_hash_tracks_content():
    assert content_hash(INPUTS) == content_hash(list(INPUTS))
    assert len(content_hash(INPUTS)) == 64
    changed = (CorpusInput("00000", "Sentence number 0!"),) + INPUTS[1:]
    paired = (CorpusInput("00000", "Sentence number 0.", "A pair."),) + INPUTS[1:]
    renumbered = (CorpusInput("00100", "Sentence number 0."),) + INPUTS[1:]
    hashes = {content_hash(INPUTS), content_hash(changed), content_hash(paired), content_hash(renumbered)}
    assert len(hashes) == 4


def test_content_hash_is_the_sha256_of_the_json_rows():
    rows = '[["00000", "Sentence number 0.", null], ["00001", "Sentence number 1.", null]]'
    assert content_hash(INPUTS[:2]) == hashlib.sha256(rows.encode()).hexdigest()
