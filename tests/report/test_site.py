"""``bertstory build-site`` end to end on a tiny random BERT: pages, images, links, numbers."""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pandas as pd
import pytest
from PIL import Image

from bertstory.maps import explorer_maps, run_maps, views
from bertstory.report import style
from bertstory.report.examples import choose_examples
from bertstory.report.naming import class_names, head_name, view_title
from bertstory.results import RunFolder

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def num(value: float) -> str:
    """The pages' documented number format, restated: 3 decimals, or 3 significant digits below 0.01."""
    value = float(value)
    if value == 0 or abs(value) >= 0.01:
        return f"{value:.3f}"
    return f"{value:.{2 - math.floor(math.log10(abs(value)))}f}"


def two(value: float) -> str:
    """An enrichment or specificity as the pages write it: 2 decimals (2 significant digits below 0.1)."""
    value = float(value)
    if math.isnan(value):
        return "n/a"
    if value == 0 or abs(value) >= 0.1:
        return f"{value:.2f}"
    return f"{value:.{1 - math.floor(math.log10(abs(value)))}f}"


def pct(fraction: float) -> str:
    """A fraction as a whole percentage, as the pages write it."""
    return f"{round(100 * float(fraction))}%"


class _Refs(HTMLParser):
    """Collects image sources and links of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img" and attrs.get("src"):
            self.images.append(attrs["src"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


def _refs(page: Path) -> _Refs:
    parser = _Refs()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _local(page: Path, ref: str, root: Path) -> Path | None:
    """The file a reference of ``page`` points to (absolute paths from the site ``root``),
    or None for external ones."""
    parts = urlsplit(ref)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    target = (root / path.lstrip("/") if path.startswith("/") else page.parent / path).resolve()
    return target / "index.html" if target.is_dir() else target


def _text(page: Path) -> str:
    """A page's visible text, tags removed and whitespace collapsed."""
    html = page.read_text(encoding="utf-8")
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _tables(run_dir: Path) -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_parquet(p) for p in (run_dir / "tables").glob("*.parquet")}


def test_one_page_per_layer_and_per_head(built_site):
    run = json.loads((built_site.run_dir / "run.json").read_text())
    L, H = run["model"]["num_layers"], run["model"]["num_heads"]
    generated = built_site.site / "generated"
    for layer in range(1, L + 1):
        assert (generated / "layers" / f"layer-{layer}.html").is_file()
        for head in range(1, H + 1):
            assert (generated / "heads" / f"{head_name(layer, head)}.html").is_file()
    assert len(list((generated / "heads").glob("L*-H*.html"))) == L * H
    for page in ("index", "layers/index", "heads/index", "patterns", "mixing", "estimator", "reproduce", "explorer"):
        assert (generated / f"{page}.html").is_file()
    assert "Site:" in built_site.output and "http.server" in built_site.output


def test_every_image_exists_and_is_a_png(built_site):
    pages = list(built_site.site.rglob("*.html"))
    checked = 0
    for page in pages:
        refs = _refs(page)
        for ref in refs.images + [link for link in refs.links if link.endswith(".png")]:
            target = _local(page, ref, built_site.site)
            if target is None:
                continue
            assert target.is_file(), f"{page}: missing image {ref}"
            assert target.read_bytes()[:8] == PNG_SIGNATURE, f"{page}: {ref} is not a PNG"
            with Image.open(target) as image:
                image.verify()
            checked += 1
    assert checked > 0


def test_mkdocs_strict_build_of_the_project_passes(built_site, tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(built_site.project / "mkdocs.yml"),
         "-d", str(tmp_path / "site")],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "generated" / "heads" / "index.html").is_file()


def test_internal_links_resolve(built_site):
    for page in built_site.site.rglob("*.html"):
        for link in _refs(page).links:
            target = _local(page, link, built_site.site)
            if target is not None:
                assert target.exists(), f"{page}: broken link {link}"


