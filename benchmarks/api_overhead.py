"""Benchmark: what the Python API adds to computing the maps. Not a test: timings vary with the machine.

    PYTHONPATH=analysis python benchmarks/api_overhead.py

On the embedded MiniLM (CPU, probes K=8), per text: the maps alone (``input_maps`` on a model
loaded once), ``bertstory.explain`` on the same model in memory (borrowing it: weights digest,
eager attention, restoring its state), and ``bertstory.explain("embedded", ...)`` (loading the
model on every call). Then, on random maps of bert-base's shape (12 layers × 12 heads) and
``--tokens`` tokens: ``to_dataframe`` and ``plot`` (drawn to PNG).
"""

from __future__ import annotations

import io
import time

import click
import numpy as np
from transformers import AutoModel, AutoTokenizer

import bertstory
from bertstory.api.explain import EXPLAIN_INPUT_ID
from bertstory.api.frame import tidy_maps
from bertstory.api.plot import head_views_figure
from bertstory.models import embedded_model_path, encode, load_model, weights_digest
from bertstory.pipeline.compute import input_maps
from bertstory.maps import views

TEXTS = (
    "The cat sat on the mat.",
    "Tokenization splits unbelievably long words, doesn't it? Prices rose 3.5% in 2024, and nobody was surprised "
    "when the station closed at the bridge.",
)


def _seconds(call, repeats: int) -> float:
    """Best of ``repeats`` wall-clock times of ``call()``."""
    best = float("inf")
    for _ in range(repeats):
        clock = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - clock)
    return best


@click.command()
@click.option("--repeats", default=3, help="Best of this many runs per timing.")
@click.option("--tokens", default=128, help="n of the random bert-base-shaped maps.")
def main(repeats: int, tokens: int) -> None:
    folder = embedded_model_path()
    loaded = load_model("embedded", "cpu")
    model, tokenizer = AutoModel.from_pretrained(folder), AutoTokenizer.from_pretrained(folder)
    print(f"weights digest of MiniLM-L6 (22.7 M parameters): {_seconds(lambda: weights_digest(model), repeats):.3f} s")
    for text in TEXTS:
        encoded = encode(loaded, text, None)
        alone = _seconds(lambda: input_maps(loaded, encoded, estimator="probes", probes=8, seed=0,
                                            input_id=EXPLAIN_INPUT_ID), repeats)
        in_memory = _seconds(lambda: bertstory.explain(model, text, tokenizer=tokenizer, device="cpu"), repeats)
        by_name = _seconds(lambda: bertstory.explain("embedded", text, device="cpu"), repeats)
        print(f"n = {len(encoded.tokens):3d}: maps alone {alone:.3f} s, explain(in-memory model) {in_memory:.3f} s, "
              f"explain('embedded') {by_name:.3f} s")

    rng = np.random.default_rng(0)
    maps = {name: rng.dirichlet(np.ones(tokens), size=(12, 12, tokens)).astype(np.float32) for name in views()}
    maps["contribution"] = rng.dirichlet(np.ones(tokens), size=(12, tokens)).astype(np.float32)
    labels = [f"token{i}" for i in range(tokens)]
    frame_seconds = _seconds(lambda: tidy_maps(maps, labels), repeats)
    frame = tidy_maps(maps, labels)
    print(f"to_dataframe, 12 x 12 heads, n = {tokens}: {frame_seconds:.2f} s, {len(frame):,} rows, "
          f"{frame.memory_usage(deep=False).sum() / 2**20:.0f} MiB (token columns as references)")

    def plot_png():
        head_views_figure({view: maps[view][2, 6] for view in views()}, labels, "L3-H7").savefig(io.BytesIO(), format="png")

    print(f"plot to PNG, n = {tokens}: {_seconds(plot_png, repeats):.2f} s")


if __name__ == "__main__":
    main()
