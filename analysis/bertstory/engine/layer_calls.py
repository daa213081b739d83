"""Running a model's own layer modules as functions of their hidden states.

The engine differentiates from ``e⁰`` (the first layer's input) upwards and needs each head's
output ``oˡʰ`` — its slice of the input to the attention output projection — which
transformers does not return (``docs/method.md#notation``). Instead of re-stating each family,
:func:`capture_forward` runs the model once, normally, and records every layer call: the module
and exactly the positional and keyword arguments the model passed it (masks, rotary cos/sin,
position ids, relative-position tensors). :meth:`LayerCall.__call__` then re-runs one call with
other hidden states; inside ``torch.func`` transforms only the hidden states vary, and every
captured argument is a constant. Head outputs are recorded by a forward pre-hook on the output
projection while a replay runs (:func:`run_layer`, :func:`layer_heads`).

Shapes: one input of ``n`` tokens, hidden size ``d``; hidden states are (n, d) outside the
model and (1, n, d) inside; head outputs are (n, H, d_h), as the output projection reads them
(position-major, so that no transposing copy of every tangent is needed).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

import torch
from torch import nn

from bertstory.engine.families import Family
from bertstory.errors import BertstoryError


@dataclass(frozen=True)
class LayerCall:
    """One call of a layer module as the model made it, with the hidden states left out.

    ``args``/``kwargs`` are the call's other arguments; the hidden states were the first
    positional argument, or the keyword ``hidden_states`` when ``hidden_by_keyword``.
    """

    module: nn.Module
    output_projection: nn.Module
    args: tuple
    kwargs: dict
    hidden_by_keyword: bool

    def __call__(self, hidden: torch.Tensor) -> torch.Tensor:
        """The layer's output hidden states (1, n, d) for input hidden states ``hidden`` (1, n, d)."""
        if self.hidden_by_keyword:
            output = self.module(*self.args, hidden_states=hidden, **self.kwargs)
        else:
            output = self.module(hidden, *self.args, **self.kwargs)
        return output[0] if isinstance(output, (tuple, list)) else output


@dataclass(frozen=True)
class CapturedForward:
    """One ordinary forward of the model, recorded.

    Attributes:
        calls: the L layer calls, bottom to top.
        embeddings: ``e⁰`` (n, d), the first layer's input.
        layer_outputs: ``e¹..eᴸ`` (L, n, d), each layer's output (before any final norm).
        attention: (L, H, n, n) the model's ``output_attentions``, rows = queries.
    """

    calls: list[LayerCall]
    embeddings: torch.Tensor
    layer_outputs: torch.Tensor
    attention: torch.Tensor


def capture_forward(model: nn.Module, family: Family, features: dict[str, torch.Tensor]) -> CapturedForward:
    """Run ``model`` on one input's ``features`` ((1, n) tensors) and record its layer calls."""
    layer_modules = family.layer_modules(model)
    recorded: list[tuple[nn.Module, tuple, dict, bool]] = []
    inputs: list[torch.Tensor] = []
    outputs: list[torch.Tensor] = []

    def before_layer(module, args, kwargs):
        hidden_by_keyword = not args
        kwargs = dict(kwargs)  # the model's own dict: leave it whole
        hidden = kwargs.pop("hidden_states") if hidden_by_keyword else args[0]
        recorded.append((module, args if hidden_by_keyword else args[1:], kwargs, hidden_by_keyword))
        inputs.append(hidden[0])

    def after_layer(module, args, output):
        outputs.append((output[0] if isinstance(output, (tuple, list)) else output)[0])

    handles = [module.register_forward_pre_hook(before_layer, with_kwargs=True) for module in layer_modules]
    handles += [module.register_forward_hook(after_layer) for module in layer_modules]
    projections = _distinct(family.output_projection(module) for module in layer_modules)
    contexts: list[torch.Tensor] = []
    try:
        with torch.no_grad(), recording_projection_inputs(projections, contexts.append):
            result = model(**features, output_attentions=True, use_cache=False)
    finally:
        for handle in handles:
            handle.remove()

    calls = [
        LayerCall(module, family.output_projection(module), args, kwargs, hidden_by_keyword)
        for module, args, kwargs, hidden_by_keyword in recorded
    ]
    num_layers = family.num_layers(model)
    if not len(calls) == len(contexts) == len(result.attentions) == num_layers:
        raise RuntimeError(
            f"{family.name}: expected {num_layers} layer calls, saw {len(calls)} calls, "
            f"{len(contexts)} output projections and {len(result.attentions)} attention maps"
        )
    for l in range(1, num_layers):
        if not torch.equal(inputs[l], outputs[l - 1]):
            raise BertstoryError(
                f"{family.name} ({family.model_type}): layer {l + 1}'s input is not layer {l}'s output; "
                "bertstory needs models whose layers follow each other directly"
            )
    return CapturedForward(
        calls=calls,
        embeddings=inputs[0],
        layer_outputs=torch.stack(outputs),
        attention=torch.cat(result.attentions),
    )


