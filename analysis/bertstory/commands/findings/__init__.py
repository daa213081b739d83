"""``bertstory findings RESULTS_DIR``: write a run's tables (see ``docs/results.md``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from bertstory.errors import BertstoryError
from bertstory.findings.config import FindingsConfig

_DEFAULTS = FindingsConfig()


@dataclass(frozen=True)
class FindingsArgs:
    """Arguments of ``bertstory findings``."""

    results_dir: Path
    threshold_positional: float = _DEFAULTS.threshold_positional
    threshold_token: float = _DEFAULTS.threshold_token
    threshold_broad: float = _DEFAULTS.threshold_broad
    bootstrap_samples: int = _DEFAULTS.bootstrap_samples
    seed: int | None = None
    clusters: int = _DEFAULTS.n_clusters
    force: bool = False


def run_findings(args: FindingsArgs) -> dict:
    """Write the tables of ``args.results_dir``; return ``{"recomputed": bool, "tables": …, "summary": …}``."""
    from bertstory.findings import SUMMARY_FILE, read_summary, write_findings

    config = FindingsConfig(
        threshold_positional=args.threshold_positional,
        threshold_token=args.threshold_token,
        threshold_broad=args.threshold_broad,
        bootstrap_samples=args.bootstrap_samples,
        seed=args.seed,
        n_clusters=args.clusters,
    )
    summary_file = Path(args.results_dir) / "tables" / SUMMARY_FILE
    if args.force:
        summary_file.unlink(missing_ok=True)
    before = _stamp(summary_file)
    tables = write_findings(args.results_dir, config)
    # write_findings rewrites the summary (atomically: a new file) exactly when it recomputes.
    recomputed = before is None or _stamp(summary_file) != before
    return {"recomputed": recomputed, "tables": tables, "summary": read_summary(args.results_dir) or {}}


def _stamp(path: Path) -> tuple[int, int] | None:
    """Identity of a file version (inode, modification time), ``None`` when absent."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns


def _row(values: list[float]) -> str:
    return "  ".join(f"{v:.3f}" for v in values)


@click.command("findings")
@click.argument("results_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--threshold-positional", type=float, default=_DEFAULTS.threshold_positional, show_default=True,
              help="Least mass for the self/prev/next labels.")
@click.option("--threshold-token", type=float, default=_DEFAULTS.threshold_token, show_default=True,
              help="Least mass for the CLS/SEP/punct labels.")
@click.option("--threshold-broad", type=float, default=_DEFAULTS.threshold_broad, show_default=True,
              help="Least normalised entropy for the broad label (else mixed).")
@click.option("--bootstrap-samples", type=int, default=_DEFAULTS.bootstrap_samples, show_default=True,
              help="Resamples of the inputs for 95% intervals.")
@click.option("--seed", type=int, default=None, help="Bootstrap and MDS seed [default: the run's seed].")
@click.option("--clusters", type=int, default=_DEFAULTS.n_clusters, show_default=True, help="Head clusters per view.")
@click.option("--force", is_flag=True, help="Recompute even if the tables are up to date.")
def findings(**kwargs) -> None:
    """Compute the tables of one run folder (RESULTS_DIR holds run.json and maps/).

    Writes tables/*.csv and *.parquet: per-head patterns and discrepancies (heads), their
    per-layer summary (layers), label transitions, rollout vs token contribution,
    positional profiles and head clustering. Skipped when the maps and settings are
    unchanged since the last time.

    \b
    Example:
      bertstory findings results/minilm-l6-h384-uncased-3f2a9c1b7d4e --threshold-token 0.5
    """
    args = FindingsArgs(**kwargs)
    if not args.results_dir.is_dir():
        raise BertstoryError(f"{args.results_dir} is not a folder; pass a run folder written by `bertstory analyze`")
    result = run_findings(args)
    summary, tables = result["summary"], result["tables"]
    config = summary.get("config", {})
    state = "computed" if result["recomputed"] else "up to date"
    click.echo(f"findings {state}: {summary.get('n_inputs')} inputs, {summary.get('n_queries')} query rows "
               f"-> {args.results_dir / 'tables'} ({', '.join(tables)})")
    click.echo(f"labels: self/prev/next >= {config.get('threshold_positional')}, "
               f"CLS/SEP/punct >= {config.get('threshold_token')}, broad entropy >= {config.get('threshold_broad')}")
    layers, rollout = tables["layers"], tables["rollout"]
    click.echo(f"per layer, L1..L{len(layers)}:")
    click.echo(f"  JS attention vs local (median head)   {_row(layers['js_attention_local_median'].tolist())}")
    click.echo(f"  JS attention vs global (median head)  {_row(layers['js_attention_global_median'].tolist())}")
    click.echo(f"  own-token share C_jj (median output)  {_row(layers['own_share_median'].tolist())}")
    click.echo(f"  JS rollout vs contribution            {_row(rollout['js_rollout'].tolist())}")
    click.echo(f"  JS mean attention vs contribution     {_row(rollout['js_attention'].tolist())}")
    persists = float(tables["heads"]["persists"].mean())
    click.echo(f"attention label persists under global attribution for {persists:.0%} of heads")
