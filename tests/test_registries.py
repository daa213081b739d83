"""A new metric is one registry entry: registered from a module of its own, it reaches the
statistics, the tables and the pages of analyze → findings → report on a tiny model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from bertstory.cli import cli
from bertstory.findings import metrics
from bertstory.findings.tables import PAIR_NAMES
from bertstory.report.build import build_report
from bertstory.results import RunFolder
from toy_metric import HELLINGER


def hellinger(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """The Hellinger distance of each row, written out independently of the toy module."""
    return np.sqrt(np.maximum(0.0, 1.0 - (np.sqrt(p) * np.sqrt(q)).sum(axis=-1)))


@pytest.fixture
def toy_registered(monkeypatch):
    monkeypatch.setitem(metrics.METRICS, HELLINGER.name, HELLINGER)


@pytest.fixture
def analysed(tiny_bert_dir, small_corpus, tmp_path) -> RunFolder:
    out = tmp_path / "results"
    result = CliRunner().invoke(cli, ["analyze", "--quiet", "--model", str(tiny_bert_dir), "--corpus",
                                      str(small_corpus), "--out", str(out), "--estimator", "exact"])
    assert result.exit_code == 0, result.output
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    return RunFolder.open(run_dir)


def test_a_registered_metric_reaches_tables_and_pages(toy_registered, analysed, tmp_path):
    heads, rollout = analysed.table("heads"), analysed.table("rollout")
    for pair in PAIR_NAMES:
        assert f"hellinger_{pair}" in heads.columns
        assert f"hellinger_{pair}_median" not in heads.columns  # no intervals asked for
    # the pooled mean over every query row of every input, from the saved maps
    ids, _ = analysed.analysed_ids()
    total, rows = np.zeros(heads.shape[0]), 0
    for input_id in ids:
        maps = analysed.load_maps(input_id, normalise=True)
        total += hellinger(maps["attention"], maps["global"]).sum(axis=-1).reshape(-1)
        rows += maps["attention"].shape[-1]
    np.testing.assert_allclose(heads["hellinger_attention_global"], total / rows, rtol=1e-9)
    assert {"hellinger_rollout", "hellinger_attention"} <= set(rollout.columns)
    assert "hellinger_attention_global_mean" in analysed.table("layers").columns

    report = build_report(analysed, tmp_path / "project", build=False)
    head_page = (report.layout.generated / "heads" / "L2-H1.md").read_text()
    assert "| Hellinger distance |" in head_page
    mixing = (report.layout.generated / "mixing.md").read_text()
    assert "Hellinger rollout" in mixing and "Hellinger distance" in mixing


def test_statistics_without_a_registered_metric_are_recomputed(analysed, monkeypatch):
    """A run analysed before the metric existed gets it from its maps at the next findings."""
    assert "hellinger_attention_global" not in analysed.table("heads").columns
    monkeypatch.setitem(metrics.METRICS, HELLINGER.name, HELLINGER)
    result = CliRunner().invoke(cli, ["findings", str(analysed.path)])
    assert result.exit_code == 0, result.output
    assert "hellinger_attention_global" in pd.read_parquet(analysed.path / "tables" / "heads.parquet").columns