def test_downloads_and_paper_figures(built_site):
    figures = built_site.project / "figures"
    stems = {p.stem for p in figures.glob("fig*.png")}
    assert {"fig1_js_heatmaps", "fig2_js_by_layer", "fig5_mixing", "fig8_estimator_error"} <= stems
    for stem in stems:
        assert (figures / f"{stem}.pdf").read_bytes()[:5] == b"%PDF-"
        assert (built_site.site / "generated" / "figures" / f"{stem}.pdf").is_file()
    for csv in (figures / "tables").glob("*.csv"):  # the run's tables at six significant digits
        pd.testing.assert_frame_equal(pd.read_csv(csv), pd.read_csv(built_site.run_dir / "tables" / csv.name),
                                      check_exact=False, rtol=5e-6, atol=0)
    downloads = built_site.site / "generated" / "downloads" / "tables"
    for name in ("heads", "layers", "transitions", "rollout", "positions", "head_embedding"):
        assert (downloads / f"{name}.csv").is_file() and (downloads / f"{name}.parquet").is_file()


def test_overview_numbers_equal_the_tables(built_site):
    tables = _tables(built_site.run_dir)
    heads, layers = tables["heads"], tables["layers"].set_index("layer")
    text = _text(built_site.site / "generated" / "index.html")
    assert f"Over all {len(heads)} heads" in text
    assert f"attention vs local attribution is {num(heads['js_attention_local'].median())} bits" in text
    assert f"vs global attribution {num(heads['js_attention_global'].median())} bits" in text
    patterned = heads[heads["pattern"] != "none"]
    if len(patterned):
        assert f"{len(patterned)} of {len(heads)} heads have a pattern under attention" in text
        names = class_names(RunFolder(built_site.run_dir).record)
        for name, group in patterned.groupby("pattern"):  # a row of the table: heads, then persist (specifically)
            counts = [f"{int(group[f'persists_{view}'].sum())} ({int(group[f'persists_specific_{view}'].sum())})"
                      for view in ("local", "global")]
            assert " ".join(map(str, [names.markdown_patterns[name], len(group), *counts])) in text
    else:
        assert f"None of the {len(heads)} heads has a pattern under attention" in text
    first, last = int(layers.index.min()), int(layers.index.max())
    a, b = num(layers.loc[first, "own_share_median"]), num(layers.loc[last, "own_share_median"])
    trend = "stays at" if a == b else "rises to" if float(b) > float(a) else "falls to"
    assert f"own-token share of token contribution is {a}; it {trend} {b} after layer {last}" in text
    assert f"{pct(layers.loc[last, 'own_top1_fraction'])} of outputs" in text
    rollout = tables["rollout"].set_index("layer")
    assert f"rollout {num(rollout.loc[last, 'js_rollout'])}, raw attention {num(rollout.loc[last, 'js_attention'])}" in text


def test_layer_and_head_pages_state_their_numbers(built_site):
    tables = _tables(built_site.run_dir)
    layers = tables["layers"].set_index("layer")
    for layer, row in layers.iterrows():
        text = _text(built_site.site / "generated" / "layers" / f"layer-{layer}.html")
        assert f"attention vs local attribution {num(row['js_attention_local_median'])} bits" in text
        assert f"median own-token share {num(row['own_share_median'])}" in text
        assert f"{pct(row['persists_label_fraction'])} of its heads keep their attention label" in text
        part = tables["heads"][tables["heads"]["layer"] == layer]
        patterned = part[part["pattern"] != "none"]
        assert (f"{len(patterned)} of its {len(part)} heads have a pattern under attention; it persists into global "
                f"attribution in {int(patterned['persists_global'].sum())} "
                f"({int(patterned['persists_specific_global'].sum())} specifically)") in text
    for row in tables["heads"].itertuples():
        name = head_name(row.layer, row.head)
        text = _text(built_site.site / "generated" / "heads" / f"{name}.html")
        assert name in text
        assert f"attention vs global {num(row.js_attention_global)} {num(row.js_attention_global_median)} " \
               f"[{num(row.js_attention_global_lo)}, {num(row.js_attention_global_hi)}]" in text
        assert num(row.mass_cls_attention) in text and num(row.entropy_global) in text
        # the enrichment and specificity table: [CLS] under global attribution, with its intervals
        e = f"{two(row.enrichment_cls_global)} [{two(row.enrichment_cls_global_lo)}, {two(row.enrichment_cls_global_hi)}]"
        s_ = f"{two(row.specific_cls_global)} [{two(row.specific_cls_global_lo)}, {two(row.specific_cls_global_hi)}]"
        assert f"{e} {s_}" in text
        if row.pattern == "none":
            assert "It has no pattern under attention" in text
        else:
            assert f"Its pattern is {row.pattern}" in text or f"its pattern is {row.pattern}" in text
            for view in ("local", "global"):
                fate = ("persists specifically into" if getattr(row, f"persists_specific_{view}") else
                        "persists into" if getattr(row, f"persists_{view}") else "vanishes under")
                assert f"It {fate} {view} attribution" in text


