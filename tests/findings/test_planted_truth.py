"""Planted truth: hand-set tiny BERTs (tests/planted.py) whose answers are known analytically.

(a) L2-H1 copies the previous token through an identity residual path: its ``prev`` pattern
    must persist into local and global attribution, specifically.
(b) L2-H1 attends to [CLS] after layer 1 mixed every position: attention and local attribution
    say ``CLS``, global attribution must not.

Facts that need no bertstory are checked with transformers and a float64 reverse-mode
Jacobian; the rest by running ``bertstory analyze --estimator exact`` on the saved model and
reading the ``heads`` and ``persistence`` tables it writes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner

from bertstory.cli import cli
from planted import MIXING_GAIN, PLANTED_HEAD, cls_sink_model, previous_token_model, save_model

# Short sentences and pairs, each with punctuation.
CORPUS = (
    "The cat sat on the mat.\n"
    "Dogs bark at night.\n"
    "She reads books, mostly novels.\n"
    "Rain fell all day.\n"
    "We left early.\tIt was late.\n"
    "It is cold here.\n"
    "Where is the station?\tTurn left.\n"
    "Birds sing in spring.\n"
)
ORACLE_INPUTS = (2, 4)  # the reverse-mode oracle runs on one sentence and one pair
LAYER, HEAD = PLANTED_HEAD
PLANTED = (LAYER + 1, HEAD + 1)  # L2-H1, as the tables number it


def build(kind: str, tokenizer) -> torch.nn.Module:
    builder = {"prev": previous_token_model, "cls": cls_sink_model}[kind]
    return builder(tokenizer.vocab_size, tokenizer.cls_token_id)


def encoded_inputs(tokenizer):
    """``(index, encoding)`` of every corpus line."""
    for index, line in enumerate(CORPUS.splitlines()):
        yield index, tokenizer(*line.split("\t"), return_tensors="pt")


def head_output_jacobian_norms(model: torch.nn.Module, embeddings: torch.Tensor) -> torch.Tensor:
    """Oracle ``‖∂o_j/∂e⁰_i‖_F`` (n, n) of the planted head, by float64 reverse mode."""
    captured = {}
    attention = model.encoder.layer[LAYER].attention.self
    hook = attention.register_forward_hook(lambda module, args, out: captured.update(context=out[0]))
    columns = slice(HEAD * 8, (HEAD + 1) * 8)

    def head_output(x: torch.Tensor) -> torch.Tensor:
        model.encoder(x[None])
        return captured["context"][0][:, columns]

    try:
        jacobian = torch.autograd.functional.jacobian(head_output, embeddings)  # (n, 8, n, d)
    finally:
        hook.remove()
    return jacobian.pow(2).sum(dim=(1, 3)).sqrt()


@pytest.fixture(scope="module")
def planted_runs(tmp_path_factory, embedded_tokenizer) -> dict:
    """Each planted model saved and analysed with the exact estimator: ``{kind: run folder}``."""
    root = tmp_path_factory.mktemp("planted")
    corpus = root / "corpus.txt"
    corpus.write_text(CORPUS, encoding="utf-8")
    runs = {}
    for kind in ("prev", "cls"):
        folder = save_model(build(kind, embedded_tokenizer), embedded_tokenizer, root / f"model-{kind}")
        out = root / f"results-{kind}"
        result = CliRunner().invoke(cli, ["analyze", "--quiet", "--model", str(folder), "--corpus", str(corpus),
                                          "--out", str(out), "--estimator", "exact"])
        assert result.exit_code == 0, result.output
        (runs[kind],) = [p for p in out.iterdir() if p.is_dir()]
    return runs


def tables_of(run_dir):
    """The ``heads`` table indexed by (layer, head), the ``persistence`` table indexed by
    (layer, class, view), and each input's number of tokens."""
    heads = pd.read_csv(run_dir / "tables" / "heads.csv").set_index(["layer", "head"])
    persistence = pd.read_csv(run_dir / "tables" / "persistence.csv").set_index(["layer", "class", "view"])
    lengths = pd.read_json(run_dir / "inputs.jsonl", lines=True)["tokens"].map(len).to_numpy()
    return heads, persistence, lengths


# ---- (a) previous-token head ----------------------------------------------------------

def test_previous_token_model_analytic_facts(embedded_tokenizer):
    model = build("prev", embedded_tokenizer).double()
    for index, encoded in encoded_inputs(embedded_tokenizer):
        out = model(**encoded, output_attentions=True, output_hidden_states=True)
        n = encoded["input_ids"].shape[1]
        planted = out.attentions[LAYER][0, HEAD]
        assert planted[torch.arange(1, n), torch.arange(n - 1)].min() > 1 - 1e-9  # one-hot on j − 1
        torch.testing.assert_close(out.attentions[0][0], torch.full((4, n, n), 1.0 / n, dtype=torch.float64))
        torch.testing.assert_close(out.hidden_states[1], out.hidden_states[0], atol=1e-10, rtol=0)  # e¹ = e⁰
        if index not in ORACLE_INPUTS:
            continue
        norms = head_output_jacobian_norms(model, out.hidden_states[0][0].detach())
        share = norms / norms.sum(dim=-1, keepdim=True)
        assert share[torch.arange(1, n), torch.arange(n - 1)].min() > 1 - 1e-6  # global row one-hot on j − 1


