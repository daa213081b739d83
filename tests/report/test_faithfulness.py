"""The report's answer to "which view is faithful": sentences whose wording follows the planted numbers of
the ``faithfulness_layers`` table, the Faithfulness page with figure 9, the head pages' agreement table, and a
run analysed without the faithfulness maps, whose site builds and says so in one line."""

from __future__ import annotations

import pandas as pd
import pytest

from bertstory.report import faithfulness
from bertstory.report.build import build_report
from bertstory.report.markdown import interval, num, pct
from bertstory.report.naming import view_title
from bertstory.results import RunFolder

from .synthetic import PLANTED_RHO, faithfulness_tables, make_results


def rho(layers: pd.DataFrame, view: str, layer: int, truth: str = "ablation_global") -> str:
    """A row of ``faithfulness_layers`` as the sentences print it: ``0.700 [0.650, 0.750]``."""
    row = layers[(layers["view"] == view) & (layers["layer"] == layer) & (layers["ground_truth"] == truth)].iloc[0]
    return f"{num(row['spearman_median'])} {interval(row['spearman_median_lo'], row['spearman_median_hi'])}"


def trend_sentence(rates: dict[str, tuple[float, float]], num_layers: int = 3) -> tuple[str, pd.DataFrame]:
    _, layers = faithfulness_tables(num_layers, 3, {**PLANTED_RHO, **rates})
    return faithfulness.depth_trends(layers), layers


@pytest.mark.parametrize("attention, glob, words", [
    ((0.7, 0.2), (0.6, 0.6), ("falls", "while", "holds")),   # planted: attention falls with depth, global holds
    ((0.2, 0.7), (0.6, 0.6), ("rises", "while", "holds")),
    ((0.6, 0.6), (0.7, 0.2), ("holds", "while", "falls")),
    ((0.7, 0.2), (0.8, 0.3), ("falls", "and", "falls")),
    ((0.6, 0.62), (0.6, 0.58), ("holds", "and", "holds")),  # within the intervals: no change claimed
])
def test_depth_trend_wording_follows_the_planted_numbers(attention, glob, words):
    sentence, layers = trend_sentence({"attention": attention, "global": glob})
    first, joined, second = words
    assert sentence == (
        f"From layer 1 to layer 3, agreement with {view_title('ablation_global')} (median Spearman ρ): "
        f"attention's {first} ({rho(layers, 'attention', 1)} → {rho(layers, 'attention', 3)}) {joined} "
        f"global attribution's {second} ({rho(layers, 'global', 1)} → {rho(layers, 'global', 3)}); a change counts "
        "only where the two layers' 95% intervals do not overlap.")


def test_best_view_per_layer_follows_the_numbers():
    _, layers = faithfulness_tables(2, 3)  # layer 1: attention 0.70 beside attention-norm 0.65; layer 2: global 0.60
    sentence = faithfulness.best_views(layers)
    assert (f"layer 1 attention ({rho(layers, 'attention', 1)}); layer 2 {view_title('global')} "
            f"({rho(layers, 'global', 2)})") in sentence
    assert sentence.endswith("in 1 of 2 layers.")  # layer 1's attention overlaps attention-norm; layer 2's global is clear
    _, flipped = faithfulness_tables(2, 3, {**PLANTED_RHO, "attention": (0.2, 0.9)})
    assert (f"layer 1 {view_title('attention_norm')} ({rho(flipped, 'attention_norm', 1)}); layer 2 attention "
            f"({rho(flipped, 'attention', 2)})") in faithfulness.best_views(flipped)
    assert faithfulness.depth_trends(faithfulness_tables(1, 3)[1]) is None  # one layer: no trend


def test_page_figure_overview_and_head_tables(synthetic_run, tmp_path):
    run = RunFolder(synthetic_run)
    report = build_report(synthetic_run, tmp_path / "project", build=False)
    generated, layout = report.layout.generated, report.layout
    layers, table = run.table("faithfulness_layers"), run.table("faithfulness")
    assert "fig9_faithfulness" in {f.key for f in report.figures}
    assert (layout.figures / "fig9_faithfulness.png").is_file() and (layout.figures / "fig9_faithfulness.pdf").is_file()
    assert (layout.figure_tables / "faithfulness_layers.csv").is_file()

    page = (generated / "faithfulness.md").read_text()
    for sentence in faithfulness.page_sentences(layers):
        assert f"- {sentence}" in page
    assert "attention's falls" in page and "global attribution's holds" in page
    assert "figures/fig9_faithfulness.png" in page
    for truth in ("ablation_global", "ablation_local", "ablation_hidden"):
        assert f"## Against {view_title(truth)}" in page
    assert f"| 2 | {rho(layers, 'contribution', 2, 'ablation_hidden')} |" in page

    overview = (generated / "index.md").read_text()
    assert f"- {faithfulness.best_views(layers)}" in overview
    assert "[Faithfulness](faithfulness.md)" in overview and faithfulness.NOT_MEASURED not in overview

    head = (generated / "heads" / "L2-H3.md").read_text()
    for r in table[(table["layer"] == 2) & (table["head"] == 3)].itertuples():
        assert (f"| {view_title(r.view)} | {view_title(r.ground_truth)} | {num(r.spearman)} | "
                f"{interval(r.spearman_lo, r.spearman_hi)} | {num(r.js)} | {interval(r.js_lo, r.js_hi)} | "
                f"{pct(r.top1)} | {r.n_rows} |") in head
    downloads = {p.name for p in layout.download_tables.iterdir()}
    assert {"faithfulness.csv", "faithfulness.parquet", "faithfulness_layers.parquet"} <= downloads


def test_a_run_without_the_faithfulness_maps_builds_and_says_so(tmp_path):
    run_dir = make_results(tmp_path / "runs", num_layers=1, num_heads=2, n_inputs=3, faithfulness=False)
    report = build_report(run_dir, tmp_path / "project", build=True)
    generated = report.layout.generated
    assert report.index.is_file()  # the strict MkDocs build: no broken link, no missing nav page
    assert "fig9_faithfulness" not in {f.key for f in report.figures}
    assert not (report.layout.figures / "fig9_faithfulness.png").exists()
    overview = (generated / "index.md").read_text()
    assert overview.count(faithfulness.NOT_MEASURED) == 1
    page = (generated / "faithfulness.md").read_text()
    assert faithfulness.NOT_MEASURED in page and "## Against" not in page and "fig9" not in page
    assert "## Faithfulness" not in (generated / "heads" / "L1-H1.md").read_text()
