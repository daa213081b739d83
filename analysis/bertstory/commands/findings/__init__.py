"""``bertstory findings RESULTS_DIR``: write a run's tables (see ``docs/results.md``)."""

from __future__ import annotations

from pathlib import Path

import click

from bertstory.commands.click_options import from_options, options_from
from bertstory.findings import FindingsConfig, write_findings
from bertstory.findings.config import NOT_ON_COMMAND_LINE
from bertstory.findings import schema
from bertstory.findings.persistence import NO_PATTERN
from bertstory.maps import persistence_views
from bertstory.report.naming import view_title
from bertstory.results import RunFolder


def _row(values: list[float]) -> str:
    return "  ".join(f"{v:.3f}" for v in values)


@click.command("findings")
@click.argument("results_dir", type=click.Path(path_type=Path, file_okay=False))
@options_from(FindingsConfig, exclude=NOT_ON_COMMAND_LINE)
@click.option("--force", is_flag=True, help="Recompute even if the tables are up to date.")
def findings(results_dir: Path, force: bool, **values) -> None:
    """Compute the tables of one run folder (RESULTS_DIR holds run.json and maps/).

    Reduces the run's per-input statistics (stats/, written by analyze; computed here from
    the maps of a run that lacks them) into tables/*.csv and *.parquet: per-head patterns,
    enrichment and discrepancies (heads), their per-layer summary (layers), label
    transitions, persistence per layer and class, rollout vs token contribution, positional
    profiles and head clustering. Skipped when the statistics and settings are unchanged
    since the last time.

    \b
    Example:
      bertstory findings results/minilm-l6-h384-uncased-3f2a9c1b7d4e --threshold-token 0.5
    """
    folder = RunFolder.open(results_dir)
    before = folder.summary_stamp()
    tables = write_findings(folder, from_options(FindingsConfig, values, exclude=NOT_ON_COMMAND_LINE), force=force)
    # write_findings rewrites the summary (atomically: a new file) exactly when it recomputes.
    state = "computed" if before is None or folder.summary_stamp() != before else "up to date"
    summary = folder.summary()
    config = summary["config"]
    click.echo(f"findings {state}: {summary['n_inputs']} inputs, {summary['n_queries']} query rows "
               f"-> {folder.tables_dir} ({', '.join(tables)})")
    click.echo(f"labels: self/prev/next >= {config['threshold_positional']}, "
               f"CLS/SEP/punct >= {config['threshold_token']}, broad entropy >= {config['threshold_broad']}")
    click.echo(f"patterns: enrichment >= {config['pattern_enrichment']}, specificity >= "
               f"{config['pattern_specificity']}; persistence: enrichment >= {config['persist_enrichment']}, "
               f"specifically with specificity >= {config['persist_specificity']} (lower 95% bounds above 1)")
    layers, rollout = tables["layers"], tables["rollout"]
    click.echo(f"per layer, L1..L{len(layers)}:")
    click.echo(f"  JS attention vs local (median head)   {_row(layers['js_attention_local_median'].tolist())}")
    click.echo(f"  JS attention vs global (median head)  {_row(layers['js_attention_global_median'].tolist())}")
    click.echo(f"  own-token share C_jj (median output)  {_row(layers['own_share_median'].tolist())}")
    click.echo(f"  JS rollout vs contribution            {_row(rollout['js_rollout'].tolist())}")
    click.echo(f"  JS mean attention vs contribution     {_row(rollout['js_attention'].tolist())}")
    heads = tables["heads"]
    patterned = int((heads["pattern"] != NO_PATTERN).sum())
    into = ", ".join(f"{view_title(view)} {int(heads[schema.persists(view)].sum())} "
                     f"({int(heads[schema.persists_specific(view)].sum())} specifically)" for view in persistence_views())
    click.echo(f"{patterned} of {len(heads)} heads have a pattern under attention; it persists into {into}")
    click.echo(f"attention label unchanged under global attribution for {heads['persists_label'].mean():.0%} of heads")
