"""A functional view of BERT-style encoder layers, per model family.

bertstory differentiates the encoder from the embedding output ``e⁰`` upwards, and needs
each head's output ``oˡʰ`` (the head's slice of ``Σ_i Aˡʰ_ji v_i``, before the attention
output projection), which transformers does not return. :class:`Architecture` re-states
one post-LayerNorm encoder layer with the model's own modules, so that it composes with
``torch.func`` transforms; the tests check it against transformers' own hidden states and
attentions.

Shapes: ``x`` is (n, d) for one input of ``n`` tokens; heads are (H, n, d_h); attention
probabilities (H, n, n) with rows = queries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Literal

import torch
from torch import nn

from bertstory.errors import BertstoryError

Family = Literal["bert", "distilbert"]

SUPPORTED_FAMILIES = "BERT (MiniLM, BioBERT, SciBERT and other BERT checkpoints), RoBERTa (XLM-R, CamemBERT), ELECTRA, DistilBERT"

_FAMILY_OF_MODEL_TYPE: dict[str, Family] = {
    "bert": "bert",
    "roberta": "bert",
    "xlm-roberta": "bert",
    "camembert": "bert",
    "electra": "bert",
    "distilbert": "distilbert",
}

_POSITION_OFFSET = {"roberta": 2, "xlm-roberta": 2, "camembert": 2}
"""RoBERTa-style models reserve the first position ids for padding."""


@dataclass(frozen=True)
class _LayerParts:
    """The modules of one encoder layer, under family-independent names."""

    query: nn.Linear
    key: nn.Linear
    value: nn.Linear
    attention_output: nn.Linear
    attention_norm: nn.LayerNorm
    ffn_in: nn.Linear
    activation: Callable[[torch.Tensor], torch.Tensor]
    ffn_out: nn.Linear
    output_norm: nn.LayerNorm


@dataclass(frozen=True)
class Architecture:
    """How to run the layers of one supported model family functionally."""

    model_type: str
    family: Family

    def layers(self, model: nn.Module) -> list[_LayerParts]:
        """The model's encoder layers, bottom to top."""
        if self.family == "distilbert":
            return [
                _LayerParts(
                    layer.attention.q_lin, layer.attention.k_lin, layer.attention.v_lin,
                    layer.attention.out_lin, layer.sa_layer_norm,
                    layer.ffn.lin1, layer.ffn.activation, layer.ffn.lin2, layer.output_layer_norm,
                )
                for layer in model.transformer.layer
            ]
        return [
            _LayerParts(
                layer.attention.self.query, layer.attention.self.key, layer.attention.self.value,
                layer.attention.output.dense, layer.attention.output.LayerNorm,
                layer.intermediate.dense, layer.intermediate.intermediate_act_fn,
                layer.output.dense, layer.output.LayerNorm,
            )
            for layer in model.encoder.layer
        ]

    def num_layers(self, model: nn.Module) -> int:
        return len(self.layers(model))

    @staticmethod
    def num_heads(model: nn.Module) -> int:
        config = model.config
        return getattr(config, "num_attention_heads", None) or config.n_heads

    def max_tokens(self, config) -> int:
        """Longest input the position embeddings accept."""
        return config.max_position_embeddings - _POSITION_OFFSET.get(self.model_type, 0)


def architecture_for(config) -> Architecture:
    """The :class:`Architecture` of a transformers config, or a one-line error."""
    model_type = getattr(config, "model_type", "unknown")
    family = _FAMILY_OF_MODEL_TYPE.get(model_type)
    if family is None:
        raise BertstoryError(
            f"model type {model_type!r} is not supported; bertstory analyses BERT-style encoders: {SUPPORTED_FAMILIES}"
        )
    position_type = getattr(config, "position_embedding_type", "absolute")
    if position_type not in (None, "absolute"):
        raise BertstoryError(
            f"position_embedding_type {position_type!r} is not supported; only absolute position embeddings are"
        )
    return Architecture(model_type=model_type, family=family)


def head_outputs(parts: _LayerParts, x: torch.Tensor, num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Attention sub-layer up to the heads' outputs.

    Args:
        x: (n, d) the layer's input.
    Returns:
        heads (H, n, d_h): ``oʰ_j = Σ_i Aʰ_ji vʰ_i``; attention (H, n, n), rows = queries.
    """
    n, d = x.shape
    head_size = d // num_heads

    def split(t: torch.Tensor) -> torch.Tensor:
        return t.reshape(n, num_heads, head_size).transpose(0, 1)

    query, key, value = split(parts.query(x)), split(parts.key(x)), split(parts.value(x))
    scores = query @ key.transpose(-1, -2) / math.sqrt(head_size)
    attention = torch.softmax(scores, dim=-1)
    return attention @ value, attention


def layer_forward(parts: _LayerParts, x: torch.Tensor, num_heads: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One post-LayerNorm encoder layer.

    Args:
        x: (n, d) the layer's input ``eˡ⁻¹``.
    Returns:
        heads (H, n, d_h), attention (H, n, n), output ``eˡ`` (n, d).
    """
    heads, attention = head_outputs(parts, x, num_heads)
    context = heads.transpose(0, 1).reshape(x.shape)
    hidden = parts.attention_norm(parts.attention_output(context) + x)
    output = parts.output_norm(parts.ffn_out(parts.activation(parts.ffn_in(hidden))) + hidden)
    return heads, attention, output


def encoder_forward(layers: list[_LayerParts], x0: torch.Tensor, num_heads: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """All layers from the embedding output.

    Args:
        x0: (n, d) the embedding output ``e⁰``.
    Returns:
        heads (L, H, n, d_h), attention (L, H, n, n), layer outputs ``e¹..eᴸ`` (L, n, d).
    """
    heads, attentions, outputs = [], [], []
    x = x0
    for parts in layers:
        head, attention, x = layer_forward(parts, x, num_heads)
        heads.append(head)
        attentions.append(attention)
        outputs.append(x)
    return torch.stack(heads), torch.stack(attentions), torch.stack(outputs)
