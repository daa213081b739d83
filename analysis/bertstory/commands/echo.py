"""What the commands print: the closing lines of ``analyze`` and ``report`` (``build-site`` prints both)."""

from __future__ import annotations

from pathlib import Path

import click

from bertstory.pipeline.analyze import AnalyzeSummary
from bertstory.report.build import Report


def log_to_stderr(line: str) -> None:
    """Progress lines go to standard error, results to standard output."""
    click.echo(line, err=True)


def echo_summary(summary: AnalyzeSummary) -> None:
    """The closing line of an ``analyze`` run."""
    skipped = f", {summary.n_skipped_too_long} skipped as longer than --max-tokens" if summary.n_skipped_too_long else ""
    click.echo(
        f"Analysed {summary.n_inputs} inputs ({summary.n_computed} computed now{skipped}) "
        f"in {summary.seconds:.1f} s -> {summary.run_dir}"
    )


def echo_report(report: Report, run_dir: Path) -> None:
    """What a report wrote, and where the site is and how to open or serve it."""
    click.echo(
        f"Report of {run_dir}: {len(report.figures)} paper figures in {report.layout.figures}, "
        f"{report.pages} pages in {report.layout.generated}"
    )
    click.echo("  " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in report.steps.items()))
    site_dir = report.index.parent
    click.echo(
        f"Site: {site_dir}\n"
        f"  open  {report.index}\n"
        f"  serve python -m http.server --directory {site_dir} 8000   # then http://localhost:8000/"
    )
