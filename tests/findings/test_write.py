"""write_findings: every table and column of the issue, CSV + Parquet, idempotency, errors."""

from __future__ import annotations

import json
import os
import time

import numpy as np
import pandas as pd
import pytest

import bertstory.findings as findings
from bertstory.errors import BertstoryError
from bertstory.findings import FindingsConfig, write_findings

VIEWS = ("attention", "local", "global")
PAIRS = ("attention_local", "attention_global", "local_global")
CLASSES = ("cls", "sep", "punct", "period", "comma", "self", "prev", "next")
LABELS = ("CLS", "SEP", "punct", "self", "prev", "next", "broad", "mixed")
TABLES = ("heads", "layers", "transitions", "rollout", "positions", "head_embedding")


def expected_head_columns() -> list[str]:
    columns = ["layer", "head", "n_inputs", "n_queries"]
    for v in VIEWS:
        columns += [f"mass_{c}_{v}" for c in CLASSES] + [f"entropy_{v}", f"label_{v}"]
    for p in PAIRS:
        columns += [f"js_{p}", f"tv_{p}", f"spearman_{p}", f"top1_{p}", f"js_{p}_median", f"js_{p}_lo", f"js_{p}_hi"]
    return columns + ["persists", "cluster"]


def check_tables(run_dir, tables: dict[str, pd.DataFrame], n_layers: int, n_heads: int) -> None:
    """Every table and column that issue 3 asks for, in the returned frames and on disk."""
    for name in TABLES:
        assert name in tables
        for ext in ("csv", "parquet"):
            assert (run_dir / "tables" / f"{name}.{ext}").is_file(), (name, ext)
        pd.testing.assert_frame_equal(pd.read_parquet(run_dir / "tables" / f"{name}.parquet"), tables[name])
        assert list(pd.read_csv(run_dir / "tables" / f"{name}.csv").columns) == list(tables[name].columns)

    heads = tables["heads"]
    assert set(expected_head_columns()) <= set(heads.columns)
    assert len(heads) == n_layers * n_heads
    assert heads["layer"].min() == 1 and heads["head"].min() == 1
    assert heads["layer"].max() == n_layers and heads["head"].max() == n_heads
    for v in VIEWS:
        assert set(heads[f"label_{v}"]) <= set(LABELS)
    assert (heads["persists"] == (heads["label_attention"] == heads["label_global"])).all()

    layers = tables["layers"]
    assert list(layers["layer"]) == list(range(1, n_layers + 1))
    for column in ("js_attention_local", "js_attention_global", "js_local_global", "mass_cls_attention",
                   "entropy_global", "spearman_attention_global", "top1_local_global"):
        assert f"{column}_mean" in layers and f"{column}_median" in layers
    for v in VIEWS:
        counts = sum(layers[f"heads_{label.lower()}_{v}"] for label in LABELS)
        assert (counts == n_heads).all()
    for column in ("persists_fraction", "own_share_median", "own_share_q25", "own_share_q75",
                   "own_share_iqr", "own_top1_fraction"):
        assert column in layers
    assert np.allclose(layers["own_share_iqr"], layers["own_share_q75"] - layers["own_share_q25"])

    transitions = tables["transitions"]
    assert {"scope", "layer", "label_attention", "label_global", "count", "share"} <= set(transitions.columns)
    overall = transitions[transitions["scope"] == "all"]
    per_layer = transitions[transitions["scope"] == "layer"]
    assert overall["count"].sum() == n_layers * n_heads
    assert sorted(per_layer["layer"].unique()) == list(range(1, n_layers + 1))
    assert (per_layer.groupby("layer")["count"].sum() == n_heads).all()
    assert len(overall) == len(LABELS) ** 2

    rollout = tables["rollout"]
    assert list(rollout["layer"]) == list(range(1, n_layers + 1))
    for method in ("rollout", "attention"):
        for metric in ("js", "tv", "spearman", "top1"):
            assert f"{metric}_{method}" in rollout

    positions = tables["positions"]
    assert {"layer", "head", "view", "offset", "mass"} <= set(positions.columns)
    assert len(positions) == n_layers * n_heads * 3 * 11
    assert sorted(positions["offset"].unique()) == list(range(-5, 6))

    embedding = tables["head_embedding"]
    assert {"view", "layer", "head", "x", "y", "cluster"} <= set(embedding.columns)
    assert set(embedding["view"]) == {"attention", "global"}
    assert len(embedding) == 2 * n_layers * n_heads
    attention_clusters = embedding[embedding["view"] == "attention"]["cluster"].to_numpy()
    assert (heads["cluster"].to_numpy() == attention_clusters).all()


