"""The layer and head page figures: every registered figure is drawn for every page, as a PNG,
and drawing a page again gives the same bytes whatever was drawn in between."""

from PIL import Image

from bertstory.report.figures.page_figures import PAGE_FIGURES, draw_page_figures, figures_for
from bertstory.report.naming import head_name, layer_slug
from bertstory.results import RunFolder


def test_registry_names_are_unique_per_scope():
    for scope in ("layer", "head"):
        keys = [figure.key for figure in figures_for(scope)]
        assert keys and len(keys) == len(set(keys))
    assert set(figures_for("layer")) | set(figures_for("head")) == set(PAGE_FIGURES)


def test_every_page_gets_every_figure(synthetic_run, tmp_path):
    run = RunFolder(synthetic_run)
    written = draw_page_figures(run, tmp_path)
    L, H = run.record.num_layers, run.record.num_heads
    assert written == L * len(figures_for("layer")) + L * H * len(figures_for("head"))
    for figure in figures_for("layer"):
        for layer in range(1, L + 1):
            with Image.open(tmp_path / "layers" / figure.file_name(layer_slug(layer))) as image:
                assert image.format == "PNG"
    for figure in figures_for("head"):
        for layer in range(1, L + 1):
            for head in range(1, H + 1):
                with Image.open(tmp_path / "heads" / figure.file_name(head_name(layer, head))) as image:
                    assert image.format == "PNG"


def test_drawers_are_deterministic(synthetic_run, tmp_path):
    run = RunFolder(synthetic_run)
    for figure in PAGE_FIGURES:
        drawer = figure.drawer(run)
        key = (2,) if figure.scope == "layer" else (2, 3)
        other = (1,) if figure.scope == "layer" else (1, 1)
        first = drawer.draw(*key, tmp_path / f"{figure.key}-a.png").read_bytes()
        drawer.draw(*other, tmp_path / f"{figure.key}-other.png")
        assert drawer.draw(*key, tmp_path / f"{figure.key}-b.png").read_bytes() == first
