"""``analyze --keep-maps N``: maps for the seeded sample of N inputs only, statistics for all,
the same tables; bytes on disk in run.json and the summary line; resuming with another N."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import bertstory.pipeline.analyze as pipeline
from bertstory.cli import cli
from bertstory.report import project
from bertstory.report.examples import load_examples
from bertstory.report.explorer import write_explorer
from bertstory.results import RunFolder, sample_inputs

N_INPUTS = 12
TABLES = ("heads", "layers", "transitions", "persistence", "rollout", "positions", "head_embedding",
          "head_distances", "estimator_error")


def analyze(model: Path, out: Path, *extra) -> str:
    result = CliRunner().invoke(cli, ["analyze", "--quiet", "--model", str(model), "--max-inputs", str(N_INPUTS),
                                      "--out", str(out), *map(str, extra)])
    assert result.exit_code == 0, result.output
    return result.output


def only_run(out: Path) -> Path:
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    return run_dir


def npz_names(folder: Path) -> set[str]:
    return {p.stem for p in folder.glob("*.npz")}


def table_bytes(run_dir: Path) -> dict[str, bytes]:
    return {f"{name}.{ext}": (run_dir / "tables" / f"{name}.{ext}").read_bytes()
            for name in TABLES for ext in ("csv", "parquet")}


@pytest.fixture(scope="module")
def full_run(tiny_bert_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("all-maps")
    analyze(tiny_bert_dir, out)
    return only_run(out)


def no_maps_computed(*args, **kwargs):
    raise AssertionError("maps computed again")


def test_keep_maps_keeps_exactly_the_sample_and_the_tables_are_the_same(tiny_bert_dir, full_run, tmp_path):
    output = analyze(tiny_bert_dir, tmp_path, "--keep-maps", 4)
    run_dir = only_run(tmp_path)
    assert run_dir.name == full_run.name  # --keep-maps is not part of the run's key
    inputs = RunFolder(run_dir).inputs
    assert npz_names(run_dir / "maps") == set(sample_inputs(inputs, 4, seed=0))
    assert npz_names(run_dir / "stats") == set(inputs["id"]) == npz_names(full_run / "maps")
    assert table_bytes(run_dir) == table_bytes(full_run)
    for name in npz_names(run_dir / "maps"):
        assert (run_dir / "maps" / f"{name}.npz").read_bytes() == (full_run / "maps" / f"{name}.npz").read_bytes()
    for name in npz_names(run_dir / "stats"):
        assert (run_dir / "stats" / f"{name}.npz").read_bytes() == (full_run / "stats" / f"{name}.npz").read_bytes()
    assert "maps of 4 of 12" in output and "Note:" not in output


def _disk(run_dir: Path) -> dict[str, int]:
    """Bytes of the run's map and statistics files, from the file system."""
    maps = sum(p.stat().st_size for p in (run_dir / "maps").glob("*.npz"))
    stats = sum(p.stat().st_size for p in (run_dir / "stats").glob("*.npz"))
    return {"maps": maps, "statistics": stats, "total": maps + stats, "per_input": round((maps + stats) / N_INPUTS)}


def test_run_json_and_the_summary_line_give_the_bytes_per_input_and_in_all(tiny_bert_dir, full_run, tmp_path):
    output = analyze(tiny_bert_dir, tmp_path, "--keep-maps", 2)
    run_dir = only_run(tmp_path)
    record = json.loads((run_dir / "run.json").read_text())
    assert record["bytes"] == _disk(run_dir) and record["kept_maps"] == {"asked": 2, "count": 2}
    full = json.loads((full_run / "run.json").read_text())
    assert full["bytes"] == _disk(full_run) and full["kept_maps"] == {"asked": None, "count": N_INPUTS}
    assert record["bytes"]["per_input"] < full["bytes"]["per_input"] / 2
    per_input_kb = record["bytes"]["per_input"] / 1000
    assert f"maps of 2 of 12, {per_input_kb:.3g} kB per input, " in output
    assert f"maps of all 12, {full['bytes']['per_input'] / 1000:.3g} kB per input, " in \
        analyze(tiny_bert_dir, full_run.parent)