def test_every_table_and_column(small_run):
    tables = write_findings(small_run)
    check_tables(small_run, tables, n_layers=2, n_heads=3)
    summary = json.loads((small_run / "tables" / "findings.json").read_text())
    assert summary["config"]["threshold_positional"] == 0.5
    assert summary["config"]["seed"] == 1  # taken from run.json settings.seed
    assert summary["n_inputs"] == 10


def test_second_call_reads_back_instead_of_recomputing(small_run, monkeypatch):
    first = write_findings(small_run)
    stamp = (small_run / "tables" / "heads.parquet").stat().st_mtime_ns

    def boom(*args, **kwargs):
        raise AssertionError("recomputed although nothing changed")

    monkeypatch.setattr(findings, "stream_run", boom)
    assert findings.is_up_to_date(small_run)
    second = write_findings(small_run)
    assert (small_run / "tables" / "heads.parquet").stat().st_mtime_ns == stamp
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name])


def test_recomputes_when_a_map_or_the_config_changes(small_run, runs):
    before = write_findings(small_run)["heads"]
    path = small_run / "maps" / "in-0000.npz"
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["attention"] = np.ascontiguousarray(arrays["global"])  # attention := global for input 0
    time.sleep(0.01)
    np.savez(path, **arrays)
    os.utime(path, ns=(time.time_ns(), time.time_ns()))
    assert not findings.is_up_to_date(small_run)
    after = write_findings(small_run)["heads"]
    assert not np.allclose(before["js_attention_global"], after["js_attention_global"])
    assert findings.is_up_to_date(small_run)
    assert not findings.is_up_to_date(small_run, FindingsConfig(threshold_broad=0.7))


def test_incomplete_run_skips_inputs_without_maps(small_run):
    (small_run / "maps" / "in-0003.npz").unlink()
    tables = write_findings(small_run)
    assert (tables["heads"]["n_inputs"] == 9).all()
    summary = json.loads((small_run / "tables" / "findings.json").read_text())
    assert summary["skipped_inputs"] == ["in-0003"]


def test_roberta_special_tokens(tmp_path, runs):
    tokens = ["<s>", "ĠHi", "Ġ,", "</s>"]
    to_first = np.zeros((1, 1, 4, 4))
    to_first[..., 0] = 1.0
    run = runs.write(tmp_path / "run", [{"tokens": tokens, "attention": to_first}], 1, 1, cls="<s>", sep="</s>")
    head = write_findings(run)["heads"].iloc[0]
    assert head["mass_cls_attention"] == pytest.approx(1.0)
    assert head["label_attention"] == "CLS"


def test_not_a_run_folder(tmp_path, small_run):
    with pytest.raises(BertstoryError, match="not a run folder"):
        write_findings(tmp_path / "nothing")
    # the results root (holding runs) names them
    with pytest.raises(BertstoryError, match="holds runs run"):
        write_findings(small_run.parent)


def test_no_maps(small_run):
    for path in (small_run / "maps").glob("*.npz"):
        path.unlink()
    with pytest.raises(BertstoryError, match="no maps"):
        write_findings(small_run)


def test_unreadable_or_misshapen_map(small_run):
    (small_run / "maps" / "in-0001.npz").write_bytes(b"not a zip")
    with pytest.raises(BertstoryError, match="in-0001.npz is unreadable"):
        write_findings(small_run)


def test_wrong_shape_map(tmp_path, runs):
    run = runs.random(tmp_path / "run", n_inputs=2, n_layers=2, n_heads=2)
    meta = json.loads((run / "run.json").read_text())
    meta["model"]["num_heads"] = 3
    (run / "run.json").write_text(json.dumps(meta))
    with pytest.raises(BertstoryError, match="expected"):
        write_findings(run)


def test_bad_config():
    with pytest.raises(BertstoryError, match="threshold-token"):
        FindingsConfig(threshold_token=1.5)
