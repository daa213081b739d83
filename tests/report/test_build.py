"""``build_report`` and ``bertstory report`` on synthetic runs: paper figures, downloads, partial
and broken runs, one-line errors."""

from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from bertstory.cli import cli
from bertstory.errors import BertstoryError
from bertstory.report import project
from bertstory.report.build import build_report
from bertstory.report.examples import choose_examples, load_examples
from bertstory.report.figures.paper import FIGURES
from bertstory.results import RunFolder

from .synthetic import make_results


def test_exact_run_has_no_estimator_figure_and_stale_files_go(tmp_path):
    exact = make_results(tmp_path / "runs", estimator="exact", seed=2)
    layout_root = project.prepare(tmp_path / "project").root  # a report project, whose figures/ are bertstory's
    stale_figure = layout_root / "figures" / "fig8_estimator_error.png"
    stale_figure.write_bytes(b"old")
    report = build_report(exact, layout_root, build=False)
    assert not stale_figure.exists()
    assert "fig8_estimator_error" not in {f.key for f in report.figures}
    assert {f.key for f in report.figures} == set(FIGURES) - {"fig8_estimator_error"}
    assert all((report.layout.figures / f"{f.key}.pdf").is_file() for f in report.figures)
    assert "used the **exact** estimator" in (report.layout.generated / "estimator.md").read_text(encoding="utf-8")
    assert json.loads((report.layout.figure_tables / "run.json").read_text())["settings"]["estimator"] == "exact"


def test_figure_provenance_leaves_out_the_circumstances_of_the_run(synthetic_run, tmp_path):
    report = build_report(synthetic_run, tmp_path / "project", build=False)
    missing = [page.path for page in project.NAV_PAGES if not (report.layout.docs / page.path).is_file()]
    assert not missing  # every page the navigation lists is written where it says
    provenance = json.loads((report.layout.figure_tables / "run.json").read_text())
    recorded = RunFolder(synthetic_run).record.to_dict()
    assert provenance == {k: v for k, v in recorded.items()
                          if k not in ("started", "finished", "seconds", "workers", "bytes")}
    assert {"settings", "model", "corpus", "versions", "kept_maps"} <= set(provenance)


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
        build_report(run_dir, tmp_path / "project", build=False)
    assert "\n" not in str(raised.value)
    if name.startswith("tables/") and content is not None:
        assert str(raised.value).endswith(f"rerun `bertstory findings {run_dir} --force`")


def test_estimator_table_of_an_older_bertstory_is_a_one_line_error(synthetic_run, tmp_path):
    run_dir = tmp_path / "run"
    shutil.copytree(synthetic_run, run_dir)
    folder = RunFolder(run_dir)
    one_row_per_input = folder.table("estimator_error").rename(columns={"tv": "mean_tv"}).drop(columns=["layer", "head", "query"])
    folder.write_table("estimator_error", one_row_per_input)
    with pytest.raises(BertstoryError, match="written by an older bertstory") as raised:
        build_report(run_dir, tmp_path / "project", build=False)
    assert "\n" not in str(raised.value) and "rerun `bertstory analyze`" in str(raised.value)


def test_results_root_names_its_runs(synthetic_run, tmp_path):
    with pytest.raises(BertstoryError, match=f"holds runs {synthetic_run.name}: pass one of them"):
        build_report(synthetic_run.parent, tmp_path / "project", build=False)


def test_parquet_only_tables_are_enough(synthetic_run, tmp_path):
    run_dir = tmp_path / "run"
    shutil.copytree(synthetic_run, run_dir)
    for csv in (run_dir / "tables").glob("*.csv"):
        csv.unlink()
    report = build_report(run_dir, tmp_path / "project", build=False)
    for name in {t for f in report.figures for t in f.tables}:
        written = pd.read_csv(report.layout.figure_tables / f"{name}.csv")
        pd.testing.assert_frame_equal(written, pd.read_csv(synthetic_run / "tables" / f"{name}.csv"),
                                      check_exact=False, rtol=5e-6, atol=0)  # six significant digits
    downloads = report.layout.downloads / "tables"
    assert (downloads / "heads.parquet").is_file() and not (downloads / "heads.csv").exists()


