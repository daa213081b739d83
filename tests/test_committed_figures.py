"""The paper figures committed in ``figures/`` come from the default run: a fresh default
analysis reproduces the tables they were drawn from (``figures/tables/``) to 1e-6.

This is the one slow test (about 1.5 minutes on 2 CPU cores): it reruns the default
analysis of the embedded model. If it fails after a deliberate change to the engine or the
findings, regenerate the report with ``bertstory build-site`` in the repository root and
commit ``figures/``.
"""

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from bertstory.cli import cli

pytestmark = pytest.mark.embedded

FIGURE_TABLES = Path(__file__).resolve().parents[1] / "figures" / "tables"
COMMITTED_TABLES = ["estimator_error", "head_embedding", "heads", "layers", "persistence", "rollout", "transitions"]


@pytest.fixture(scope="module")
def default_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("default")
    result = CliRunner().invoke(cli, ["analyze", "--quiet", "--out", str(out)], env={"HF_HUB_OFFLINE": "1"})
    assert result.exit_code == 0, result.output
    (run_dir,) = out.iterdir()
    return run_dir


def test_committed_figures_come_from_the_default_run(default_run):
    committed = json.loads((FIGURE_TABLES / "run.json").read_text())
    fresh = json.loads((default_run / "run.json").read_text())
    assert fresh["run_id"] == committed["run_id"]
    assert fresh["settings"] == committed["settings"]


def test_every_figure_table_is_committed():
    assert sorted(p.stem for p in FIGURE_TABLES.glob("*.csv")) == COMMITTED_TABLES


@pytest.mark.parametrize("table", COMMITTED_TABLES)
def test_fresh_tables_equal_committed_tables(default_run, table):
    committed = pd.read_csv(FIGURE_TABLES / f"{table}.csv")
    fresh = pd.read_csv(default_run / "tables" / f"{table}.csv")
    pd.testing.assert_frame_equal(fresh, committed, check_exact=False, rtol=0, atol=1e-6)
