"""Where a report lives: a project folder with ``mkdocs.yml``, ``docs/`` and ``figures/``.

The same layout serves the bertstory repository (whose ``mkdocs.yml`` and hand-written
pages are committed) and a standalone report project, which :func:`prepare` creates in an
empty folder from copies of the package's own ``mkdocs.yml`` and hand-written pages.

Generated files, replaced on every report: ``docs/generated/`` (pages, site images,
downloads) and the paper figures in ``figures/`` with their tables in ``figures/tables/`` (those
rewritten in place: a number within the stated tolerance of the fresh one keeps its text, see
:mod:`bertstory.report.figure_tables`). Everything else in the project is left as it is. A
folder becomes a project only when those two folders are missing or empty (:func:`check`).
"""

from __future__ import annotations

import io
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath

from ruamel.yaml import YAML

from bertstory.errors import BertstoryError
from bertstory.options import setting

MARKER = "# bertstory report project"
"""First-line comment that marks an ``mkdocs.yml`` whose ``docs/generated/`` bertstory may replace."""
HANDWRITTEN_PAGES: tuple[str, ...] = ("index.md", "method.md", "results.md", "api.md")
"""Pages written by people; copied into a new project, never overwritten."""


GENERATED = "generated"
"""The folder of the generated pages under ``docs/``."""


@dataclass(frozen=True)
class NavPage:
    """A generated page in the site's navigation: ``title`` under ``section`` (``None``: at the
    top level), file ``page`` relative to ``docs/generated/``."""

    section: str | None
    title: str
    page: str

    @property
    def path(self) -> str:
        """The page's file relative to ``docs/``, as the navigation names it."""
        return f"{GENERATED}/{self.page}"

    @property
    def folder(self) -> str:
        """The page's folder relative to ``docs/generated/`` (``""`` at its top): where the pages
        it indexes (a layer's, a head's) go too."""
        return str(PurePosixPath(self.page).parent).removeprefix(".")


OVERVIEW = NavPage("Findings", "Overview", "index.md")
LAYERS = NavPage("Findings", "Layers", "layers/index.md")
HEADS = NavPage("Findings", "Heads", "heads/index.md")
PATTERNS = NavPage("Findings", "Patterns", "patterns.md")
MIXING = NavPage("Findings", "Mixing & rollout", "mixing.md")
FAITHFULNESS = NavPage("Findings", "Faithfulness", "faithfulness.md")
EXPLORER = NavPage("Findings", "Explorer", "explorer.md")
ESTIMATOR = NavPage("Findings", "Estimator accuracy", "estimator.md")
COMPARE = NavPage("Findings", "Compare", "compare/index.md")
REPRODUCE = NavPage(None, "Reproduce", "reproduce.md")
NAV_PAGES: tuple[NavPage, ...] = (OVERVIEW, LAYERS, HEADS, PATTERNS, MIXING, FAITHFULNESS, EXPLORER, ESTIMATOR, COMPARE,
                                  REPRODUCE)
"""Every generated page that the navigation lists, in its order; the pages are written to these
paths (:class:`~bertstory.report.pages.PageWriter`), and :func:`prepare` adds those an existing
project's ``mkdocs.yml`` lacks (a page added by a later bertstory version)."""


@dataclass(frozen=True)
class Layout:
    """Paths of a report project rooted at ``root``."""

    root: Path

    @property
    def mkdocs_yml(self) -> Path:
        return self.root / "mkdocs.yml"

    @property
    def docs(self) -> Path:
        return self.root / "docs"

    @property
    def generated(self) -> Path:
        """Generated pages; the site's images sit beside the pages that show them."""
        return self.docs / GENERATED

    @property
    def figures(self) -> Path:
        """Paper figures of the run (PNG + PDF), meant to be committed."""
        return self.root / "figures"

    @property
    def figure_tables(self) -> Path:
        """CSV tables the paper figures were drawn from, and the run's ``run.json``."""
        return self.figures / "tables"

    @property
    def figure_provenance(self) -> Path:
        """The run's ``run.json`` (less its run times) beside the figure tables."""
        return self.figure_tables / "run.json"

    @property
    def site_figures(self) -> Path:
        return self.generated / "figures"

    @property
    def downloads(self) -> Path:
        return self.generated / "downloads"

    @property
    def download_tables(self) -> Path:
        return self.downloads / "tables"

    @property
    def download_run_json(self) -> Path:
        return self.downloads / "run.json"

    @property
    def default_site(self) -> Path:
        return self.root / "site"