def test_unfinished_run_reports_the_inputs_with_maps(synthetic_run, tmp_path):
    run_dir = tmp_path / "run"
    shutil.copytree(synthetic_run, run_dir)
    missing = choose_examples(RunFolder(run_dir).analysed_inputs()[0])[0]
    (run_dir / "maps" / f"{missing}.npz").unlink()
    run = RunFolder(run_dir)
    run.write_record(run.record.replace(status="running", finished=None, seconds=None))
    summary = json.loads((run_dir / "tables" / "findings.json").read_text(encoding="utf-8"))
    summary.update(n_inputs=5, skipped_inputs=[missing])
    (run_dir / "tables" / "findings.json").write_text(json.dumps(summary), encoding="utf-8")

    inputs, unanalysed = RunFolder(run_dir).analysed_inputs()
    assert len(inputs) == 5 and missing not in set(inputs["id"]) and unanalysed == (missing,)
    assert missing not in {e.input_id for e in load_examples(RunFolder(run_dir))}
    report = build_report(run_dir, tmp_path / "project", build=False)
    overview = (report.layout.generated / "index.md").read_text(encoding="utf-8")
    tokens = int(inputs["tokens"].map(len).sum())
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
        f"Error: {run_dir}/tables lacks heads, layers, transitions, persistence, rollout, positions, head_embedding, "
        f"head_distances; run `bertstory findings {run_dir}` first"
    ]


def test_report_command_builds_into_a_relative_site_dir(synthetic_run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["report", str(synthetic_run), "--project", "pp", "--site-dir", "public"])
    assert result.exit_code == 0, result.output
    index = tmp_path.resolve() / "public" / "index.html"
    assert index.is_file() and not (tmp_path / "pp" / "public").exists()
    assert f"open  {index}" in result.output


def test_build_site_command_hands_the_findings_thresholds_to_the_pipeline(monkeypatch, tmp_path):
    import bertstory.commands.build_site as command
    from bertstory.findings import FindingsConfig

    seen = {}

    def stop(analyze, site, findings, log):
        seen.update(analyze=analyze, findings=findings)
        raise BertstoryError("stopped before analysing")

    monkeypatch.setattr(command, "run_build_site", stop)
    result = CliRunner().invoke(cli, ["build-site", "--seed", "4", "--persist-specificity", "1.3",
                                      "--pattern-enrichment", "2.5", "--threshold-broad", "0.7",
                                      "--project", str(tmp_path)])
    assert result.exit_code == 2 and "stopped before analysing" in result.output
    # --seed is the run's (corpus sample, probes, and so the bootstrap); findings get no seed of their own
    assert seen["analyze"].seed == 4
    assert seen["findings"] == FindingsConfig(persist_specificity=1.3, pattern_enrichment=2.5, threshold_broad=0.7)


def test_build_site_on_a_torchrun_worker_other_than_rank_0_builds_no_report(monkeypatch, tmp_path):
    import bertstory.report.build_site as module
    from bertstory.pipeline.analyze import AnalyzeSummary
    from bertstory.pipeline.settings import AnalyzeSettings
    from bertstory.report.project import SiteSettings

    worker = AnalyzeSummary(tmp_path / "run", n_inputs=4, n_computed=2, n_skipped_too_long=0, seconds=1.0,
                            workers=2, is_main=False)

    def no_report(*args, **kwargs):
        raise AssertionError("a report built by a worker other than rank 0")

    monkeypatch.setattr(module, "run_analyze", lambda *args, **kwargs: worker)
    monkeypatch.setattr(module, "build_report", no_report)
    assert module.build_site(AnalyzeSettings(), SiteSettings(project=tmp_path)) == (worker, None)
