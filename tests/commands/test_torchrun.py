"""``analyze`` under ``torchrun`` with 2 CPU workers (gloo) on a tiny model: the same files as one
process, and a worker killed with SIGKILL under ``--max-restarts 1`` still ends with the same run,
recomputing nothing it had finished.

The single process runs with ``OMP_NUM_THREADS=1``, as torchrun runs each worker: BLAS sums in the
statistics may round differently with another thread count, whatever the number of workers.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import bertstory
from bertstory.pipeline.split import balanced_split, input_cost
from commands.lock_holder import held_by_another_process

ANALYSIS = Path(bertstory.__file__).resolve().parents[1]
N_INPUTS = 60
VOLATILE_RUN_KEYS = ("started", "finished", "seconds", "workers")
"""run.json keys that differ between a single- and a multi-process run of the same settings."""
VOLATILE_FINDINGS_KEYS = ("fingerprint", "written", "seconds")
"""findings.json keys that depend on when files were written."""


def settings(model: Path, out: Path) -> list[str]:
    return ["--model", str(model), "--max-inputs", str(N_INPUTS), "--out", str(out)]


def bertstory_analyze(args: list[str], *launcher: str, command: str = "analyze", cwd: Path | None = None
                      ) -> subprocess.Popen:
    """``python LAUNCHER -m bertstory COMMAND --quiet ARGS`` with one thread per process."""
    env = {**os.environ, "OMP_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ANALYSIS), os.environ.get("PYTHONPATH")]))}
    return subprocess.Popen([sys.executable, *launcher, "-m", "bertstory", command, "--quiet", *args], env=env,
                            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def torchrun(args: list[str], *options: str, command: str = "analyze", cwd: Path | None = None) -> subprocess.Popen:
    """``python -m torch.distributed.run --nproc-per-node 2 --standalone OPTIONS -m bertstory COMMAND --quiet ARGS``."""
    return bertstory_analyze(args, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--standalone", *options,
                             command=command, cwd=cwd)


def finish(process: subprocess.Popen, timeout: float = 120) -> str:
    stdout, stderr = process.communicate(timeout=timeout)
    assert process.returncode == 0, stderr[-3000:]
    return stdout


def only_run(out: Path) -> Path:
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    return run_dir


def run_files(run_dir: Path) -> dict[str, bytes | dict]:
    """Every file of a run by its path in the run, as bytes; run.json and findings.json as
    objects without the keys that may differ."""
    files: dict[str, bytes | dict] = {}
    for path in sorted(p for p in run_dir.rglob("*") if p.is_file()):
        name = path.relative_to(run_dir).as_posix()
        if name in ("run.json", "tables/findings.json"):
            value = json.loads(path.read_text())
            volatile = VOLATILE_RUN_KEYS if name == "run.json" else VOLATILE_FINDINGS_KEYS
            files[name] = {key: item for key, item in value.items() if key not in volatile}
        else:
            files[name] = path.read_bytes()
    return files


def shares_of(run_dir: Path) -> list[list[str]]:
    """The ids each of 2 workers analyses, from inputs.jsonl (computed by the test, not read from the run)."""
    rows = [json.loads(line) for line in (run_dir / "inputs.jsonl").read_text().splitlines()]
    split = balanced_split([input_cost(len(row["tokens"])) for row in rows], 2)
    return [[rows[i]["id"] for i in share] for share in split]


@pytest.fixture(scope="module")
def single_process_run(tiny_bert_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("single")
    finish(bertstory_analyze(settings(tiny_bert_dir, out)))
    return only_run(out)


def test_two_workers_write_the_files_of_one_process(tiny_bert_dir, single_process_run, tmp_path):
    stdout = finish(torchrun(settings(tiny_bert_dir, tmp_path)))
    run_dir = only_run(tmp_path)
    assert run_dir.name == single_process_run.name
    assert f"Analysed {N_INPUTS} inputs ({N_INPUTS} computed now) in" in stdout and "by 2 workers" in stdout
    assert stdout.count("Analysed") == 1  # rank 0 alone prints the summary
    expected, written = run_files(single_process_run), run_files(run_dir)
    assert sorted(written) == sorted(expected)
    for name, content in expected.items():
        assert written[name] == content, name
    record = json.loads((run_dir / "run.json").read_text())
    assert record["status"] == "complete"
    assert record["workers"] == {"count": 2, "inputs_per_worker": [len(share) for share in shares_of(run_dir)]}
    assert json.loads((single_process_run / "run.json").read_text())["workers"] == {
        "count": 1, "inputs_per_worker": [N_INPUTS]}


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid``, read from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _worker_of_rank(launcher: int, rank: int) -> int:
    for pid in _descendants(launcher):
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"RANK={rank}".encode() in environ:
            return pid
    raise AssertionError(f"no worker of rank {rank} below process {launcher}")


def _wait_for(condition, what: str, timeout: float = 90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def _stamps(run_dir: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(run_dir).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for folder in ("maps", "stats") for p in (run_dir / folder).glob("*.npz")}


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds the worker processes in /proc")
def test_a_worker_killed_mid_run_is_restarted_and_the_run_ends_complete_and_identical(
        tiny_bert_dir, single_process_run, tmp_path):
    process = torchrun(settings(tiny_bert_dir, tmp_path), "--max-restarts", "1")
    try:
        run_dir = _wait_for(lambda: next((p.parent for p in tmp_path.glob("*/inputs.jsonl")), None), "inputs.jsonl")
        second_share = set(shares_of(run_dir)[1])
        _wait_for(lambda: any(p.stem in second_share for p in (run_dir / "maps").glob("*.npz")),
                  "the first map of worker 1")
        os.kill(_worker_of_rank(process.pid, 1), signal.SIGKILL)
        finished_before_kill = _stamps(run_dir)
        stdout = finish(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    computed_now = int(stdout.split("(")[1].split(" computed now")[0])
    assert 0 < computed_now < N_INPUTS  # the restarted workers resumed
    assert any(name.startswith("maps/") and Path(name).stem in second_share for name in finished_before_kill)
    after = _stamps(run_dir)
    assert {name: after[name] for name in finished_before_kill} == finished_before_kill  # nothing recomputed
    expected, written = run_files(single_process_run), run_files(run_dir)
    assert sorted(written) == sorted(expected)  # no temporary file left behind
    for name, content in expected.items():
        assert written[name] == content, name


def test_build_site_under_torchrun_builds_one_report_from_the_kept_maps(tiny_bert_dir, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    stdout = finish(torchrun(["--model", str(tiny_bert_dir), "--max-inputs", "12", "--keep-maps", "3",
                              "--check-budget", "0", "--out", str(tmp_path / "results")],
                             command="build-site", cwd=project))
    assert stdout.count("Analysed 12 inputs") == 1 and stdout.count("Report of") == 1
    assert "by 2 workers; maps of 3 of 12" in stdout
    run_dir = only_run(tmp_path / "results")
    kept = {p.stem for p in (run_dir / "maps").glob("*.npz")}
    assert len(kept) == 3 and len(list((run_dir / "stats").glob("*.npz"))) == 12
    explorer = {p.name for p in (project / "docs" / "generated" / "explorer" / "data").iterdir()}  # a folder per input
    assert explorer == kept and (project / "site" / "index.html").is_file()


def test_a_job_beside_an_analyze_that_holds_the_run_is_refused_and_touches_nothing(tiny_bert_dir, single_process_run,
                                                                                    tmp_path):
    run_dir = tmp_path / single_process_run.name
    shutil.copytree(single_process_run, run_dir)
    for path in [*run_dir.glob("maps/*.npz"), *run_dir.glob("stats/*.npz")]:
        (path.parent / f".{path.name}.inflight.tmp").write_bytes(b"half")  # the holder's writes in flight
    before = {p.relative_to(run_dir).as_posix(): p.read_bytes() for p in run_dir.rglob("*") if p.is_file()}
    with held_by_another_process(run_dir):
        process = torchrun(settings(tiny_bert_dir, tmp_path))
        _, stderr = process.communicate(timeout=120)
    assert process.returncode != 0
    assert f"Error: another bertstory analyze is writing the run {run_dir} " in stderr
    assert {p.relative_to(run_dir).as_posix(): p.read_bytes() for p in run_dir.rglob("*") if p.is_file()} == before