def run_layer(call: LayerCall, num_heads: int, layer_input: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """One whole layer.

    Args:
        layer_input: (n, d) ``eˡ⁻¹``.
    Returns:
        head outputs (n, H, d_h) ``oˡʰ``; the layer's output ``eˡ`` (n, d).
    """
    contexts: list[torch.Tensor] = []
    with recording_projection_inputs([call.output_projection], contexts.append):
        output = call(layer_input[None])[0]
    return split_heads(contexts[0], num_heads), output


def run_layers(calls: list[LayerCall], num_heads: int, embeddings: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """All layers from ``e⁰``, one :func:`run_layer` after the other (the ablation maps run every
    ablated copy of the input through them).

    Args:
        embeddings: (n, d) ``e⁰``.
    Returns:
        head outputs (L, n, H, d_h) ``oˡʰ``; layer outputs ``e¹..eᴸ`` (L, n, d).
    """
    heads, outputs = [], []
    hidden = embeddings
    for call in calls:
        head_outputs, hidden = run_layer(call, num_heads, hidden)
        heads.append(head_outputs)
        outputs.append(hidden)
    return torch.stack(heads), torch.stack(outputs)


class _ReachedProjection(Exception):
    """Raised by the pre-hook of :func:`layer_heads` to stop a layer at its output projection."""

    def __init__(self, context: torch.Tensor):
        super().__init__()
        self.context = context


def layer_heads(call: LayerCall, num_heads: int, layer_input: torch.Tensor) -> torch.Tensor:
    """One layer up to its head outputs, and no further (the feed-forward part never runs).

    Args:
        layer_input: (n, d) ``eˡ⁻¹``.
    Returns:
        (n, H, d_h) ``oˡʰ``.
    """

    def stop(context: torch.Tensor):
        raise _ReachedProjection(context)

    with recording_projection_inputs([call.output_projection], stop):
        try:
            call(layer_input[None])
        except _ReachedProjection as reached:
            return split_heads(reached.context, num_heads)
    raise RuntimeError(f"{type(call.module).__name__} never called its attention output projection")


def split_heads(context: torch.Tensor, num_heads: int) -> torch.Tensor:
    """(1, n, H·d_h), the input of the output projection, as (n, H, d_h) (a view)."""
    return context[0].unflatten(-1, (num_heads, -1))


@contextmanager
def recording_projection_inputs(
    projections: list[nn.Module], record: Callable[[torch.Tensor], None]
) -> Iterator[None]:
    """While inside, every call of one of ``projections`` passes its input to ``record`` first."""

    def before_projection(module, args):
        record(args[0])

    handles = [projection.register_forward_pre_hook(before_projection) for projection in projections]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def _distinct(modules) -> list[nn.Module]:
    """Modules in first-seen order, each once (ALBERT's layers share one projection)."""
    return list({id(module): module for module in modules}.values())