def test_every_head_page_links_into_the_explorer_at_its_head_and_examples(built_site):
    """Each head page links to the explorer at its head, and each map on an example input to the
    explorer at that head, input and view: the explorer holds the examples."""
    run = json.loads((built_site.run_dir / "run.json").read_text())
    index = (built_site.site / "generated" / "explorer" / "index.js").read_text(encoding="ascii")
    sampled = {entry["id"] for entry in json.loads(index[index.index("(") + 1: index.rindex(")")])["inputs"]}
    examples = choose_examples(RunFolder(built_site.run_dir).analysed_inputs()[0])
    assert len(examples) == 2 and set(examples) <= sampled
    for layer in range(1, run["model"]["num_layers"] + 1):
        for head in range(1, run["model"]["num_heads"] + 1):
            links = _refs(built_site.site / "generated" / "heads" / f"{head_name(layer, head)}.html").links
            assert f"../explorer.html#layer={layer}&head={head}&view=global" in links
            maps = [link for link in links if link.startswith("../explorer.html#input=")]
            with run_maps(run["settings"]["faithfulness"]):  # the built run's views the explorer shows
                linked = [view for view in views() if view in explorer_maps()]
            assert "ablation_local" not in linked and {"attention", "local", "global"} <= set(linked)
            assert len(maps) == len(examples) * len(linked)
            assert {link.split("#", 1)[1] for link in maps} == {
                f"input={i}&layer={layer}&head={head}&view={view}" for i in examples for view in linked}


def test_nearest_heads_are_those_at_the_smallest_head_distance(built_site):
    distances = _tables(built_site.run_dir)["head_distances"]
    for (view, layer, head), part in distances.groupby(["view", "layer_a", "head_a"]):
        others = part[(part["layer_b"] != layer) | (part["head_b"] != head)]
        nearest = others.sort_values(["js", "layer_b", "head_b"], kind="stable").head(3)
        text = _text(built_site.site / "generated" / "heads" / f"{head_name(layer, head)}.html")
        assert "heads , positions and head_distances tables" in text
        listed = ", ".join(f"{head_name(r.layer_b, r.head_b)} ({num(r.js)})" for r in nearest.itertuples())
        assert f"by {view_title(view)}: {listed}" in text


def test_reproduce_page_states_the_command_and_run(built_site):
    run = json.loads((built_site.run_dir / "run.json").read_text())
    text = _text(built_site.site / "generated" / "reproduce.html")
    assert run["run_id"] in text
    assert f"bertstory build-site --model {run['settings']['model']}" in text
    assert f"--probes {run['settings']['probes']}" in text
    assert run["versions"]["torch"] in text


@pytest.mark.browser
def test_head_grid_in_headless_chromium(built_site, tmp_path):
    import shutil
    import subprocess

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.skip("no /usr/bin/chromium")
    page = built_site.site / "generated" / "heads" / "index.html"
    dom = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'chromium'}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=90, check=True,
    ).stdout
    run = json.loads((built_site.run_dir / "run.json").read_text())
    L, H = run["model"]["num_layers"], run["model"]["num_heads"]
    grid = dom[dom.index('id="head-grid"'):]
    grid = grid[: grid.index("</table>")]
    assert grid.count("<tr") == L + 1
    for layer in range(1, L + 1):
        for head in range(1, H + 1):
            assert f">{head_name(layer, head)}</a>" in grid


PAPER_FIGURE = re.compile(r'<img\b[^>]*\bsrc="([^"]*figures/(fig[^"/]*)\.png)"')


