"""Fixtures of the report tests: a synthetic run (fast, any size) and a site built end to end
by ``bertstory build-site`` on a tiny random BERT."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from bertstory.cli import cli
from bertstory.maps import run_maps

from .synthetic import make_results

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

CORPUS = (
    "The cat sat on the mat.\n"
    "Tokenization splits unbelievably long words, doesn't it?\n"
    "Prices rose 3.5% in 2024.\tNobody was surprised.\n"
    "Where is the station?\tTurn left at the bridge.\n"
    "Photosynthesis needs light, water and air.\n"
)


@pytest.fixture(autouse=True)
def synthetic_runs_have_the_first_four_maps():
    """The synthetic runs hold the first four maps only (``run.json`` ``faithfulness: false``): a test
    that hands one to a drawer or writer directly reads it among those maps, as ``build_report`` does
    (a real run read by ``build_report``, ``analyze`` or ``findings`` sets its own, :func:`run_maps`)."""
    with run_maps(False):
        yield


@dataclass(frozen=True)
class BuiltSite:
    """A project built by ``build-site``: its folder, the run folder and the CLI output."""

    project: Path
    run_dir: Path
    output: str

    @property
    def site(self) -> Path:
        return self.project / "site"


@pytest.fixture(scope="session")
def synthetic_run(tmp_path_factory) -> Path:
    """A synthetic probes run: 2 layers × 3 heads, 6 inputs."""
    return make_results(tmp_path_factory.mktemp("synthetic"), num_layers=2, num_heads=3, n_inputs=6)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, tiny_bert_dir) -> BuiltSite:
    """``bertstory build-site`` on a tiny random BERT (2 layers × 4 heads) and five inputs,
    into a fresh (standalone) project folder."""
    root = tmp_path_factory.mktemp("build-site")
    corpus = root / "corpus.txt"
    corpus.write_text(CORPUS, encoding="utf-8")
    project = root / "project"
    result = CliRunner().invoke(
        cli,
        ["build-site", "--model", str(tiny_bert_dir), "--corpus", str(corpus), "--out", str(root / "results"),
         "--project", str(project), "--check-budget", "0.1", "--quiet"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    (run_dir,) = (root / "results").iterdir()
    return BuiltSite(project=project, run_dir=run_dir, output=result.output)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Chromium driven by Selenium, every network request refused (proxy on a closed port,
    every host name unresolvable)."""
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip("no /usr/bin/chromium with /usr/bin/chromedriver")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium')}", "--window-size=1400,1000",
                "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()
