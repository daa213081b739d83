"""``bertstory report RESULTS_DIR``: figures, Markdown pages and the static site of one run."""

from __future__ import annotations

from pathlib import Path

import click

from bertstory.commands.click_options import from_options, options_from
from bertstory.commands.echo import echo_report
from bertstory.report.build import build_report
from bertstory.report.project import SiteSettings


@click.command("report")
@click.argument("results_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@options_from(SiteSettings)
def report(results_dir: Path, **values) -> None:
    """Draw the figures, write the pages and build the site of one run.

    RESULTS_DIR is a run folder written by `bertstory analyze` (with its tables from
    `bertstory findings`). Paper figures (PNG + PDF) and the CSV tables behind them go to
    PROJECT/figures/, generated pages to PROJECT/docs/generated/, the site to PROJECT/site/.

    \b
    Examples:
      bertstory report results/minilm-l6-h384-uncased-3f2a9c1b7d4e
      bertstory report results/RUN --project my-report --site-dir public
    """
    site = from_options(SiteSettings, values)
    echo_report(build_report(results_dir, site.project, site.site_dir), results_dir)
