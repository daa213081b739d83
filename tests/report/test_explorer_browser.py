"""The built site in a real headless Chromium with the network cut off, read from file://:
the explorer draws the run's maps (read back from the drawn cells' data attributes and compared
with the maps in the run folder, within the 8-bit quantisation bound), loads only the layer it
shows, follows its controls, keys and URL hash, is reached from a head page; maths is MathML,
never raw TeX; search works offline."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bertstory.maps import MAPS, explorer_maps, run_maps

pytestmark = pytest.mark.browser

KINDS = ("attention", "local", "global", "contribution")
WAIT_S = 20


def _sampled(site: Path) -> list[dict]:
    text = (site / "generated" / "explorer" / "index.js").read_text(encoding="ascii")
    return json.loads(text[text.index("(") + 1: text.rindex(")")])["inputs"]


def _expected(run_dir: Path, input_id: str, kind: str, layer: int, head: int) -> np.ndarray:
    """The run's map (float64) for 1-based ``layer`` and ``head``."""
    with np.load(run_dir / "maps" / f"{input_id}.npz") as maps:
        array = maps[kind][layer - 1] if kind == "contribution" else maps[kind][layer - 1, head - 1]
    return array.astype(np.float64)


def _wait_for(driver, **expected) -> None:
    """Wait until the explorer has drawn the state ``expected`` (input, layer, head, view)."""
    from selenium.webdriver.support.ui import WebDriverWait

    def drawn(d):
        state = d.execute_script(
            "const r = document.getElementById('bs-explorer');"
            "return r && {ready: r.dataset.ready, input: r.dataset.input, layer: r.dataset.layer,"
            " head: r.dataset.head, view: r.dataset.view};"
        )
        return state and state["ready"] == "true" and all(state[k] == str(v) for k, v in expected.items())

    WebDriverWait(driver, WAIT_S).until(drawn)


def _heatmap(driver, kind: str) -> np.ndarray:
    """The values of the drawn cells of one panel, from their data attributes."""
    cells = driver.execute_script(
        "return Array.from(document.querySelectorAll(`svg.bs-heatmap[data-view=\"${arguments[0]}\"] rect[data-value]`))"
        ".map(r => [Number(r.dataset.j), Number(r.dataset.i), Number(r.dataset.value)]);", kind)
    n = int(round(len(cells) ** 0.5))
    assert n * n == len(cells) and n > 0
    drawn = np.full((n, n), np.nan)
    for j, i, value in cells:
        drawn[j, i] = value
    assert not np.isnan(drawn).any()
    return drawn


def _assert_view(driver, run_dir: Path, input_id: str, layer: int, head: int, view: str) -> None:
    """The four panels and the lines view show the run's maps of this state."""
    _wait_for(driver, input=input_id, layer=layer, head=head, view=view)
    for kind in KINDS:
        expected = _expected(run_dir, input_id, kind, layer, head)
        drawn = _heatmap(driver, kind)
        assert drawn.shape == expected.shape, kind
        assert np.abs(drawn - expected).max() <= expected.max() / 510 * (1 + 1e-6), kind
    expected = _expected(run_dir, input_id, view, layer, head)
    lines = driver.execute_script(
        "const box = document.querySelector('svg.bs-lines');"
        "return [box.dataset.view, Array.from(box.querySelectorAll('line'))"
        ".map(l => [Number(l.dataset.j), Number(l.dataset.i), Number(l.dataset.value)])];")
    assert lines[0] == view
    bound = expected.max() / 510 * (1 + 1e-6)
    for j, i, value in lines[1]:
        assert abs(value - expected[j, i]) <= bound
    for j in range(expected.shape[0]):  # every row's largest share is drawn
        assert any(row == j and value >= expected[j].max() - bound for row, _, value in lines[1])
    hash_ = driver.execute_script("return location.hash")
    assert hash_ == f"#input={input_id}&layer={layer}&head={head}&view={view}"


