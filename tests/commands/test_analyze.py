"""``bertstory analyze`` end to end on tiny models: the results directory, resumption."""

import json
import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from bertstory.cli import cli
from bertstory.results import RunFolder

from tiny_models import DECODERS, FAMILIES


def analyze(*args):
    return CliRunner().invoke(cli, ["analyze", "--quiet", *map(str, args)])


def only_run(out):
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    return run_dir


NO_PAIR_TEMPLATE = ("gpt2", "gpt_neox", "qwen2")
"""Families whose tiny tokenizer (like the real one) has no pair template: they get single sentences."""


@pytest.mark.parametrize("family", FAMILIES)
def test_writes_complete_results_directory(tiny_model_dirs, small_corpus, single_sentence_corpus, tmp_path, family):
    corpus, n_inputs, n_pairs = (single_sentence_corpus, 4, 0) if family in NO_PAIR_TEMPLATE else (small_corpus, 5, 2)
    result = analyze("--model", tiny_model_dirs[family], "--corpus", corpus, "--out", tmp_path / "r")
    assert result.exit_code == 0, result.output
    run_dir = only_run(tmp_path / "r")
    run = json.loads((run_dir / "run.json").read_text())
    assert run["status"] == "complete" and run["finished"]
    assert run["model"]["model_type"] == family and run["model"]["num_layers"] == 2
    assert run["model"]["causal"] == (family in DECODERS)
    assert run["corpus"]["n_selected"] == n_inputs and run["n_inputs"] == n_inputs
    inputs = pd.read_json(run_dir / "inputs.jsonl", lines=True, dtype={"id": str})
    assert list(inputs.id) == [f"{k:05d}" for k in range(n_inputs)]
    assert inputs.text_pair.notna().sum() == n_pairs
    for row in inputs.itertuples():
        n = len(row.tokens)
        with np.load(run_dir / "maps" / f"{row.id}.npz") as maps:
            assert list(maps["tokens"]) == row.tokens
            for name in ("attention", "local", "global"):
                assert maps[name].shape == (2, 4, n, n) and maps[name].dtype == np.float32
                np.testing.assert_allclose(maps[name].sum(-1), 1, atol=1e-5)
            assert maps["contribution"].shape == (2, n, n)
    errors = pd.read_csv(run_dir / "tables" / "estimator_error.csv")
    assert set(errors.view) == {"local", "global", "contribution"} and 8 in set(errors.probes)
    heads = pd.read_csv(run_dir / "tables" / "heads.csv")
    assert len(heads) == 2 * 4 and (heads.n_inputs == n_inputs).all()


def test_settings_key_the_run_folder(tiny_bert_dir, small_corpus, tmp_path):
    out = tmp_path / "r"
    for extra in ([], ["--probes", "4"], ["--seed", "1"], ["--max-tokens", "20"], ["--estimator", "exact"]):
        assert analyze("--model", tiny_bert_dir, "--corpus", small_corpus, "--out", out, "--check-budget", 0, *extra).exit_code == 0
    assert len([p for p in out.iterdir() if p.is_dir()]) == 5


def test_longer_inputs_are_skipped_and_counted(tiny_bert_dir, small_corpus, tmp_path):
    result = analyze("--model", tiny_bert_dir, "--corpus", small_corpus, "--out", tmp_path, "--max-tokens", 12)
    assert result.exit_code == 0, result.output
    run = json.loads((only_run(tmp_path) / "run.json").read_text())
    assert run["corpus"]["n_skipped_too_long"] == 3 and run["n_inputs"] == 2
    assert "3 skipped as longer than --max-tokens" in result.output


