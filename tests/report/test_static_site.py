"""``mkdocs build --strict`` through the Python API: warnings and unwritable folders are one-line errors."""

from pathlib import Path

import pytest

from bertstory.errors import BertstoryError
from bertstory.report.static_site import build_static_site


def _project(folder: Path, page: str) -> Path:
    (folder / "docs").mkdir()
    (folder / "docs" / "index.md").write_text(page, encoding="utf-8")
    (folder / "mkdocs.yml").write_text("site_name: t\n", encoding="utf-8")
    return folder / "mkdocs.yml"


def test_strict_build_reports_broken_links(tmp_path):
    with pytest.raises(BertstoryError, match="missing.md"):
        build_static_site(_project(tmp_path, "# Home\n\n[gone](missing.md)\n"), tmp_path / "site")


def test_unwritable_site_dir_is_a_one_line_error(tmp_path):
    with pytest.raises(BertstoryError) as raised:
        build_static_site(_project(tmp_path, "# Home\n"), Path("/proc/nope"))
    assert str(raised.value).startswith("cannot write the site to /proc/nope: ")
    assert "\n" not in str(raised.value)


def test_relative_site_dir_is_taken_from_the_current_directory(tmp_path, monkeypatch):
    (tmp_path / "p").mkdir()
    mkdocs_yml = _project(tmp_path / "p", "# Home\n")
    monkeypatch.chdir(tmp_path)
    index = build_static_site(mkdocs_yml, Path("public"))
    assert index == tmp_path.resolve() / "public" / "index.html" and index.is_file()
