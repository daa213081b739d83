"""Planted truth: hand-set tiny BERTs (tests/planted.py) whose answers are known analytically.

(a) L2-H1 copies the previous token through an identity residual path: its ``prev`` pattern
    must persist into local and global attribution, specifically.
(b) L2-H1 attends to [CLS] after layer 1 mixed every position: attention and local attribution
    say ``CLS``, global attribution must not.

Facts that need no bertstory are checked with transformers and a float64 reverse-mode
Jacobian; the rest by running ``bertstory analyze --estimator exact`` on the saved model and
reducing the maps of ``<run>/maps/<id>.npz`` with :mod:`bertstory.findings.enrichment`.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from bertstory.cli import cli
from bertstory.findings.config import FindingsConfig
from bertstory.findings.divergence import normalised_entropy
from bertstory.findings.enrichment import CLASSES, concatenate_statistics, input_statistics, summarise
from bertstory.findings.patterns import LABEL_CLASSES, label_column, label_heads
from bertstory.findings.persistence import NO_PATTERN, head_patterns, persistence
from bertstory.views import VIEWS
from bertstory.findings.tokens import class_masks
from planted import MIXING_GAIN, PLANTED_HEAD, cls_sink_model, previous_token_model, save_model

# Every input ends with a full stop, so every input has punctuation and the label masses of
# bertstory.findings.patterns (class masses over all rows) equal the enrichment masses here.
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
BOOTSTRAP_SAMPLES = 1000
ORACLE_INPUTS = (2, 4)  # the reverse-mode oracle runs on one sentence and one pair
LAYER, HEAD = PLANTED_HEAD
I_PREV, I_CLS = CLASSES.index("prev"), CLASSES.index("cls")
V_ATT, V_LOCAL, V_GLOBAL = (VIEWS.index(v) for v in VIEWS)


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


def load_run(run_dir):
    """Per-input maps ``(V, L, H, n, n)`` (rows renormalised in float64) and tokens, in run order."""
    inputs = []
    for line in (run_dir / "inputs.jsonl").read_text(encoding="utf-8").splitlines():
        input_id = json.loads(line)["id"]
        with np.load(run_dir / "maps" / f"{input_id}.npz") as npz:
            maps = np.stack([npz[view].astype(np.float64) for view in VIEWS])
            tokens = [str(t) for t in npz["tokens"]]
        inputs.append((maps / maps.sum(axis=-1, keepdims=True), tokens))
    return inputs


def findings_of(run_dir):
    """Summary of enrichment, each head's pattern and its persistence into local and global."""
    inputs = load_run(run_dir)
    stats = concatenate_statistics([
        input_statistics(maps, class_masks(tokens, "[CLS]", "[SEP]"), causal=False) for maps, tokens in inputs
    ])
    summary = summarise(stats, BOOTSTRAP_SAMPLES, seed=0)
    rows = sum(len(tokens) for _, tokens in inputs)
    entropy = sum(normalised_entropy(maps[V_ATT]).sum(axis=-1) for maps, _ in inputs) / rows
    masses = {label_column(c): summary.mass[V_ATT][..., CLASSES.index(label_column(c))] for c in LABEL_CLASSES}
    labels = label_heads(masses, entropy, FindingsConfig())
    patterns = head_patterns(labels, summary.evidence("attention"))
    persists = {view: persistence(patterns, summary.evidence(view)) for view in ("local", "global")}
    return inputs, summary, labels, patterns, persists


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
    inputs, summary, labels, patterns, persists = findings_of(planted_runs["prev"])
    assert labels[LAYER, HEAD] == "prev" and patterns[LAYER, HEAD] == "prev"
    # every other head attends uniformly: broad, no pattern
    others = np.ones(patterns.shape, dtype=bool)
    others[LAYER, HEAD] = False
    assert (patterns[others] == NO_PATTERN).all() and (labels[others] == "broad").all()
    # E_prev reaches its maximum Σ(n − 1) / Σ((n − 1)/n) in all three views
    lengths = np.array([len(tokens) for _, tokens in inputs])
    best = (lengths - 1).sum() / ((lengths - 1) / lengths).sum()
    e = summary.enrichment[:, LAYER, HEAD, I_PREV]
    np.testing.assert_allclose(e, best, rtol=1e-4)
    # the layer's mean map has prev mass ≈ (1 + 3/n)/4: S_prev ≈ 4n/(n + 3), from the rows themselves
    uniform_share = ((lengths - 1) / lengths).sum() / (lengths - 1).sum()
    np.testing.assert_allclose(summary.specificity[V_ATT, LAYER, HEAD, I_PREV], 4 / (1 + 3 * uniform_share),
                               rtol=1e-4)
    for view in ("local", "global"):
        v = VIEWS.index(view)
        assert summary.enrichment_lo[v, LAYER, HEAD, I_PREV] > 1 and summary.specificity[v, LAYER, HEAD, I_PREV] >= 1.2
        assert summary.specificity_lo[v, LAYER, HEAD, I_PREV] > 1
        persists_, specific = persists[view]
        assert persists_[LAYER, HEAD] and specific[LAYER, HEAD]
        assert persists_.sum() == 1  # no other head has a pattern to persist
    # across the layer's heads, the head that looks at prev more depends on prev more
    assert summary.spearman[summary.spearman_views.index("global"), LAYER, I_PREV] > 0.5


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
    inputs, summary, labels, patterns, persists = findings_of(planted_runs["cls"])
    assert labels[LAYER, HEAD] == "CLS" and patterns[LAYER, HEAD] == "CLS"
    persists_local, specific_local = persists["local"]
    assert persists_local[LAYER, HEAD] and specific_local[LAYER, HEAD]
    persists_global, specific_global = persists["global"]
    assert not persists_global[LAYER, HEAD] and not specific_global[LAYER, HEAD]
    # E_CLS under global attribution ≈ mean over inputs of (n + s)/(1 + s): below 2
    lengths = np.array([len(tokens) for _, tokens in inputs])
    predicted = ((lengths + MIXING_GAIN) / (1 + MIXING_GAIN)).mean()
    e_global = summary.enrichment[V_GLOBAL, LAYER, HEAD, I_CLS]
    assert e_global < 2 and summary.enrichment_hi[V_GLOBAL, LAYER, HEAD, I_CLS] < 2
    np.testing.assert_allclose(e_global, predicted, rtol=2e-2)
    # attention and local attribution put (almost) all mass on [CLS]
    np.testing.assert_allclose(summary.mass[[V_ATT, V_LOCAL], LAYER, HEAD, I_CLS], 1.0, atol=1e-4)
