"""Build the static site with MkDocs (Python API, strict: any warning fails the build)."""

from __future__ import annotations

import logging
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException

from bertstory.errors import BertstoryError


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def build_site(mkdocs_yml: Path, site_dir: Path) -> Path:
    """Run ``mkdocs build --strict`` on ``mkdocs_yml`` into ``site_dir``; returns ``site_dir/index.html``.

    Raises :class:`BertstoryError` listing MkDocs' warnings (broken links, missing pages).
    """
    logger = logging.getLogger("mkdocs")
    collect = _Collect()
    logger.addHandler(collect)
    propagate, logger.propagate = logger.propagate, False
    try:
        config = load_config(config_file=str(mkdocs_yml), site_dir=str(site_dir), strict=True)
        build(config)
    except MkDocsException as error:
        details = "; ".join(collect.messages) or str(error)
        raise BertstoryError(f"mkdocs build --strict failed: {details}") from None
    finally:
        logger.removeHandler(collect)
        logger.propagate = propagate
    return Path(site_dir) / "index.html"
