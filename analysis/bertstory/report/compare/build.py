"""``bertstory compare``: the report of the first run with the comparison section, and its site."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bertstory.report.build import Report, build_report
from bertstory.report.compare.runs import open_runs
from bertstory.report.compare.settings import CompareSettings
from bertstory.report.project import SiteSettings
from bertstory.results import RunFolder


def compare_runs(run_dirs: Sequence[Path | RunFolder], site: SiteSettings,
                 settings: CompareSettings = CompareSettings(), build: bool = True) -> Report:
    """Check every run of ``run_dirs`` (at least two, each finished with its tables) before writing
    anything, then write the report of the first into ``site.project`` as ``bertstory report`` does,
    with a comparison section (``docs/generated/compare/``) of all of them, and build the site
    (when ``build``) into ``site.site_dir``."""
    runs = open_runs(run_dirs)
    return build_report(runs[0].run, site.project, site.site_dir, build=build, compare=runs,
                        compare_settings=settings)