@pytest.mark.browser
def test_every_paper_figure_shows_its_text_at_one_size(built_site, browser):
    """Text px on the page = points × PNG_DPI / 72 × shown width / PNG width. For every paper figure on
    every page that shows it, in a 1400-pixel window: 8 pt text within ±20% of the same size in all of
    them, and at least 10 CSS pixels (every figure's text is 7 or 8 pt: tests/report/figures/test_paper.py)."""
    font_px = {}
    for page in sorted(built_site.site.rglob("*.html")):
        if not PAPER_FIGURE.search(page.read_text(encoding="utf-8")):
            continue
        browser.get(page.as_uri())
        shown = browser.execute_script(
            "return Object.fromEntries([...document.querySelectorAll('.md-content img')]"
            ".map(i => [i.getAttribute('src'), [i.complete, i.getBoundingClientRect().width]]))")
        for src, stem in PAPER_FIGURE.findall(page.read_text(encoding="utf-8")):
            complete, width = shown[src]
            with Image.open(_local(page, src, built_site.site)) as image:
                assert complete, f"{page.name}: {stem} did not load"
                font_px[f"{page.relative_to(built_site.site)}: {stem}"] = 8 * style.PNG_DPI / 72 * width / image.width
    assert {key.split(": ")[1] for key in font_px} == {p.stem for p in (built_site.project / "figures").glob("*.png")}
    middle = sorted(font_px.values())[len(font_px) // 2]
    assert {k: round(v, 1) for k, v in font_px.items() if not 0.8 * middle <= v <= 1.2 * middle} == {}
    assert min(font_px.values()) >= 10


RAW_TEX = ("\\(", "\\)", "\\[", "\\]", "$$")


def test_maths_is_mathml_and_no_page_shows_raw_tex(built_site):
    for page in built_site.site.rglob("*.html"):
        text = re.sub(r"<code\b.*?</code>", " ", page.read_text(encoding="utf-8"), flags=re.S)  # code is literal
        text = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S))
        assert not [tex for tex in RAW_TEX if tex in text], f"{page}: raw TeX left"
    for page in ("method.html", "generated/mixing.html"):
        html = (built_site.site / page).read_text(encoding="utf-8")
        assert html.count("<math ") >= 4, f"{page}: no MathML"


def test_no_page_loads_anything_from_the_network(built_site):
    loads = re.compile(r'<(?:script|img|iframe)\b[^>]*\bsrc="([^"]+)"|<link\b[^>]*\bhref="([^"]+)"')
    for page in built_site.site.rglob("*.html"):
        for match in loads.finditer(page.read_text(encoding="utf-8")):
            ref = match.group(1) or match.group(2)
            assert not urlsplit(ref).scheme and not ref.startswith("//"), f"{page} loads {ref}"
            assert _local(page, ref, built_site.site).is_file(), f"{page}: missing {ref}"


@pytest.mark.browser
def test_layer_and_head_figures_show_their_text_within_a_fifth_of_the_paper_figures(built_site, browser):
    """The figures of a layer page and of a head page (drawn at their own dpi, shown at most at their
    natural size): 8 pt text on the page within ±20% of the paper figures' 8 pt × PNG_DPI / 72 × ½."""
    from bertstory.report.figures.heads import HEAD_DPI
    from bertstory.report.figures.layers import LAYER_DPI

    paper_px = 8 * style.PNG_DPI / 72 * style.CSS_PX_PER_IN / style.PNG_DPI
    for page, stem, dpi in (("generated/layers/layer-1.html", "layer-1-heads.png", LAYER_DPI),
                            ("generated/heads/L1-H1.html", "L1-H1-views.png", HEAD_DPI)):
        browser.get((built_site.site / page).as_uri())
        width = browser.execute_script(
            "const i = [...document.querySelectorAll('.md-content img')].find(i => i.src.endsWith(arguments[0]));"
            "return i && i.complete ? i.getBoundingClientRect().width : null", stem)
        assert width, f"{page}: {stem} not shown"
        with Image.open(built_site.site / Path(page).parent / stem) as image:
            font_px = 8 * dpi / 72 * width / image.width
        assert 0.8 * paper_px <= font_px <= 1.2 * paper_px, (page, round(font_px, 1), round(paper_px, 1))
