"""Benchmark: the exact Jacobian norms four ways, and the probes estimator at K = 1…32, on one input
in one process. Not a test: timings vary with the machine (report the load average with them).

    PYTHONPATH=analysis:tests python benchmarks/estimators.py --out /tmp/estimators
    PYTHONPATH=analysis:tests python benchmarks/estimators.py --threads 1 --probes 1,8,32 --out /tmp/e
    PYTHONPATH=analysis:tests python benchmarks/estimators.py --device cuda --torchrun --out /tmp/e   # on a GPU

All methods compute the same squared Frobenius norms of the Jacobian blocks behind ``local``,
``global`` and ``contribution`` (``docs/method.md#estimators``) on the embedded model (or
``--model``):

- ``loop``: reverse mode, one ``torch.autograd.grad`` per output element (each head-output and
  hidden component of each position and layer, and each head-output component of each local
  pass), what per-target attribution tools do; ``--loop-samples`` elements, spread evenly over
  the outputs of each layer, timed and extrapolated to all of them.
- ``jacrev``: ``torch.func.jacrev`` of the same functions, on ``--jacrev-rows`` sampled output
  rows of each, extrapolated to all rows (the full Jacobians take minutes and gigabytes).
- ``exact``: :func:`bertstory.engine.compute_maps` with the exact estimator (n·d tangents).
- ``probes``: the same with K probes per token, and its error against ``exact``: the mean over
  rows of the total variation between the probe map and the exact map, per map.

GFLOP/s divides the counted FLOPs (:mod:`bertstory.engine.flops`: the matrix products of the
JVPs, the same count for loop, jacrev and exact, n·K tangents for probes) by the seconds; the
peak is the best of a few 2048² float32 matrix products in this process, on the same threads,
before and after the methods. On the CPU, every method and the peak run with freed memory kept
in the process (:mod:`bertstory.engine.allocator`), as ``compute_maps`` runs.
Writes ``estimators.csv`` and ``estimators.png`` (seconds against error, log axes) into ``--out``.
On a CUDA device it also prints tokens/s of a randomly initialised bert-base-size model at
n = 32 and 128, and with ``--torchrun`` the same from a ``torchrun --nproc-per-node 1`` worker.
"""

from __future__ import annotations

import math
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import click
import numpy as np
import torch
from torch.func import jacrev
from transformers import AutoModel, AutoTokenizer, BertConfig, BertModel

from bertstory.engine import family_for
from bertstory.maps.compute import compute_maps
from bertstory.engine.allocator import keep_freed_memory
from bertstory.engine.flops import estimator_flops
from bertstory.engine.layer_calls import capture_forward, layer_heads
from bertstory.models import embedded_model_path
from bertstory.pipeline.estimator_check import row_errors
from bertstory.engine.layer_calls import run_layers

DEFAULT_TEXT = "The old man walked slowly to the market, where he bought bread, cheese and fresh apples."
"""21 tokens with the embedded model's tokenizer (the input of issue 10's measurements)."""
ERROR_VIEWS = ("local", "global", "contribution")
PEAK_SIZE = 2048
CUDA_LENGTHS = (32, 128)
"""Input lengths of the CUDA tokens/s measurement."""


@dataclass
class Row:
    """One method's line of the table; ``errors`` maps a view to its mean TV against exact."""

    method: str
    seconds: float
    flops: int
    note: str = ""
    errors: dict[str, float] = field(default_factory=dict)


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _best_seconds(run, repeats: int, device: torch.device):
    """The result of the last run and the fewest seconds of ``repeats`` runs."""
    best = math.inf
    for _ in range(repeats):
        _synchronize(device)
        start = time.perf_counter()
        result = run()
        _synchronize(device)
        best = min(best, time.perf_counter() - start)
    return result, best


def matmul_peak(device: torch.device, repeats: int = 5) -> float:
    """FLOP/s of the fastest of ``repeats`` 2048² float32 matrix products."""
    a, b = (torch.randn(PEAK_SIZE, PEAK_SIZE, device=device) for _ in range(2))
    a @ b  # warm up
    _, seconds = _best_seconds(lambda: a @ b, repeats, device)
    return 2 * PEAK_SIZE**3 / seconds


def _output_functions(forward, num_heads):
    """(name, function, primal, output rows) for every Jacobian the maps come from: the global
    function of ``e⁰`` (head outputs and hidden states of every layer) and each layer's local one."""
    layer_inputs = [forward.embeddings, *forward.layer_outputs[:-1]]

    def global_outputs(x):
        heads, hidden = run_layers(forward.calls, num_heads, x)
        return torch.cat([heads.flatten(1), hidden.flatten(1)], 1)  # (L, 2nd): one row of rows per layer

    functions = [("global", global_outputs, forward.embeddings)]
    functions += [(f"local L{l + 1}", lambda x, call=call: layer_heads(call, num_heads, x).reshape(1, -1), x0)
                  for l, (call, x0) in enumerate(zip(forward.calls, layer_inputs))]
    return functions


