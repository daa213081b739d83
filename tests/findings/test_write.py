"""write_findings: every table and column of the issue, CSV + Parquet, idempotency, errors."""

from __future__ import annotations

import json
import os
import time

import numpy as np
import pandas as pd
import pytest

import bertstory.findings.write as findings_write
from bertstory.errors import BertstoryError
from bertstory.findings import FindingsConfig, write_findings
from bertstory.results import RunFolder


def test_every_table_and_column(small_run, runs):
    tables = write_findings(small_run)
    runs.check_tables(small_run, tables, n_layers=2, n_heads=3)
    summary = json.loads((small_run / "tables" / "findings.json").read_text())
    assert summary["config"]["threshold_positional"] == 0.5
    assert summary["config"]["seed"] == 1  # taken from run.json settings.seed
    assert summary["n_inputs"] == 10


def test_second_call_reads_back_instead_of_recomputing(small_run, monkeypatch):
    first = write_findings(small_run)
    stamp = (small_run / "tables" / "heads.parquet").stat().st_mtime_ns

    def boom(*args, **kwargs):
        raise AssertionError("recomputed although nothing changed")

    monkeypatch.setattr(findings_write, "reduce_run", boom)
    second = write_findings(small_run)
    assert (small_run / "tables" / "heads.parquet").stat().st_mtime_ns == stamp
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name])


def test_recomputes_when_a_map_or_the_config_changes(small_run, runs):
    """A changed map makes its statistics stale: they are rewritten, and the tables recomputed."""
    before = write_findings(small_run)["heads"]
    path = small_run / "maps" / "in-0000.npz"
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["attention"] = np.ascontiguousarray(arrays["global"])  # attention := global for input 0
    np.savez(path, **arrays)
    newer = (small_run / "stats" / "in-0000.npz").stat().st_mtime_ns + 1  # rewritten after its statistics
    os.utime(path, ns=(newer, newer))
    time.sleep(0.05)  # past the file system's clock tick: statistics written now are newer than the map
    stamp = RunFolder(small_run).summary_stamp()
    after = write_findings(small_run)["heads"]
    assert not np.allclose(before["js_attention_global"], after["js_attention_global"])
    recomputed = RunFolder(small_run).summary_stamp()
    assert recomputed != stamp
    write_findings(small_run)
    assert RunFolder(small_run).summary_stamp() == recomputed
    write_findings(small_run, FindingsConfig(threshold_broad=0.7))
    assert RunFolder(small_run).summary_stamp() != recomputed


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
