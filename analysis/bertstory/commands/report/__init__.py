"""``bertstory report RESULTS_DIR``: figures, Markdown pages and the static site of one run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from bertstory.report.build import Report, build_report


@dataclass(frozen=True)
class ReportArgs:
    """Arguments of ``bertstory report``: the run's results directory, the report project
    folder (default: the current directory) and the site folder (default ``PROJECT/site``)."""

    results_dir: Path
    project: Path
    site_dir: Path | None


def site_message(report: Report) -> str:
    """Where the site is and how to open or serve it (printed by ``report`` and ``build-site``)."""
    site_dir = report.index.parent
    return (
        f"Site: {site_dir}\n"
        f"  open  {report.index}\n"
        f"  serve python -m http.server --directory {site_dir} 8000   # then http://localhost:8000/"
    )


def run_report(args: ReportArgs) -> Report:
    """Build the report of ``args`` and print what was written."""
    report = build_report(args.results_dir, args.project, args.site_dir)
    click.echo(
        f"Report of {args.results_dir}: {len(report.figures)} paper figures in {report.layout.figures}, "
        f"{report.pages} pages in {report.layout.generated}"
    )
    click.echo("  " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in report.steps.items()))
    click.echo(site_message(report))
    return report


PROJECT_OPTION = click.option(
    "--project", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
    help="Report project folder: its mkdocs.yml and docs/ are created when missing; docs/generated/ and "
         "figures/ are rewritten, hand-written pages kept.",
)
SITE_DIR_OPTION = click.option(
    "--site-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Where to build the static site.  [default: PROJECT/site]",
)


@click.command("report")
@click.argument("results_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@PROJECT_OPTION
@SITE_DIR_OPTION
def report(results_dir: Path, project: Path, site_dir: Path | None) -> None:
    """Draw the figures, write the pages and build the site of one run.

    RESULTS_DIR is a run folder written by `bertstory analyze` (with its tables from
    `bertstory findings`). Paper figures (PNG + PDF) and the CSV tables behind them go to
    PROJECT/figures/, generated pages to PROJECT/docs/generated/, the site to PROJECT/site/.

    \b
    Examples:
      bertstory report results/minilm-l6-h384-uncased-3f2a9c1b7d4e
      bertstory report results/RUN --project my-report --site-dir public
    """
    run_report(ReportArgs(results_dir=results_dir, project=project, site_dir=site_dir))
