r"""Tiny BERT encoders whose weights are set by hand, so that which patterns persist is known
analytically (planted truth, as Captum's tests use toy models with hand-computed values).

Both models have hidden size ``d = 32``, ``L = 2`` layers, ``H = 4`` heads of size 8, an
all-zero feed-forward block (``gelu(0) = 0``: the block adds nothing) and LayerNorms with
weight 1 and bias 0. Every vector the model writes is *mirrored*: ``x = [u, −u]`` with
``u ∈ R^16``, so its mean over the 32 dimensions is exactly 0 and a LayerNorm only rescales it,
``LN(x) = x / σ(x)``; a LayerNorm of an already normalised vector is the identity (to
``eps = 1e-12``), and its Jacobian there is the projection ``J = I − x̂x̂ᵀ`` (the mean term
vanishes on mirrored tangents of interest). Layout of ``u``:

* ``u[0:8]`` — position code: pairs ``(cos ω_f p, sin ω_f p)``, ``ω_f = 2πf/17``, ``f = 1..4``;
* ``u[8]`` — the [CLS] flag;
* ``u[9:16]`` — token content: a seeded random unit vector per vocabulary entry.

Token-type embeddings are zero. Layer ``l`` head ``h`` is 0-based here: ``(1, 0)`` is L2-H1.

(a) :func:`previous_token_model` — a previous-token head L2-H1 behind an identity residual path.
    Words carry content only (``|u| = 1``), positions the code above (``|u| = 2``), so every
    ``e⁰_i = c·[u_i, −u_i]`` with the same ``c = 4/√5``. Layer 1's heads attend uniformly
    (zero queries and keys) and its output projection is zero, so layer 1 writes nothing:
    ``e¹ = LN(LN(e⁰)) = e⁰`` and ``∂e¹_i/∂e⁰_m = δ_im J_i``. In L2-H1 the query is the
    position code rotated back by one step, ``q_j = β·pos(j − 1)``, the key is ``pos(i)``,
    so the score is ``β c² K(j − 1 − i)/√8`` with ``K(δ) = Σ_f cos(ω_f δ)``: ``K(0) = 4`` and
    ``K(δ) ≤ 2.21`` for ``0 < |δ| ≤ 16``; with ``β = 12`` every other key trails by more than
    24 logits, so ``A_{j, j−1} > 1 − 15e^{−24}``. Its value reads the content,
    ``v_i = c·content_i``. Hence ``o_j = v_{j−1}`` up to ``e^{−24}`` and
    ``∂o_j/∂e⁰_i ≈ δ_{i, j−1} W_v J_{j−1}``: local *and* global attribution rows are one-hot on
    the previous token, exactly like attention. Its ``prev`` mass is ≈ 1 in all three views,
    so ``E_prev`` reaches its maximum ``Σ(n − 1) / Σ((n − 1)/n)`` (sums over inputs) and the
    pattern persists. The three other heads of layer 2 attend uniformly with the same value
    weights, so their rows are uniform (attention) or nearly so (attribution: only ``J_i``
    differs between tokens): ``E_prev ≈ 1`` for them, and the layer's mean map has ``prev`` mass
    ≈ ``(1 + 3/n)/4``, so ``S_prev ≈ 4n/(n + 3) ≈ 3`` for ``n ≈ 9``: the pattern persists
    *specifically* into local and global attribution.

(b) :func:`cls_sink_model` — a [CLS] head L2-H1 behind planted mixing.
    [CLS] carries a flag ``u[8] = 1``; positions are zero. Layer-1 head L1-H1 attends uniformly
    and its value reads the content; its output projection writes that mean back into the
    content dimensions with gain ``s = 50`` (mirrored), so after layer 1 every position,
    [CLS] included, holds ``e¹_j = LN(e⁰_j + s·[m, −m])`` with ``m = (1/n) Σ_i content(e⁰_i)``:
    the [CLS] vector now depends on every input token, ``∂y_0/∂e⁰_i = δ_{i0} I + (s/n) M``
    (``M`` maps content to mirrored content; the other heads of layer 1 write nothing). The flag
    dimension is untouched (the LayerNorm only shrinks it, to ≈ 0.15 for [CLS] and exactly 0
    elsewhere), so in L2-H1 a constant query (bias ``β = 2000``) against keys that read the flag
    gives [CLS] a score lead of ≈ 2000·0.15/√8 ≈ 100 logits: attention is one-hot on [CLS].
    Its value reads the content of ``e¹_0``, so local attribution is one-hot on [CLS] too
    (``∂o_j/∂e¹_i ≈ δ_{i0} W_v``) — but globally
    ``∂o_j/∂e⁰_i ≈ W_v J_0 (δ_{i0} I + (s/n) M)``: every input token gets a column of norm
    ≈ ``s/n`` against ``1 + s/n`` for [CLS] itself, so the [CLS] share of a global row is about
    ``(1 + s/n)/(1 + s)`` and ``E_CLS ≈ (n + s)/(1 + s)``, below 2 whenever ``s > n − 2``
    (≈ 1.2 here). Attention and local attribution say ``CLS``; global attribution cannot, and
    the pattern must not persist into it.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
from transformers import BertConfig, BertModel

HIDDEN = 32
HALF = HIDDEN // 2
HEADS = 4
HEAD_SIZE = HIDDEN // HEADS
MAX_POSITIONS = 16
PERIOD = 17
FREQUENCIES = (1, 2, 3, 4)
POSITION = slice(0, 8)
FLAG = 8
CONTENT = slice(9, 16)
CONTENT_SIZE = CONTENT.stop - CONTENT.start
#: The planted head of both models, 0-based (layer, head): L2-H1.
PLANTED_HEAD = (1, 0)
#: Sharpness of the previous-token head (a) and of the [CLS] head (b), and the mixing gain (b).
PREV_SHARPNESS = 12.0
CLS_SHARPNESS = 2000.0
MIXING_GAIN = 50.0


def _config(vocab_size: int) -> BertConfig:
    return BertConfig(
        vocab_size=vocab_size, hidden_size=HIDDEN, num_hidden_layers=2, num_attention_heads=HEADS,
        intermediate_size=4, max_position_embeddings=MAX_POSITIONS, type_vocab_size=2,
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, layer_norm_eps=1e-12,
        attn_implementation="eager",
    )


def _mirrored(half: torch.Tensor) -> torch.Tensor:
    """``[u, −u]`` along the last axis."""
    return torch.cat([half, -half], dim=-1)


def _blank_model(vocab_size: int, cls_flag: float, cls_token_id: int, seed: int) -> BertModel:
    """All weights zero, LayerNorms the identity map on normalised vectors, random unit content
    per word (and the [CLS] flag), no positions."""
    model = BertModel(_config(vocab_size), add_pooling_layer=False).eval()
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            parameter.fill_(1.0 if "LayerNorm.weight" in name else 0.0)
        content = torch.randn(vocab_size, CONTENT_SIZE, generator=generator)
        words = torch.zeros(vocab_size, HALF)
        words[:, CONTENT] = content / content.norm(dim=-1, keepdim=True)
        words[cls_token_id, FLAG] = cls_flag
        model.embeddings.word_embeddings.weight.copy_(_mirrored(words))
    return model


def _read_content(layer_value: torch.nn.Linear, head: int) -> None:
    """Head ``head``'s value = the first-half content dimensions of the layer input."""
    rows = slice(head * HEAD_SIZE, head * HEAD_SIZE + CONTENT_SIZE)
    layer_value.weight[rows, CONTENT] = torch.eye(CONTENT_SIZE)


