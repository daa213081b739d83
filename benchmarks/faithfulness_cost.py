"""Benchmark: what the five faithfulness maps (ablations, attention-norm, value zeroing) add to the time
``analyze`` spends on the maps, on the embedded MiniLM and the default corpus sample, in one process.
Not a test: timings vary with the machine (run it twice on a shared one).

    PYTHONPATH=analysis:tests python benchmarks/faithfulness_cost.py            # probes K=8, 40 inputs
    PYTHONPATH=analysis:tests python benchmarks/faithfulness_cost.py --device cuda

Two measures, each with and without the faithfulness maps, in alternating order, ``--repeats`` times,
the fastest of each kept: (1) the maps alone, each input's ``compute_maps(names=...)`` — what ``analyze``
and ``analyze --no-faithfulness`` compute per input; (2) the whole ``analyze`` (maps, statistics, the
estimator check and the findings tables) into fresh results folders. It prints both ratios and the time of
each faithfulness map alone (one pass over the inputs, each map computed by itself).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import click
import torch

from bertstory.corpus import BUILTIN, load_corpus, sample
from bertstory.maps import MAPS, map_names, run_maps
from bertstory.maps.compute import compute_maps
from bertstory.models import encode, load_model, model_features
from bertstory.pipeline.analyze import run_analyze
from bertstory.pipeline.settings import DEFAULT_MAX_INPUTS, DEFAULT_MAX_TOKENS, AnalyzeSettings


def _timed(device: str, compute) -> float:
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    compute()
    if device == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


@click.command()
@click.option("--device", default="cpu", type=click.Choice(["cpu", "cuda"]))
@click.option("--inputs", default=DEFAULT_MAX_INPUTS, show_default=True, help="Built-in corpus inputs (seed 0).")
@click.option("--probes", default=8, show_default=True)
@click.option("--repeats", default=2, show_default=True)
@click.option("--threads", default=None, type=int, help="torch threads (default: torch's).")
def main(device: str, inputs: int, probes: int, repeats: int, threads: int | None) -> None:
    if threads:
        torch.set_num_threads(threads)
    loaded = load_model("embedded", device)
    texts = [item for item in sample(list(load_corpus(BUILTIN, "text", None).inputs), inputs, 0)]
    encoded = [(item.id, encode(loaded, item.text, item.text_pair)) for item in texts]
    encoded = [(i, e) for i, e in encoded if len(e.tokens) <= DEFAULT_MAX_TOKENS]
    features = [(i, model_features(loaded, e)) for i, e in encoded]
    every = map_names()
    with run_maps(False):
        core = map_names()
    added = [name for name in every if MAPS[name].faithfulness]

    def total(names) -> float:
        return sum(_timed(device, lambda: compute_maps(loaded.model, f, probes=probes, input_id=i, names=names))
                   for i, f in features)

    total(core)  # warm-up
    best = {"without": float("inf"), "with": float("inf")}
    for _ in range(repeats):
        best["without"] = min(best["without"], total(core))
        best["with"] = min(best["with"], total(every))
    tokens = sum(len(e.tokens) for _, e in encoded)
    print(f"{len(features)} inputs, {tokens} tokens, device {device}, torch threads {torch.get_num_threads()}, "
          f"probes K={probes}")
    print(f"maps without faithfulness: {best['without']:.2f} s; with: {best['with']:.2f} s; "
          f"added: {best['with'] / best['without'] - 1:+.1%}")
    for name in added:
        seconds = total([name])
        print(f"  {name} alone (with its captured forward): {seconds:.2f} s")

    whole = {True: float("inf"), False: float("inf")}
    with tempfile.TemporaryDirectory() as scratch:
        for k in range(repeats):
            for faithfulness in (False, True):
                settings = AnalyzeSettings(out=Path(scratch) / f"{k}-{faithfulness}", max_inputs=inputs, probes=probes,
                                           device=device, faithfulness=faithfulness, quiet=True)
                whole[faithfulness] = min(whole[faithfulness],
                                          _timed(device, lambda: run_analyze(settings, log=lambda line: None)))
    print(f"whole analyze without faithfulness: {whole[False]:.2f} s; with: {whole[True]:.2f} s; "
          f"added: {whole[True] / whole[False] - 1:+.1%}")


if __name__ == "__main__":
    main()