def _asset(name: str):
    return resources.files("bertstory.report").joinpath("assets", name)


def check(root: Path) -> Layout:
    """The layout of ``root``, once checked (without writing anything) that bertstory may make it a report project.

    Refuses a folder whose ``mkdocs.yml`` bertstory did not write (no :data:`MARKER`), and a
    folder without ``mkdocs.yml`` whose ``docs/generated/`` or ``figures/`` already holds anything:
    the report replaces both, and in a folder that is not yet a report project they are not bertstory's.
    """
    layout = Layout(Path(root).resolve())
    if layout.mkdocs_yml.exists():
        first = layout.mkdocs_yml.read_text(encoding="utf-8").splitlines()[:1]
        if first != [MARKER]:
            raise BertstoryError(
                f"{layout.mkdocs_yml} was not written by bertstory (its first line is not '{MARKER}'); "
                "choose another --project folder"
            )
        return layout
    for folder in (layout.generated, layout.figures):
        if folder.is_dir() and any(folder.iterdir()):
            raise BertstoryError(
                f"{folder} holds files, and {layout.root} is no report project (no mkdocs.yml), so they are not "
                "bertstory's to replace; choose another --project folder"
            )
    return layout


def prepare(root: Path) -> Layout:
    """Make ``root`` a report project and empty ``docs/generated/`` (``figures/`` is rewritten by the report).

    Creates ``mkdocs.yml`` and the hand-written pages when missing; refuses what :func:`check` refuses.
    """
    layout = check(root)
    if not layout.mkdocs_yml.exists():
        layout.root.mkdir(parents=True, exist_ok=True)
        layout.mkdocs_yml.write_text(_asset("mkdocs.yml").read_text(encoding="utf-8"), encoding="utf-8")
    add_missing_nav_pages(layout.mkdocs_yml)
    layout.docs.mkdir(exist_ok=True)
    for page in HANDWRITTEN_PAGES:
        target = layout.docs / page
        if not target.exists():
            target.write_text(_asset(page).read_text(encoding="utf-8"), encoding="utf-8")
    shutil.rmtree(layout.generated, ignore_errors=True)
    for folder in (layout.generated, layout.figures, layout.figure_tables):
        folder.mkdir(parents=True, exist_ok=True)
    return layout


def _nav_paths(entries) -> set[str]:
    """Every page path anywhere in a MkDocs ``nav`` (nested sections included)."""
    found: set[str] = set()
    for entry in entries or ():
        values = entry.values() if isinstance(entry, dict) else [entry]
        for value in values:
            if isinstance(value, list):
                found |= _nav_paths(value)
            elif isinstance(value, str):
                found.add(value)
    return found


def add_missing_nav_pages(mkdocs_yml: Path) -> list[NavPage]:
    """Add every page of :data:`NAV_PAGES` missing from the ``nav`` of ``mkdocs_yml`` to its
    section (created at the end of ``nav`` when absent); comments and the rest of the file are
    kept. Returns the pages added (none when the file has no ``nav``: MkDocs then lists every page)."""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    config = yaml.load(mkdocs_yml.read_text(encoding="utf-8"))
    nav = config.get("nav") if config else None
    if nav is None:
        return []
    present = _nav_paths(nav)
    missing = [page for page in NAV_PAGES if page.path not in present]
    for page in missing:
        entries = nav
        if page.section is not None:
            section = next((e for e in nav if isinstance(e, dict) and page.section in e), None)
            if section is None:
                section = {page.section: []}
                nav.append(section)
            entries = section[page.section]
        entries.append({page.title: page.path})
    if missing:
        stream = io.StringIO()
        yaml.dump(config, stream)
        mkdocs_yml.write_text(stream.getvalue(), encoding="utf-8")
    return missing


def copy_asset(name: str, target: Path) -> Path:
    """Copy the package asset ``name`` (CSS, JavaScript) to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(_asset(name).read_bytes())
    return target


@dataclass(frozen=True)
class SiteSettings:
    """Where a report goes: the report project folder and the folder of the built site."""

    project: Path = setting(
        Path("."), "Report project folder: its mkdocs.yml and docs/ are created when missing; docs/generated/ and "
        "figures/ are rewritten, hand-written pages kept.")
    site_dir: Path | None = setting(None, "Where to build the static site.  [default: PROJECT/site]")
