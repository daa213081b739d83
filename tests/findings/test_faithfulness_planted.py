"""Planted truth for the faithfulness tables: hand-set tiny models whose ablation ground truth is
known analytically, analysed with ``bertstory analyze --estimator exact``; the expected outcome is
read back from the ``faithfulness`` table.

(1) One-layer BERT, hidden ``d = 16``, 4 heads. Every embedding row (word and position) is
    *mirrored*, ``[u, −u]``, so its mean is 0 and the embedding LayerNorm (weight 1, bias 0) only
    rescales it; ``u[0]`` is 0 for every word but ``cat``. So coordinate 0 of the first layer's
    input ``e⁰`` is exactly 0 at every token but ``cat`` (at ``t``). The query and key projections
    are zero (every head attends uniformly, ``A_ji = 1/n``) and the value projection reads
    coordinate 0 alone, without bias: ``v_i = 0`` for ``i ≠ t``. Hence head ``h``'s output is
    ``o_j = v_t / n`` for every ``j``:

    * taking token ``i ≠ t`` away (zero row, layer 1 = its own local step) changes nothing,
      taking ``t`` away changes ``o_j`` by ``‖v_t‖/n``: both ablation rows are one-hot on ``t``;
    * ``attention_norm`` ``‖A_ji v_i W_O‖`` is one-hot on ``t`` too: Spearman 1, JS 0, top-1 1;
    * attention is uniform: its Spearman is undefined on every row (no row counted: NaN), its
      argmax is the first key ``0 ≠ t`` (top-1 0), its JS is ``JS(uniform_n, one-hot)`` per row;
    * the gradients ``∂o_j/∂e⁰_i = W_v / n`` are the same for every ``i``: uniform rows, the same JS;
    * an input without ``cat`` moves nothing: its rows are left out of every comparison.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner
from transformers import BertConfig, BertModel

from bertstory.cli import cli

ONE_LAYER_CORPUS = (
    "The cat sat on the mat.\n"
    "A big black cat ran home.\n"
    "Dogs chase the neighbour's cat daily.\n"
    "My cat sleeps.\n"
    "Nobody was surprised.\n"  # no cat: no ablation row moves
)
PLANTED_WORD = "cat"
HIDDEN, HEADS = 16, 4


def analyse(model: torch.nn.Module, tokenizer, corpus: str, root) -> pd.DataFrame:
    """Save ``model`` with ``tokenizer``, analyse ``corpus`` exactly and return the
    ``faithfulness`` table indexed by ``(layer, head, view, ground_truth)``."""
    model.save_pretrained(root / "model")
    tokenizer.save_pretrained(root / "model")
    (root / "corpus.txt").write_text(corpus, encoding="utf-8")
    result = CliRunner().invoke(cli, ["analyze", "--quiet", "--model", str(root / "model"), "--corpus",
                                      str(root / "corpus.txt"), "--out", str(root / "out"), "--estimator", "exact"])
    assert result.exit_code == 0, result.output
    (run_dir,) = [p for p in (root / "out").iterdir() if p.is_dir()]
    table = pd.read_parquet(run_dir / "tables" / "faithfulness.parquet")
    return table.set_index(["layer", "head", "view", "ground_truth"]).sort_index()


def js_uniform_one_hot(n: int) -> float:
    """``JS(uniform over n, one-hot)`` in bits, by hand: ``m`` holds ``(1/n + 1)/2`` once and
    ``1/(2n)`` ``n − 1`` times; ``JS = H(m) − ½·H(uniform) − ½·0``."""
    peak, rest = (1 / n + 1) / 2, 1 / (2 * n)
    entropy_m = -peak * math.log2(peak) - (n - 1) * rest * math.log2(rest)
    return entropy_m - 0.5 * math.log2(n)


# ---- (1) one layer: uniform attention, one token with a value vector -------------------------

def _mirrored(half: torch.Tensor) -> torch.Tensor:
    return torch.cat([half, -half], dim=-1)


def one_layer_model(tokenizer) -> BertModel:
    """Model (1) of the module docstring."""
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=HIDDEN, num_hidden_layers=1, num_attention_heads=HEADS,
                        intermediate_size=32, max_position_embeddings=64, layer_norm_eps=1e-12,
                        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, attn_implementation="eager")
    torch.manual_seed(0)
    model = BertModel(config, add_pooling_layer=False).eval()
    embeddings, attention = model.embeddings, model.encoder.layer[0].attention.self
    with torch.no_grad():
        words = torch.randn(config.vocab_size, HIDDEN // 2)
        words[:, 0] = 0
        words[tokenizer.convert_tokens_to_ids(PLANTED_WORD), 0] = 1.5
        positions = torch.randn(config.max_position_embeddings, HIDDEN // 2)
        positions[:, 0] = 0
        embeddings.word_embeddings.weight.copy_(_mirrored(words))
        embeddings.position_embeddings.weight.copy_(_mirrored(positions))
        embeddings.token_type_embeddings.weight.zero_()
        embeddings.LayerNorm.weight.fill_(1.0)
        embeddings.LayerNorm.bias.zero_()
        for projection in (attention.query, attention.key, attention.value):
            projection.weight.zero_()
            projection.bias.zero_()
        attention.value.weight[:, 0] = torch.randn(HIDDEN)
    return model


def planted_positions(tokenizer) -> list[tuple[int, int | None]]:
    """``(n, t)`` of every corpus line: its number of tokens and the planted word's position."""
    out = []
    for line in ONE_LAYER_CORPUS.splitlines():
        ids = tokenizer(line)["input_ids"]
        planted = tokenizer.convert_tokens_to_ids(PLANTED_WORD)
        assert ids.count(planted) <= 1
        out.append((len(ids), ids.index(planted) if planted in ids else None))
    return out


