"""Where a report lives: a project folder with ``mkdocs.yml``, ``docs/`` and ``figures/``.

The same layout serves the bertstory repository (whose ``mkdocs.yml`` and hand-written
pages are committed) and a standalone report project, which :func:`prepare` creates in an
empty folder from copies of the package's own ``mkdocs.yml`` and hand-written pages.

Generated files, replaced on every report: ``docs/generated/`` (pages, site images,
downloads) and the paper figures in ``figures/`` with their tables in ``figures/tables/``.
Everything else in the project is left as it is.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from bertstory.errors import BertstoryError

MARKER = "# bertstory report project"
"""First-line comment that marks an ``mkdocs.yml`` whose ``docs/generated/`` bertstory may replace."""
HANDWRITTEN_PAGES: tuple[str, ...] = ("index.md", "method.md", "results.md")
"""Pages written by people; copied into a new project, never overwritten."""


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
        return self.docs / "generated"

    @property
    def figures(self) -> Path:
        """Paper figures of the run (PNG + PDF), meant to be committed."""
        return self.root / "figures"

    @property
    def figure_tables(self) -> Path:
        """CSV tables the paper figures were drawn from, and the run's ``run.json``."""
        return self.figures / "tables"

    @property
    def site_figures(self) -> Path:
        return self.generated / "figures"

    @property
    def downloads(self) -> Path:
        return self.generated / "downloads"

    @property
    def default_site(self) -> Path:
        return self.root / "site"


def _asset(name: str):
    return resources.files("bertstory.report").joinpath("assets", name)


def prepare(root: Path) -> Layout:
    """Make ``root`` a report project and empty its generated folders.

    Creates ``mkdocs.yml`` and the hand-written pages when missing; refuses a folder
    whose ``mkdocs.yml`` bertstory did not write (no :data:`MARKER`).
    """
    layout = Layout(Path(root).resolve())
    if layout.mkdocs_yml.exists():
        first = layout.mkdocs_yml.read_text(encoding="utf-8").splitlines()[:1]
        if first != [MARKER]:
            raise BertstoryError(
                f"{layout.mkdocs_yml} was not written by bertstory (its first line is not '{MARKER}'); "
                "choose another --project folder"
            )
    else:
        layout.root.mkdir(parents=True, exist_ok=True)
        layout.mkdocs_yml.write_text(_asset("mkdocs.yml").read_text(encoding="utf-8"), encoding="utf-8")
    layout.docs.mkdir(exist_ok=True)
    for page in HANDWRITTEN_PAGES:
        target = layout.docs / page
        if not target.exists():
            target.write_text(_asset(page).read_text(encoding="utf-8"), encoding="utf-8")
    shutil.rmtree(layout.generated, ignore_errors=True)
    shutil.rmtree(layout.figure_tables, ignore_errors=True)
    for folder in (layout.generated, layout.figures, layout.figure_tables):
        folder.mkdir(parents=True, exist_ok=True)
    return layout


def copy_asset(name: str, target: Path) -> Path:
    """Copy the package asset ``name`` (CSS, JavaScript) to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(_asset(name).read_bytes())
    return target
