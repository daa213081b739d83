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

(2) Two-layer Qwen2 (rotary positions, so taking a token away leaves every position intact):
    layer 1 copies the previous token into each position, layer 2 has a previous-token head, so
    under global ablation that head depends on token ``j − 2`` (derivation in
    :func:`test_two_layer_model_analytic_facts`): global attribution ranks the keys exactly as
    global ablation does (Spearman 1, top-1 1); attention and attention-norm say ``j − 1`` (top-1
    only on rows 0 and 1, Spearman as the hand-ranked rows give), yet agree with local ablation.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner
from scipy.stats import spearmanr
from transformers import BertConfig, BertModel, Qwen2Config, Qwen2Model

from bertstory.cli import cli
from tiny_tokenizers import decoder_tokenizer

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


# ---- (2) two layers: layer 1 copies the previous token, layer 2 reads the previous position ------

TWO_LAYER_CORPUS = (
    "The cat sat on the mat.\n"
    "Where is the station? Turn left at the bridge.\n"
    "Photosynthesis needs light.\n"
)
CONTENT, COPY = slice(0, 8), slice(8, 16)
HEAD_SIZE = 8
PREVIOUS_SHARPNESS = 600.0


def _previous_token_head(attention, head: int) -> None:
    """Query head ``head`` (and its key/value head, ``head // 2``) attends to the previous position
    through rotary positions alone: ``q_j = R_j·a`` and ``k_i = R_i·b`` from the biases with
    ``b = R(θ)·a/β``, so the score is ``β·Σ_f cos((i − j + 1)θ_f)/√8``, largest at ``i = j − 1``."""
    theta = 2.0 ** (-torch.arange(4, dtype=torch.float64) / 4)  # rope_theta 2, head size 8
    query, key = torch.zeros(HEAD_SIZE), torch.zeros(HEAD_SIZE)
    query[:4] = PREVIOUS_SHARPNESS
    key[:4], key[4:] = theta.cos().float(), theta.sin().float()
    attention.q_proj.bias[head * HEAD_SIZE:(head + 1) * HEAD_SIZE] = query
    kv = head // 2
    attention.k_proj.bias[kv * HEAD_SIZE:(kv + 1) * HEAD_SIZE] = key


def two_layer_model(tokenizer) -> torch.nn.Module:
    """Model (2) of :func:`test_two_layer_model_analytic_facts`'s docstring."""
    config = Qwen2Config(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=HEADS,
                         num_key_value_heads=2, intermediate_size=8, max_position_embeddings=64, rope_theta=2.0,
                         rms_norm_eps=1e-6, attn_implementation="eager")
    model = Qwen2Model(config).eval()
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            parameter.fill_(1.0 if "norm" in name else 0.0)
        content = torch.randn(config.vocab_size, 8, generator=generator)
        model.embed_tokens.weight[:, CONTENT] = content / content.norm(dim=-1, keepdim=True)
        first, second = (layer.self_attn for layer in model.layers)
        for kv in range(2):  # every head has values: layer 1 reads the content, layer 2 the copy
            first.v_proj.weight[kv * HEAD_SIZE:(kv + 1) * HEAD_SIZE, CONTENT] = torch.eye(HEAD_SIZE)
            second.v_proj.weight[kv * HEAD_SIZE:(kv + 1) * HEAD_SIZE, COPY] = torch.eye(HEAD_SIZE)
        first.o_proj.weight[COPY, 0:HEAD_SIZE] = torch.eye(HEAD_SIZE)  # L1-H1 writes the copy; L1's other heads nothing
        second.o_proj.weight.copy_(torch.eye(32))
        _previous_token_head(first, 0)
        _previous_token_head(second, 0)
    return model


def _head_output(model, embeddings: torch.Tensor) -> torch.Tensor:
    """L2-H1's output ``o_j`` (n, 8) of first-layer input ``embeddings`` (n, d), read at ``o_proj``."""
    captured = {}
    hook = model.layers[1].self_attn.o_proj.register_forward_pre_hook(
        lambda module, args: captured.update(heads=args[0]))
    try:
        with torch.no_grad():
            model(inputs_embeds=embeddings[None])
    finally:
        hook.remove()
    return captured["heads"][0, :, :HEAD_SIZE]


