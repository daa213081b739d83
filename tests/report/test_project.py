"""A report project: created in an empty folder, generated files replaced, navigation kept current."""

import pytest
import yaml

from bertstory.errors import BertstoryError
from bertstory.report import project


def _nav_paths(mkdocs_yml) -> list[str]:
    config = yaml.load(mkdocs_yml.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    found = []

    def walk(entries):
        for entry in entries:
            for value in (entry.values() if isinstance(entry, dict) else [entry]):
                walk(value) if isinstance(value, list) else found.append(value)

    walk(config["nav"])
    return found


def test_new_project_gets_config_pages_and_every_generated_page_in_nav(tmp_path):
    layout = project.prepare(tmp_path / "p")
    for page in (layout.mkdocs_yml, *(layout.docs / name for name in project.HANDWRITTEN_PAGES)):
        assert page.is_file()
    assert {page.path for page in project.NAV_PAGES} <= set(_nav_paths(layout.mkdocs_yml))


def test_pages_added_by_a_later_version_join_an_existing_nav(tmp_path):
    layout = project.prepare(tmp_path / "p")
    text = layout.mkdocs_yml.read_text(encoding="utf-8")
    older = text.replace("      - Patterns: generated/patterns.md\n", "").replace("  - Reproduce: generated/reproduce.md\n", "")
    older = older.replace("site_name: bertstory", "site_name: my report  # renamed by hand")
    layout.mkdocs_yml.write_text(older, encoding="utf-8")
    project.prepare(layout.root)
    updated = layout.mkdocs_yml.read_text(encoding="utf-8")
    assert "site_name: my report  # renamed by hand" in updated
    assert updated.splitlines()[0] == project.MARKER
    paths = _nav_paths(layout.mkdocs_yml)
    assert {page.path for page in project.NAV_PAGES} <= set(paths)
    assert "      - Patterns: generated/patterns.md" in updated.splitlines()
    assert project.add_missing_nav_pages(layout.mkdocs_yml) == []


def test_generated_folders_are_emptied_and_handwritten_pages_kept(tmp_path):
    layout = project.prepare(tmp_path / "p")
    (layout.docs / "method.md").write_text("# My method\n", encoding="utf-8")
    (layout.generated / "stale.md").write_text("old", encoding="utf-8")
    project.prepare(layout.root)
    assert (layout.docs / "method.md").read_text(encoding="utf-8") == "# My method\n"
    assert not (layout.generated / "stale.md").exists()


def test_foreign_mkdocs_project_is_refused(tmp_path):
    (tmp_path / "mkdocs.yml").write_text("site_name: someone else's\n", encoding="utf-8")
    with pytest.raises(BertstoryError, match="not written by bertstory"):
        project.prepare(tmp_path)