def test_inputs_of_special_tokens_only_are_skipped_and_counted(tiny_bert_dir, small_corpus, tmp_path):
    """Control characters alone give BERT ``[CLS] [SEP]``: nothing of the text to analyse."""
    corpus = tmp_path / "with-control.txt"
    corpus.write_text(small_corpus.read_text(encoding="utf-8") + "\x01\x02\n\x7f\x7f\n", encoding="utf-8")
    result = analyze("--model", tiny_bert_dir, "--corpus", corpus, "--out", tmp_path / "o", "--check-budget", 0,
                     "--max-inputs", 0)
    assert result.exit_code == 0, result.output
    run_dir = only_run(tmp_path / "o")
    run = json.loads((run_dir / "run.json").read_text())
    assert run["corpus"]["n_skipped_no_text"] == 2 and run["corpus"]["n_selected"] == 7 and run["n_inputs"] == 5
    assert "2 skipped as giving only special tokens" in result.output
    texts = [json.loads(line)["text"] for line in (run_dir / "inputs.jsonl").read_text().splitlines()]
    assert not any("\x01" in text or "\x7f" in text for text in texts)


def test_interrupted_run_resumes_to_identical_files(tiny_bert_dir, small_corpus, tmp_path, monkeypatch):
    args = ("--model", tiny_bert_dir, "--corpus", small_corpus)
    assert analyze(*args, "--out", tmp_path / "straight").exit_code == 0

    real_save = RunFolder.save_maps
    saved = []

    def save_then_die(self, *a, **k):
        if len(saved) == 2:
            raise KeyboardInterrupt
        saved.append(a[0])
        return real_save(self, *a, **k)

    monkeypatch.setattr(RunFolder, "save_maps", save_then_die)
    interrupted = analyze(*args, "--out", tmp_path / "resumed")
    assert interrupted.exit_code == 130 and "rerun the same command to resume" in interrupted.output
    assert len(list((only_run(tmp_path / "resumed") / "maps").glob("*.npz"))) == 2
    monkeypatch.setattr(RunFolder, "save_maps", real_save)

    # a half-written map is recomputed, not trusted
    first = sorted((only_run(tmp_path / "resumed") / "maps").glob("*.npz"))[0]
    first.write_bytes(first.read_bytes()[:100])
    assert analyze(*args, "--out", tmp_path / "resumed").exit_code == 0

    straight, resumed = only_run(tmp_path / "straight"), only_run(tmp_path / "resumed")
    assert straight.name == resumed.name
    for name in ["inputs.jsonl", "tables/estimator_error.csv", "tables/heads.csv", "tables/layers.csv"] + [f"maps/{p.name}" for p in (straight / "maps").iterdir()]:
        assert (straight / name).read_bytes() == (resumed / name).read_bytes(), name


def test_rerun_computes_nothing(tiny_bert_dir, small_corpus, tmp_path):
    args = ("--model", tiny_bert_dir, "--corpus", small_corpus, "--out", tmp_path)
    assert analyze(*args).exit_code == 0
    again = analyze(*args)
    assert again.exit_code == 0 and "(0 computed now)" in again.output


def test_estimator_check_says_what_it_measures_and_how_long_it_takes(tiny_bert_dir, small_corpus, tmp_path):
    args = ["analyze", "--model", str(tiny_bert_dir), "--corpus", str(small_corpus), "--out", str(tmp_path)]
    output = CliRunner().invoke(cli, args).output
    said = re.search(r"estimator check: K = 8 against exact on (\d+) local, (\d+) global, (\d+) contribution map rows "
                     r"of (\d+) inputs \(reverse mode\); about \d+ s, (\d+)% of the run's compute", output)
    assert said, output
    table = pd.read_csv(only_run(tmp_path) / "tables" / "estimator_error.csv", dtype={"input_id": str})
    at_k = table[table.probes == 8]
    assert [int(said[i]) for i in (1, 2, 3)] == [int((at_k.view == view).sum()) for view in ("local", "global", "contribution")]
    assert int(said[4]) == at_k.input_id.nunique() and 0 < int(said[5]) <= 100
    assert sorted(set(table.probes)) == [1, 2, 4, 8, 16] and len(table) == 5 * len(at_k)
    assert table.tv.between(0, 1).all() and (table[table.probes == 16].tv < 1e-5).all()  # K = d is exact
    assert "estimator check" not in CliRunner().invoke(cli, args).output  # measured once: a rerun reuses the table