def test_explorer_loads_from_file_and_draws_the_first_input(browser, built_site):
    inputs = _sampled(built_site.site)
    browser.get((built_site.site / "generated" / "explorer.html").as_uri())
    _assert_view(browser, built_site.run_dir, inputs[0]["id"], 1, 1, "attention")
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []
    labels = browser.execute_script(
        "return Array.from(document.querySelectorAll('svg.bs-heatmap[data-view=\"global\"] text.bs-row'))"
        ".map(t => t.textContent);")
    with np.load(built_site.run_dir / "maps" / f"{inputs[0]['id']}.npz") as maps:
        assert labels == [str(t) for t in maps["tokens"]]


def test_controls_and_keys_change_the_drawn_maps(browser, built_site):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    run_dir = built_site.run_dir
    ids = [entry["id"] for entry in _sampled(built_site.site)]
    browser.get((built_site.site / "generated" / "explorer.html").as_uri())
    _wait_for(browser, input=ids[0])

    Select(browser.find_element(By.CSS_SELECTOR, "select[data-control=input]")).select_by_value(ids[2])
    _assert_view(browser, run_dir, ids[2], 1, 1, "attention")
    Select(browser.find_element(By.CSS_SELECTOR, "select[data-control=layer]")).select_by_value("2")
    Select(browser.find_element(By.CSS_SELECTOR, "select[data-control=head]")).select_by_value("3")
    _assert_view(browser, run_dir, ids[2], 2, 3, "attention")
    browser.find_element(By.CSS_SELECTOR, ".bs-views button[data-view=global]").click()
    _assert_view(browser, run_dir, ids[2], 2, 3, "global")

    keys = ActionChains(browser)  # the keys work with the focus still on the view button
    keys.send_keys(Keys.ARROW_RIGHT).perform()
    _assert_view(browser, run_dir, ids[2], 2, 4, "global")
    keys.send_keys(Keys.ARROW_UP).perform()
    _assert_view(browser, run_dir, ids[2], 1, 4, "global")
    keys.send_keys(Keys.ARROW_RIGHT).perform()  # past the last head of layer 1: layer 2, head 1
    _assert_view(browser, run_dir, ids[2], 2, 1, "global")
    keys.send_keys("2").perform()
    _assert_view(browser, run_dir, ids[2], 2, 1, "local")
    keys.send_keys("4").perform()
    _assert_view(browser, run_dir, ids[2], 2, 1, "contribution")
    keys.send_keys("]").perform()
    _assert_view(browser, run_dir, ids[3], 2, 1, "contribution")
    keys.send_keys("[").send_keys("[").perform()
    _assert_view(browser, run_dir, ids[1], 2, 1, "contribution")


def test_value_under_the_pointer(browser, built_site):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    entry = _sampled(built_site.site)[1]
    browser.get((built_site.site / "generated" / "explorer.html").as_uri() + f"#input={entry['id']}&layer=2&head=2")
    _wait_for(browser, input=entry["id"], layer=2, head=2)
    cell = browser.find_element(By.CSS_SELECTOR, 'svg.bs-heatmap[data-view="global"] rect[data-j="1"][data-i="2"]')
    ActionChains(browser).move_to_element(cell).perform()
    readout = browser.find_element(By.CSS_SELECTOR, ".bs-readout")
    with np.load(built_site.run_dir / "maps" / f"{entry['id']}.npz") as maps:
        tokens = [str(t) for t in maps["tokens"]]
        with run_maps(True):  # the built site's run has the faithfulness maps
            shown_maps = explorer_maps()
        values = {name: maps[name][1, 1, 1, 2] if MAPS[name].scope == "head" else maps[name][1, 1, 2]
                  for name in shown_maps}
    assert readout.text.startswith(f"L2-H2 · query 2 “{tokens[1]}” → input token 3 “{tokens[2]}”: ")
    shown = {part.get_attribute("data-kind"): float(part.text.rsplit(" ", 1)[1])
             for part in readout.find_elements(By.CSS_SELECTOR, "[data-kind]")}
    assert shown.keys() == values.keys()
    for kind, value in values.items():
        assert abs(shown[kind] - value) <= 0.0005 + 1 / 510, kind
    assert readout.find_element(By.TAG_NAME, "strong").get_attribute("data-kind") == "global"


