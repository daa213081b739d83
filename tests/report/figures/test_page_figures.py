"""The layer and head page figures: every registered figure is drawn for every page, and every
head's maps on every example input and view, as PNGs; drawing a page again gives the same bytes
whatever was drawn in between; maps of 128 tokens keep readable rows, and longer ones stay small;
tokens with dollar signs are labelled literally (in the Python API's plot too)."""

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from bertstory.api.plot import head_views_figure
from bertstory.report.examples import Example, choose_examples
from bertstory.report.figures.head_maps import MAP_DPI, MAX_PIXELS, TOKEN_PT, ExampleMaps
from bertstory.report.figures.page_figures import EXAMPLE_MAPS, PAGE_FIGURES, draw_page_figures, figures_for
from bertstory.report.naming import head_name, layer_slug
from bertstory.results import RunFolder
from bertstory.maps import run_maps, views


def test_registry_names_are_unique_per_scope():
    for scope in ("layer", "head"):
        keys = [figure.key for figure in figures_for(scope)]
        assert keys and len(keys) == len(set(keys))
    assert set(figures_for("layer")) | set(figures_for("head")) == set(PAGE_FIGURES)


def test_every_page_gets_every_figure(synthetic_run, tmp_path):
    run = RunFolder(synthetic_run)
    written = draw_page_figures(run, tmp_path)
    with run_maps(run.record.settings.faithfulness):  # the synthetic run's views: the first three
        run_views = views()
    L, H = run.record.num_layers, run.record.num_heads
    examples = choose_examples(run.analysed_inputs()[0])
    assert len(examples) == 2
    assert written == L * len(figures_for("layer")) + L * H * (len(figures_for("head")) + len(examples) * len(run_views))
    for figure in figures_for("layer"):
        for layer in range(1, L + 1):
            with Image.open(tmp_path / "layers" / figure.file_name(layer_slug(layer))) as image:
                assert image.format == "PNG"
    for figure in figures_for("head"):
        for layer in range(1, L + 1):
            for head in range(1, H + 1):
                with Image.open(tmp_path / "heads" / figure.file_name(head_name(layer, head))) as image:
                    assert image.format == "PNG"
    for layer in range(1, L + 1):
        for head in range(1, H + 1):
            for input_id in examples:
                for view in run_views:
                    name = EXAMPLE_MAPS.file_name(head_name(layer, head), input_id, view)
                    with Image.open(tmp_path / "heads" / name) as image:
                        assert image.format == "PNG"


def test_drawers_are_deterministic(synthetic_run, tmp_path):
    run = RunFolder(synthetic_run)
    for figure in PAGE_FIGURES:
        drawer = figure.draw(run)
        key = (2,) if figure.scope == "layer" else (2, 3)
        other = (1,) if figure.scope == "layer" else (1, 1)
        first = drawer.draw(*key, tmp_path / f"{figure.key}-a.png").read_bytes()
        drawer.draw(*other, tmp_path / f"{figure.key}-other.png")
        assert drawer.draw(*key, tmp_path / f"{figure.key}-b.png").read_bytes() == first


def test_example_maps_are_deterministic_and_differ_by_head_and_view(synthetic_run, tmp_path):
    maps = EXAMPLE_MAPS.draw(RunFolder(synthetic_run))
    first_id = maps.input_ids[0]
    first = maps.draw(2, 3, first_id, "global", tmp_path / "a.png").read_bytes()
    other_head = maps.draw(1, 1, first_id, "global", tmp_path / "b.png").read_bytes()
    other_view = maps.draw(2, 3, first_id, "attention", tmp_path / "c.png").read_bytes()
    assert maps.draw(2, 3, first_id, "global", tmp_path / "d.png").read_bytes() == first
    assert len({first, other_head, other_view}) == 3


def _example(n: int, tokens: list[str] | None = None) -> Example:
    rng = np.random.default_rng(n)
    maps = {view: rng.dirichlet(np.ones(n), size=(1, 1, n)) for view in views()}
    tokens = tokens or ["[CLS]", *(f"token{k}" for k in range(n - 2)), "[SEP]"]
    return Example(input_id=f"n{n}", tokens=tokens, is_pair=False, maps=maps)


def _drawn(text: str, parse_math: bool) -> bytes:
    """The pixels of ``text`` drawn alone, read as mathtext where it has some (``parse_math``) or not."""
    figure = Figure(figsize=(2, 0.5), dpi=100)
    figure.text(0.05, 0.3, text, fontsize=TOKEN_PT, parse_math=parse_math)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return bytes(canvas.buffer_rgba())


def test_token_labels_show_dollar_signs_literally():
    """A token with dollar signs is drawn as its characters, not as mathtext, on the head pages' maps
    and in the Python API's plot."""
    tokens = ["[CLS]", "$x^2$", "costs", "$5", "\\$", "$", "[SEP]"]
    example = _example(len(tokens), tokens)
    axes = [ExampleMaps([example]).canvases[example.input_id].axes,
            *head_views_figure({view: example.maps[view][0, 0] for view in views()}, tokens, "L1-H1").axes[:3]]
    labelled = [ticks for ax in axes for ticks in (ax.get_xticklabels(), ax.get_yticklabels()) if ticks]
    assert len(labelled) == 6  # the map's two sides, the plot's three key axes and its one (shared) query axis
    for ticks in labelled:
        assert len(ticks) == len(tokens)
        for tick, token in zip(ticks, tokens):
            assert _drawn(tick.get_text(), True) == _drawn(token, False), token


@pytest.mark.parametrize("n", [14, 128, 512])
def test_maps_keep_readable_rows_up_to_128_tokens_and_bounded_files(tmp_path, n):
    maps = ExampleMaps([_example(n)])
    out = maps.draw(1, 1, f"n{n}", "local", tmp_path / "map.png")
    canvas = maps.canvases[f"n{n}"]
    rows_px = canvas.axes.get_window_extent().height / n
    with Image.open(out) as image:
        x0, y0, x1, y1 = canvas.crop
        assert max(image.size) <= MAX_PIXELS and image.size == (x1 - x0, y1 - y0)
    if n <= 128:  # at full resolution: a row holds its 6-point label (9 pixels at 110 dpi)
        assert canvas.dpi == MAP_DPI and rows_px >= TOKEN_PT / 72 * MAP_DPI
    else:
        assert canvas.dpi < MAP_DPI
