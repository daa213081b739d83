"""``bertstory build-site``: analyze (resuming from cache), findings and report in one go."""

from __future__ import annotations

import click

from bertstory.commands.echo import echo_report, echo_summary, log_to_stderr
from bertstory.commands.click_options import from_options, options_from
from bertstory.findings import FindingsConfig
from bertstory.findings.config import NOT_IN_PIPELINE
from bertstory.pipeline.settings import AnalyzeSettings
from bertstory.report.build_site import build_site as run_build_site
from bertstory.report.project import SiteSettings


@click.command("build-site")
@options_from(AnalyzeSettings)
@options_from(FindingsConfig, exclude=NOT_IN_PIPELINE)
@options_from(SiteSettings)
def build_site(**values) -> None:
    """Analyze a corpus, compute the findings and build the report site, in one go.

    Takes every option of `bertstory analyze`, its findings thresholds included; rerunning
    resumes the analysis from its cache. Run in the bertstory repository it regenerates the repository's report
    (docs/generated/, figures/); run in an empty folder it creates a report project there.

    \b
    Examples:
      bertstory build-site                          # embedded MiniLM, built-in corpus sample
      bertstory build-site --model bert-base-uncased --corpus my.txt --site-dir public
    """
    summary, report = run_build_site(from_options(AnalyzeSettings, values), from_options(SiteSettings, values),
                                      from_options(FindingsConfig, values, exclude=NOT_IN_PIPELINE),
                                      log=log_to_stderr)
    echo_summary(summary)
    if report is not None:  # None on the torchrun workers other than rank 0
        echo_report(report, summary.run_dir)
