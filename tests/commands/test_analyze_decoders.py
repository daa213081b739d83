"""``bertstory analyze`` on tiny decoders saved with their own tokenizers (GPT-2, GPT-NeoX, Llama):
run.json says causal and names the first and end tokens, maps are zero above the diagonal, the
first token is the CLS class, ``next`` is missing from the tables, and pairs are refused when the
tokenizer has no pair template."""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from bertstory.cli import cli
from bertstory.maps import views

EXPECTED_SPECIAL_TOKENS = {
    "gpt2": {"cls": "<|endoftext|>", "sep": "<|endoftext|>"},
    "gpt_neox": {"cls": "<|endoftext|>", "sep": "<|endoftext|>"},
    "llama": {"cls": "<s>", "sep": "</s>"},
}
"""The tokenizers' BOS and EOS strings."""


def analyze(*args):
    return CliRunner().invoke(cli, ["analyze", "--quiet", *map(str, args)])


@pytest.fixture(scope="module", params=sorted(EXPECTED_SPECIAL_TOKENS))
def decoder_run(request, tiny_model_dirs, tmp_path_factory):
    """A decoder's run on four single sentences, exact estimator."""
    out = tmp_path_factory.mktemp(f"decoder-{request.param}")
    corpus = out / "singles.txt"
    corpus.write_text("The cat sat on the mat.\nWhere is the station? Turn left.\nA dog ran, and the bird sang.\n"
                      "Photosynthesis needs light.\n", encoding="utf-8")
    result = analyze("--model", tiny_model_dirs[request.param], "--corpus", corpus, "--out", out / "r",
                     "--estimator", "exact", "--bootstrap-samples", 20)
    assert result.exit_code == 0, result.output
    (run_dir,) = (out / "r").iterdir()
    return request.param, run_dir


def test_run_json_records_a_causal_model_and_its_first_and_end_tokens(decoder_run):
    family, run_dir = decoder_run
    run = json.loads((run_dir / "run.json").read_text())
    assert run["model"]["causal"] is True and run["model"]["model_type"] == family
    assert run["special_tokens"] == EXPECTED_SPECIAL_TOKENS[family]


def test_maps_are_zero_above_the_diagonal_and_rows_stochastic(decoder_run):
    _, run_dir = decoder_run
    inputs = pd.read_json(run_dir / "inputs.jsonl", lines=True, dtype={"id": str})
    for row in inputs.itertuples():
        n = len(row.tokens)
        future = np.triu(np.ones((n, n), dtype=bool), k=1)
        with np.load(run_dir / "maps" / f"{row.id}.npz") as maps:
            for name in ("attention", "local", "global", "contribution"):
                assert (maps[name][..., future] == 0).all(), (row.id, name)
                np.testing.assert_allclose(maps[name].sum(-1), 1, atol=1e-5)


def test_the_first_token_is_the_cls_class_whatever_it_is(decoder_run):
    family, run_dir = decoder_run
    inputs = pd.read_json(run_dir / "inputs.jsonl", lines=True, dtype={"id": str})
    first = {tokens[0] for tokens in inputs.tokens}
    if family == "llama":
        assert first == {"<s>"}  # the Llama tokenizer adds its BOS
    else:
        assert "<|endoftext|>" not in first  # GPT-2's adds none: the first token is the first word
    # every row sees the first token: the CLS mass is the mean over all rows of the column of token 0
    column, rows = 0.0, 0
    for row in inputs.itertuples():
        with np.load(run_dir / "maps" / f"{row.id}.npz") as maps:
            attention = maps["attention"].astype(np.float64)
        attention /= attention.sum(-1, keepdims=True)
        column = column + attention[..., :, 0].sum(-1)
        rows += len(row.tokens)
    heads = pd.read_csv(run_dir / "tables" / "heads.csv").sort_values(["layer", "head"])
    np.testing.assert_allclose(heads["mass_cls_attention"], (column / rows).reshape(-1), rtol=1e-9)


def test_next_is_missing_from_the_tables_not_zero(decoder_run):
    _, run_dir = decoder_run
    tables = run_dir / "tables"
    heads = pd.read_csv(tables / "heads.csv")
    next_columns = [c for c in heads.columns if c.startswith(("mass_next_", "enrichment_next_", "specific_next_"))]
    assert len(next_columns) == len(views()) * (1 + 3 * 2)  # mass; enrichment and specificity with bounds, per view
    assert heads[next_columns].isna().all().all()
    assert heads["mass_prev_attention"].notna().all()
    assert not (heads[[f"label_{v}" for v in views()]] == "next").any().any()
    layers = pd.read_csv(tables / "layers.csv")
    assert layers[[c for c in layers.columns if c.startswith("mass_next_")]].isna().all().all()
    positions = pd.read_csv(tables / "positions.csv")
    after = positions[positions["offset"] > 0]
    assert after["mass"].isna().all() and (after["n_queries"] == 0).all()
    assert positions.loc[positions["offset"] <= 0, "mass"].notna().all()


def test_a_pair_is_refused_in_one_line_before_any_compute(tiny_model_dirs, small_corpus, tmp_path):
    result = analyze("--model", tiny_model_dirs["gpt2"], "--corpus", small_corpus, "--out", tmp_path / "r")
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: input 00002 of "), result.output
    assert "2 of the 5 sampled inputs" in lines[0] and "no pair template" in lines[0]
    assert "use a corpus of single sentences" in lines[0]
    assert not (tmp_path / "r").exists() or not any((tmp_path / "r").iterdir())


def test_a_tokenizer_that_joins_pairs_takes_them(tiny_model_dirs, small_corpus, tmp_path):
    # the Llama tokenizer puts its BOS between the two texts: a pair template
    result = analyze("--model", tiny_model_dirs["llama"], "--corpus", small_corpus, "--out", tmp_path / "r",
                     "--check-budget", 0)
    assert result.exit_code == 0, result.output
    (run_dir,) = (tmp_path / "r").iterdir()
    inputs = pd.read_json(run_dir / "inputs.jsonl", lines=True, dtype={"id": str})
    pair = inputs[inputs.text_pair.notna()].iloc[0]
    assert pair.tokens.count("<s>") == 2
