"""A new map or metric is one registry entry: registered from a module of its own, it reaches
the statistics, the tables and the pages of analyze → findings → report on a tiny model, and a
map also the head pages' figures, the explorer and the API (explain, plot, to_dataframe)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import bertstory
from bertstory import maps as map_registry
from bertstory.cli import cli
from bertstory.findings import metrics
from bertstory.maps import pair_names
from bertstory.report.build import build_report
from bertstory.results import RunFolder
from toy_map import SQUARED_ATTENTION
from toy_metric import HELLINGER


def hellinger(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """The Hellinger distance of each row, written out independently of the toy module."""
    return np.sqrt(np.maximum(0.0, 1.0 - (np.sqrt(p) * np.sqrt(q)).sum(axis=-1)))


def js_bits(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """The JS divergence (bits) of each row, written out independently of bertstory."""
    m = (p + q) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = lambda a: np.where(a > 0, a * np.log2(a / m), 0.0).sum(axis=-1)  # noqa: E731
    return (kl(p) + kl(q)) / 2


@pytest.fixture
def toy_registered(monkeypatch):
    monkeypatch.setitem(metrics.METRICS, HELLINGER.name, HELLINGER)


@pytest.fixture
def toy_map_registered(monkeypatch):
    monkeypatch.setitem(map_registry.MAPS, SQUARED_ATTENTION.name, SQUARED_ATTENTION)


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
    for pair in pair_names():
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


def test_a_registered_map_reaches_maps_tables_pages_explorer_and_api(toy_map_registered, toy_registered,
                                                                     tiny_bert_dir, small_corpus, tmp_path):
    out = tmp_path / "results"
    result = CliRunner().invoke(cli, ["analyze", "--quiet", "--model", str(tiny_bert_dir), "--corpus",
                                      str(small_corpus), "--out", str(out), "--estimator", "exact"])
    assert result.exit_code == 0, result.output
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    run = RunFolder.open(run_dir)

    # the map file holds the toy map, computed from the model's own attention
    ids, _ = run.analysed_ids()
    js_sum, rows = 0.0, 0
    for input_id in ids:
        maps = run.load_maps(input_id)
        squared = maps["attention"].astype(np.float64) ** 2
        np.testing.assert_allclose(maps["attention_squared"], squared / squared.sum(-1, keepdims=True), atol=1e-6)
        normalised = run.load_maps(input_id, normalise=True)
        js_sum = js_sum + js_bits(normalised["attention"], normalised["attention_squared"]).sum(axis=-1).reshape(-1)
        rows += squared.shape[-1]

    # tables: its own view columns, its comparison with attention under every metric, its offsets
    heads = run.table("heads")
    for column in ("label_attention_squared", "entropy_attention_squared", "mass_cls_attention_squared",
                   "enrichment_cls_attention_squared", "js_attention_attention_squared",
                   "js_attention_attention_squared_lo", "hellinger_attention_attention_squared",
                   "spearman_attention_attention_squared", "top1_attention_attention_squared"):
        assert column in heads.columns, column
    np.testing.assert_allclose(heads["js_attention_attention_squared"], js_sum / rows, rtol=1e-9)
    assert "attention_squared" in set(run.table("positions")["view"])

    # head pages and their example figures, the explorer's buttons and data
    report = build_report(run, tmp_path / "project", build=False)
    generated = report.layout.generated
    head_page = (generated / "heads" / "L1-H1.md").read_text()
    assert "attention squared" in head_page and "| attention vs attention_squared |" in head_page
    assert "| Hellinger distance |" in head_page
    assert any("attention_squared" in p.name for p in (generated / "heads").rglob("*.png"))
    index = (generated / "explorer" / "index.js").read_text()
    assert '"attention_squared"' in index and '"attention squared"' in index
    first_layer = next((generated / "explorer" / "data").glob("*/1.js")).read_text()
    assert '"attention_squared"' in first_layer

    # the API: explain computes it, plot draws it, to_dataframe lists it
    explanation = bertstory.explain(tiny_bert_dir, "The cat sat on the mat.", estimator="exact")
    squared = explanation.attention.astype(np.float64) ** 2
    np.testing.assert_allclose(explanation["attention_squared"], squared / squared.sum(-1, keepdims=True), atol=1e-6)
    assert explanation.attention_squared is explanation["attention_squared"]
    titles = [ax.get_title() for ax in explanation.plot(1, 2).axes]
    views = map_registry.views()
    assert views[-1] == "attention_squared"
    assert titles[:len(views)] == [map_registry.MAPS[view].title for view in views]
    assert [ax.get_title() for ax in explanation.plot(1, 2, maps=["attention_squared"]).axes][0] == "attention squared"
    frame = explanation.to_dataframe()
    assert list(frame["map"].cat.categories) == [*map_registry.MAPS]
    assert (frame["map"] == "attention_squared").sum() == squared.size
