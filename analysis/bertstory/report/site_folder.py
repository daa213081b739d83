"""Which folder the site may be built into.

``mkdocs build`` empties the site folder first (every entry whose name does not start with a dot),
so bertstory builds only into a folder it may empty: one that is missing, holds no such entry, or
holds :data:`SITE_MARKER`, the file bertstory writes into every site folder before building. A site
built before bertstory wrote the marker is recognised by its stylesheet, which every bertstory site
holds (:data:`OLD_SITE_FILES`). The site folder may neither be nor contain a folder the report reads
or writes (the report project, the results folder, the runs): MkDocs would empty it with the site.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bertstory.errors import BertstoryError

SITE_MARKER = ".bertstory-site"
"""The file that marks a folder as a site bertstory built, whose contents it may replace."""
OLD_SITE_FILES: tuple[str, ...] = ("index.html", "generated/assets/bertstory.css")
"""Files that together mark a site built by bertstory before :data:`SITE_MARKER`."""
_MARKER_TEXT = "A site built by bertstory: `bertstory report` and `build-site` replace everything in this folder.\n"


def check_site_folder(site_dir: Path, keep: Iterable[tuple[str, Path]]) -> Path:
    """``site_dir`` resolved (a relative one from the current directory, symbolic links followed),
    once MkDocs may empty it; ``keep``: what each folder the site must not be or contain is, and
    where it is (``("the report project", project_dir)``).

    Raises :class:`~bertstory.errors.BertstoryError` when ``site_dir`` is or contains a folder of
    ``keep``, is a file, or is a folder with visible entries and neither the marker nor an old site's files.
    """
    site = Path(site_dir).resolve()
    for what, folder in keep:
        folder = Path(folder).resolve()
        if site == folder or site in folder.parents:
            inside = "is" if site == folder else "contains"
            raise BertstoryError(f"--site-dir {site} {inside} {what} {folder}, which building the site would "
                                 "delete; choose another --site-dir")
    if site.exists() and not site.is_dir():
        raise BertstoryError(f"--site-dir {site} is a file, not a folder; choose another --site-dir")
    if site.is_dir() and not _replaceable(site):
        raise BertstoryError(f"--site-dir {site} is not empty and holds no site built by bertstory (no {SITE_MARKER}), "
                             "so bertstory will not delete its contents; choose another --site-dir or empty it")
    return site


def _replaceable(site: Path) -> bool:
    if (site / SITE_MARKER).is_file() or all((site / name).is_file() for name in OLD_SITE_FILES):
        return True
    return all(entry.name.startswith(".") for entry in site.iterdir())


def mark_site_folder(site: Path) -> None:
    """Create the folder ``site`` when missing and write :data:`SITE_MARKER` into it."""
    site.mkdir(parents=True, exist_ok=True)
    (site / SITE_MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
