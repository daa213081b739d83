"""Benchmark: the explorer's data per input and per layer (bytes: a view loads one layer's file)
and the seconds to write them, for a model's shape and a range of input lengths. Not a test:
timings vary with the machine.

    python benchmarks/explorer_size.py                        # bert-base: 12 layers × 12 heads
    python benchmarks/explorer_size.py --layers 6 --heads 12  # MiniLM-L6, the default run's model
    python benchmarks/explorer_size.py --run results/RUN      # the sampled inputs of a real run

With random row-stochastic maps (the size depends on the shape only: one byte per entry in
base64 plus one scale per map), or the explorer of a finished run folder.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import click
import numpy as np

from bertstory.report import project
from bertstory.report.explorer import write_explorer
from bertstory.report.explorer.export import write_input
from bertstory.results import RunFolder


def _maps(rng: np.random.Generator, layers: int, heads: int, n: int) -> dict[str, np.ndarray]:
    def stochastic(shape):
        x = rng.gamma(0.3, size=shape) + 1e-9
        return (x / x.sum(-1, keepdims=True)).astype(np.float32)

    maps = {kind: stochastic((layers, heads, n, n)) for kind in ("attention", "local", "global")}
    maps["contribution"] = stochastic((layers, n, n))
    return maps


@click.command()
@click.option("--layers", default=12, show_default=True)
@click.option("--heads", default=12, show_default=True)
@click.option("--lengths", default="16,32,64,128,256,512", show_default=True, help="input lengths, tokens")
@click.option("--run", "run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="measure the explorer of this run folder instead")
def main(layers: int, heads: int, lengths: str, run_dir: Path | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        if run_dir is not None:
            start = time.perf_counter()
            explorer = write_explorer(RunFolder.open(run_dir), project.prepare(Path(tmp) / "project"))
            seconds = time.perf_counter() - start
            sizes = np.array([f.bytes for f in explorer.files])
            layers = np.array([size for f in explorer.files for size in f.sizes])
            print(f"{run_dir.name}: {len(sizes)} inputs, {seconds:.2f} s; per input and layer (what a view loads): "
                  f"median {np.median(layers) / 1e3:.0f} kB, max {layers.max() / 1e3:.0f} kB; per input: "
                  f"median {np.median(sizes) / 1e3:.0f} kB, max {sizes.max() / 1e3:.0f} kB; all {sizes.sum() / 1e6:.2f} MB")
            return
        rng = np.random.default_rng(0)
        print(f"{layers} layers × {heads} heads")
        for n in (int(x) for x in lengths.split(",")):
            maps = _maps(rng, layers, heads, n)
            tokens = [f"t{k}" for k in range(n)]
            start = time.perf_counter()
            written = write_input(Path(tmp), f"{n:05d}", tokens, maps)
            seconds = time.perf_counter() - start
            print(f"  n = {n:4d}: one layer {max(written.sizes) / 1e6:7.3f} MB, all layers {written.bytes / 1e6:7.3f} MB, "
                  f"written in {seconds:.2f} s")


if __name__ == "__main__":
    main()