def test_two_layer_model_analytic_facts():
    """Model (2): a two-layer Qwen2 (rotary positions: none in the residual stream), hidden 32,
    MLPs zero, RMSNorm weights 1. Word embeddings are unit vectors in dimensions ``C = 0..7``.

    * L1-H1 attends to ``j − 1`` (one-hot in float32: every other key trails by > 150 logits),
      reads ``C`` and writes it into ``S = 8..15``; layer 1's other heads write nothing:
      ``e¹_j = e⁰_j + c_j`` with ``c_j = x̂_{j−1}`` (``x̂ = e⁰/rms(e⁰)`` in ``C``, ``‖c‖ = √32``)
      moved to ``S``.
    * L2-H1 (the previous-token head) attends to ``j − 1`` and reads ``S``:
      ``o_j = c_{j−1}/rms(e¹_{j−1})`` — the content of token ``j − 2``.
    * Global ablation of ``o_j`` (``j ≥ 2``): taking ``j − 2`` away removes the copy,
      ``‖Δo_j‖ = ‖c‖/rms(e¹)``; taking ``j − 1`` away only rescales it,
      ``‖Δo_j‖ = ‖c‖·(1/rms(c) − 1/rms(e¹))``, a share ``√(1 + ‖e⁰‖²/‖c‖²) − 1 = √(33/32) − 1``
      of the former; no other token moves ``o_j`` at all. Row 1 depends on token 0 alone.
    * Global attribution has the same support and order (``∂o_j/∂e⁰_{j−2}`` passes the copy,
      ``∂o_j/∂e⁰_{j−1}`` only the normalisation): same ranks as global ablation.
    * Attention, attention-norm and local attribution and ablation of L2-H1 are one-hot on ``j − 1``.
    """
    tokenizer = decoder_tokenizer("qwen2")
    model = two_layer_model(tokenizer)
    line = TWO_LAYER_CORPUS.splitlines()[1]
    ids = tokenizer(line, return_tensors="pt")["input_ids"]
    n = ids.shape[1]
    with torch.no_grad():
        out = model(input_ids=ids, output_attentions=True)
    previous = torch.zeros(n, n)
    previous[torch.arange(1, n), torch.arange(n - 1)] = 1
    previous[0, 0] = 1
    for layer in (0, 1):
        assert (out.attentions[layer][0, 0] == previous).all()  # one-hot, exactly
    embeddings = model.embed_tokens(ids)[0].detach()
    output = _head_output(model, embeddings)
    change = torch.zeros(n, n)
    for i in range(n):
        ablated = embeddings.clone()
        ablated[i] = 0
        change[:, i] = (_head_output(model, ablated) - output).norm(dim=-1)
    for j in range(2, n):
        assert change[j, j - 2] > 0 and (change[j, j - 1] / change[j, j - 2]).item() == pytest.approx(
            math.sqrt(33 / 32) - 1, rel=1e-3)
        others = [i for i in range(n) if i not in (j - 1, j - 2)]
        assert (change[j, others] == 0).all()
    assert change[1, 0] > 0 and (change[1, 1:] == 0).all()


@pytest.fixture(scope="module")
def two_layer_table(tmp_path_factory) -> pd.DataFrame:
    tokenizer = decoder_tokenizer("qwen2")
    return analyse(two_layer_model(tokenizer), tokenizer, TWO_LAYER_CORPUS, tmp_path_factory.mktemp("two-layer"))


def _spearman_previous_against_two_back(j: int) -> float:
    """Row ``j ≥ 2`` (keys ``0..j``): attention one-hot on ``j − 1`` against global ablation with
    ``j − 2`` first, ``j − 1`` second and the rest tied at zero."""
    attention, ablation = np.zeros(j + 1), np.zeros(j + 1)
    attention[j - 1] = 1
    ablation[j - 2], ablation[j - 1] = 2, 1
    return spearmanr(attention, ablation).statistic


def test_global_attribution_agrees_with_global_ablation_where_attention_does_not(two_layer_table):
    tokenizer = decoder_tokenizer("qwen2")
    lengths = [len(tokenizer(line)["input_ids"]) for line in TWO_LAYER_CORPUS.splitlines()]
    assert min(lengths) >= 3
    rows = sum(lengths)
    table = two_layer_table
    # layer 2's previous-token head depends on j − 2: global attribution ranks keys as ablation does
    agree = table.loc[(2, 1, "global", "ablation_global")]
    assert agree["n_rows"] == rows
    assert agree["spearman"] == pytest.approx(1.0, abs=1e-12) and agree["top1"] == 1.0
    # attention (and attention-norm) say j − 1: top-1 only on rows 0 and 1 (the only key, and token 0)
    # Spearman: row 0 sees one key (undefined), row 1 has ρ = 1, rows j ≥ 2 the hand-ranked pattern
    spearman = ((len(lengths) + sum(_spearman_previous_against_two_back(j) for n in lengths for j in range(2, n)))
                / sum(n - 1 for n in lengths))
    for view in ("attention", "attention_norm"):
        disagree = table.loc[(2, 1, view, "ablation_global")]
        assert disagree["n_rows"] == rows
        assert disagree["top1"] == pytest.approx(2 * len(lengths) / rows, abs=1e-12)
        assert disagree["spearman"] == pytest.approx(spearman, abs=1e-9)
        assert disagree["spearman"] < agree["spearman"] - 0.1
    # the local step: attention, attention-norm and local attribution all agree with local ablation
    for view in ("attention", "attention_norm", "local"):
        local = table.loc[(2, 1, view, "ablation_local")]
        assert local["spearman"] == pytest.approx(1.0, abs=1e-12) and local["top1"] == 1.0
        assert local["js"] == pytest.approx(0.0, abs=1e-9)
    # in layer 1 the copying head's output depends on j − 1 alone: attention agrees with global ablation
    first = table.loc[(1, 1, "attention", "ablation_global")]
    assert first["top1"] == 1.0 and first["spearman"] == pytest.approx(1.0, abs=1e-12)
