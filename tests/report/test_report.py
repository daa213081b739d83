"""The report's parts on synthetic runs: formatting, sentences, determinism, project layout, errors."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from bertstory.cli import cli
from bertstory.errors import BertstoryError
from bertstory.report import project, story, style, tables
from bertstory.report.build import build_report
from bertstory.report.examples import choose_examples, load_examples
from bertstory.report.figures.heads import HeadFigure
from bertstory.report.figures.paper import FIGURES
from bertstory.report.markdown import num, pct
from bertstory.report.pages import command_line
from bertstory.report.run import load_run
from bertstory.report.site import build_site

from .synthetic import make_results


def test_num_and_pct():
    assert num(0.12345) == "0.123"
    assert num(-0.00001) == "-0.0000100"
    assert num(0.00123456) == "0.00123"
    assert num(-0.0) == "0.000" and num(-1e-15) == "0.000"
    assert num(float("nan")) == "n/a"
    assert pct(0.4166) == "42%"


def test_command_line_reproduces_settings_and_omits_defaults(synthetic_run):
    data = load_run(synthetic_run)
    line = command_line(data, "build-site")
    assert line.startswith("bertstory build-site --model /tmp/tiny-bert --estimator probes --probes 8 --seed 0")
    assert "--corpus" not in line and "--text-column" not in line


def test_examples_are_a_sentence_and_a_pair(synthetic_run):
    data = load_run(synthetic_run)
    chosen = choose_examples(data.inputs)
    pairs = data.inputs.set_index("id")["text_pair"].notna()
    assert len(chosen) == 2 and {bool(pairs[i]) for i in chosen} == {False, True}


def test_sentences_follow_the_numbers():
    heads = pd.DataFrame({"js_attention_local": [0.2, 0.1], "js_attention_global": [0.1, 0.2]})
    assert "as close to local as to global" in story.divergence(heads)
    heads["js_attention_global"] = [0.3, 0.4]
    assert "closer to **local attribution**" in story.divergence(heads)
    assert "median JS divergence of attention vs local attribution is 0.150 bits" in story.divergence(heads)


def test_transitions_read_the_all_scope(synthetic_run):
    data = load_run(synthetic_run)
    heads, grid = data.tables["heads"], tables.transitions(data.tables["transitions"])
    assert grid.to_numpy().sum() == len(heads)
    assert int(pd.Series(grid.to_numpy().diagonal()).sum()) == int(heads["persists"].sum())
    by_class = tables.persistence_by_class(data.tables["transitions"])
    assert by_class["heads"].sum() == len(heads)


def test_figures_are_deterministic(synthetic_run, tmp_path):
    data = load_run(synthetic_run)
    style.apply()
    for stem in ("fig2_js_by_layer", "fig4b_transitions"):
        for copy in ("a", "b"):
            with style.seeded_jitter():
                fig = FIGURES[stem][1](data)
            style.save(fig, tmp_path / copy / stem)
        for suffix in (".png", ".pdf"):
            first, second = (tmp_path / c / f"{stem}{suffix}" for c in ("a", "b"))
            assert first.read_bytes() == second.read_bytes(), f"{stem}{suffix} differs between runs"
    drawer = HeadFigure(tables.positions(data.tables["positions"]), data.tables["heads"], load_examples(data))
    a = drawer.draw(2, 3, tmp_path / "L2-H3-a.png").read_bytes()
    drawer.draw(1, 1, tmp_path / "L1-H1.png")
    assert drawer.draw(2, 3, tmp_path / "L2-H3-b.png").read_bytes() == a


def test_project_keeps_handwritten_pages_and_replaces_generated(tmp_path):
    exact = make_results(tmp_path / "runs", estimator="exact", seed=2)
    layout = project.prepare(tmp_path / "project")
    for page in (layout.mkdocs_yml, layout.docs / "index.md", layout.docs / "method.md", layout.docs / "results.md"):
        assert page.is_file()
    (layout.docs / "method.md").write_text("# My method\n", encoding="utf-8")
    stale_page = layout.generated / "stale.md"
    stale_page.write_text("old", encoding="utf-8")
    stale_figure = layout.figures / "fig8_estimator_error.png"
    stale_figure.write_bytes(b"old")

    report = build_report(exact, layout.root, build=False)
    assert (layout.docs / "method.md").read_text(encoding="utf-8") == "# My method\n"
    assert not stale_page.exists() and not stale_figure.exists()
    assert "fig8_estimator_error" not in {f.stem for f in report.figures}
    assert all((layout.figures / f"{f.stem}.pdf").is_file() for f in report.figures)
    assert "used the **exact** estimator" in (layout.generated / "estimator.md").read_text(encoding="utf-8")
    assert json.loads((layout.figure_tables / "run.json").read_text())["settings"]["estimator"] == "exact"


def test_foreign_mkdocs_project_is_refused(synthetic_run, tmp_path):
    (tmp_path / "mkdocs.yml").write_text("site_name: someone else's\n", encoding="utf-8")
    with pytest.raises(BertstoryError, match="not written by bertstory"):
        build_report(synthetic_run, tmp_path, build=False)


def test_strict_build_reports_broken_links(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n\n[gone](missing.md)\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text("site_name: t\n", encoding="utf-8")
    with pytest.raises(BertstoryError, match="missing.md"):
        build_site(tmp_path / "mkdocs.yml", tmp_path / "site")


def test_unwritable_site_dir_is_a_one_line_error(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text("site_name: t\n", encoding="utf-8")
    with pytest.raises(BertstoryError) as raised:
        build_site(tmp_path / "mkdocs.yml", Path("/proc/nope"))
    assert str(raised.value).startswith("cannot write the site to /proc/nope: ")
    assert "\n" not in str(raised.value)


def test_relative_site_dir_is_taken_from_the_current_directory(synthetic_run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["report", str(synthetic_run), "--project", "pp", "--site-dir", "public"])
    assert result.exit_code == 0, result.output
    index = tmp_path.resolve() / "public" / "index.html"
    assert index.is_file() and not (tmp_path / "pp" / "public").exists()
    assert f"open  {index}" in result.output


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("run.json", "{", "run.json is unreadable or lacks"),
        ("inputs.jsonl", '{"id": "00000", "tokens": []}\nnot json\n', "inputs.jsonl:2 is not a JSON object"),
        ("tables/heads.parquet", "not parquet", "heads.parquet is unreadable ("),
        ("tables/findings.json", "{", "findings.json is unreadable ("),
        ("tables/findings.json", None, "tables lacks findings.json; run `bertstory findings"),
    ],
)
def test_broken_run_files_are_one_line_errors(synthetic_run, tmp_path, name, content, message):
    run_dir = tmp_path / "run"
    shutil.copytree(synthetic_run, run_dir)
    if content is None:
        (run_dir / name).unlink()
    else:
        (run_dir / name).write_text(content, encoding="utf-8")
    with pytest.raises(BertstoryError, match=re.escape(message)) as raised:
        load_run(run_dir)
    assert "\n" not in str(raised.value)
    if name.startswith("tables/") and content is not None:
        assert str(raised.value).endswith(f"rerun `bertstory findings {run_dir} --force`")


def test_results_root_names_its_runs(synthetic_run):
    with pytest.raises(BertstoryError, match=f"holds runs {synthetic_run.name}: pass one of them"):
        load_run(synthetic_run.parent)


def test_parquet_only_tables_are_enough(synthetic_run, tmp_path):
    run_dir = tmp_path / "run"
    shutil.copytree(synthetic_run, run_dir)
    for csv in (run_dir / "tables").glob("*.csv"):
        csv.unlink()
    report = build_report(run_dir, tmp_path / "project", build=False)
    for name in {t for f in report.figures for t in f.tables}:
        written = report.layout.figure_tables / f"{name}.csv"
        assert written.read_bytes() == (synthetic_run / "tables" / f"{name}.csv").read_bytes()
    downloads = report.layout.downloads / "tables"
    assert (downloads / "heads.parquet").is_file() and not (downloads / "heads.csv").exists()


def test_unfinished_run_reports_the_inputs_with_maps(synthetic_run, tmp_path):
    run_dir = tmp_path / "run"
    shutil.copytree(synthetic_run, run_dir)
    missing = choose_examples(load_run(run_dir).inputs)[0]
    (run_dir / "maps" / f"{missing}.npz").unlink()
    run = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    run.update(status="running", finished=None, seconds=None)
    (run_dir / "run.json").write_text(json.dumps(run), encoding="utf-8")
    findings = json.loads((run_dir / "tables" / "findings.json").read_text(encoding="utf-8"))
    findings.update(n_inputs=5, skipped_inputs=[missing])
    (run_dir / "tables" / "findings.json").write_text(json.dumps(findings), encoding="utf-8")

    data = load_run(run_dir)
    assert len(data.inputs) == 5 and missing not in set(data.inputs["id"]) and data.unanalysed == (missing,)
    assert missing not in {e.input_id for e in load_examples(data)}
    report = build_report(run_dir, tmp_path / "project", build=False)
    overview = (report.layout.generated / "index.md").read_text(encoding="utf-8")
    tokens = int(data.inputs["tokens"].map(len).sum())
    assert "| inputs analysed | 5 of 200 available (0 skipped as longer than 128 tokens; 1 of the run's 6 inputs " \
           "left out: they had no maps when `bertstory findings` ran) |" in overview
    assert f"| tokens analysed | {tokens} |" in overview
    assert "| compute time | unfinished (started 2025-01-01T00:00:00+00:00) |" in overview


def test_report_command_without_tables_says_what_to_do(synthetic_run, tmp_path):
    run_dir = tmp_path / "run"
    shutil.copytree(synthetic_run, run_dir)
    shutil.rmtree(run_dir / "tables")
    result = CliRunner().invoke(cli, ["report", str(run_dir), "--project", str(tmp_path / "p")])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"Error: {run_dir}/tables lacks heads, layers, transitions, rollout, positions, head_embedding, "
        f"head_distances; run `bertstory findings {run_dir}` first"
    ]
