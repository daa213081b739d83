"""``bertstory report``: a run's figures, pages and site, in one call."""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bertstory.findings import TABLE_NAMES
from bertstory.findings.schema import ESTIMATOR_TABLE
from bertstory.maps import run_maps
from bertstory.pipeline.estimator_check import require_current_table
from bertstory.report import project
from bertstory.report.compare.pages import write_comparison
from bertstory.report.compare.runs import ComparedRun, compared_run
from bertstory.report.compare.settings import CompareSettings
from bertstory.report.explorer import write_explorer
from bertstory.report.faithfulness import FAITHFULNESS_TABLES
from bertstory.report.figure_tables import FigureTables, write_figure_tables
from bertstory.report.figures.page_figures import draw_page_figures
from bertstory.report.figures.paper import FIGURES, applicable, draw_paper_figures
from bertstory.report.figures.registry import RegisteredFigure
from bertstory.report.pages import PageWriter
from bertstory.report.site_folder import check_site_folder
from bertstory.report.static_site import build_static_site
from bertstory.results import RunFolder, atomic_write_json

RUN_CIRCUMSTANCES = ("started", "finished", "seconds", "workers", "bytes")
"""``run.json`` fields left out of ``figures/tables/run.json``: when and how long, by how many
workers, and the bytes on disk (compressed maps, whose size moves with their last bits).
Regenerating the same results then changes no committed file."""
REPORT_TABLES: tuple[str, ...] = (*TABLE_NAMES, ESTIMATOR_TABLE, *FAITHFULNESS_TABLES)
"""The tables a report may show: the findings tables (all required), the estimator check and faithfulness."""
ASSETS: tuple[str, ...] = ("bertstory.css", "iframe-worker-shim.js")
"""Package assets every report project's pages load (``docs/generated/assets/``)."""


@dataclass
class Report:
    """What :func:`build_report` made: the project ``layout``, the site's ``index`` page
    (``None`` without a site build), the paper ``figures`` and seconds per ``step``."""

    layout: project.Layout
    index: Path | None
    figures: list[RegisteredFigure]
    pages: int = 0
    steps: dict[str, float] = field(default_factory=dict)


def write_paper_figures(run: RunFolder, layout: project.Layout) -> list[RegisteredFigure]:
    """Rewrite ``figures/``: the tables behind the run's paper figures in ``figures/tables/`` at their
    stated precision (:mod:`bertstory.report.figure_tables`) with the run's provenance (``run.json``
    less :data:`RUN_CIRCUMSTANCES`), then each figure as PNG and PDF drawn from those tables as read back;
    figures the run has no data for are removed. Returns the figures drawn."""
    figures = applicable(run)
    write_figure_tables(run, sorted({t for f in figures for t in f.tables}), layout.figure_tables)
    provenance = {key: value for key, value in run.record.to_dict().items() if key not in RUN_CIRCUMSTANCES}
    atomic_write_json(layout.figure_provenance, provenance)
    draw_paper_figures(FigureTables(run, layout.figure_tables), figures, layout.figures)
    for stem in set(FIGURES) - {f.key for f in figures}:
        for suffix in (".png", ".pdf"):
            (layout.figures / f"{stem}{suffix}").unlink(missing_ok=True)
    return figures


def _copy_downloads(run: RunFolder, layout: project.Layout, figures: list[RegisteredFigure]) -> dict:
    """Copy every table file of the run (full precision) and every paper figure into the site's
    downloads; returns the Reproduce page's download rows."""
    table_dir = layout.download_tables
    table_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in REPORT_TABLES:
        links = {}
        for path in run.table_files(name):
            shutil.copyfile(path, table_dir / path.name)
            links[path.suffix] = f"[{path.name}]({_link(layout, table_dir / path.name)})"
        if links:
            rows.append([f"`{name}`", links.get(".csv", "—"), links.get(".parquet", "—")])
    atomic_write_json(layout.download_run_json, run.record.to_dict())
    layout.site_figures.mkdir(parents=True, exist_ok=True)
    figure_rows = []
    for spec in figures:
        for suffix in (".png", ".pdf"):
            shutil.copyfile(layout.figures / f"{spec.key}{suffix}", layout.site_figures / f"{spec.key}{suffix}")
        figure_rows.append(
            [spec.title, *(f"[{spec.key}{suffix}]({_link(layout, layout.site_figures / f'{spec.key}{suffix}')})"
                           for suffix in (".pdf", ".png"))]
        )
    return {"tables": sorted(rows), "figures": figure_rows, "run_json": _link(layout, layout.download_run_json)}


