"""The site folder: MkDocs empties it, so bertstory builds only into a folder that is missing, empty or
its own site, and never into one that is or contains the project, the results or a run; refused in one
line before anything is written or analysed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bertstory.cli import cli
from bertstory.errors import BertstoryError
from bertstory.report.site_folder import SITE_MARKER, check_site_folder


def _tree(folder: Path) -> dict[str, bytes | None]:
    """Every entry below ``folder``: a file's bytes, ``None`` for a folder."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else None for p in sorted(folder.rglob("*"))}


def _one_line_error(result, *parts: str) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in result.output, result.output
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


def test_a_foreign_folder_is_refused_untouched_and_nothing_is_written(synthetic_run, tmp_path):
    victim = tmp_path / "victim"
    (victim / "sub").mkdir(parents=True)
    (victim / "notes.txt").write_text("mine")
    (victim / "sub" / "data.csv").write_text("a,b\n")
    before = _tree(victim)
    project = tmp_path / "project"
    result = CliRunner().invoke(cli, ["report", str(synthetic_run), "--project", str(project),
                                      "--site-dir", str(victim)])
    _one_line_error(result, f"--site-dir {victim.resolve()} is not empty", SITE_MARKER)
    assert _tree(victim) == before
    assert not project.exists()  # refused before the project was made


def test_the_site_folder_is_marked_and_an_older_site_is_recognised(built_site, tmp_path):
    assert (built_site.site / SITE_MARKER).is_file()
    assert check_site_folder(built_site.site, []) == built_site.site.resolve()  # the next build may empty it
    site = tmp_path / "site"
    shutil.copytree(built_site.site, site)
    (site / SITE_MARKER).unlink()  # as built before bertstory marked its sites: recognised by its stylesheet
    assert check_site_folder(site, []) == site.resolve()
    (site / "generated" / "assets" / "bertstory.css").unlink()
    with pytest.raises(BertstoryError, match="is not empty and holds no site built by bertstory"):
        check_site_folder(site, [])


def test_a_folder_with_hidden_entries_only_is_empty_to_mkdocs_and_a_file_is_refused(tmp_path):
    (tmp_path / ".git").mkdir()  # MkDocs keeps the entries whose names start with a dot
    assert check_site_folder(tmp_path, []) == tmp_path.resolve()
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(BertstoryError, match="is not empty"):
        check_site_folder(tmp_path, [])
    with pytest.raises(BertstoryError, match="is a file"):
        check_site_folder(tmp_path / "notes.txt", [])


@pytest.mark.parametrize("case", ["project", "above the project", "run", "results folder"])
def test_a_site_folder_that_is_or_holds_the_project_or_the_run_is_refused(synthetic_run, tmp_path, case):
    results = tmp_path / "results"
    run_dir = results / synthetic_run.name
    shutil.copytree(synthetic_run, run_dir)
    project = tmp_path / "outer" / "project"
    site, what, folder = {
        "project": (project, "is the report project", project),
        "above the project": (tmp_path / "outer", "contains the report project", project),
        "run": (run_dir, "is the run", run_dir),
        "results folder": (results, "contains the run", run_dir),
    }[case]
    site.mkdir(parents=True, exist_ok=True)
    (site / SITE_MARKER).write_text("")  # even a folder that says it is a site
    before = _tree(tmp_path)
    result = CliRunner().invoke(cli, ["report", str(run_dir), "--project", str(project), "--site-dir", str(site)])
    _one_line_error(result, f"--site-dir {site.resolve()} {what} {folder.resolve()}")
    assert _tree(tmp_path) == before


def test_a_link_to_the_results_is_followed(synthetic_run, tmp_path):
    run_dir = tmp_path / "results" / synthetic_run.name
    shutil.copytree(synthetic_run, run_dir)
    (tmp_path / "results" / SITE_MARKER).write_text("")
    (tmp_path / "link").symlink_to(tmp_path / "results", target_is_directory=True)
    result = CliRunner().invoke(cli, ["report", str(run_dir), "--project", str(tmp_path / "p"),
                                      "--site-dir", str(tmp_path / "link")])
    _one_line_error(result, f"--site-dir {(tmp_path / 'results').resolve()} contains the run {run_dir.resolve()}")
    assert (run_dir / "run.json").is_file()


@pytest.mark.parametrize("where", ["the results folder", "above the results folder"])
def test_build_site_refuses_a_site_folder_holding_the_results_before_analysing(monkeypatch, tmp_path, where):
    import bertstory.report.build_site as module

    def analysed(*args, **kwargs):
        raise AssertionError("analysed before the site folder was checked")

    monkeypatch.setattr(module, "run_analyze", analysed)
    out = tmp_path / "x" if where == "the results folder" else tmp_path / "x" / "results"
    result = CliRunner().invoke(cli, ["build-site", "--out", str(out), "--site-dir", str(tmp_path / "x"),
                                      "--project", str(tmp_path / "p")])
    inside = "is" if where == "the results folder" else "contains"
    _one_line_error(result, f"--site-dir {(tmp_path / 'x').resolve()} {inside} the results folder {out.resolve()}")
    assert not (tmp_path / "x").exists() and not (tmp_path / "p").exists()


def test_a_project_whose_generated_folders_are_not_bertstorys_is_refused(synthetic_run, tmp_path):
    project = tmp_path / "project"
    (project / "docs" / "generated").mkdir(parents=True)
    (project / "docs" / "generated" / "mine.md").write_text("# Mine\n")
    before = _tree(project)
    result = CliRunner().invoke(cli, ["report", str(synthetic_run), "--project", str(project)])
    _one_line_error(result, f"{project.resolve() / 'docs' / 'generated'} holds files", "no mkdocs.yml")
    assert _tree(project) == before
