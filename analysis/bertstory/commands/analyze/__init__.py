"""``bertstory analyze``: attention, local and global attribution, and token contribution
of every head and layer over a corpus, written as a results directory (docs/results.md),
then the run's findings tables (``bertstory findings``)."""

from __future__ import annotations

import click

from bertstory.commands.analyze.args import AnalyzeArgs, analyze_options
from bertstory.commands.analyze.run import AnalyzeSummary, run_analyze

__all__ = ["AnalyzeArgs", "AnalyzeSummary", "analyze", "analyze_options", "run_analyze"]


@click.command()
@analyze_options
def analyze(**options) -> None:
    """Compute the maps of every head and layer over a corpus.

    \b
    Examples:
      bertstory analyze                                   # embedded MiniLM, built-in corpus sample
      bertstory analyze --corpus pairs.tsv --pair-column hypothesis --max-inputs 0
      bertstory analyze --model bert-base-uncased --estimator exact --device cuda

    Rerunning the same command resumes: finished inputs are skipped. The findings
    tables (bertstory findings) are written at the end.
    """
    args = AnalyzeArgs.from_options(options)
    summary = run_analyze(args, log=lambda line: click.echo(line, err=True))
    echo_summary(summary)


def echo_summary(summary: AnalyzeSummary) -> None:
    """The closing line of an ``analyze`` run."""
    skipped = f", {summary.n_skipped_too_long} skipped as longer than --max-tokens" if summary.n_skipped_too_long else ""
    click.echo(
        f"Analysed {summary.n_inputs} inputs ({summary.n_computed} computed now{skipped}) "
        f"in {summary.seconds:.1f} s -> {summary.run_dir}"
    )