def position_code(positions: torch.Tensor) -> torch.Tensor:
    """``(len(positions), 8)``: ``(cos ω_f p, sin ω_f p)`` for ``f = 1..4``, ``ω_f = 2πf/17``."""
    angles = 2 * math.pi * positions[:, None].double() * torch.tensor(FREQUENCIES, dtype=torch.float64) / PERIOD
    return torch.stack([angles.cos(), angles.sin()], dim=-1).reshape(len(positions), -1).float()


def previous_token_model(vocab_size: int, cls_token_id: int, seed: int = 0) -> BertModel:
    """Model (a) of the module docstring: L2-H1 copies the previous token's content."""
    model = _blank_model(vocab_size, cls_flag=0.0, cls_token_id=cls_token_id, seed=seed)
    with torch.no_grad():
        positions = torch.zeros(MAX_POSITIONS, HALF)
        positions[:, POSITION] = position_code(torch.arange(MAX_POSITIONS))
        model.embeddings.position_embeddings.weight.copy_(_mirrored(positions))
        for layer in model.encoder.layer:
            for head in range(HEADS):
                _read_content(layer.attention.self.value, head)
        attention = model.encoder.layer[PLANTED_HEAD[0]].attention.self
        rotate_back = torch.zeros(8, 8)
        for k, f in enumerate(FREQUENCIES):
            w = 2 * math.pi * f / PERIOD
            rotate_back[2 * k:2 * k + 2, 2 * k:2 * k + 2] = torch.tensor([[math.cos(w), math.sin(w)],
                                                                          [-math.sin(w), math.cos(w)]])
        rows = slice(PLANTED_HEAD[1] * HEAD_SIZE, (PLANTED_HEAD[1] + 1) * HEAD_SIZE)
        attention.query.weight[rows, POSITION] = PREV_SHARPNESS * rotate_back
        attention.key.weight[rows, POSITION] = torch.eye(8)
    return model


def cls_sink_model(vocab_size: int, cls_token_id: int, seed: int = 0) -> BertModel:
    """Model (b) of the module docstring: layer 1 mixes every position, L2-H1 reads [CLS]."""
    model = _blank_model(vocab_size, cls_flag=1.0, cls_token_id=cls_token_id, seed=seed)
    with torch.no_grad():
        for layer in model.encoder.layer:
            for head in range(HEADS):
                _read_content(layer.attention.self.value, head)
        mixing = model.encoder.layer[0].attention.output.dense
        mixing_head = slice(0, CONTENT_SIZE)  # L1-H1's output
        mixing.weight[CONTENT, mixing_head] = MIXING_GAIN * torch.eye(CONTENT_SIZE)
        mixing.weight[HALF + CONTENT.start:HALF + CONTENT.stop, mixing_head] = -MIXING_GAIN * torch.eye(CONTENT_SIZE)
        attention = model.encoder.layer[PLANTED_HEAD[0]].attention.self
        first = PLANTED_HEAD[1] * HEAD_SIZE
        attention.query.bias[first] = CLS_SHARPNESS
        attention.key.weight[first, FLAG] = 1.0
    return model


def save_model(model: BertModel, tokenizer, folder: Path) -> Path:
    """Save ``model`` with ``tokenizer`` so that ``bertstory analyze --model folder`` loads it."""
    folder = Path(folder)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
