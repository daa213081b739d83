"""The check CI runs after regenerating figures/: silent when a run agrees with the committed tables
within the tolerance (figures/ byte-identical), and naming table, column, row, committed and new value
of every number that moved beyond it, every label that flipped, and the figures drawn from them."""

from __future__ import annotations

import io
import json
import shutil

import numpy as np
import pandas as pd

from bertstory.report.build import build_report
from bertstory.report.figure_check import ROW_KEYS, figure_differences, main, record_differences, table_differences
from bertstory.report.figure_tables import table_text
from bertstory.results import RunFolder


def test_a_regenerated_figures_folder_names_what_moved_beyond_the_tolerance(synthetic_run, tmp_path):
    run_dir = tmp_path / "run"
    shutil.copytree(synthetic_run, run_dir)
    build_report(run_dir, tmp_path / "project", build=False)
    figures = tmp_path / "project" / "figures"
    committed = tmp_path / "committed"
    shutil.copytree(figures, committed)
    committed_heads = pd.read_csv(committed / "tables" / "heads.csv", dtype=str, keep_default_na=False)

    run = RunFolder(run_dir)
    heads = run.table("heads")
    rng = np.random.default_rng(0)
    floats = heads.columns[heads.dtypes == np.float64]
    heads[floats] = heads[floats] * (1 + 1e-6 * rng.standard_normal((len(heads), len(floats))))  # another CPU
    row = 4  # 1-based row 5: layer 2, head 2 of the 2 × 3 heads
    heads.loc[row, "js_attention_global"] *= 1.5
    heads.loc[row, "label_global"] = "CLS" if heads.loc[row, "label_global"] != "CLS" else "broad"
    run.write_table("heads", heads)
    build_report(RunFolder(run_dir), tmp_path / "project", build=False)

    lines = figure_differences(committed, figures)
    js_line, label_line = (f"heads.csv: column {c}, row 5 (layer 2, head 2): committed {committed_heads.at[row, c]}, "
                           for c in ("js_attention_global", "label_global"))
    new_js = pd.read_csv(figures / "tables" / "heads.csv", dtype=str).at[row, "js_attention_global"]
    table_lines = [line for line in lines if ".csv:" in line]  # the noise in the 6th digit moved nothing
    assert sorted(table_lines) == [f"{js_line}new {new_js} (beyond the tolerance 1e-05 + 0.0001·|committed|)",
                           f"{label_line}new {heads.at[row, 'label_global']}"]
    changed = {line.split(":")[0] for line in lines if not line.startswith("heads.csv")}
    assert "fig1_js_heatmaps.pdf" in changed and "fig4a_labels.png" in changed
    assert all(line.endswith(", which changed)") for line in lines if line.startswith("fig"))
    assert main([str(committed), str(figures)]) == 1
    assert main([str(committed), str(committed)]) == 0


def test_a_figure_that_changed_though_its_tables_did_not_says_so(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder / "tables").mkdir(parents=True)
        (tmp_path / folder / "tables" / "heads.csv").write_text("layer,head,x\n1,1,0.5\n", encoding="utf-8")
        (tmp_path / folder / "fig2_js_by_layer.png").write_bytes(folder.encode())
    (tmp_path / "b" / "fig9_new.png").write_bytes(b"")
    assert figure_differences(tmp_path / "a", tmp_path / "b") == [
        "fig9_new.png: new, not committed",
        "fig2_js_by_layer.png: changed though its tables (heads) did not: its drawing code or a pinned version "
        "(matplotlib, fonttools, seaborn, pillow) changed",
    ]


def test_table_differences_name_shape_changes_and_empty_cells():
    text = "layer,head,x\n1,1,0.5\n1,2,\n"
    assert table_differences("heads", text, text) == []
    assert table_differences("heads", text, "layer,head,y\n1,1,0.5\n1,2,\n") == [
        "heads.csv: columns changed from layer, head, x to layer, head, y"]
    assert table_differences("heads", text, text + "2,1,0.1\n") == ["heads.csv: 2 rows committed, 3 new"]
    assert table_differences("heads", text, "layer,head,x\n1,1,0.5\n1,2,0.25\n") == [
        "heads.csv: column x, row 2 (layer 1, head 2): committed empty, new 0.25"]


def test_run_json_differences_name_the_field():
    old = {"run_id": "a", "versions": {"python": "3.11.7", "torch": "2.13.0"}}
    new = {"run_id": "a", "versions": {"python": "3.11.9", "torch": "2.13.0"}, "device": "cpu"}
    assert record_differences(json.dumps(old), json.dumps(new)) == [
        "run.json: device: committed absent, new cpu", "run.json: versions.python: committed 3.11.7, new 3.11.9"]


def test_row_keys_identify_every_row_of_every_figure_table(synthetic_run, tmp_path):
    run = RunFolder(synthetic_run)
    for name, keys in ROW_KEYS.items():
        table = run.optional_table(name)
        assert table is not None, name
        written = pd.read_csv(io.StringIO(table_text(table)), dtype=str, keep_default_na=False)
        assert not written.duplicated(list(keys)).any(), name
