"""The committed ``figures/`` regenerate byte for byte from a fresh default run.

This is the one slow test (about 2.5 minutes on 2 CPU cores): it reruns the default analysis of
the embedded model on one thread (OMP_NUM_THREADS=1), while ``figures/`` is committed from
``bertstory build-site`` on the machine's default thread count (as CI's ``build-site`` reruns it),
so the committed figures are checked across thread counts. The tables of ``figures/tables/`` are
compared exactly, as written (six significant digits, a number within the stated tolerance of the
committed one keeping its text: see ``bertstory.report.figure_tables``), and the figures are
regenerated into a copy of the committed project and compared byte for byte; a failure names each
table cell or file that differs, as CI's check does (``bertstory.report.figure_check``). If it fails
after a deliberate change to the engine, the findings or a figure, regenerate the report with
``bertstory build-site`` in the repository root and commit ``figures/``.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bertstory.report import project
from bertstory.report.build import write_paper_figures
from bertstory.report.figure_check import figure_differences, table_differences
from bertstory.report.figure_tables import table_text
from bertstory.results import RunFolder

pytestmark = pytest.mark.embedded

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "figures"
FIGURE_TABLES = FIGURES / "tables"
COMMITTED_TABLES = ["estimator_error", "faithfulness_layers", "head_embedding", "heads", "layers", "persistence",
                    "rollout", "transitions"]


@pytest.fixture(scope="module")
def default_run(tmp_path_factory) -> RunFolder:
    """``bertstory analyze`` with the default settings, in a subprocess on one thread."""
    out = tmp_path_factory.mktemp("default")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "analysis"), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-m", "bertstory", "analyze", "--quiet", "--out", str(out)],
                            env=env, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout + result.stderr
    (run_dir,) = out.iterdir()
    return RunFolder(run_dir)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_committed_figures_come_from_the_default_run(default_run):
    committed = json.loads((FIGURE_TABLES / "run.json").read_text())
    fresh = default_run.record.to_dict()
    assert fresh["run_id"] == committed["run_id"]
    assert fresh["settings"] == committed["settings"]


def test_every_figure_table_is_committed():
    assert sorted(p.stem for p in FIGURE_TABLES.glob("*.csv")) == COMMITTED_TABLES


@pytest.mark.parametrize("table", COMMITTED_TABLES)
def test_fresh_tables_write_the_committed_bytes(default_run, table):
    committed = (FIGURE_TABLES / f"{table}.csv").read_text(encoding="utf-8")
    fresh = table_text(default_run.table(table), committed)
    assert table_differences(table, committed, fresh) == []
    assert fresh == committed


def test_regenerating_figures_changes_no_committed_byte(default_run, tmp_path):
    root = tmp_path / "project"
    layout = project.prepare(root)  # a report project first: bertstory replaces figures/ only in one of its own
    shutil.copytree(FIGURES, root / "figures", dirs_exist_ok=True)
    figures = write_paper_figures(default_run, layout)
    assert {f.key for f in figures} == {p.stem for p in FIGURES.glob("*.png")}
    assert figure_differences(FIGURES, root / "figures") == []


def test_regenerating_twice_from_scratch_gives_the_same_bytes(default_run, tmp_path):
    regenerated = []
    for name in ("a", "b"):
        write_paper_figures(default_run, project.prepare(tmp_path / name))
        regenerated.append(_files(tmp_path / name / "figures"))
    first, second = regenerated
    assert sorted(first) == sorted(second) == sorted(_files(FIGURES))
    assert [name for name in first if first[name] != second[name]] == []
