"""An independent dense oracle for the engine's maps, float64.

It shares no code with bertstory's engine: it runs the *whole* model forward, as transformers
runs it, with one layer's input hidden states swapped for a variable ``x`` by a forward
pre-hook, reads the head outputs (inputs of the attention output projections) and layer
outputs with hooks, and differentiates in reverse mode with
``torch.autograd.functional.jacobian``. Every mask, rotary table and relative-position tensor
is therefore computed by the model itself, the way it computes them for any input.
"""

from __future__ import annotations

import itertools

import torch

LAYOUT = {
    "bert": ("BertLayer", "attention.output.dense"),
    "roberta": ("RobertaLayer", "attention.output.dense"),
    "electra": ("ElectraLayer", "attention.output.dense"),
    "distilbert": ("TransformerBlock", "attention.out_lin"),
    "albert": ("AlbertLayer", "attention.dense"),
    "deberta-v2": ("DebertaV2Layer", "attention.output.dense"),
    "mpnet": ("MPNetLayer", "attention.attn.o"),
    "modernbert": ("ModernBertEncoderLayer", "attn.Wo"),
    "gpt2": ("GPT2Block", "attn.c_proj"),
    "gpt_neox": ("GPTNeoXLayer", "attention.dense"),
    "llama": ("LlamaDecoderLayer", "self_attn.o_proj"),
    "qwen2": ("Qwen2DecoderLayer", "self_attn.o_proj"),
    "mistral": ("MistralDecoderLayer", "self_attn.o_proj"),
}
"""Per ``config.model_type``: the class name of transformers' layer module, and the attribute
path inside it to the attention output projection."""


def _layers_and_projections(model):
    layer_class, projection_path = LAYOUT[model.config.model_type]
    layers = [module for module in model.modules() if type(module).__name__ == layer_class]
    projections = [layer.get_submodule(projection_path) for layer in layers]
    return layers, projections


def forward_with_input(model, features, x: torch.Tensor | None, at_call: int):
    """The whole model forward, with the input of the ``at_call``-th layer call replaced by ``x`` (n, d)
    (``None``: nothing replaced).

    Returns:
        head outputs (L, H, n, d_h) and layer outputs (L, n, d), over all layer calls.
    """
    layers, projections = _layers_and_projections(model)
    call_numbers = itertools.count()
    contexts, outputs = [], []

    def replace_input(module, args, kwargs):
        if next(call_numbers) != at_call or x is None:
            return None
        if args:
            return (x[None], *args[1:]), kwargs
        return args, {**kwargs, "hidden_states": x[None]}

    def keep_output(module, args, output):
        outputs.append((output[0] if isinstance(output, tuple) else output)[0])

    def keep_context(module, args):
        contexts.append(args[0][0])

    handles = [layer.register_forward_pre_hook(replace_input, with_kwargs=True) for layer in layers]
    handles += [layer.register_forward_hook(keep_output) for layer in layers]
    handles += [projection.register_forward_pre_hook(keep_context) for projection in set(projections)]
    try:
        model(**features, use_cache=False)
    finally:
        for handle in handles:
            handle.remove()
    num_heads = model.config.num_attention_heads
    heads = torch.stack(contexts).unflatten(-1, (num_heads, -1)).transpose(1, 2)
    return heads, torch.stack(outputs)


def normalised_frobenius(jacobian_blocks: torch.Tensor) -> torch.Tensor:
    """``‖J_ji‖_F / Σ_m ‖J_jm‖_F`` from blocks shaped (..., n_out, a, n_in, b)."""
    norms = jacobian_blocks.square().sum((-3, -1)).sqrt()
    return norms / norms.sum(-1, keepdim=True)


def oracle_maps(model, features, layer_inputs: list[torch.Tensor]) -> dict[str, torch.Tensor]:
    """Global (L, H, n, n), local (L, H, n, n) and contribution (L, n, n) by dense Jacobians.

    Args:
        layer_inputs: each layer call's input hidden states (n, d), from the model's own
            ``hidden_states`` output (``e⁰..eᴸ⁻¹``).
    """

    def jacobian(function, x):
        return torch.autograd.functional.jacobian(function, x, vectorize=True)

    heads_jac, hidden_jac = jacobian(lambda x: forward_with_input(model, features, x, 0), layer_inputs[0])
    # heads_jac (L, H, n, d_h, n, d); hidden_jac (L, n, d, n, d)
    local = [
        normalised_frobenius(jacobian(lambda x: forward_with_input(model, features, x, l)[0][l], x_l))
        for l, x_l in enumerate(layer_inputs)
    ]
    return {
        "global": normalised_frobenius(heads_jac),
        "local": torch.stack(local),
        "contribution": normalised_frobenius(hidden_jac),
    }