def test_estimator_check_follows_check_budget(tiny_bert_dir, small_corpus, tmp_path):
    rows = {}
    for budget in (0.05, 0.5):
        out = tmp_path / str(budget)
        assert analyze("--model", tiny_bert_dir, "--corpus", small_corpus, "--out", out, "--check-budget", budget).exit_code == 0
        rows[budget] = len(pd.read_csv(only_run(out) / "tables" / "estimator_error.csv"))
    assert 0 < rows[0.05] < rows[0.5]
    assert analyze("--model", tiny_bert_dir, "--corpus", small_corpus, "--out", tmp_path / "0", "--check-budget", 0).exit_code == 0
    assert not (only_run(tmp_path / "0") / "tables" / "estimator_error.csv").exists()


def test_statistics_written_by_analyze_equal_statistics_recomputed_from_the_maps(tiny_bert_dir, small_corpus, tmp_path):
    from bertstory.findings.statistics import STATISTICS_FORMAT, compute_statistics

    assert analyze("--model", tiny_bert_dir, "--corpus", small_corpus, "--out", tmp_path).exit_code == 0
    folder = RunFolder(only_run(tmp_path))
    assert folder.stats_ids() == folder.map_ids() == set(folder.inputs["id"])
    for input_id in sorted(folder.map_ids()):
        maps = folder.load_maps(input_id, normalise=True)
        expected = compute_statistics(maps, maps["tokens"], "[CLS]", "[SEP]", causal=False).arrays()
        written = folder.load_stats(input_id, STATISTICS_FORMAT)
        assert written["tokens"] == maps["tokens"]
        for name, array in expected.items():
            np.testing.assert_array_equal(written[name], array, err_msg=name)


def test_a_resumed_run_computes_missing_statistics_from_its_maps(tiny_bert_dir, small_corpus, tmp_path, monkeypatch):
    import bertstory.pipeline.analyze as pipeline

    args = ("--model", tiny_bert_dir, "--corpus", small_corpus, "--out", tmp_path, "--check-budget", 0)
    assert analyze(*args).exit_code == 0
    run_dir = only_run(tmp_path)
    written = {p.name: p.read_bytes() for p in (run_dir / "stats").iterdir()}
    maps = {p.name: p.stat().st_mtime_ns for p in (run_dir / "maps").iterdir()}
    for name in list(written)[:2]:
        (run_dir / "stats" / name).unlink()

    def no_maps(*args, **kwargs):
        raise AssertionError("maps recomputed")

    monkeypatch.setattr(pipeline, "input_maps", no_maps)
    again = analyze(*args)
    assert again.exit_code == 0, again.output
    assert "(0 computed now)" in again.output
    assert {p.name: p.read_bytes() for p in (run_dir / "stats").iterdir()} == written
    assert {p.name: p.stat().st_mtime_ns for p in (run_dir / "maps").iterdir()} == maps


def test_findings_thresholds_reach_the_tables_written_by_analyze(tiny_bert_dir, small_corpus, tmp_path):
    result = analyze("--model", tiny_bert_dir, "--corpus", small_corpus, "--out", tmp_path, "--check-budget", 0,
                     "--threshold-broad", 0, "--threshold-token", 1, "--threshold-positional", 1,
                     "--persist-enrichment", 5, "--bootstrap-samples", 7)
    assert result.exit_code == 0, result.output
    run_dir = only_run(tmp_path)
    config = json.loads((run_dir / "tables" / "findings.json").read_text())["config"]
    assert (config["threshold_broad"], config["persist_enrichment"], config["bootstrap_samples"]) == (0, 5, 7)
    assert config["seed"] == 0  # the run's seed: analyze takes no findings seed
    heads = pd.read_csv(run_dir / "tables" / "heads.csv")
    assert set(heads["label_attention"]) == {"broad"}