def test_a_smaller_keep_maps_deletes_maps_beyond_the_sample_without_computing(tiny_bert_dir, full_run, tmp_path,
                                                                              monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    run_dir = out / full_run.name
    run_dir.mkdir()
    for folder in ("maps", "stats"):
        (run_dir / folder).mkdir()
        for path in (full_run / folder).iterdir():
            (run_dir / folder / path.name).write_bytes(path.read_bytes())
    inputs = RunFolder(full_run).inputs
    kept = set(sample_inputs(inputs, 3, seed=0))
    lost = next(i for i in inputs["id"] if i not in kept)
    (run_dir / "stats" / f"{lost}.npz").unlink()  # a statistics file lost: written from the map before it goes
    monkeypatch.setattr(pipeline, "input_maps", no_maps_computed)
    output = analyze(tiny_bert_dir, out, "--keep-maps", 3, "--check-budget", 0)
    assert "(0 computed now)" in output
    assert npz_names(run_dir / "maps") == kept
    assert npz_names(run_dir / "stats") == set(inputs["id"])
    assert (run_dir / "stats" / f"{lost}.npz").read_bytes() == (full_run / "stats" / f"{lost}.npz").read_bytes()
    for name in ("heads", "layers", "persistence"):
        assert (run_dir / "tables" / f"{name}.csv").read_bytes() == (full_run / "tables" / f"{name}.csv").read_bytes()


def test_a_larger_keep_maps_says_how_to_get_the_missing_maps(tiny_bert_dir, tmp_path, monkeypatch):
    analyze(tiny_bert_dir, tmp_path, "--keep-maps", 2, "--check-budget", 0)
    run_dir = only_run(tmp_path)
    inputs = RunFolder(run_dir).inputs
    monkeypatch.setattr(pipeline, "input_maps", no_maps_computed)
    output = analyze(tiny_bert_dir, tmp_path, "--keep-maps", 5, "--check-budget", 0)
    assert "(0 computed now)" in output
    missing = sorted(set(sample_inputs(inputs, 5, seed=0)) - set(sample_inputs(inputs, 2, seed=0)))
    assert npz_names(run_dir / "maps") == set(sample_inputs(inputs, 2, seed=0))
    assert (f"Note: the run keeps the maps of 2 inputs, fewer than asked (--keep-maps 5): 3 inputs of the sample "
            f"({', '.join(missing)})") in output
    assert "delete their stats/<id>.npz" in output
    assert json.loads((run_dir / "run.json").read_text())["kept_maps"] == {"asked": 5, "count": 2}

    for input_id in missing:  # as the note says
        (run_dir / "stats" / f"{input_id}.npz").unlink()
    monkeypatch.undo()
    output = analyze(tiny_bert_dir, tmp_path, "--keep-maps", 5, "--check-budget", 0)
    assert "(3 computed now)" in output and "Note:" not in output
    assert npz_names(run_dir / "maps") == set(sample_inputs(inputs, 5, seed=0))


def test_the_report_draws_examples_and_explorer_inputs_from_the_kept_maps(tiny_bert_dir, tmp_path):
    analyze(tiny_bert_dir, tmp_path, "--keep-maps", 3, "--check-budget", 0)
    run = RunFolder(only_run(tmp_path))
    kept = set(sample_inputs(run.inputs, 3, seed=0))
    assert {example.input_id for example in load_examples(run)} <= kept
    explorer = write_explorer(run, project.prepare(tmp_path / "project"))
    assert {file.id for file in explorer.files} == kept
    assert pd.read_csv(run.path / "tables" / "heads.csv")["n_inputs"].eq(N_INPUTS).all()


def test_load_run_lists_only_inputs_with_maps_and_says_when_maps_were_not_kept(tiny_bert_dir, tmp_path):
    import bertstory
    from bertstory.errors import BertstoryError

    analyze(tiny_bert_dir, tmp_path, "--keep-maps", 3)
    run_dir = only_run(tmp_path)
    run = bertstory.load_run(run_dir)
    kept = npz_names(run_dir / "maps")
    assert set(run.maps) == kept and len(run.maps) == 3
    assert list(run.maps) == [i for i in RunFolder(run_dir).inputs["id"] if i in kept]
    (stats_only, *_) = sorted(npz_names(run_dir / "stats") - kept)
    assert stats_only not in run.maps
    with pytest.raises(BertstoryError) as raised:
        run.maps[stats_only]
    message = str(raised.value)
    assert "\n" not in message and "not kept" in message and "--keep-maps" in message
    assert "delete it" not in message
