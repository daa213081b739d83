"""Corpus text is shown, never run: a site built by ``bertstory build-site`` from a hostile corpus on a
tiny random BERT shows its texts literally on every head page and runs none of them, in its HTML and in
headless Chromium; so do the pages of ``bertstory compare`` (with hostile special tokens too) and the
Python a saved explanation's Reproduce page gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bertstory.cli import cli
from bertstory.report.compare.build import compare_runs
from bertstory.report.naming import head_name
from bertstory.report.pages import PageWriter
from bertstory.report.project import Layout, SiteSettings
from bertstory.results import EXPLAIN_SOURCE, RunFolder, SpecialTokens

from .conftest import BuiltSite
from .hostile import MARK, PAIR, TEXT, Page, shown, site_markdown
from .synthetic import make_results

EXAMPLES = (f"“{shown(TEXT)}”", f"“{shown(PAIR[0])}” | “{shown(PAIR[1])}”")
"""How a head page shows the two inputs of the hostile corpus."""


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory, tiny_bert_dir) -> BuiltSite:
    """``bertstory build-site`` on a tiny random BERT and a corpus of the hostile sentence and pair,
    which are then every head page's examples."""
    root = tmp_path_factory.mktemp("hostile")
    corpus = root / "corpus.jsonl"
    corpus.write_text(json.dumps({"text": TEXT}) + "\n" + json.dumps({"text": PAIR[0], "text_pair": PAIR[1]}) + "\n",
                      encoding="utf-8")
    project = root / "project"
    result = CliRunner().invoke(
        cli, ["build-site", "--model", str(tiny_bert_dir), "--corpus", str(corpus), "--out", str(root / "results"),
              "--project", str(project), "--check-budget", "0", "--quiet"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    (run_dir,) = (root / "results").iterdir()
    return BuiltSite(project=project, run_dir=run_dir, output=result.output)


def _head_pages(site: BuiltSite) -> list[Path]:
    record = RunFolder(site.run_dir).record
    return [site.site / "generated" / "heads" / f"{head_name(layer, head)}.html"
            for layer in range(1, record.num_layers + 1) for head in range(1, record.num_heads + 1)]


def test_every_page_of_the_site_shows_corpus_text_and_runs_none_of_it(hostile_site):
    pages = sorted(hostile_site.site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        assert Page(page.read_text(encoding="utf-8")).injected == [], page
    for page in _head_pages(hostile_site):
        text = shown(Page(page.read_text(encoding="utf-8")).text)
        assert all(example in text for example in EXAMPLES), page
    index = json.loads((hostile_site.site / "search" / "search_index.json").read_text(encoding="utf-8"))
    for entry in index["docs"]:  # search results show an entry's text as HTML
        found = Page(entry["text"])
        assert found.injected == [] and not {"script", "img", "svg", "iframe"} & {t for t, _ in found.tags}, entry


@pytest.mark.browser
def test_in_chromium_no_corpus_text_runs_and_head_pages_show_it(browser, hostile_site):  # noqa: F811
    pages = sorted((hostile_site.site / "generated").rglob("*.html"))
    heads = set(_head_pages(hostile_site))
    for page in pages:
        browser.get(page.as_uri())
        state = browser.execute_script(
            "const handlers = [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]"
            "  .filter(a => a.name.startsWith('on') && a.value.includes(arguments[0]))"
            "  .map(a => e.tagName + ' ' + a.name));"
            "return {pwned: window[arguments[0]] === undefined ? null : String(window[arguments[0]]),"
            " handlers: handlers,"
            " links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))"
            "   .filter(h => h.trim().toLowerCase().startsWith('javascript:')),"
            " text: document.body.innerText};", MARK)
        assert state["pwned"] is None, page
        assert state["handlers"] == [] and state["links"] == [], (page, state["handlers"], state["links"])
        if page in heads:
            assert all(example in shown(state["text"]) for example in EXAMPLES), page
    assert heads <= set(pages)


def test_compare_pages_show_hostile_texts_and_special_tokens_and_run_none_of_them(tmp_path):
    """Two runs whose corpus is hostile and whose tokenizer's special tokens are too, compared: every
    page written, in the site's Markdown, shows the tokens and runs nothing."""
    cls, sep = '[CLS](javascript:window.__pwned=1){: onclick="window.__pwned=2"}', '<img src=y onerror="__pwned=3">'
    runs = [make_results(tmp_path / name, num_layers=2, num_heads=2, n_inputs=3, seed=seed)
            for seed, name in enumerate("ab")]
    for run_dir in runs:
        run = RunFolder(run_dir)
        run.write_record(run.record.replace(special_tokens=SpecialTokens(cls, sep)))
        hostile = [TEXT, *PAIR]
        run.write_inputs([{**row, "text": hostile[k % 3], "text_pair": None}
                          for k, row in enumerate(run.inputs.to_dict("records"))])
    report = compare_runs(runs, SiteSettings(project=tmp_path / "project"), build=False)
    md = site_markdown()
    pages = sorted(report.layout.generated.rglob("*.md"))
    for page in pages:
        md.reset()
        assert Page(md.convert(page.read_text(encoding="utf-8"))).injected == [], page
    compared = [page for page in pages if page.parent.name == "compare" and page.stem != "index"]
    assert len(compared) == 1
    md.reset()
    text = Page(md.convert(compared[0].read_text(encoding="utf-8"))).text
    assert cls in text and sep in text  # the pattern table's rows of the CLS and SEP classes


def test_reproduce_page_of_an_explanation_gives_its_hostile_text_as_python_that_runs_nothing(tmp_path):
    run = RunFolder(make_results(tmp_path / "runs", n_inputs=1))
    run.write_record(run.record.replace(corpus=run.record.corpus.__class__(
        **{**run.record.corpus.__dict__, "source": EXPLAIN_SOURCE})))
    (row,) = run.inputs.to_dict("records")
    run.write_inputs([{**row, "text": TEXT, "text_pair": PAIR[1]}])
    path = PageWriter(run, Layout(tmp_path / "project"), []).reproduce(
        {"tables": [], "figures": [], "run_json": "run.json"})
    page = Page(site_markdown().convert(path.read_text(encoding="utf-8")))
    assert page.injected == []
    assert f"bertstory.explain('/tmp/tiny-bert', {TEXT!r}, text_pair={PAIR[1]!r}," in page.text
