"""Build the hosted report (GitHub Pages, ``.github/workflows/site.yml``): the default report and, beside it,
the report of the model of the paper, with the comparison between the two, linked from the home page.

    python .ci/pages.py                   # embedded MiniLM and bert-base-uncased, built-in corpus -> site/
    python .ci/pages.py --paper-optional  # the workflow: without the paper's model, the default site alone

In the current directory: both runs under ``results/`` (resumed from there: the workflow caches it), the site
in ``site/``::

    site/                the default run's report (as `bertstory build-site` writes it), whose Compare page sets it
                         beside the paper model's run; its home page links that page and the paper model's report
    site/<paper model>/  the paper model's report, whose Compare page sets it beside the default run; its home page
                         links that page and the default report

Each site is built from a copy of the repository's ``mkdocs.yml`` and hand-written pages, in a temporary folder
(nothing of the repository is written); the paper model's site is built into the default site's ``docs/``, so
MkDocs copies it and checks the home page's link to it. When the paper's model cannot be analysed (the hub
unreachable, say), the script says why in one line and exits with status 1; with ``--paper-optional`` it
builds the default site alone instead (its home page then links no other site) and exits with status 0, the
line a warning (a GitHub Actions annotation in the workflow).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from bertstory.commands.echo import echo_summary
from bertstory.errors import BertstoryError
from bertstory.models import DEFAULT_MODEL, EMBEDDED_MODEL_NAME
from bertstory.pipeline.analyze import run_analyze
from bertstory.pipeline.settings import DEFAULT_MAX_INPUTS, AnalyzeSettings
from bertstory.report.build import build_report
from bertstory.report.compare.build import compare_runs
from bertstory.report.markdown import escape
from bertstory.report.project import SiteSettings
from bertstory.results import slug

REPOSITORY = Path(__file__).resolve().parents[1]
"""Whose ``mkdocs.yml`` and hand-written pages (``docs/`` less ``docs/generated/``) every site is built from."""
SITE = Path("site")
PAPER_MODEL = "bert-base-uncased"
MAX_INPUTS = DEFAULT_MAX_INPUTS
"""Inputs of the built-in corpus each model analyses: the default run's 40, the same seeded sample for both
models, so that the comparison pairs every input. It fits the workflow's time: by `bertstory.engine.flops` on
this sample (inputs of at most 38 tokens), MiniLM-L6 does 3.9 TFLOP of probes and 4.7 for the estimator check
(exact maps, d tangents per token, of 2 inputs), bert-base 30.6 and 71.8: 12 times as much (per tangent
(768/384)² · 12/6 = 8 times the work, and twice the tangents in the check). The default `build-site` takes about
2 minutes on 2 CPU cores, so bert-base takes at most 24 minutes on 2 cores, about 12 on the runner's 4, plus a
few for its report (144 heads to MiniLM's 72): within the job's 60 minutes with a cold cache. A smaller sample
would save little, the check being most of it (20 inputs: 104 TFLOP, the check then falling on longer inputs)."""


def _analyze(model: str, max_inputs: int):
    """The run of ``model`` on the built-in corpus (resumed from ``results/``), with its findings tables."""
    summary = run_analyze(AnalyzeSettings(model=model, max_inputs=max_inputs, quiet=True),
                          log=lambda line: print(line, file=sys.stderr))
    echo_summary(summary)
    return summary.run_dir


def _project(folder: Path) -> Path:
    """A report project in ``folder`` made of the repository's ``mkdocs.yml`` and hand-written pages."""
    shutil.copytree(REPOSITORY / "docs", folder / "docs", ignore=lambda where, names:
                    ["generated"] if Path(where) == REPOSITORY / "docs" else [])
    shutil.copyfile(REPOSITORY / "mkdocs.yml", folder / "mkdocs.yml")
    return folder


def _model_title(model: str) -> str:
    return f"the embedded {EMBEDDED_MODEL_NAME}" if model == DEFAULT_MODEL else escape(model)


def _link_home(project: Path, title: str, other_model: str, other_report: str) -> None:
    """Add to the project's home page, before its first section (``## …``), a paragraph that links the report of
    ``other_model`` (``other_report``: a Markdown or HTML link text) and the Compare page of the two runs."""
    paragraph = (f"**{title}** The same analysis of {_model_title(other_model)} on the same inputs: {other_report}, "
                 "and [this run beside it](generated/compare/index.md).\n\n")
    home = project / "docs" / "index.md"
    lines = home.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next((k for k, line in enumerate(lines) if line.startswith("## ")), len(lines))
    home.write_text("".join(lines[:at]) + paragraph + "".join(lines[at:]), encoding="utf-8")


def build_pages(default_model: str, paper_model: str, max_inputs: int, paper_optional: bool) -> Path:
    """Analyse both models, then build ``site/``; returns its home page."""
    default_run = _analyze(default_model, max_inputs)
    try:
        paper_run = _analyze(paper_model, max_inputs)
    except BertstoryError as error:
        if not paper_optional:
            raise
        prefix = "::warning title=The paper's model is left out::" if os.environ.get("GITHUB_ACTIONS") else "Warning: "
        print(f"{prefix}the site shows the default model alone: {error}", file=sys.stderr)
        paper_run = None
    with tempfile.TemporaryDirectory(prefix="bertstory-pages-") as temporary:
        main = _project(Path(temporary) / "main")
        if paper_run is None:
            return build_report(default_run, main, SITE).index
        folder = slug(paper_model)
        paper = _project(Path(temporary) / "paper")
        # a link out of the paper site's docs/, which MkDocs cannot check: raw HTML (the test follows it)
        _link_home(paper, "The default model.", default_model, '<a href="../index.html">its report</a>')
        compare_runs([paper_run, default_run], SiteSettings(project=paper, site_dir=main / "docs" / folder))
        _link_home(main, "The paper's model.", paper_model, f"[its report]({folder}/index.html)")
        return compare_runs([default_run, paper_run], SiteSettings(project=main, site_dir=SITE)).index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=DEFAULT_MODEL, help="The default run's model (default: %(default)s).")
    parser.add_argument("--paper-model", default=PAPER_MODEL, help="The paper's model (default: %(default)s).")
    parser.add_argument("--max-inputs", type=int, default=MAX_INPUTS,
                        help="Inputs of the built-in corpus each model analyses (default: %(default)s).")
    parser.add_argument("--paper-optional", action="store_true",
                        help="When the paper's model cannot be analysed, warn and build the default site alone.")
    args = parser.parse_args()
    try:
        index = build_pages(args.model, args.paper_model, args.max_inputs, args.paper_optional)
    except BertstoryError as error:
        sys.exit(f"Error: {error}")
    except OSError as error:  # a full disk, a folder that cannot be written: one line, as the CLI says it
        sys.exit(f"Error: {error.strerror or error}{f': {error.filename}' if error.filename else ''}")
    print(f"Site: {index}")


if __name__ == "__main__":
    main()
