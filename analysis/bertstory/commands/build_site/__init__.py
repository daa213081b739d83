"""``bertstory build-site``: analyze (resuming from cache), findings and report in one go."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from bertstory.commands.analyze import AnalyzeArgs, analyze_options, run_analyze
from bertstory.commands.analyze import echo_summary as echo_analyze_summary
from bertstory.commands.report import PROJECT_OPTION, SITE_DIR_OPTION, ReportArgs, run_report
from bertstory.report.build import Report


@dataclass(frozen=True)
class BuildSiteArgs:
    """Arguments of ``bertstory build-site``: the analysis, the report project and the site folder."""

    analyze: AnalyzeArgs
    project: Path
    site_dir: Path | None


def run_build_site(args: BuildSiteArgs) -> Report:
    """Analyze (finished inputs are reused; ``analyze`` ends by writing the findings tables,
    recomputed only when the maps changed), then build the report."""
    summary = run_analyze(args.analyze, log=lambda line: click.echo(line, err=True))
    echo_analyze_summary(summary)
    return run_report(ReportArgs(results_dir=summary.run_dir, project=args.project, site_dir=args.site_dir))


@click.command("build-site")
@analyze_options
@PROJECT_OPTION
@SITE_DIR_OPTION
def build_site(project: Path, site_dir: Path | None, **options) -> None:
    """Analyze a corpus, compute the findings and build the report site, in one go.

    Takes every option of `bertstory analyze`; rerunning resumes the analysis from its
    cache. Run in the bertstory repository it regenerates the repository's report
    (docs/generated/, figures/); run in an empty folder it creates a report project there.

    \b
    Examples:
      bertstory build-site                          # embedded MiniLM, built-in corpus sample
      bertstory build-site --model bert-base-uncased --corpus my.txt --site-dir public
    """
    run_build_site(BuildSiteArgs(analyze=AnalyzeArgs.from_options(options), project=project, site_dir=site_dir))