def reverse_loop_seconds(forward, num_heads, samples: int, generator: torch.Generator) -> float:
    """Seconds for one ``torch.autograd.grad`` per output element, extrapolated from ``samples``
    elements spread evenly over the layers (rows) of every function; includes each forward."""
    functions = _output_functions(forward, num_heads)
    strata = sum(len(function(x0.detach())) for _, function, x0 in functions)
    per_stratum = max(1, samples // strata)
    total = 0.0
    for _, function, x0 in functions:
        start = time.perf_counter()
        x = x0.detach().clone().requires_grad_(True)
        with torch.enable_grad():
            outputs = function(x)
            forward_seconds = time.perf_counter() - start
            for row in outputs:
                picked = torch.randint(row.numel(), (per_stratum,), generator=generator).tolist()
                start = time.perf_counter()
                for element in picked:
                    torch.autograd.grad(row[element], x, retain_graph=True)
                total += (time.perf_counter() - start) / per_stratum * row.numel()
        total += forward_seconds
    return total


def jacrev_seconds(forward, num_heads, rows: int, generator: torch.Generator) -> float:
    """Seconds for ``torch.func.jacrev`` of every function, extrapolated from ``rows`` sampled
    output elements per function (all of them when it has fewer)."""
    total = 0.0
    for _, function, x0 in _output_functions(forward, num_heads):
        size = function(x0).numel()
        picked = torch.randperm(size, generator=generator)[:rows].to(x0.device)
        sampled = lambda x, function=function, picked=picked: function(x).flatten()[picked]  # noqa: E731
        _, seconds = _best_seconds(lambda: jacrev(sampled)(x0), 1, x0.device)
        total += seconds * size / len(picked)
    return total


def _maps(model, features, estimator, probes):
    return compute_maps(model, features, estimator=estimator, probes=probes, seed=0, input_id="benchmark")


def cpu_story(model, features, probe_counts, repeats, loop_samples, jacrev_rows, device) -> list[Row]:
    """Every method on one input: the rows of the table."""
    config = model.config
    forward = capture_forward(model, family_for(config), features)
    n, d = forward.embeddings.shape
    num_heads = config.num_attention_heads

    def flops(tangents_per_token: int) -> int:
        return estimator_flops(n, d, config.intermediate_size, config.num_hidden_layers, tangents_per_token)

    generator = torch.Generator().manual_seed(0)
    rows = [
        Row("loop", reverse_loop_seconds(forward, num_heads, loop_samples, generator), flops(d),
            f"{loop_samples} autograd.grad calls, extrapolated"),
        Row("jacrev", jacrev_seconds(forward, num_heads, jacrev_rows, generator), flops(d),
            f"{jacrev_rows} rows per function, extrapolated"),
    ]
    exact, seconds = _best_seconds(lambda: _maps(model, features, "exact", 0), repeats, device)
    rows.append(Row("exact", seconds, flops(d), f"best of {repeats}"))
    for k in probe_counts:
        estimate, seconds = _best_seconds(lambda: _maps(model, features, "probes", k), repeats, device)
        errors = {view: float(row_errors(estimate[view], exact[view])[0].mean()) for view in ERROR_VIEWS}
        rows.append(Row(f"probes K={k}", seconds, flops(min(k, d)), f"best of {repeats}", errors))
    return rows


def _mean_error(row: Row) -> float:
    return float(np.mean(list(row.errors.values()))) if row.errors else 0.0


def print_table(rows: list[Row], peak: float) -> None:
    loop = rows[0].seconds
    click.echo(f"{'method':14s} {'seconds':>10s} {'× loop':>8s} {'GFLOP/s':>8s} {'% peak':>7s} {'TV vs exact':>12s}  note")
    for row in rows:
        rate = row.flops / row.seconds
        error = f"{_mean_error(row):12.2e}" if row.errors else f"{'—':>12s}"
        click.echo(f"{row.method:14s} {row.seconds:10.2f} {loop / row.seconds:8.1f} {rate / 1e9:8.1f} "
                   f"{100 * rate / peak:6.1f}% {error}  {row.note}")


def write_csv(rows: list[Row], peak: float, path: Path) -> None:
    import csv

    loop = rows[0].seconds
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["method", "seconds", "speedup_vs_loop", "counted_flops", "gflops_per_s", "percent_of_peak",
                         "peak_gflops_per_s", *[f"mean_tv_{view}" for view in ERROR_VIEWS], "note"])
        for row in rows:
            rate = row.flops / row.seconds
            writer.writerow([row.method, f"{row.seconds:.4f}", f"{loop / row.seconds:.2f}", row.flops,
                             f"{rate / 1e9:.2f}", f"{100 * rate / peak:.2f}", f"{peak / 1e9:.2f}",
                             *[f"{row.errors[view]:.6g}" if row.errors else "0" for view in ERROR_VIEWS], row.note])