def _link(layout: project.Layout, path: Path) -> str:
    """A Markdown link target to ``path`` from a page in ``docs/generated/``."""
    return path.relative_to(layout.generated).as_posix()


def check_report_folders(project_dir: Path, site_dir: Path | None, keep: Sequence[tuple[str, Path]]) -> Path:
    """Refuse, before any work, a project bertstory may not write (:func:`bertstory.report.project.check`)
    and a site folder it may not empty (:func:`~bertstory.report.site_folder.check_site_folder`), which
    may neither be nor contain the project or a folder of ``keep`` (what it is, where); returns the site
    folder: ``site_dir``, by default ``project_dir/site``, resolved."""
    layout = project.check(project_dir)
    return check_site_folder(site_dir or layout.default_site, [("the report project", layout.root), *keep])


def build_report(run_dir: Path | RunFolder, project_dir: Path, site_dir: Path | None = None,
                 build: bool = True, compare: Sequence[ComparedRun] = (),
                 compare_settings: CompareSettings = CompareSettings()) -> Report:
    """Figures, pages and (when ``build``) the site of the run in ``run_dir``.

    ``project_dir`` becomes (or already is) a report project, see :mod:`bertstory.report.project`;
    the site goes to ``site_dir`` (default ``project_dir/site``), which may neither be nor contain the
    project or a run read (:func:`check_report_folders`, before anything is written). ``compare``: the
    runs of the comparison section, this run first (:func:`bertstory.report.compare.build.compare_runs`);
    without them the section's index says how to compare this run with others.
    """
    run = run_dir if isinstance(run_dir, RunFolder) else RunFolder.open(run_dir)
    with run_maps(run.record.settings.faithfulness):
        return _build_report(run, project_dir, site_dir, build, compare, compare_settings)


def _build_report(run: RunFolder, project_dir: Path, site_dir: Path | None, build: bool,
                  compare: Sequence[ComparedRun], compare_settings: CompareSettings) -> Report:
    """:func:`build_report` among the maps the run has (:func:`bertstory.maps.run_maps`)."""
    steps: dict[str, float] = {}
    start = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal start
        now = time.perf_counter()
        steps[name] = now - start
        start = now

    run.require_tables(TABLE_NAMES)
    require_current_table(run)
    run.analysed_inputs()  # a run whose tables cover no listed input is refused before drawing
    runs = [("the run", r.run.path) for r in compare] or [("the run", run.path)]
    site = check_report_folders(project_dir, site_dir, runs) if build else None
    layout = project.prepare(project_dir)
    lap("load")
    figures = write_paper_figures(run, layout)
    downloads = _copy_downloads(run, layout, figures)
    lap("paper figures")
    draw_page_figures(run, layout.generated)
    lap("layer and head figures")
    for asset in ASSETS:
        project.copy_asset(asset, layout.generated / "assets" / asset)
    writer = PageWriter(run, layout, figures)
    pages = [writer.overview(), *writer.layers(), *writer.heads_pages(), writer.patterns(), writer.mixing(),
             writer.faithfulness(), writer.estimator(), writer.reproduce(downloads), write_explorer(run, layout).page]
    lap("pages")
    pages += write_comparison(list(compare) or [compared_run(run)], layout, compare_settings)
    lap("comparison")
    index = None
    if build:
        index = build_static_site(layout.mkdocs_yml, site)
        lap("site")
    return Report(layout=layout, index=index, figures=figures, pages=len(pages), steps=steps)