def _data_scripts(driver) -> list[str]:
    """The data files the page has asked for, as ``<id>/<layer>.js``, in order."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('script[src*=\"/explorer/data/\"]'))"
        ".map(s => s.src.split('/explorer/data/')[1]);")


def test_only_the_shown_layer_of_the_shown_input_is_loaded(browser, built_site):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    run_dir = built_site.run_dir
    ids = [entry["id"] for entry in _sampled(built_site.site)]
    browser.get("about:blank")  # a fresh load: no data yet
    browser.get((built_site.site / "generated" / "explorer.html").as_uri() + f"#input={ids[1]}&layer=2&head=4")
    _assert_view(browser, run_dir, ids[1], 2, 4, "attention")
    assert _data_scripts(browser) == [f"{ids[1]}/2.js"]
    ActionChains(browser).send_keys(Keys.ARROW_UP).perform()
    _assert_view(browser, run_dir, ids[1], 1, 4, "attention")
    ActionChains(browser).send_keys(Keys.ARROW_DOWN).send_keys(Keys.ARROW_LEFT).perform()  # layer 2 again: no reload
    _assert_view(browser, run_dir, ids[1], 2, 3, "attention")
    assert _data_scripts(browser) == [f"{ids[1]}/2.js", f"{ids[1]}/1.js"]
    status = browser.execute_script("return document.querySelector('.bs-status').textContent")
    entry = _sampled(built_site.site)[1]
    assert status.startswith(f"Input {ids[1]}: {entry['n']} tokens; layer 2: {entry['layer_bytes'][1] / 1000:.0f} kB of data")


def test_url_hash_opens_the_view_and_follows_changes(browser, built_site):
    ids = [entry["id"] for entry in _sampled(built_site.site)]
    page = (built_site.site / "generated" / "explorer.html").as_uri()
    browser.get(f"{page}#input={ids[-1]}&layer=2&head=3&view=global")
    _assert_view(browser, built_site.run_dir, ids[-1], 2, 3, "global")
    browser.execute_script(f"location.hash = 'input={ids[0]}&layer=1&head=2&view=local'")
    _assert_view(browser, built_site.run_dir, ids[0], 1, 2, "local")
    browser.get("about:blank")  # a fresh load: what cannot be shown is said, the rest is shown
    browser.get(f"{page}#input=nope&layer=9&head=2")
    _assert_view(browser, built_site.run_dir, ids[0], 1, 2, "attention")
    status = browser.execute_script("return document.querySelector('.bs-status').textContent")
    assert "input nope is not among the explorer's inputs" in status and "layer 9 is not in 1..2" in status


def test_a_reader_follows_a_head_page_into_the_explorer(browser, built_site):
    from selenium.webdriver.common.by import By

    browser.get((built_site.site / "index.html").as_uri())
    heads = browser.find_element(By.CSS_SELECTOR, 'a[href$="generated/heads/index.html"]').get_attribute("href")
    browser.get(heads)
    browser.find_element(By.LINK_TEXT, "L2-H3").click()
    browser.find_element(By.LINK_TEXT, "Explorer").click()
    first = _sampled(built_site.site)[0]["id"]
    _assert_view(browser, built_site.run_dir, first, 2, 3, "global")
    link = browser.find_element(By.CSS_SELECTOR, "a.bs-head-link")
    assert link.text == "L2-H3 head page" and link.get_attribute("href").endswith("generated/heads/L2-H3.html")


@pytest.mark.parametrize("page", ["method.html", "generated/mixing.html"])
def test_maths_renders_as_mathml_without_raw_tex(browser, built_site, page):
    browser.get((built_site.site / page).as_uri())
    text = browser.execute_script("return document.querySelector('article').innerText")
    assert not [tex for tex in ("\\(", "\\)", "\\[", "\\]", "$$") if tex in text]
    rendered = browser.execute_script(
        "return Array.from(document.querySelectorAll('article math'))"
        ".map(m => [getComputedStyle(m).display, m.getBoundingClientRect().height]);")
    assert len(rendered) >= 4
    assert all(display in ("math", "inline math", "block math") and height > 0 for display, height in rendered)


def test_search_works_offline(browser, built_site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get((built_site.site / "index.html").as_uri())
    field = browser.find_element(By.CSS_SELECTOR, ".md-search__input")
    field.click()
    field.send_keys("attribution")
    WebDriverWait(browser, WAIT_S).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".md-search-result__item"))
    assert "matching document" in browser.find_element(By.CSS_SELECTOR, ".md-search-result__meta").text
