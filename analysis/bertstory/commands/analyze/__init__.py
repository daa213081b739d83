"""``bertstory analyze``: the maps of every head and layer over a corpus, then the findings tables."""

from __future__ import annotations

import click

from bertstory.commands.click_options import from_options, options_from
from bertstory.commands.echo import echo_summary, log_to_stderr
from bertstory.findings import FindingsConfig
from bertstory.findings.config import NOT_IN_PIPELINE
from bertstory.pipeline.analyze import run_analyze
from bertstory.pipeline.settings import AnalyzeSettings


@click.command()
@options_from(AnalyzeSettings)
@options_from(FindingsConfig, exclude=NOT_IN_PIPELINE)
def analyze(**values) -> None:
    """Compute the maps of every head and layer over a corpus.

    \b
    Examples:
      bertstory analyze                                   # embedded MiniLM, built-in corpus sample
      bertstory analyze --corpus pairs.tsv --pair-column hypothesis --max-inputs 0
      bertstory analyze --model bert-base-uncased --estimator exact --device cuda

    Rerunning the same command resumes: finished inputs are skipped. The findings
    tables (bertstory findings) are written at the end, with the label, pattern and
    persistence thresholds given here (the bootstrap is seeded by --seed).
    """
    echo_summary(run_analyze(from_options(AnalyzeSettings, values),
                             from_options(FindingsConfig, values, exclude=NOT_IN_PIPELINE), log=log_to_stderr))
