"""Every registered paper figure draws, deterministically, from a synthetic run, with the fonts
matplotlib ships."""

from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pytest
from matplotlib.collections import PathCollection
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.text import Text

from bertstory.report import style
from bertstory.report.figures.paper import FIGURES, applicable
from bertstory.results import RunFolder


@pytest.mark.parametrize("stem", sorted(FIGURES))
def test_paper_figure_is_byte_identical_when_drawn_twice(synthetic_run, tmp_path, stem):
    run = RunFolder(synthetic_run)
    spec = FIGURES[stem]
    assert spec in applicable(run)
    style.apply()
    for copy in ("a", "b"):
        with style.seeded_jitter():
            fig = spec.draw(run)
        style.save(fig, tmp_path / copy / stem)
    for suffix in (".png", ".pdf"):
        first, second = (tmp_path / c / f"{stem}{suffix}" for c in ("a", "b"))
        assert first.read_bytes() == second.read_bytes(), f"{stem}{suffix} differs between runs"


@pytest.mark.parametrize("stem", sorted(FIGURES))
def test_every_text_of_a_paper_figure_is_at_the_figures_text_size(synthetic_run, tmp_path, stem):
    """Pages show every figure at its size in inches (``style.shown_width``), so its points are the same
    CSS pixels in every figure: all text lies between the tick labels' size and the axis labels' (7 and
    8 pt), none smaller (a cell's value included) or larger."""
    style.apply()
    with style.seeded_jitter():
        fig = FIGURES[stem].draw(RunFolder(synthetic_run))
    style.save(fig, tmp_path / stem, pdf=False)  # drawing makes every tick label
    sizes = {t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()}
    plt.close(fig)
    assert sizes and min(sizes) >= plt.rcParams["xtick.labelsize"] and max(sizes) <= plt.rcParams["font.size"]
    assert style.shown_width(tmp_path / f"{stem}.png") <= style.PAGE_WIDTH_IN * style.CSS_PX_PER_IN


def test_figures_use_the_fonts_matplotlib_ships():
    """The bytes of a figure depend on its font files: those inside matplotlib's own data, never a
    system copy of the same family (whose version differs between machines)."""
    style.apply()
    shipped = Path(matplotlib.get_data_path()).resolve()
    for weight in ("normal", "bold"):
        font = FontProperties(family=plt.rcParams["font.family"], weight=weight)
        assert shipped in Path(findfont(font, fallback_to_default=False)).resolve().parents, weight


def test_every_figure_names_tables_the_run_has(synthetic_run):
    run = RunFolder(synthetic_run)
    for spec in FIGURES.values():
        assert spec.tables and all(run.has_table(name) for name in spec.tables), spec.key


def test_persistence_figure_has_a_panel_and_a_curve_per_pattern_class(synthetic_run):
    run = RunFolder(synthetic_run)
    heads, table = run.table("heads"), run.table("persistence")
    fig = FIGURES["fig6_persistence"].draw(run)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    names = {"CLS": "[CLS]", "SEP": "[SEP]", "punct": "punctuation", "self": "self", "prev": "previous-token",
             "next": "next-token"}
    expected = []
    for name, title in names.items():
        has = heads[heads["pattern"] == name]
        expected.append(f"{title}: {int(has['persists_global'].sum())} of {len(has)} persist")
    assert titles == expected
    scatters = [ax for ax in fig.axes if ax.get_title()]
    assert all(ax.get_xscale() == "log" and ax.get_yscale() == "log" for ax in scatters)
    curves = [ax for ax in fig.axes if not ax.get_title() and ax.get_xlabel() == "layer"]
    assert len(curves) == len(names)
    prev_curve = curves[list(names).index("prev")].lines[0]
    rows = table[(table["view"] == "global") & (table["class"] == "prev")].sort_values("layer")
    assert list(prev_curve.get_ydata()) == list(rows["spearman_mass"])
    # the planted previous-token head L1-H1 is drawn large at its (attention, global) enrichment
    prev_panel = scatters[list(names).index("prev")]
    large = [c for c in prev_panel.collections if isinstance(c, PathCollection) and c.get_sizes()[0] == 30]
    (point,) = large[0].get_offsets()
    head = heads[(heads["layer"] == 1) & (heads["head"] == 1)].iloc[0]
    assert list(point) == [head["enrichment_prev_attention"], head["enrichment_prev_global"]]
    plt.close(fig)
