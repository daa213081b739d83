"""What the commands print: the closing lines of ``analyze`` and ``report`` (``build-site`` prints both)."""

from __future__ import annotations

from pathlib import Path

import click

from bertstory.pipeline.analyze import AnalyzeSummary
from bertstory.report.build import Report


def log_to_stderr(line: str) -> None:
    """Progress lines go to standard error, results to standard output."""
    click.echo(line, err=True)


def size_text(n_bytes: float) -> str:
    """``n_bytes`` in decimal units with three significant digits: ``950 B``, ``1.23 MB``, ``28.0 GB``."""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(n_bytes) < 999.5 or unit == "TB":
            return f"{n_bytes:.0f} {unit}" if unit == "B" else f"{n_bytes:.3g} {unit}"
        n_bytes /= 1000
    raise AssertionError("unreachable")


def echo_summary(summary: AnalyzeSummary) -> None:
    """The closing line of an ``analyze`` run, printed by rank 0 only: inputs, time, workers,
    whose maps are kept and the bytes on disk per input and in all; then, when the kept sample
    lacks maps, how to get them."""
    if not summary.is_main:
        return
    skipped = f", {summary.n_skipped_too_long} skipped as longer than --max-tokens" if summary.n_skipped_too_long else ""
    if summary.n_skipped_no_text:
        skipped += f", {summary.n_skipped_no_text} skipped as giving only special tokens"
    workers = f" by {summary.workers} workers" if summary.workers > 1 else ""
    kept = summary.kept_maps.count if summary.kept_maps else summary.n_inputs
    maps = f"maps of all {kept}" if kept == summary.n_inputs else f"maps of {kept} of {summary.n_inputs}"
    disk = (f"; {maps}, {size_text(summary.disk.per_input)} per input, {size_text(summary.disk.total)} in all"
            if summary.disk else "")
    click.echo(
        f"Analysed {summary.n_inputs} inputs ({summary.n_computed} computed now{skipped}) "
        f"in {summary.seconds:.1f} s{workers}{disk} -> {summary.run_dir}"
    )
    if summary.without_maps:
        shown = ", ".join(summary.without_maps[:5]) + (" …" if len(summary.without_maps) > 5 else "")
        asked = f"--keep-maps {summary.kept_maps.asked}" if summary.kept_maps and summary.kept_maps.asked else "all"
        click.echo(
            f"Note: the run keeps the maps of {kept} inputs, fewer than asked ({asked}): {len(summary.without_maps)} "
            f"inputs of the sample ({shown}) were analysed with a smaller --keep-maps and have statistics only. "
            f"To compute their maps, delete their stats/<id>.npz in {summary.run_dir} and rerun the same command."
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
