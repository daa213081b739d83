"""Planted truth: a one-layer BERT whose heads attend uniformly (zero query and key weights) and
whose value vectors are zero except at one token (the only one whose first-layer input, set
by a hook, has a coordinate 0). Attention is uniform, yet attention-norm, both
ablations and value zeroing put everything on that token; without it nothing moves at all."""

import torch
from transformers import BertConfig, BertModel

from bertstory.engine import family_for
from bertstory.engine.ablation import ablation_global_and_hidden, ablation_local
from bertstory.engine.attention_norm import attention_norm
from bertstory.engine.layer_calls import capture_forward
from bertstory.engine.row_shares import row_shares, still_rows
from bertstory.engine.value_zeroing import value_zeroing

HEADS, HIDDEN = 4, 16


def _planted_bert() -> BertModel:
    """Uniform attention (zero query and key projections); value vectors read coordinate 0 of
    the first layer's input alone, with no bias."""
    config = BertConfig(vocab_size=20, hidden_size=HIDDEN, num_hidden_layers=1, num_attention_heads=HEADS,
                        intermediate_size=32, max_position_embeddings=16, attn_implementation="eager")
    torch.manual_seed(0)
    model = BertModel(config).double().eval().requires_grad_(False)
    attention = model.encoder.layer[0].attention.self
    for projection in (attention.query, attention.key, attention.value):
        projection.weight.zero_()
        projection.bias.zero_()
    attention.value.weight[:, 0] = torch.randn(HIDDEN, dtype=torch.float64)
    return model


def _first_input(n: int, special: int | None) -> torch.Tensor:
    """(n, d) random rows, coordinate 0 zero in all but row ``special``."""
    rows = torch.randn(n, HIDDEN, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    rows[:, 0] = 0
    if special is not None:
        rows[special, 0] = 1.5
    return rows


def _maps(model, first_input: torch.Tensor) -> dict[str, torch.Tensor]:
    """The maps of an input whose first-layer input is ``first_input`` (n, d), set by a hook on the embeddings."""
    n = len(first_input)
    features = {"input_ids": torch.arange(2, 2 + n)[None], "attention_mask": torch.ones(1, n, dtype=torch.long),
                "token_type_ids": torch.zeros(1, n, dtype=torch.long)}
    family = family_for(model.config)
    handle = model.embeddings.register_forward_hook(lambda module, args, output: first_input[None])
    try:
        forward = capture_forward(model, family, features)
    finally:
        handle.remove()
    global_, hidden = ablation_global_and_hidden(forward, HEADS, torch.zeros_like(forward.embeddings), chunk=4)
    return {"attention": forward.attention, "ablation_global": global_, "ablation_hidden": hidden,
            "ablation_local": ablation_local(forward, HEADS, chunk=4),
            "attention_norm": attention_norm(forward, family, HEADS),
            "value_zeroing": value_zeroing(forward, family, HEADS, chunk=4)}


def test_only_the_token_with_a_value_vector_counts_though_attention_is_uniform():
    model = _planted_bert()
    n, t, head_size = 6, 3, HIDDEN // HEADS
    first_input = _first_input(n, t)
    maps = _maps(model, first_input)
    # by hand: v_t = W_v[:, 0] · e⁰_t[0], every other value vector zero; every head's output is v_t / n
    attention = model.encoder.layer[0].attention
    value = (attention.self.value.weight[:, 0] * first_input[t, 0]).reshape(HEADS, head_size)
    w_o = attention.output.dense.weight.reshape(HIDDEN, HEADS, head_size)
    on_t = torch.zeros(n, n, dtype=torch.float64)
    on_t[:, t] = 1
    expected_ablation = value.norm(dim=-1)[:, None, None] / n * on_t  # (H, n, n)
    expected_norm = torch.einsum("hc,ehc->he", value, w_o).norm(dim=-1)[:, None, None] / n * on_t
    torch.testing.assert_close(maps["attention"][0], torch.full((HEADS, n, n), 1 / n, dtype=torch.float64))
    torch.testing.assert_close(maps["ablation_global"][0], expected_ablation, rtol=1e-5, atol=1e-12)
    torch.testing.assert_close(maps["ablation_local"][0], expected_ablation, rtol=1e-5, atol=1e-12)
    torch.testing.assert_close(maps["attention_norm"][0], expected_norm, rtol=1e-5, atol=1e-12)
    assert value.norm(dim=-1).min() > 0.1
    # a layer output moves when its own row or the value token is taken away; value zeroing sees only t
    own_or_t = torch.eye(n, dtype=torch.bool) | on_t.bool()
    assert (maps["ablation_hidden"][0][own_or_t] > 1e-3).all() and (maps["ablation_hidden"][0][~own_or_t] == 0).all()
    assert (maps["value_zeroing"][0][:, t] > 1e-6).all() and (maps["value_zeroing"][0][~on_t.bool()] == 0).all()
    for name in ("ablation_global", "ablation_local", "attention_norm", "value_zeroing"):
        torch.testing.assert_close(row_shares(maps[name][0]), on_t.expand_as(maps[name][0]), rtol=0, atol=1e-12)


def test_without_the_value_token_no_row_moves_and_every_row_is_left_out():
    maps = _maps(_planted_bert(), _first_input(6, None))
    for name in ("ablation_global", "ablation_local", "attention_norm", "value_zeroing"):
        assert (maps[name] == 0).all(), name
        assert still_rows(row_shares(maps[name])).all(), name
    assert not still_rows(row_shares(maps["ablation_hidden"])).any()
