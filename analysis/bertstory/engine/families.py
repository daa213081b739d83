"""What the engine needs to know about a model family: where its layers are, and where in a
layer the attention output projection is (its input is the concatenation of the head
outputs ``oˡʰ``, ``docs/method.md#notation``), and where its value projection is and which of
that projection's output columns hold the value vectors. Everything else — masks, positions,
normalisation, grouped-query attention — stays in transformers' own layer modules, which the engine calls
with exactly the arguments the model passes them (see :mod:`bertstory.engine.layer_calls`).

Adding a family is one :class:`Family` entry in :data:`_FAMILIES`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

import torch
from torch import nn

from bertstory.errors import BertstoryError


def _no_offset(config) -> int:
    return 0


def _padding_offset(config) -> int:
    """RoBERTa numbers positions from ``pad_token_id + 1``."""
    return config.pad_token_id + 1


def _mpnet_offset(config) -> int:
    """MPNet numbers positions from 2 (its embeddings fix ``padding_idx = 1``)."""
    return 2


def _one_call_per_layer(config) -> int:
    return config.num_hidden_layers


def _albert_layer_calls(config) -> int:
    """ALBERT runs its layer groups ``num_hidden_layers`` times, each with ``inner_group_num`` layers."""
    return config.num_hidden_layers * config.inner_group_num


def _accept_every_config(config) -> str | None:
    return None


def _refuse_deberta_convolution(config) -> str | None:
    if getattr(config, "conv_kernel_size", 0) > 0:
        return (
            "DeBERTa-v2 models with a convolution after the first layer (conv_kernel_size > 0, e.g. "
            "deberta-v2-xlarge) are not supported; DeBERTa-v3 and DeBERTa-v2 models without it are"
        )
    return None


def _every_column(width: int, num_heads: int) -> torch.Tensor:
    """A value projection of its own: every output column is a value column."""
    return torch.arange(width)


def _last_third(width: int, num_heads: int) -> torch.Tensor:
    """A fused projection whose output is all queries, then all keys, then all values (GPT-2, ModernBERT)."""
    return torch.arange(2 * width // 3, width)


def _last_third_of_each_head(width: int, num_heads: int) -> torch.Tensor:
    """A fused projection whose output is, head after head, that head's query, key and value (GPT-NeoX)."""
    head_size = width // (3 * num_heads)
    return (torch.arange(num_heads)[:, None] * 3 * head_size + 2 * head_size + torch.arange(head_size)).flatten()


@dataclass(frozen=True)
class Family:
    """A model family, as the engine sees it.

    Attributes:
        name: what a person reads ("BERT", "Llama-style decoder").
        model_types: the transformers ``config.model_type`` values of the family.
        layers_path: dotted path from the base model to its layer modules; ``*`` stands for
            every child of a module list (ALBERT: ``encoder.albert_layer_groups.*.albert_layers.*``).
        output_projection_path: dotted path, inside one layer, to the attention output projection.
        value_projection_path: dotted path, inside one layer, to the projection whose output holds
            the value vectors (a fused query/key/value projection for GPT-2, GPT-NeoX, ModernBERT).
        value_columns: per (output width, H): the value projection's output columns that hold the
            value vectors, value head after value head, each ``d_h`` wide.
        is_causal: decoders: every token sees only itself and the tokens before it.
        takes_token_type_ids: whether the model's forward takes segment ids (``token_type_ids``).
        position_offset: position ids the embeddings reserve before the first token, per config.
        layer_calls: L per config: how many times the model runs a layer module.
        refusal: per config, why this family's engine cannot run it (a one-line message), or ``None``.
        model_type: the ``config.model_type`` this description was made for (set by :func:`family_for`).
    """

    name: str
    model_types: tuple[str, ...]
    layers_path: str
    output_projection_path: str
    value_projection_path: str
    value_columns: Callable[[int, int], torch.Tensor] = _every_column
    is_causal: bool = False
    takes_token_type_ids: bool = False
    position_offset: Callable[[object], int] = _no_offset
    layer_calls: Callable[[object], int] = _one_call_per_layer
    refusal: Callable[[object], str | None] = _accept_every_config
    model_type: str = field(default="")

    def max_tokens(self, config) -> int:
        """Longest input, special tokens included, that the position embeddings accept (for
        rotary and relative positions: the trained ``max_position_embeddings``)."""
        return config.max_position_embeddings - self.position_offset(config)

    def num_layers(self, model: nn.Module) -> int:
        """L: how many times the model runs a layer module (ALBERT reuses one module L times)."""
        return self.layer_calls(model.config)

    @staticmethod
    def num_heads(model: nn.Module) -> int:
        """H: attention (query) heads per layer; with grouped-query attention, more than key/value heads."""
        return model.config.num_attention_heads

    def layer_modules(self, model: nn.Module) -> list[nn.Module]:
        """The distinct layer modules, bottom to top (fewer than L when layers are shared)."""
        modules = [model]
        for name in self.layers_path.split("."):
            if name == "*":
                modules = [child for module in modules for child in module.children()]
            else:
                modules = [getattr(module, name) for module in modules]
        return modules

    def output_projection(self, layer: nn.Module) -> nn.Module:
        """The attention output projection of one layer module."""
        module = layer
        for name in self.output_projection_path.split("."):
            module = getattr(module, name)
        return module

    def value_projection(self, layer: nn.Module) -> nn.Module:
        """The value projection of one layer module (see :attr:`value_columns`)."""
        return layer.get_submodule(self.value_projection_path)