def draw_figure(rows: list[Row], path: Path, title: str) -> None:
    """Seconds against mean TV (log axes): probes as points labelled K; the exact methods, whose
    error is zero, as vertical lines at their seconds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    probes = [row for row in rows if row.errors]
    figure, axes = plt.subplots(figsize=(7, 4.5))
    axes.plot([row.seconds for row in probes], [_mean_error(row) for row in probes], "o-", label="probes")
    for row in probes:
        axes.annotate(row.method.split("=")[1], (row.seconds, _mean_error(row)), textcoords="offset points",
                      xytext=(4, 4), fontsize=8)
    for row, style in zip((row for row in rows if not row.errors), ("k:", "k--", "k-")):
        axes.axvline(row.seconds, color="0.3", linestyle=style[1:], label=f"{row.method} (error 0)")
    axes.set(xscale="log", yscale="log", xlabel="seconds (one input)",
             ylabel="mean TV vs exact (local, global, contribution)", title=title)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=150)
    plt.close(figure)


def cuda_tokens_per_second(device: torch.device, repeats: int, label: str) -> None:
    """Tokens/s of probes (K=8) and exact on a randomly initialised bert-base-size model."""
    model = BertModel(BertConfig(attn_implementation="eager")).eval().requires_grad_(False).to(device)
    for n in CUDA_LENGTHS:
        ids = torch.randint(1000, 30000, (1, n), device=device)
        features = {"input_ids": ids, "attention_mask": torch.ones_like(ids), "token_type_ids": torch.zeros_like(ids)}
        for estimator, k in (("probes", 8), ("exact", 0)):
            _maps(model, features, estimator, k)  # warm up
            _, seconds = _best_seconds(lambda: _maps(model, features, estimator, k), repeats, device)
            name = estimator + (f" K={k}" if k else "")
            click.echo(f"{label}bert-base n={n:3d} {name:10s} {n / seconds:10.1f} tokens/s ({seconds:.3f} s/input)")


@click.command()
@click.option("--model", "model_path", default=None, help="Model folder (default: the embedded MiniLM).")
@click.option("--text", default=DEFAULT_TEXT, show_default=True)
@click.option("--threads", default=2, show_default=True)
@click.option("--probes", "probe_list", default="1,2,4,8,16,32", show_default=True, help="K values, comma-separated.")
@click.option("--repeats", default=3, show_default=True, help="Runs of exact and of each K; the fastest counts.")
@click.option("--loop-samples", default=600, show_default=True)
@click.option("--jacrev-rows", default=512, show_default=True)
@click.option("--device", default="cpu", show_default=True)
@click.option("--torchrun", is_flag=True, help="On CUDA, also run the tokens/s measurement under torchrun.")
@click.option("--cuda-worker", is_flag=True, hidden=True, help="Only the CUDA tokens/s (torchrun's worker).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("estimators-out"),
              show_default=True)
def main(model_path, text, threads, probe_list, repeats, loop_samples, jacrev_rows, device, torchrun, cuda_worker, out):
    torch.set_num_threads(threads)
    device = torch.device(device)
    if cuda_worker:
        cuda_tokens_per_second(device, repeats, f"torchrun rank {os.environ.get('RANK', '?')}: ")
        return
    folder = model_path or embedded_model_path()
    model_name = Path(model_path).name if model_path else "embedded all-MiniLM-L6-v2"
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder, attn_implementation="eager").eval().requires_grad_(False).to(device)
    features = {name: value.to(device) for name, value in tokenizer(text, return_tensors="pt").items()}
    n = features["input_ids"].shape[1]
    load_before = os.getloadavg()[0]
    # compute_maps keeps freed memory on the CPU (engine/allocator.py): every method and the peak run so
    kept = device.type == "cpu" and keep_freed_memory()
    peak = matmul_peak(device)
    click.echo(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {device}, {n} tokens, "
               f"model {model_name}; freed memory kept: {'yes' if kept else 'no'}; matmul peak {peak / 1e9:.1f} GFLOP/s")
    rows = cpu_story(model, features, [int(k) for k in probe_list.split(",")], repeats, loop_samples, jacrev_rows,
                     device)
    peak = max(peak, matmul_peak(device))  # the peak again after the run: the better of the two
    print_table(rows, peak)
    click.echo(f"matmul peak (best before/after) {peak / 1e9:.1f} GFLOP/s; load average {load_before:.2f} before, "
               f"{os.getloadavg()[0]:.2f} after, on {os.cpu_count()} CPUs")
    out.mkdir(parents=True, exist_ok=True)
    write_csv(rows, peak, out / "estimators.csv")
    draw_figure(rows, out / "estimators.png", f"{model_name}, {n} tokens, {torch.get_num_threads()} threads")
    click.echo(f"wrote {out / 'estimators.csv'} and {out / 'estimators.png'}")
    if device.type != "cuda":
        click.echo("CUDA tokens/s: skipped (not a CUDA device)")
        return
    cuda_tokens_per_second(device, repeats, "")
    if torchrun:
        command = ["torchrun", "--nproc-per-node", "1", __file__, "--cuda-worker", "--device", str(device),
                   "--repeats", str(repeats)]
        subprocess.run(command, check=True, env={**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", "")})


if __name__ == "__main__":
    main()
