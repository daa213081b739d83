"""``bertstory compare`` on synthetic runs: the comparison section's pages and site, the numbers on
them against the runs' tables and per-input statistics (computed here independently), the corpus
rule, and one-line errors for runs that cannot be compared."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from bertstory.cli import cli
from bertstory.findings import FindingsConfig, write_findings
from bertstory.report.build import build_report
from bertstory.report.markdown import escape
from bertstory.results import RunFolder

from .synthetic import make_results

SAMPLES, SEED = 200, 3
PATTERNS = {"CLS": escape("[CLS]"), "SEP": escape("[SEP]"), "punct": "punctuation", "self": "self",
            "prev": "previous-token", "next": "next-token"}
"""Pattern classes as the pages' Markdown names them (the tokenizer's [CLS] and [SEP] escaped)."""


def fmt(value: float, decimals: int = 3) -> str:
    """The pages' number format, restated: ``decimals`` decimals, or ``decimals`` significant digits
    below 10^(1 − decimals) (down to 1e-12); ``n/a`` for NaN; never ``-0.000``."""
    value = float(value)
    if math.isnan(value):
        return "n/a"
    if 1e-12 <= abs(value) < 10 ** (1 - decimals):
        decimals = min(12, decimals - 1 - math.floor(math.log10(abs(value))))
    text = f"{value:.{decimals}f}"
    return text.lstrip("-") if float(text) == 0 else text


def percent(fraction: float) -> str:
    return f"{100 * fraction:.0f}%"


@dataclass(frozen=True)
class Compared:
    root: Path
    runs: dict[str, Path]
    project: Path
    output: str

    def page(self, a: str, b: str) -> str:
        return (self.project / "docs" / "generated" / "compare" / f"{self._stem(a)}-vs-{self._stem(b)}.md").read_text()

    def _stem(self, letter: str) -> str:
        return self.runs[letter].name


def _rewrite_record(run_dir: Path, **corpus) -> None:
    folder = RunFolder(run_dir)
    record = folder.record
    folder.write_record(record.replace(corpus=record.corpus.__class__(**{**record.corpus.__dict__, **corpus})))


@pytest.fixture(scope="module")
def compared(tmp_path_factory) -> Compared:
    """Runs A (2 layers × 3 heads), B (3 × 2) on A's corpus (its inputs.jsonl lists A's texts; another content
    hash) and C (2 × 2) on another corpus and without the faithfulness tables, compared by the CLI into a fresh
    project."""
    root = tmp_path_factory.mktemp("compare")
    a = make_results(root / "a", num_layers=2, num_heads=3, n_inputs=6, seed=0)
    b = make_results(root / "b", num_layers=3, num_heads=2, n_inputs=6, seed=1)
    c = make_results(root / "c", num_layers=2, num_heads=2, n_inputs=5, seed=2, faithfulness=False)
    listed_a = [json.loads(line) for line in (a / "inputs.jsonl").read_text().splitlines()]
    listed_b = [json.loads(line) for line in (b / "inputs.jsonl").read_text().splitlines()]
    for row_a, row_b in zip(listed_a, listed_b):
        row_b.update(text=row_a["text"], text_pair=row_a["text_pair"])  # B's tokens stay B's own
    (b / "inputs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in listed_b))
    _rewrite_record(b, content_hash="b" * 64)
    _rewrite_record(c, content_hash="c" * 64)
    project = root / "project"
    result = CliRunner().invoke(cli, ["compare", str(a), str(b), str(c), "--project", str(project),
                                      "--bootstrap-samples", str(SAMPLES), "--seed", str(SEED)])
    assert result.exit_code == 0, result.output
    return Compared(root=root, runs={"A": a, "B": b, "C": c}, project=project, output=result.output)


def test_compare_writes_an_index_and_a_page_per_pair_and_builds_the_site(compared):
    generated = compared.project / "docs" / "generated" / "compare"
    site = compared.project / "site" / "generated" / "compare"
    pairs = [("A", "B"), ("A", "C"), ("B", "C")]
    stems = [f"{compared.runs[x].name}-vs-{compared.runs[y].name}" for x, y in pairs]
    assert sorted(p.name for p in generated.glob("*.md")) == sorted(["index.md", *(f"{s}.md" for s in stems)])
    for stem in ["index", *stems]:
        assert (site / f"{stem}.html").is_file()  # the strict MkDocs build ran (use_directory_urls off)
    index = (generated / "index.md").read_text()
    for (x, y), stem in zip(pairs, stems):
        assert f"[{x} vs {y}]({stem}.md)" in index
    assert "[A vs B]" in index and "same corpus, compared input by input on 6 inputs" in index
    assert "[A vs C]" in index and "different corpora: aggregates only" in index
    # the pair of runs on one corpus has the input-by-input figure, the others not
    assert (generated / f"{stems[0]}-paired.png").is_file()
    assert not (generated / f"{stems[1]}-paired.png").exists()
    for stem in ["index", *stems]:
        assert (generated / f"{stem}-js.png").is_file() and (generated / f"{stem}-mixing.png").is_file()
    nav = (compared.project / "mkdocs.yml").read_text()
    assert "generated/compare/index.md" in nav


def test_per_layer_numbers_on_a_pair_page_equal_the_layers_tables(compared):
    page = compared.page("A", "B")
    for letter in ("A", "B"):
        layers = pd.read_csv(compared.runs[letter] / "tables" / "layers.csv")
        L = len(layers)
        for row in layers.itertuples():
            depth = fmt(row.layer / L, 2)
            assert (f"| {letter} | {row.layer} | {depth} | {fmt(row.js_attention_local_median)} | "
                    f"{fmt(row.js_attention_global_median)} |") in page
            assert (f"| {letter} | {row.layer} | {depth} | {fmt(row.own_share_median)} | {fmt(row.own_share_q25)} | "
                    f"{fmt(row.own_share_q75)} | {percent(row.own_top1_fraction)} |") in page


def test_faithfulness_curves_of_two_runs_side_by_side_only_when_both_have_them(compared):
    generated = compared.project / "docs" / "generated" / "compare"
    page = compared.page("A", "B")
    assert "## Agreement with global ablation per layer" in page
    for letter in ("A", "B"):
        layers = pd.read_csv(compared.runs[letter] / "tables" / "faithfulness_layers.csv")
        part = layers[layers["ground_truth"] == "ablation_global"]
        L = part["layer"].max()
        for layer, rows in part.groupby("layer"):
            cells = " | ".join(f"{fmt(r.spearman_median)} [{fmt(r.spearman_median_lo)}, {fmt(r.spearman_median_hi)}]"
                               for r in rows.itertuples())
            assert f"| {letter} | {layer} | {fmt(layer / L, 2)} | {cells} |" in page
    stem_ab, stem_ac = (f"{compared.runs['A'].name}-vs-{compared.runs[x].name}" for x in ("B", "C"))
    assert (generated / f"{stem_ab}-faithfulness.png").is_file()
    assert "global ablation" not in compared.page("A", "C")  # C was analysed without the faithfulness maps
    assert not (generated / f"{stem_ac}-faithfulness.png").exists()
    assert not (generated / "index-faithfulness.png").exists()


def test_pattern_and_persistence_counts_on_a_pair_page_equal_the_tables(compared):
    page = compared.page("A", "C")
    cells = {name: [] for name in PATTERNS}
    for letter in ("A", "C"):
        heads = pd.read_csv(compared.runs[letter] / "tables" / "heads.csv")
        persistence = pd.read_csv(compared.runs[letter] / "tables" / "persistence.csv")
        for name in PATTERNS:
            cells[name].append(str(int((heads["pattern"] == name).sum())))
            for view in ("local", "global"):
                part = persistence[(persistence["class"] == name) & (persistence["view"] == view)]
                cells[name].append(f"{int(part['n_persist'].sum())} ({int(part['n_persist_specific'].sum())})")
    for name, title in PATTERNS.items():
        assert f"| {title} | " + " | ".join(cells[name]) + " |" in page
    assert (heads["pattern"] == "prev").sum() == 1  # the planted previous-token head is counted


def _input_js(run_dir: Path, ids: list[str]) -> np.ndarray:
    """(inputs, L): each input's mean over rows and heads of JS(attention, global), from stats/<id>.npz."""
    out = []
    for input_id in ids:
        with np.load(run_dir / "stats" / f"{input_id}.npz") as stats:
            out.append(stats["pair_attention_global_js"].mean(axis=-1) / stats["rows"])
    return np.array(out)


