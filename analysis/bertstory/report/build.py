"""``bertstory report``: a run's figures, pages and site, in one call."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt

from bertstory.report import project, site, style, tables
from bertstory.report.examples import load_examples
from bertstory.report.explorer import write_explorer
from bertstory.report.figures.heads import HeadFigure
from bertstory.report.figures.layers import LAYER_DPI, layer_figure
from bertstory.report.figures.paper import FIGURES, PaperFigure, draw_paper_figures
from bertstory.report.naming import head_name, layer_slug
from bertstory.report.pages import PageWriter
from bertstory.report.run import RunData, load_run
from bertstory.results import atomic_write_json


@dataclass
class Report:
    """What :func:`build_report` made: the project ``layout``, the site's ``index`` page
    (``None`` without a site build), the paper ``figures`` and seconds per ``step``."""

    layout: project.Layout
    index: Path | None
    figures: list[PaperFigure]
    pages: int = 0
    steps: dict[str, float] = field(default_factory=dict)


RUN_TIMES = ("started", "finished", "seconds")
"""``run.json`` fields left out of ``figures/tables/run.json``: regenerating the same results
then changes no committed file."""


def _copy_tables(data: RunData, layout: project.Layout, figures: list[PaperFigure]) -> dict[str, list]:
    """Copy the tables behind the paper figures to ``figures/tables/`` (CSV; written from the
    Parquet file when the run has no CSV) with the run's provenance (``run.json`` less
    :data:`RUN_TIMES`), and every table file and figure into the site's
    downloads; returns the Reproduce page's download rows."""
    for name in sorted({t for f in figures for t in f.tables}):
        csv = data.run_dir / "tables" / f"{name}.csv"
        if csv.exists():
            shutil.copyfile(csv, layout.figure_tables / csv.name)
        else:
            data.tables[name].to_csv(layout.figure_tables / csv.name, index=False)
    provenance = {key: value for key, value in data.run.items() if key not in RUN_TIMES}
    atomic_write_json(layout.figure_tables / "run.json", provenance)
    table_dir = layout.downloads / "tables"
    table_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in sorted(data.tables):
        links = {}
        for path in data.table_files(name):
            shutil.copyfile(path, table_dir / path.name)
            links[path.suffix] = f"[{path.name}](downloads/tables/{path.name})"
        rows.append([f"`{name}`", links.get(".csv", "—"), links.get(".parquet", "—")])
    shutil.copyfile(data.run_dir / "run.json", layout.downloads / "run.json")
    layout.site_figures.mkdir(parents=True, exist_ok=True)
    figure_rows = []
    for spec in figures:
        for suffix in (".png", ".pdf"):
            shutil.copyfile(layout.figures / f"{spec.stem}{suffix}", layout.site_figures / f"{spec.stem}{suffix}")
        figure_rows.append(
            [spec.title, f"[{spec.stem}.pdf](figures/{spec.stem}.pdf)", f"[{spec.stem}.png](figures/{spec.stem}.png)"]
        )
    return {"tables": rows, "figures": figure_rows}


def _draw_site_images(data: RunData, layout: project.Layout) -> int:
    """Per-layer and per-head PNGs beside their pages; returns how many were drawn."""
    style.apply()
    heads = data.tables["heads"]
    for layer in range(1, data.num_layers + 1):
        fig = layer_figure(heads, layer)
        style.save(fig, layout.generated / "layers" / layer_slug(layer), pdf=False, dpi=LAYER_DPI)
        plt.close(fig)
    drawer = HeadFigure(tables.positions(data.tables["positions"]), heads, load_examples(data))
    for row in heads.sort_values(["layer", "head"]).itertuples():
        drawer.draw(int(row.layer), int(row.head), layout.generated / "heads" / f"{head_name(row.layer, row.head)}.png")
    return data.num_layers + len(heads)


def build_report(run_dir: Path, project_dir: Path, site_dir: Path | None = None, build: bool = True) -> Report:
    """Figures, pages and (when ``build``) the site of the run in ``run_dir``.

    ``project_dir`` becomes (or already is) a report project, see :mod:`bertstory.report.project`;
    the site goes to ``site_dir`` (default ``project_dir/site``).
    """
    steps: dict[str, float] = {}
    start = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal start
        now = time.perf_counter()
        steps[name] = now - start
        start = now

    data = load_run(run_dir)
    layout = project.prepare(project_dir)
    lap("load")
    figures = draw_paper_figures(data, layout.figures)
    drawn = {f.stem for f in figures}
    for stem in set(FIGURES) - drawn:
        for suffix in (".png", ".pdf"):
            (layout.figures / f"{stem}{suffix}").unlink(missing_ok=True)
    downloads = _copy_tables(data, layout, figures)
    lap("paper figures")
    _draw_site_images(data, layout)
    lap("layer and head figures")
    for asset in ("bertstory.css", "iframe-worker-shim.js"):
        project.copy_asset(asset, layout.generated / "assets" / asset)
    writer = PageWriter(data, layout, figures)
    pages = [writer.overview(), *writer.layers(), *writer.heads_pages(), writer.patterns(), writer.mixing(),
             writer.estimator(), writer.reproduce(downloads), write_explorer(data, layout).page]
    lap("pages")
    index = None
    if build:
        index = site.build_site(layout.mkdocs_yml, Path(site_dir) if site_dir else layout.default_site)
        lap("site")
    return Report(layout=layout, index=index, figures=figures, pages=len(pages), steps=steps)