_FAMILIES = (
    Family("BERT", ("bert",), "encoder.layer.*", "attention.output.dense", "attention.self.value",
           takes_token_type_ids=True),
    Family("RoBERTa", ("roberta", "xlm-roberta", "camembert"), "encoder.layer.*", "attention.output.dense",
           "attention.self.value", takes_token_type_ids=True, position_offset=_padding_offset),
    Family("ELECTRA", ("electra",), "encoder.layer.*", "attention.output.dense", "attention.self.value",
           takes_token_type_ids=True),
    Family("DistilBERT", ("distilbert",), "transformer.layer.*", "attention.out_lin", "attention.v_lin"),
    Family("ALBERT", ("albert",), "encoder.albert_layer_groups.*.albert_layers.*", "attention.dense",
           "attention.value", takes_token_type_ids=True, layer_calls=_albert_layer_calls),
    Family("DeBERTa-v2/v3", ("deberta-v2",), "encoder.layer.*", "attention.output.dense",
           "attention.self.value_proj", takes_token_type_ids=True, refusal=_refuse_deberta_convolution),
    Family("MPNet", ("mpnet",), "encoder.layer.*", "attention.attn.o", "attention.attn.v",
           position_offset=_mpnet_offset),
    Family("ModernBERT", ("modernbert",), "layers.*", "attn.Wo", "attn.Wqkv", value_columns=_last_third),
    Family("GPT-2", ("gpt2",), "h.*", "attn.c_proj", "attn.c_attn", value_columns=_last_third, is_causal=True),
    Family("GPT-NeoX (Pythia)", ("gpt_neox",), "layers.*", "attention.dense", "attention.query_key_value",
           value_columns=_last_third_of_each_head, is_causal=True),
    Family("Llama-style decoder (Llama, Qwen2, Mistral)", ("llama", "qwen2", "mistral"), "layers.*",
           "self_attn.o_proj", "self_attn.v_proj", is_causal=True),
)

SUPPORTED_FAMILIES = ", ".join(family.name for family in _FAMILIES)
"""The supported families, as one line a person reads."""

_FAMILY_OF_MODEL_TYPE = {model_type: family for family in _FAMILIES for model_type in family.model_types}


def family_for(config) -> Family:
    """The :class:`Family` of a transformers config, or a one-line :class:`BertstoryError`."""
    model_type = getattr(config, "model_type", "unknown")
    family = _FAMILY_OF_MODEL_TYPE.get(model_type)
    if family is None:
        raise BertstoryError(f"model type {model_type!r} is not supported; bertstory analyses: {SUPPORTED_FAMILIES}")
    reason = family.refusal(config)
    if reason is not None:
        raise BertstoryError(reason)
    if getattr(config, "is_decoder", False) and not family.is_causal:
        raise BertstoryError(
            f"this {family.name} model is configured as a causal decoder (is_decoder: true in its config); "
            f"bertstory analyses {family.name} models as bidirectional encoders: set is_decoder to false"
        )
    return replace(family, model_type=model_type)