def test_input_by_input_numbers_equal_an_independent_computation_from_the_statistics(compared):
    page = compared.page("A", "B")
    ids = [f"{k:05d}" for k in range(6)]
    js_a, js_b = _input_js(compared.runs["A"], ids), _input_js(compared.runs["B"], ids)
    # A has 2 layers, B 3: A's layer 1 (depth 1/2) goes with B's layer ceil(1·3/2) = 2, layer 2 with layer 3
    rows = [(1, 2, js_a[:, 0], js_b[:, 1]), (2, 3, js_a[:, 1], js_b[:, 2]),
            ("all layers", "all layers", js_a.mean(axis=1), js_b.mean(axis=1))]
    rng = np.random.default_rng(SEED)
    picks = rng.integers(0, len(ids), size=(SAMPLES, len(ids)))
    for layer_a, layer_b, a, b in rows:
        d = b - a
        lo, hi = np.percentile(d[picks].mean(axis=1), [2.5, 97.5])
        depth = "—" if layer_a == "all layers" else fmt(layer_a / 2, 2)
        line = (f"| {layer_a} | {layer_b} | {depth} | {fmt(a.mean())} | {fmt(b.mean())} | {fmt(d.mean())} | "
                f"[{fmt(lo)}, {fmt(hi)}] | {percent((d > 0).mean())} |")
        assert line in page, line
    assert "compared input by input on the 6 inputs" in page