def test_one_layer_model_analytic_facts(embedded_tokenizer):
    """What the expectations rest on, checked with transformers alone."""
    model = one_layer_model(embedded_tokenizer)
    for line, (n, t) in zip(ONE_LAYER_CORPUS.splitlines(), planted_positions(embedded_tokenizer)):
        with torch.no_grad():
            out = model(**embedded_tokenizer(line, return_tensors="pt"), output_attentions=True,
                        output_hidden_states=True)
        first = out.hidden_states[0][0]
        assert (out.attentions[0][0] == 1 / n).all()  # uniform, exactly
        others = [i for i in range(n) if i != t]
        assert (first[others, 0] == 0).all()  # v_i = 0 exactly but at t
        if t is not None:
            assert t > 0 and first[t, 0].abs() > 0.1


@pytest.fixture(scope="module")
def one_layer_table(embedded_tokenizer, tmp_path_factory) -> pd.DataFrame:
    return analyse(one_layer_model(embedded_tokenizer), embedded_tokenizer, ONE_LAYER_CORPUS,
                   tmp_path_factory.mktemp("one-layer"))


def test_attention_norm_agrees_with_both_ablations_where_uniform_attention_cannot(one_layer_table,
                                                                                  embedded_tokenizer):
    planted = [(n, t) for n, t in planted_positions(embedded_tokenizer) if t is not None]
    rows = sum(n for n, _ in planted)  # the input without the planted word moves nothing
    uniform_js = sum(n * js_uniform_one_hot(n) for n, _ in planted) / rows
    for truth in ("ablation_global", "ablation_local"):
        for head in range(1, HEADS + 1):
            norm = one_layer_table.loc[(1, head, "attention_norm", truth)]
            assert norm["n_rows"] == rows
            assert norm["spearman"] == pytest.approx(1.0, abs=1e-12)
            assert norm["spearman_lo"] == pytest.approx(1.0, abs=1e-12)
            assert norm["top1"] == 1.0
            assert norm["js"] == pytest.approx(0.0, abs=1e-9)

            attention = one_layer_table.loc[(1, head, "attention", truth)]
            assert attention["n_rows"] == rows
            assert np.isnan(attention["spearman"])  # a uniform row has no ranks: no row counted
            assert attention["top1"] == 0.0  # argmax of a uniform row is key 0, never the planted token
            assert attention["js"] == pytest.approx(uniform_js, rel=1e-9)
            for gradient in ("local", "global"):  # uniform rows too, up to rounding
                assert one_layer_table.loc[(1, head, gradient, truth), "n_rows"] == rows
                assert one_layer_table.loc[(1, head, gradient, truth), "js"] == pytest.approx(uniform_js, rel=1e-5)
