"""An independent dense oracle: transformers' own layer modules, differentiated in reverse
mode with ``torch.autograd.functional.jacobian`` (float64), never bertstory's engine."""

from __future__ import annotations

import torch


def hf_layers(model: torch.nn.Module) -> list[torch.nn.Module]:
    return list(model.transformer.layer) if hasattr(model, "transformer") else list(model.encoder.layer)


def output_projection(layer: torch.nn.Module) -> torch.nn.Linear:
    """The attention output projection, whose input is the concatenation of the head outputs."""
    return layer.attention.out_lin if hasattr(layer.attention, "out_lin") else layer.attention.output.dense


def run_hf_layers(model, layers, x0: torch.Tensor):
    """Run transformers' layers from ``e⁰`` (n, d); returns head outputs (L, n, d) and layer outputs (L, n, d)."""
    contexts, outputs = [], []
    handles = [
        output_projection(layer).register_forward_pre_hook(lambda module, inputs: contexts.append(inputs[0][0]))
        for layer in layers
    ]
    try:
        x = x0[None]
        for layer in layers:
            out = layer(x)
            x = out[0] if isinstance(out, tuple) else out
            outputs.append(x[0])
    finally:
        for handle in handles:
            handle.remove()
    return torch.stack(contexts), torch.stack(outputs)


def normalised_frobenius(jacobian_blocks: torch.Tensor) -> torch.Tensor:
    """``‖J_ji‖_F / Σ_m ‖J_jm‖_F`` from blocks shaped (..., n_out, a, n_in, b)."""
    norms = jacobian_blocks.square().sum((-3, -1)).sqrt()
    return norms / norms.sum(-1, keepdim=True)


def oracle_maps(model, x0: torch.Tensor, num_heads: int) -> dict[str, torch.Tensor]:
    """Global (L, H, n, n), local (L, H, n, n) and contribution (L, n, n) by dense Jacobians."""
    layers = hf_layers(model)
    n, d = x0.shape
    head_size = d // num_heads
    L = len(layers)

    def split_heads(context):  # (..., n, d) -> (..., H, n, d_h)
        return context.reshape(*context.shape[:-2], n, num_heads, head_size).transpose(-3, -2)

    heads_jac = torch.autograd.functional.jacobian(lambda x: split_heads(run_hf_layers(model, layers, x)[0]), x0)
    hidden_jac = torch.autograd.functional.jacobian(lambda x: run_hf_layers(model, layers, x)[1], x0)
    # heads_jac (L, H, n, d_h, n, d); hidden_jac (L, n, d, n, d)
    _, hidden = run_hf_layers(model, layers, x0)
    layer_inputs = [x0] + [hidden[l] for l in range(L - 1)]
    local = []
    for l in range(L):
        jac = torch.autograd.functional.jacobian(
            lambda x: split_heads(run_hf_layers(model, [layers[l]], x)[0][0]), layer_inputs[l]
        )
        local.append(normalised_frobenius(jac))
    return {
        "global": normalised_frobenius(heads_jac),
        "local": torch.stack(local),
        "contribution": normalised_frobenius(hidden_jac),
    }
