"""Benchmark: the estimator check's time against the run's, as ``analyze`` spends them, and the
check it replaced. Not a test: timings vary with the machine (report the load average with them).

    PYTHONPATH=analysis:tests python benchmarks/estimator_check.py                    # embedded MiniLM, 40 inputs
    PYTHONPATH=analysis:tests python benchmarks/estimator_check.py --old              # also the old check
    PYTHONPATH=analysis:tests python benchmarks/estimator_check.py --model mpnet --max-inputs 8 --old

On the built-in corpus sample of ``--max-inputs`` inputs (``analyze``'s default seed and K), it
times the run's probe maps (``input_maps``, as ``analyze`` computes them), then the estimator
check (``check_estimator``, with the line ``analyze`` prints before it: its predicted time is
the run's measured rate times the check's FLOPs). With ``--old`` it also times the check this one
replaced (issue 17, item 13): the exact maps of the two shortest inputs of at least 12 tokens and
their probe maps at K = 1…2K, and prints the mean total variation per map at the run's K of both.
``--model mpnet`` is all-mpnet-base-v2 when its PyPI parts are installed (``tests/real_models.py``;
skipped otherwise). Writes ``estimator_check.csv`` into ``--out`` when given.

Measured on 2 shared CPU cores (load average about 1, 2 torch threads), seconds:

    model, inputs               run    check (predicted)   check / run   old check / run
    embedded MiniLM, 40         47.9   11.7 (12.7)          0.24          1.20 (57.5 s)
    all-mpnet-base-v2, 8        89.5   29.9 (45.3)          0.33          about 16 (FLOP count; not run)

The old check's mean total variation at K = 8 on the embedded model (local, global, contribution:
0.032, 0.037, 0.019 over the whole maps of two inputs) agrees with the new one's (0.035, 0.043,
0.019 over 89, 27 and 7 rows of 38 inputs).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import click
import numpy as np
import pandas as pd
import torch

from bertstory.corpus import BUILTIN, load_corpus, sample
from bertstory.models import DEFAULT_MODEL, encode, load_model
from bertstory.pipeline.compute import input_maps
from bertstory.pipeline.estimator_check import (
    check_views, MapsTimed, ModelShape, check_estimator, plan_check, probe_counts, row_errors,
)
from bertstory.pipeline.settings import AnalyzeSettings
from bertstory.results import RunFolder

from real_models import mpnet_folder

OLD_MIN_TOKENS = 12
"""The old check took the shortest inputs of at least this many tokens."""
OLD_INPUTS = 2
"""… this many of them (its default ``--check-inputs``)."""


def _old_check(loaded, inputs, settings: AnalyzeSettings) -> tuple[float, dict[str, float]]:
    """Seconds of the old check, and its mean total variation per map at the run's K."""
    long_enough = [item for item in inputs if len(item[1].tokens) >= OLD_MIN_TOKENS] or inputs
    picked = sorted(long_enough, key=lambda item: (len(item[1].tokens), item[0]))[:OLD_INPUTS]
    started = time.perf_counter()
    errors = {view: [] for view in check_views()}
    for input_id, encoded in picked:
        exact = input_maps(loaded, encoded, estimator="exact", probes=settings.probes, seed=settings.seed,
                           input_id=input_id)
        for k in probe_counts(settings.probes, loaded.hidden_size):
            estimate = input_maps(loaded, encoded, estimator="probes", probes=k, seed=settings.seed,
                                  input_id=input_id)
            if k == settings.probes:
                for view in check_views():
                    errors[view].append(row_errors(estimate[view], exact[view])[0].mean())
    return time.perf_counter() - started, {view: float(np.mean(values)) for view, values in errors.items()}


@click.command()
@click.option("--model", default=DEFAULT_MODEL, show_default=True, help="'embedded', 'mpnet', or a model name/folder.")
@click.option("--max-inputs", default=40, show_default=True)
@click.option("--probes", default=8, show_default=True)
@click.option("--budget", default=0.25, show_default=True, help="--check-budget")
@click.option("--old", is_flag=True, help="Also time the old check (two exact inputs; slow).")
@click.option("--threads", type=int, default=None, help="torch threads (default: torch's).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None)
def main(model: str, max_inputs: int, probes: int, budget: float, old: bool, threads: int | None, out: Path | None):
    if threads:
        torch.set_num_threads(threads)
    if model == "mpnet":
        folder = mpnet_folder()
        if folder is None:
            print("all-mpnet-base-v2 is not installed (its five PyPI parts): skipped")
            return
        model = str(folder)
    print(f"load average {os.getloadavg()[0]:.2f}, {torch.get_num_threads()} torch threads")
    loaded = load_model(model, "cpu")
    settings = AnalyzeSettings(model=model, probes=probes, check_budget=budget, max_inputs=max_inputs)
    corpus = load_corpus(BUILTIN, "text", None)
    inputs = [(item.id, encode(loaded, item.text, item.text_pair))
              for item in sample(list(corpus.inputs), max_inputs, settings.seed)]

    timed = MapsTimed()
    for input_id, encoded in inputs:
        started = time.perf_counter()
        input_maps(loaded, encoded, estimator="probes", probes=probes, seed=settings.seed, input_id=input_id)
        timed.add(len(encoded.tokens), time.perf_counter() - started)
    shape = ModelShape.of(loaded)
    plan = plan_check([(i, len(e.tokens)) for i, e in inputs], shape, probes, budget, settings.seed)
    predicted = plan.flops * timed.seconds_per_flop(shape, probes)

    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        table = check_estimator(loaded, RunFolder(scratch), inputs, settings, print, timed)
        check_seconds = time.perf_counter() - started
    at_k = table[table.probes == probes].groupby("view")["tv"].mean()
    row = {"model": loaded.name_or_path, "inputs": len(inputs), "tokens": sum(timed.lengths), "run_s": timed.seconds,
           "check_s": check_seconds, "check_over_run": check_seconds / timed.seconds,
           "predicted_s": predicted, "predicted_over_run": plan.flops / plan.run_flops,
           **{f"rows_{view}": plan.rows_of(view) for view in check_views()},
           **{f"mean_tv_{view}": at_k[view] for view in check_views()}}
    if old:
        old_seconds, old_errors = _old_check(loaded, inputs, settings)
        row |= {"old_check_s": old_seconds, "old_check_over_run": old_seconds / timed.seconds,
                **{f"old_mean_tv_{view}": old_errors[view] for view in check_views()}}
    for key, value in row.items():
        print(f"{key:>24}  {value:.4g}" if isinstance(value, float) else f"{key:>24}  {value}")
    if out:
        out.mkdir(parents=True, exist_ok=True)
        pd.DataFrame([row]).to_csv(out / "estimator_check.csv", index=False)


if __name__ == "__main__":
    sys.exit(main())
