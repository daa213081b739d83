"""``.ci/pages.py``, the hosted report of the Pages workflow, run as the workflow runs it, with tiny BERT
folders standing in for the embedded model and for the hub's bert-base-uncased: the default report, the paper
model's report beside it and the comparison, linked from the home page with links that resolve; and, when the
paper's model cannot be loaded, one line and a failure, or with ``--paper-optional`` the default site alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tiny_models import build_tiny_model

REPOSITORY = Path(__file__).resolve().parents[1]
SCRIPT = REPOSITORY / ".ci" / "pages.py"
INPUTS = 4
"""Of the built-in corpus, for each model (the workflow: 40)."""


VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
"""HTML elements without an end tag."""


class _Links(HTMLParser):
    """The ``href`` of every ``<a>`` in the page's ``<article>`` (its own text, not the theme's navigation)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if (tag == "article" or self.depth) and tag not in VOID_ELEMENTS:
            self.depth += 1
        href = dict(attrs).get("href")
        if self.depth and tag == "a" and href:
            self.hrefs.append(href)

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1


def article_links(page: Path) -> list[str]:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.hrefs


def dead_links(page: Path) -> list[str]:
    """Relative links of ``page``'s article whose target file does not exist."""
    dead = []
    for href in article_links(page):
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path:
            continue
        target = page.parent / unquote(parts.path)
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            dead.append(href)
    return dead


def run_script(cwd: Path, *args, **environment: str) -> subprocess.CompletedProcess:
    """Run the script in ``cwd`` on :data:`INPUTS` inputs, with this repository's code and ``environment`` added."""
    env = {key: value for key, value in os.environ.items() if key not in ("GITHUB_ACTIONS", "HF_HUB_OFFLINE")}
    env.update(PYTHONPATH=str(REPOSITORY / "analysis"), OMP_NUM_THREADS="1", **environment)
    command = [sys.executable, str(SCRIPT), "--max-inputs", str(INPUTS), *map(str, args)]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def models(tmp_path_factory, embedded_tokenizer) -> dict[str, Path]:
    """Two tiny BERT folders: the default model, and ``hub/bert-base-uncased``, the paper's (another seed)."""
    root = tmp_path_factory.mktemp("models")
    folders = {"default": root / "tiny-default", "paper": root / "hub" / "bert-base-uncased"}
    for seed, folder in enumerate(folders.values()):
        build_tiny_model("bert", len(embedded_tokenizer), seed=seed).save_pretrained(folder)
        embedded_tokenizer.save_pretrained(folder)
    return folders


@pytest.fixture(scope="module")
def hosted(tmp_path_factory, models) -> Path:
    """The folder the script ran in, with both models."""
    cwd = tmp_path_factory.mktemp("pages")
    result = run_script(cwd, "--model", models["default"], "--paper-model", models["paper"])
    assert result.returncode == 0, result.stderr
    return cwd


def test_the_site_has_both_reports_and_the_comparison_linked_from_the_home_page(hosted, models):
    site = hosted / "site"
    runs = sorted(path.name for path in (hosted / "results").iterdir())
    default_run = next(name for name in runs if name.startswith("tiny-default-"))
    paper_run = next(name for name in runs if name.startswith("bert-base-uncased-"))
    home = site / "index.html"
    links = article_links(home)
    assert "bert-base-uncased/index.html" in links
    assert "generated/compare/index.html" in links
    assert dead_links(home) == []
    paper_home = site / "bert-base-uncased" / "index.html"
    assert "../index.html" in article_links(paper_home)
    assert dead_links(paper_home) == []
    # each site is its own run's report, with the comparison of the two runs, that run first
    for folder, first, second in ((site, default_run, paper_run), (site / "bert-base-uncased", paper_run, default_run)):
        reproduce = (folder / "generated" / "reproduce.html").read_text(encoding="utf-8")
        assert first in reproduce and second not in reproduce
        pair = folder / "generated" / "compare" / f"{first}-vs-{second}.html"
        assert pair.is_file()
        compare_index = folder / "generated" / "compare" / "index.html"
        assert f"{first}-vs-{second}.html" in article_links(compare_index)
    # both runs analysed the same inputs, so the comparison pairs them input by input
    listed = [[(row["text"], row["text_pair"]) for row in map(json.loads, (hosted / "results" / run / "inputs.jsonl")
                                                             .read_text(encoding="utf-8").splitlines())]
              for run in (default_run, paper_run)]
    assert len(listed[0]) == INPUTS and listed[0] == listed[1]


def test_a_paper_model_that_cannot_be_loaded_fails_in_one_line_or_leaves_the_default_site_alone(hosted, models):
    """Offline, a hub name not in the cache cannot be loaded (the default run is resumed from ``results/``)."""
    absent = "bertstory-test/no-such-model"
    failed = run_script(hosted, "--model", models["default"], "--paper-model", absent, HF_HUB_OFFLINE="1")
    assert failed.returncode == 1
    assert failed.stderr.strip().count("\n") == 0 and failed.stderr.startswith("Error: ")
    assert absent in failed.stderr and "Traceback" not in failed.stderr
    alone = run_script(hosted, "--model", models["default"], "--paper-model", absent, "--paper-optional",
                       HF_HUB_OFFLINE="1", GITHUB_ACTIONS="true")
    assert alone.returncode == 0, alone.stderr
    warning = [line for line in alone.stderr.splitlines() if line.startswith("::warning ")]
    assert len(warning) == 1 and f"the site shows the default model alone: model '{absent}'" in warning[0]
    site = hosted / "site"
    assert not (site / "bert-base-uncased").exists()
    home = site / "index.html"
    assert not any("bert-base-uncased" in href for href in article_links(home))
    assert dead_links(home) == []
    assert "-vs-" not in " ".join(article_links(site / "generated" / "compare" / "index.html"))
