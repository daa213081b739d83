"""Benchmark: cost of the enrichment statistics and of their bootstrap reduction at bert-base's
size (12 layers × 12 heads, 3 views). Not a test: timings vary with the machine.

    python benchmarks/enrichment_speed.py                        # 1000 inputs of 64 tokens, 1000 resamples
    python benchmarks/enrichment_speed.py --inputs 5000 --tokens 128

Prints the seconds per input of :func:`input_statistics` (random row-stochastic maps), the
size of one input's statistics, and the seconds of :func:`summarise` over all inputs.
"""

from __future__ import annotations

import time

import click
import numpy as np

from bertstory.findings.enrichment import EnrichmentStatistics, input_statistics, summarise
from bertstory.findings.tokens import class_masks


@click.command()
@click.option("--inputs", "n_inputs", type=int, default=1000, show_default=True)
@click.option("--tokens", type=int, default=64, show_default=True, help="Tokens per input.")
@click.option("--layers", type=int, default=12, show_default=True)
@click.option("--heads", type=int, default=12, show_default=True)
@click.option("--samples", type=int, default=1000, show_default=True, help="Bootstrap resamples.")
def main(n_inputs: int, tokens: int, layers: int, heads: int, samples: int) -> None:
    rng = np.random.default_rng(0)
    words = ["[CLS]", *rng.choice(["the", "cat", ".", ","], size=tokens - 2).tolist(), "[SEP]"]
    masks = class_masks(words, "[CLS]", "[SEP]")
    maps = rng.random((3, layers, heads, tokens, tokens))
    maps /= maps.sum(axis=-1, keepdims=True)
    timed = 20
    started = time.perf_counter()
    one = [input_statistics(maps, masks, causal=False) for _ in range(timed)]
    per_input = (time.perf_counter() - started) / timed
    size = one[0].mass.nbytes + one[0].uniform.nbytes + one[0].rows.nbytes
    print(f"input_statistics: {per_input * 1e3:.1f} ms per input of {tokens} tokens; {size / 1024:.1f} KiB per input")

    # Many inputs: one input's statistics repeated, perturbed so that resamples differ.
    first = one[0]
    mass = np.repeat(first.mass, n_inputs, axis=0)
    stats = EnrichmentStatistics(first.views, mass * rng.random(mass.shape),
                                 np.repeat(first.uniform, n_inputs, axis=0), np.repeat(first.rows, n_inputs, axis=0))
    started = time.perf_counter()
    summarise(stats, samples, seed=0)
    print(f"summarise: {time.perf_counter() - started:.1f} s for {n_inputs} inputs, {samples} resamples")


if __name__ == "__main__":
    main()
