"""Benchmark: ``analyze`` in one process and under ``torchrun`` with more workers (wall time, and
whether every map, statistics and table file is byte-identical), then the bytes on disk per input
with every map kept and with ``--keep-maps N``. Not a test: timings vary with the machine.

    python benchmarks/workers_and_disk.py                                   # embedded MiniLM, 40 inputs, 1 and 2 workers
    python benchmarks/workers_and_disk.py --workers 1,4,8 --max-inputs 200 --keep-maps 24
    python benchmarks/workers_and_disk.py --model bert-base-uncased --device cuda --workers 1

Each worker count analyses into a fresh results folder; ``--keep-maps`` then resumes the first
run (maps beyond the sample are deleted, nothing is computed) and reads ``run.json``'s bytes.
torchrun gives each worker one thread (``OMP_NUM_THREADS=1``) while one process uses every core:
files that differ then differ by the rounding of multi-threaded BLAS sums (``--same-threads``
runs the single process with one thread too, and every file should be identical).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

import bertstory

ANALYSIS = Path(bertstory.__file__).resolve().parents[1]
VOLATILE = {"run.json", "tables/findings.json"}
"""Files that record times and the worker count, hence differ between worker counts."""


def analyze(workers: int, args: list[str], one_thread: bool = False) -> float:
    """Seconds of ``bertstory analyze ARGS`` in one process (``workers`` 1) or under torchrun."""
    launcher = ([] if workers == 1 else
                ["-m", "torch.distributed.run", "--nproc-per-node", str(workers), "--standalone"])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ANALYSIS), os.environ.get("PYTHONPATH")]))}
    if one_thread:
        env["OMP_NUM_THREADS"] = "1"
    started = time.perf_counter()
    subprocess.run([sys.executable, *launcher, "-m", "bertstory", "analyze", "--quiet", *args], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def run_dir(out: Path) -> Path:
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    return folder


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and p.relative_to(folder).as_posix() not in VOLATILE}


def disk_line(folder: Path) -> str:
    record = json.loads((folder / "run.json").read_text())
    use, kept = record["bytes"], record["kept_maps"]
    return (f"maps of {kept['count']} of {record['n_inputs']} inputs: {use['per_input'] / 1e3:.1f} kB per input "
            f"(maps {use['maps'] / 1e6:.2f} MB, statistics {use['statistics'] / 1e6:.2f} MB, "
            f"{use['total'] / 1e6:.2f} MB in all)")


@click.command()
@click.option("--model", default="embedded", show_default=True)
@click.option("--max-inputs", type=int, default=40, show_default=True)
@click.option("--workers", default="1,2", show_default=True, help="Worker counts, comma-separated (1: no torchrun).")
@click.option("--keep-maps", type=int, default=4, show_default=True)
@click.option("--device", default="auto", show_default=True)
@click.option("--same-threads", is_flag=True, help="One thread in the single process too, as in each torchrun worker.")
def main(model: str, max_inputs: int, workers: str, keep_maps: int, device: str, same_threads: bool) -> None:
    counts = [int(w) for w in workers.split(",")]
    with tempfile.TemporaryDirectory() as scratch:
        outs = {}
        for count in counts:
            outs[count] = Path(scratch) / f"workers-{count}"
            args = ["--model", model, "--max-inputs", str(max_inputs), "--device", device, "--out", str(outs[count])]
            seconds = analyze(count, args, one_thread=same_threads)
            print(f"{count} worker(s): {seconds:.1f} s wall (start-up and findings included)")
        reference = files(run_dir(outs[counts[0]]))
        for count in counts[1:]:
            written = files(run_dir(outs[count]))
            different = sorted(name for name in reference.keys() | written.keys()
                               if reference.get(name) != written.get(name))
            print(f"{count} workers: files {'DIFFERENT from' if different else 'byte-identical to'} "
                  f"{counts[0]} worker(s){': ' + ', '.join(different[:8]) if different else ''}")
        first = run_dir(outs[counts[0]])
        print("all maps kept:", disk_line(first))
        analyze(1, ["--model", model, "--max-inputs", str(max_inputs), "--device", device, "--out", str(first.parent),
                    "--keep-maps", str(keep_maps)])
        print(f"--keep-maps {keep_maps}:", disk_line(first))


if __name__ == "__main__":
    main()
