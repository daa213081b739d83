"""``bertstory build-site`` on a tiny GPT-2 (with its own tokenizer): the strict MkDocs build
passes, pages name the first and end tokens from the run and leave out ``next``, and no page
or figure title says [CLS] or [SEP]."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from click.testing import CliRunner

from bertstory.cli import cli
from bertstory.report import frames
from bertstory.report.figures import labels, persistence
from bertstory.report.figures.heads import HeadFigure
from bertstory.report.naming import class_names
from bertstory.results import RunFolder

SINGLE_SENTENCES = (
    "The cat sat on the mat.\n"
    "Where is the station? Turn left at the bridge.\n"
    "A dog ran to the river bank, and the bird sang.\n"
)


@pytest.fixture(scope="module")
def decoder_site(tiny_model_dirs, tmp_path_factory):
    root = tmp_path_factory.mktemp("decoder-site")
    corpus = root / "corpus.txt"
    corpus.write_text(SINGLE_SENTENCES, encoding="utf-8")
    project = root / "project"
    result = CliRunner().invoke(
        cli,
        ["build-site", "--model", str(tiny_model_dirs["gpt2"]), "--corpus", str(corpus), "--out",
         str(root / "results"), "--project", str(project), "--estimator", "exact", "--bootstrap-samples", "20",
         "--quiet"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    (run_dir,) = (root / "results").iterdir()
    return project, RunFolder.open(run_dir)


def test_the_strict_build_passes_and_pages_name_the_first_and_end_tokens(decoder_site):
    decoder_site, _ = decoder_site
    assert (decoder_site / "site" / "index.html").is_file()
    generated = decoder_site / "docs" / "generated"
    head = (generated / "heads" / "L1-H1.md").read_text(encoding="utf-8")
    rows = [line.split("|")[1].strip() for line in head.splitlines() if line.startswith("| ")]
    assert "first token" in rows and "end token" in rows
    assert "next" not in rows and "[CLS]" not in rows and "[SEP]" not in rows
    assert "(gpt2, a decoder: causal mask, revision" in (generated / "index.md").read_text(encoding="utf-8")
    patterns = (generated / "patterns.md").read_text(encoding="utf-8")
    assert '!!! note "A decoder"' in patterns and "there is no `next` class" in patterns
    spearman_header = next(line for line in patterns.splitlines() if line.startswith("| layer | first-token"))
    assert "next-token" not in spearman_header and "end-token" in spearman_header
    for page in generated.rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"\[CLS\]|\[SEP\]", text), page


def test_figures_name_the_first_token_and_leave_out_next(decoder_site):
    _, run = decoder_site
    names = class_names(run.record)
    heads = run.table("heads")
    fig = labels.mass_by_layer(heads, names)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles == ["mass on first token", "mass on end token", "mass on punctuation", "mass on self",
                      "mass on previous"]
    plt.close(fig)
    fig = persistence.persistence(heads, run.table("persistence"), 2.0, names)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert [t.split(":")[0] for t in titles] == ["first-token", "end-token", "punctuation", "self", "previous-token"]
    plt.close(fig)
    fig = labels.transition_heatmap(run.table("transitions"), names)
    rows = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert rows[:2] == ["first token", "end token"] and "next" not in rows and "CLS" not in rows
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == rows
    plt.close(fig)
    fig = labels.label_grids(heads, names)
    legend = {t.get_text() for t in fig.legends[0].get_texts()}
    present = set(pd.concat([heads[f"label_{view}"] for view in ("attention", "local", "global")]))
    assert legend == {{"CLS": "first token", "SEP": "end token"}.get(label, label) for label in present}
    plt.close(fig)
    drawer = HeadFigure(frames.positions(run.table("positions")), heads, names)
    ticks = [t.get_text() for t in drawer.fig.axes[1].get_xticklabels()]
    assert ticks == ["first token", "end token", "punctuation", "“.”", "“,”", "self", "previous"]
    offsets = [t.get_text() for t in drawer.fig.axes[0].get_xticklabels()]
    assert offsets == ["−5", "−4", "−3", "−2", "−1", "0"]  # keys after the query do not exist in a decoder
