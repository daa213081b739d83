"""Benchmark: cost of one input's sufficient statistics (``stats/<id>.npz``) at bert-base's size
(12 layers × 12 heads), the size of its file next to its maps', and the reduction of many
inputs' statistics into the tables. Not a test: timings vary with the machine.

    python benchmarks/statistics_speed.py                        # 200 inputs of 64 tokens, 1000 resamples
    python benchmarks/statistics_speed.py --inputs 2000 --tokens 128

The reduced inputs are copies of a few computed ones with their class masses perturbed, so
the bootstrap has something to resample; only the timings and sizes mean anything.
"""

from __future__ import annotations

import dataclasses
import time

import click
import numpy as np

from bertstory.findings.config import FindingsConfig
from bertstory.findings.reduction import reduce_statistics
from bertstory.findings.statistics import compute_statistics
from bertstory.findings.tables import build_tables
from bertstory.results.files import npz_bytes


@click.command()
@click.option("--inputs", "n_inputs", type=int, default=200, show_default=True)
@click.option("--tokens", type=int, default=64, show_default=True, help="Tokens per input.")
@click.option("--layers", type=int, default=12, show_default=True)
@click.option("--heads", type=int, default=12, show_default=True)
@click.option("--samples", type=int, default=1000, show_default=True, help="Bootstrap resamples.")
def main(n_inputs: int, tokens: int, layers: int, heads: int, samples: int) -> None:
    rng = np.random.default_rng(0)
    words = ["[CLS]", *rng.choice(["the", "cat", ".", ","], size=tokens - 2).tolist(), "[SEP]"]

    def maps() -> dict[str, np.ndarray]:
        out = {view: rng.dirichlet(np.ones(tokens), size=(layers, heads, tokens))
               for view in ("attention", "local", "global")}
        out["contribution"] = rng.dirichlet(np.ones(tokens), size=(layers, tokens))
        return out

    timed = 3
    computed, seconds = [], 0.0
    for _ in range(timed):
        arrays = maps()
        started = time.perf_counter()
        computed.append(compute_statistics(arrays, words, "[CLS]", "[SEP]", causal=False))
        seconds += time.perf_counter() - started
    stats_size = len(npz_bytes(computed[0].arrays()))
    maps_size = len(npz_bytes({name: array.astype(np.float32) for name, array in arrays.items()}))
    print(f"compute_statistics: {seconds / timed:.2f} s per input of {tokens} tokens ({layers}×{heads} heads); "
          f"file {stats_size / 2**20:.2f} MiB (its float32 maps: {maps_size / 2**20:.2f} MiB)")

    def inputs():
        for k in range(n_inputs):
            base = computed[k % timed]
            yield f"{k:05d}", dataclasses.replace(base, class_mass=base.class_mass * rng.uniform(0.5, 1.5))

    started = time.perf_counter()
    sums = reduce_statistics(inputs(), n_inputs, layers, heads, max_offset=5)
    reduced = time.perf_counter() - started
    started = time.perf_counter()
    build_tables(sums, FindingsConfig(bootstrap_samples=samples, seed=0))
    print(f"reduce_statistics: {reduced:.2f} s for {n_inputs} inputs; build_tables: "
          f"{time.perf_counter() - started:.1f} s ({samples} resamples)")


if __name__ == "__main__":
    main()
