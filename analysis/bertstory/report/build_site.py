"""``build-site``: analyze a corpus (resuming from the cache), write the findings tables and build
the report site, in one call."""

from __future__ import annotations

from bertstory.findings import FindingsConfig
from bertstory.pipeline.analyze import AnalyzeSummary, Log, run_analyze
from bertstory.pipeline.settings import AnalyzeSettings
from bertstory.report.build import Report, build_report, check_report_folders
from bertstory.report.project import SiteSettings


def build_site(analyze: AnalyzeSettings, site: SiteSettings, findings: FindingsConfig | None = None,
               log: Log = print) -> tuple[AnalyzeSummary, Report | None]:
    """Analyze (finished inputs are reused; the findings tables are recomputed only when the
    statistics or ``findings`` changed), then build the report of the run in ``site.project``.
    Under ``torchrun`` only rank 0 builds the report; the other workers return ``None`` for it.

    The project and the site folder are checked first (:func:`~bertstory.report.build.check_report_folders`,
    the site folder neither being nor containing the results folder ``analyze.out``): a refusal costs no analysis."""
    check_report_folders(site.project, site.site_dir, [("the results folder", analyze.out)])
    summary = run_analyze(analyze, findings, log=log)
    if not summary.is_main:
        return summary, None
    return summary, build_report(summary.run_dir, site.project, site.site_dir)