def test_runs_on_different_corpora_are_compared_by_aggregates_only(compared):
    page = compared.page("A", "C")
    assert "The runs analysed different corpora" in page
    assert f"`{'c' * 16}`" in page
    assert "## Input by input" not in page
    assert "## Input by input" not in compared.page("B", "C")


@pytest.mark.parametrize("case", ["missing", "unfinished", "no tables", "one run", "twice"])
def test_a_run_that_cannot_be_compared_is_refused_in_one_line(compared, tmp_path, case):
    a = compared.runs["A"]
    other = tmp_path / "other"
    if case == "missing":
        runs, expected = [a, other], f"{other} is not a run folder"
    elif case == "unfinished":
        other = make_results(tmp_path, seed=7)
        folder = RunFolder(other)
        folder.write_record(folder.record.replace(status="running", finished=None))
        runs, expected = [a, other], f"{other} is an unfinished run (run.json status 'running')"
    elif case == "no tables":
        other = make_results(tmp_path, seed=8)
        (other / "tables" / "findings.json").unlink()
        runs, expected = [a, other], "lacks findings.json; run `bertstory findings"
    elif case == "one run":
        runs, expected = [a], "compare needs at least two run folders, got 1"
    else:
        runs, expected = [a, a], "are both run"
    project = tmp_path / "project"
    result = CliRunner().invoke(cli, ["compare", *map(str, runs), "--project", str(project)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and expected in lines[0], result.output
    assert not project.exists()  # refused before anything is written


def test_an_encoder_is_compared_with_a_causal_run_of_other_shape(compared, tmp_path):
    """A causal run (keys up to the query: `next` never exists, its columns empty) beside run A."""
    causal = make_results(tmp_path / "d", num_layers=3, num_heads=4, n_inputs=4, seed=9)
    folder = RunFolder(causal)
    folder.write_record(folder.record.replace(model=folder.record.model.__class__(
        **{**folder.record.model.__dict__, "causal": True})))
    for stats in (causal / "stats").glob("*.npz"):
        stats.unlink()
    write_findings(folder, FindingsConfig(bootstrap_samples=50), force=True)
    heads = pd.read_csv(causal / "tables" / "heads.csv")
    assert heads["mass_next_attention"].isna().all()
    project = tmp_path / "project"
    result = CliRunner().invoke(cli, ["compare", str(compared.runs["A"]), str(causal), "--project", str(project)])
    assert result.exit_code == 0, result.output
    page = (project / "docs" / "generated" / "compare" / f"{compared.runs['A'].name}-vs-{causal.name}.md").read_text()
    assert "| B | `" in page and "bert (causal) | 3 × 4 |" in page
    layers = pd.read_csv(causal / "tables" / "layers.csv")
    row = layers.iloc[-1]
    assert (f"| B | 3 | 1.00 | {fmt(row.js_attention_local_median)} | {fmt(row.js_attention_global_median)} |") in page


def test_a_plain_report_has_a_compare_index_that_says_how_to_compare(synthetic_run, tmp_path):
    build_report(synthetic_run, tmp_path / "project", build=False)
    index = (tmp_path / "project" / "docs" / "generated" / "compare" / "index.md").read_text()
    assert f"This report shows one run, `{synthetic_run.name}`." in index
    assert "`bertstory compare RUN_A RUN_B …`" in index
    assert list((tmp_path / "project" / "docs" / "generated" / "compare").iterdir()) == \
        [tmp_path / "project" / "docs" / "generated" / "compare" / "index.md"]


SENTENCES = ("The cat sat on the mat.\n" "Prices rose 3.5% in 2024.\n" "Where is the station, then?\n"
             "Photosynthesis needs light, water and air.\n")


def _analyze(model: Path, corpus: Path, out: Path) -> Path:
    result = CliRunner().invoke(cli, ["analyze", "--model", str(model), "--corpus", str(corpus), "--out", str(out),
                                      "--estimator", "exact", "--quiet"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return RunFolder.open(result.output.strip().rsplit("-> ", 1)[1]).path


def test_compare_tiny_encoder_and_decoder_runs_through_the_cli(tiny_model_dirs, tmp_path):
    """Tiny BERT and tiny GPT-2 analysed on one corpus of single sentences are compared input by input;
    tiny BERT on another corpus, by aggregates only; the strict MkDocs build passes."""
    corpus, other = tmp_path / "corpus.txt", tmp_path / "other.txt"
    corpus.write_text(SENTENCES, encoding="utf-8")
    other.write_text("A dog ran.\nThe river bank flooded.\n", encoding="utf-8")
    bert = _analyze(tiny_model_dirs["bert"], corpus, tmp_path / "results")
    gpt2 = _analyze(tiny_model_dirs["gpt2"], corpus, tmp_path / "results")
    bert_other = _analyze(tiny_model_dirs["bert"], other, tmp_path / "results")
    project = tmp_path / "project"
    result = CliRunner().invoke(cli, ["compare", str(bert), str(gpt2), str(bert_other), "--project", str(project)])
    assert result.exit_code == 0, result.output
    folder = project / "docs" / "generated" / "compare"
    same = (folder / f"{bert.name}-vs-{gpt2.name}.md").read_text()
    assert "compared input by input on the 4 inputs" in same
    assert "| B | `" in same and "gpt2 (causal) | 2 × 4 |" in same
    different = (folder / f"{bert.name}-vs-{bert_other.name}.md").read_text()
    assert "The runs analysed different corpora" in different and "## Input by input" not in different
    for letter, run in (("A", bert), ("B", gpt2)):
        layers = pd.read_csv(run / "tables" / "layers.csv")
        for row in layers.itertuples():
            assert (f"| {letter} | {row.layer} | {fmt(row.layer / len(layers), 2)} | "
                    f"{fmt(row.js_attention_local_median)} | {fmt(row.js_attention_global_median)} |") in same
    assert (project / "site" / "generated" / "compare" / f"{bert.name}-vs-{gpt2.name}.html").is_file()
