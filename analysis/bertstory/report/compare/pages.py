"""The comparison section of a report project: ``docs/generated/compare/index.md``, which lists the
runs compared and links a page per pair of runs, ``docs/generated/compare/<A>-vs-<B>.md``, each with
its figures beside it (:mod:`bertstory.report.compare.figures`).

Runs are lettered A, B, C, … in the order given (A is the run whose report the project shows);
a pair page compares an earlier run (A) with a later one (B), input by input when they analysed
the same corpus (:mod:`bertstory.report.compare.paired`), by their tables' aggregates only otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import pandas as pd

from bertstory.maps import persistence_views
from bertstory.report import style
from bertstory.report.compare.figures import draw_comparison_figures
from bertstory.report.compare.paired import ALL_LAYERS, Corpora, corpora, paired_differences
from bertstory.report.compare.runs import ComparedRun
from bertstory.report.compare.settings import CompareSettings
from bertstory.report.figures.registry import RegisteredFigure
from bertstory.report.markdown import interval, num
from bertstory.report.naming import END_TOKEN_PATTERN, FIRST_TOKEN_PATTERN, class_names, view_title
from bertstory.report.pages import environment
from bertstory.report.project import COMPARE, Layout

FOLDER = COMPARE.folder
"""The comparison section's folder under ``docs/generated/``, that of its index page."""


def _stem_part(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "run"


@dataclass(frozen=True)
class Pair:
    """Two runs of a comparison, ``a`` before ``b`` in the order given (their ``letters`` name
    them), the page ``stem``, whether they share a corpus and, when they do, their ``paired`` differences."""

    a: ComparedRun
    b: ComparedRun
    corpora: Corpora
    paired: pd.DataFrame | None

    @property
    def letters(self) -> tuple[str, str]:
        return self.a.letter, self.b.letter

    @property
    def stem(self) -> str:
        return f"{_stem_part(self.a.name)}-vs-{_stem_part(self.b.name)}"


def pairs(runs: Sequence[ComparedRun], settings: CompareSettings) -> list[Pair]:
    """Every pair of ``runs`` (earlier first), with its paired differences on a shared corpus."""
    out = []
    for a, b in combinations(runs, 2):
        shared = corpora(a, b)
        paired = (paired_differences(a, b, shared.paired_ids, settings.bootstrap_samples, settings.seed)
                  if shared.paired_ids else None)
        out.append(Pair(a=a, b=b, corpora=shared, paired=paired))
    return out


def _run_row(run: ComparedRun) -> dict:
    record = run.run.record
    return {
        "letter": run.letter, "name": run.name, "model": record.model.name_or_path, "type": record.model.model_type,
        "causal": record.model.causal, "L": run.num_layers, "H": run.num_heads,
        "corpus": record.corpus.source, "hash": record.corpus.content_hash[:16],
        "inputs": len(run.run.analysed_inputs()[0]), "curves": run.curves, "patterns": run.patterns,
    }


def _pattern_titles(runs: Sequence[ComparedRun]) -> dict[str, str]:
    """How the pattern table names its classes (Markdown): as every run names them when they agree
    (:func:`~bertstory.report.naming.class_names`), else "first-token" and "end-token" for ``CLS``
    and ``SEP`` (an encoder beside a decoder, or tokenizers with different special tokens)."""
    named = [class_names(run.run.record).markdown_patterns for run in runs]
    if all(titles == named[0] for titles in named):
        return named[0]
    return {**named[0], "CLS": FIRST_TOKEN_PATTERN, "SEP": END_TOKEN_PATTERN}


def faithfulness_table(runs: Sequence[ComparedRun]) -> tuple[list[str], list[list[str]]] | None:
    """Headers and rows of the table of per-layer agreement with global ablation (run, layer, depth, then per
    view of a head the median Spearman ρ over the layer's heads with its 95% interval, "—" where a run lacks
    the view); ``None`` unless every run measured faithfulness."""
    if any(run.faithfulness is None for run in runs):
        return None
    views = list(dict.fromkeys(v for run in runs for v in run.faithfulness["view"]))
    rows = []
    for run in runs:
        table = run.faithfulness.set_index(["layer", "view"])
        for layer, depth in run.faithfulness[["layer", "depth"]].drop_duplicates().sort_values("layer").itertuples(
                index=False):
            cells = [f"{num(table.loc[(layer, v), 'spearman_median'])} "
                     f"{interval(table.loc[(layer, v), 'spearman_median_lo'], table.loc[(layer, v), 'spearman_median_hi'])}"
                     if (layer, v) in table.index else "—" for v in views]
            rows.append([run.letter, str(layer), num(depth, 2), *cells])
    return ["run", "layer", "depth", *(view_title(v) for v in views)], rows


def _shown_widths(figures: Sequence[RegisteredFigure], folder: Path, page_stem: str) -> dict[str, int]:
    """CSS width of each of a page's ``figures`` (:func:`~bertstory.report.style.shown_width`), by file name."""
    return {f.file_name(page_stem): style.shown_width(folder / f.file_name(page_stem)) for f in figures}


def write_comparison(runs: Sequence[ComparedRun], layout: Layout, settings: CompareSettings) -> list[Path]:
    """Write the comparison section for ``runs`` (one run: an index that says how to compare it)
    into ``layout.generated / FOLDER``; returns the pages written."""
    folder = layout.generated / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    env = environment()
    env.globals["FIGURE_WIDTHS"] = widths = {}
    rows = {run.position: _run_row(run) for run in runs}
    common = dict(pattern_titles=_pattern_titles(runs), persistence_views=persistence_views(), all_layers=ALL_LAYERS)
    written = []
    compared = pairs(runs, settings) if len(runs) > 1 else []
    for pair in compared:
        figures = draw_comparison_figures([pair.a, pair.b], pair.paired, folder, pair.stem)
        widths.update(_shown_widths(figures, folder, pair.stem))
        path = folder / f"{pair.stem}.md"
        page = env.get_template("compare_pair.md.j2").render(
            pair=pair, runs=[rows[pair.a.position], rows[pair.b.position]], figures=figures, stem=pair.stem,
            faithfulness=faithfulness_table([pair.a, pair.b]), **common)
        path.write_text(page, encoding="utf-8")
        written.append(path)
    figures = draw_comparison_figures(runs, None, folder, "index") if compared else []
    widths.update(_shown_widths(figures, folder, "index"))
    index = layout.generated / COMPARE.page
    index.write_text(env.get_template("compare_index.md.j2").render(
        runs=list(rows.values()), pairs=compared, figures=figures, stem="index", **common), encoding="utf-8")
    return [index, *written]