def test_previous_token_pattern_persists_specifically(planted_runs):
    heads, persistence, lengths = tables_of(planted_runs["prev"])
    head = heads.loc[PLANTED]
    assert head["label_attention"] == "prev" and head["pattern"] == "prev"
    # every other head attends uniformly: broad, no pattern
    others = heads.drop(index=PLANTED)
    assert (others["pattern"] == "none").all() and (others["label_attention"] == "broad").all()
    # E_prev reaches its maximum Σ(n − 1) / Σ((n − 1)/n) in all three views
    best = (lengths - 1).sum() / ((lengths - 1) / lengths).sum()
    for view in ("attention", "local", "global"):
        assert head[f"enrichment_prev_{view}"] == pytest.approx(best, rel=1e-4)
    # the layer's mean map has prev mass ≈ (1 + 3/n)/4: S_prev ≈ 4n/(n + 3), from the rows themselves
    uniform_share = ((lengths - 1) / lengths).sum() / (lengths - 1).sum()
    assert head["specific_prev_attention"] == pytest.approx(4 / (1 + 3 * uniform_share), rel=1e-4)
    for view in ("local", "global"):
        assert head[f"enrichment_prev_{view}_lo"] > 1 and head[f"specific_prev_{view}"] >= 1.2
        assert head[f"specific_prev_{view}_lo"] > 1
        assert head[f"persists_{view}"] and head[f"persists_specific_{view}"]
        assert heads[f"persists_{view}"].sum() == 1  # no other head has a pattern to persist
        row = persistence.loc[(PLANTED[0], "prev", view)]
        assert row[["n_heads_with_pattern", "n_persist", "n_persist_specific"]].tolist() == [1, 1, 1]
    # across the layer's heads, the head that looks at prev more depends on prev more
    assert persistence.loc[(PLANTED[0], "prev", "global"), "spearman_mass"] > 0.5


# ---- (b) [CLS] head behind planted mixing -------------------------------------------------

def test_cls_sink_model_analytic_facts(embedded_tokenizer):
    model = build("cls", embedded_tokenizer).double()
    for index, encoded in encoded_inputs(embedded_tokenizer):
        out = model(**encoded, output_attentions=True)
        n = encoded["input_ids"].shape[1]
        assert out.attentions[LAYER][0, HEAD][:, 0].min() > 1 - 1e-9  # every query on [CLS]
        if index not in ORACLE_INPUTS:
            continue
        embeddings = model.embeddings(input_ids=encoded["input_ids"], token_type_ids=encoded["token_type_ids"])
        norms = head_output_jacobian_norms(model, embeddings[0].detach())
        share = (norms / norms.sum(dim=-1, keepdim=True)).numpy()
        # the [CLS] share of a global row is (1 + s/n)/(1 + s); every other token gets (s/n)/(1 + s)
        s = MIXING_GAIN
        np.testing.assert_allclose(share[:, 0], (1 + s / n) / (1 + s), rtol=2e-2)
        np.testing.assert_allclose(share[:, 1:], (s / n) / (1 + s), rtol=2e-2)


def test_cls_pattern_holds_locally_but_does_not_persist_globally(planted_runs):
    heads, persistence, lengths = tables_of(planted_runs["cls"])
    head = heads.loc[PLANTED]
    assert head["label_attention"] == "CLS" and head["pattern"] == "CLS"
    assert head["persists_local"] and head["persists_specific_local"]
    assert not head["persists_global"] and not head["persists_specific_global"]
    # E_CLS under global attribution ≈ mean over inputs of (n + s)/(1 + s): below 2
    predicted = ((lengths + MIXING_GAIN) / (1 + MIXING_GAIN)).mean()
    assert head["enrichment_cls_global"] < 2 and head["enrichment_cls_global_hi"] < 2
    assert head["enrichment_cls_global"] == pytest.approx(predicted, rel=2e-2)
    # attention and local attribution put (almost) all mass on [CLS]
    assert head["mass_cls_attention"] == pytest.approx(1.0, abs=1e-4)
    assert head["mass_cls_local"] == pytest.approx(1.0, abs=1e-4)
    global_row = persistence.loc[(PLANTED[0], "CLS", "global")]
    assert global_row[["n_heads_with_pattern", "n_persist", "n_persist_specific"]].tolist() == [1, 0, 0]
    assert persistence.loc[(PLANTED[0], "CLS", "local"), "n_persist_specific"] == 1
