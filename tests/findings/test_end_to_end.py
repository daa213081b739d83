"""End to end on a tiny random BERT: `bertstory analyze` then `bertstory findings`."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from click.testing import CliRunner

from bertstory.cli import cli
from bertstory.findings import TABLE_NAMES, write_findings


def test_analyze_then_findings_on_a_tiny_model(tiny_bert_dir, small_corpus, tmp_path, runs):
    out = tmp_path / "results"
    result = CliRunner().invoke(cli, ["analyze", "--quiet", "--model", str(tiny_bert_dir), "--corpus",
                                      str(small_corpus), "--out", str(out), "--estimator", "exact"])
    assert result.exit_code == 0, result.output
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]

    result = CliRunner().invoke(cli, ["findings", str(run_dir)])
    assert result.exit_code == 0, result.output
    assert "inputs" in result.output and "JS attention vs global" in result.output
    tables = {name: pd.read_parquet(run_dir / "tables" / f"{name}.parquet") for name in TABLE_NAMES}
    runs.check_tables(run_dir, tables, n_layers=2, n_heads=4)

    heads = tables["heads"]
    inputs = pd.read_json(run_dir / "inputs.jsonl", lines=True, dtype={"id": str})
    assert (heads["n_inputs"] == len(inputs)).all()
    assert (heads["n_queries"] == sum(len(t) for t in inputs["tokens"])).all()
    # DESIGN §2: for layer 1 local attribution equals global attribution
    layer1 = heads[heads["layer"] == 1]
    assert (layer1["js_local_global"] < 1e-5).all()
    assert (layer1["label_local"] == layer1["label_global"]).all()
    # the corpus has commas and full stops, pairs have two [SEP]s
    assert (heads["mass_comma_attention"] > 0).all() and (heads["mass_period_attention"] > 0).all()
    assert (heads["mass_sep_attention"] > 0).all() and (heads["mass_cls_attention"] > 0).all()
    for column in ("js_attention_global", "tv_attention_global", "top1_attention_global"):
        assert heads[column].between(0, 1).all()
    assert np.isfinite(tables["rollout"][["js_rollout", "js_attention"]].to_numpy()).all()
    layers = tables["layers"]
    assert layers["own_share_median"].between(0, 1).all()

    # the Python entry `analyze` calls: idempotent, same tables back
    stamps = {p.name: p.stat().st_mtime_ns for p in (run_dir / "tables").iterdir()}
    again = write_findings(run_dir)
    assert {p.name: p.stat().st_mtime_ns for p in (run_dir / "tables").iterdir()} == stamps
    assert json.loads((run_dir / "tables" / "findings.json").read_text())["n_inputs"] == len(inputs)
    for name in TABLE_NAMES:
        pd.testing.assert_frame_equal(again[name], tables[name])
