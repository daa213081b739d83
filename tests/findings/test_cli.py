"""`bertstory findings RESULTS_DIR`: summary, thresholds, idempotency, one-line errors."""

from __future__ import annotations

import json

import pandas as pd
from click.testing import CliRunner

from bertstory.cli import cli
from bertstory.commands.findings import findings
from bertstory.errors import BertstoryError
from bertstory.findings import FindingsConfig, write_findings


def test_command_writes_tables_and_prints_a_summary(small_run):
    result = CliRunner().invoke(findings, [str(small_run)])
    assert result.exit_code == 0, result.output
    assert "findings computed: 10 inputs" in result.output
    assert "JS attention vs global" in result.output
    assert "own-token share" in result.output
    assert (small_run / "tables" / "heads.parquet").is_file()
    again = CliRunner().invoke(findings, [str(small_run)])
    assert "findings up to date" in again.output
    forced = CliRunner().invoke(findings, [str(small_run), "--force"])
    assert "findings computed" in forced.output


def test_threshold_options_reach_the_labels(small_run):
    result = CliRunner().invoke(findings, [str(small_run), "--threshold-broad", "0", "--threshold-token", "1",
                                           "--threshold-positional", "1"])
    assert result.exit_code == 0, result.output
    heads = pd.read_parquet(small_run / "tables" / "heads.parquet")
    assert set(heads["label_attention"]) == {"broad"}  # entropy >= 0 always, nothing reaches mass 1
    assert "broad entropy >= 0.0" in result.output


def test_options_reach_the_config(small_run):
    result = CliRunner().invoke(findings, [str(small_run), "--bootstrap-samples", "10", "--seed", "4", "--clusters", "2"])
    assert result.exit_code == 0, result.output
    summary = json.loads((small_run / "tables" / "findings.json").read_text())
    assert summary["config"] == FindingsConfig(bootstrap_samples=10, seed=4, n_clusters=2).to_dict()
    heads = pd.read_parquet(small_run / "tables" / "heads.parquet")
    assert set(heads["cluster"]) == {1, 2}


def test_write_findings_returns_every_table(small_run):
    tables = write_findings(small_run, FindingsConfig(bootstrap_samples=10, seed=4))
    assert set(tables) >= {"heads", "layers", "transitions", "rollout", "positions", "head_embedding"}


def test_errors_are_bertstory_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(findings, [str(tmp_path / "empty")])
    assert isinstance(result.exception, BertstoryError)
    assert "not a run folder" in str(result.exception)
    result = CliRunner().invoke(findings, [str(tmp_path / "missing")])
    assert isinstance(result.exception, BertstoryError)


def test_group_prints_one_line_and_exits_2(tmp_path, small_run):
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(cli, ["findings", str(tmp_path / "empty")])
    assert result.exit_code == 2
    assert result.output.strip().startswith("Error:") and "not a run folder" in result.output
    assert len(result.output.strip().splitlines()) == 1
    ok = CliRunner().invoke(cli, ["findings", str(small_run)])
    assert ok.exit_code == 0, ok.output


def test_a_run_whose_seed_is_out_of_range_is_refused_in_one_line(small_run):
    record = json.loads((small_run / "run.json").read_text())
    record["settings"]["seed"] = 2**32
    (small_run / "run.json").write_text(json.dumps(record))
    result = CliRunner().invoke(cli, ["findings", str(small_run)])
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and "settings.seed must be an integer from 0 to 4294967295" in result.output
