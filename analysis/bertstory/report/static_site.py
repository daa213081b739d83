"""Build the static site with MkDocs (Python API, strict: any warning fails the build)."""

from __future__ import annotations

import logging
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException

from bertstory.errors import BertstoryError
from bertstory.report.site_folder import mark_site_folder


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def build_static_site(mkdocs_yml: Path, site_dir: Path) -> Path:
    """Run ``mkdocs build --strict`` on ``mkdocs_yml`` into ``site_dir``; returns ``site_dir/index.html``.

    MkDocs first empties ``site_dir``: check it with
    :func:`~bertstory.report.site_folder.check_site_folder` before any work. The folder gets
    bertstory's marker first, so that a later build recognises it even if this one fails. A relative
    ``site_dir`` is taken from the current directory (MkDocs would take it from the folder of
    ``mkdocs.yml``), so the path returned is where the site is.

    Raises :class:`BertstoryError` listing MkDocs' warnings (broken links, missing pages), or
    saying why ``site_dir`` cannot be written.
    """
    site_dir = Path(site_dir).resolve()
    logger = logging.getLogger("mkdocs")
    collect = _Collect()
    logger.addHandler(collect)
    propagate, logger.propagate = logger.propagate, False
    try:
        mark_site_folder(site_dir)
        config = load_config(config_file=str(mkdocs_yml), site_dir=str(site_dir), strict=True)
        build(config)
    except MkDocsException as error:
        details = "; ".join(collect.messages) or str(error)
        raise BertstoryError(f"mkdocs build --strict failed: {details}") from None
    except OSError as error:
        reason = error.strerror or str(error)
        if error.filename and Path(error.filename) != site_dir:
            reason += f" ({error.filename})"
        raise BertstoryError(f"cannot write the site to {site_dir}: {reason}; choose another --site-dir") from None
    finally:
        logger.removeHandler(collect)
        logger.propagate = propagate
    return site_dir / "index.html"
