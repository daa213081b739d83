"""``bertstory compare RUN_A RUN_B [RUN_C …]``: the report of RUN_A with a comparison section."""

from __future__ import annotations

from pathlib import Path

import click

from bertstory.commands.click_options import from_options, options_from
from bertstory.commands.echo import echo_report
from bertstory.report.compare.build import compare_runs
from bertstory.report.compare.settings import CompareSettings
from bertstory.report.project import SiteSettings


@click.command("compare")
@click.argument("runs", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=Path))
@options_from(SiteSettings)
@options_from(CompareSettings)
def compare(runs: tuple[Path, ...], **values) -> None:
    """Set two or more runs side by side: the report of the first, with a comparison section.

    RUNS are finished run folders written by `bertstory analyze` (with their tables). The project gets
    RUN_A's report, as `bertstory report RUN_A` writes it, plus Findings → Compare: an index of the
    runs and a page per pair of runs, with per-layer JS and mixing curves against depth (layer / L),
    pattern and persistence counts side by side, and, for two runs on the same corpus, an
    input-by-input comparison with bootstrap intervals.

    \b
    Examples:
      bertstory compare results/bert-base-uncased-1a2b3c4d5e6f results/my-finetuned-bert-0f9e8d7c6b5a
      bertstory compare results/RUN_A results/RUN_B results/RUN_C --project compare-report
    """
    site = from_options(SiteSettings, values)
    report = compare_runs(list(runs), site, from_options(CompareSettings, values))
    echo_report(report, runs[0])
    click.echo(f"Comparison of {len(runs)} runs: {report.layout.generated / 'compare' / 'index.md'}")
