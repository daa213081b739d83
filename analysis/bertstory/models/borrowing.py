"""Analysing a model the caller already holds in memory, and giving it back as it was.

:func:`borrowed_model` checks the model like :func:`~bertstory.models.load_model` checks a
loaded one (a supported family, see :data:`bertstory.engine.SUPPORTED_FAMILIES`),
puts it in the state the engine needs (:func:`~bertstory.models.loading.make_ready`: eval
mode, frozen, eager attention, on the analysis device) for the duration of a ``with`` block,
and then restores every module's training mode, every parameter's ``requires_grad``, the
attention implementation and the device.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from bertstory.engine import family_for
from bertstory.errors import BertstoryError
from bertstory.models.loading import Device, LoadedModel, make_ready, resolve_device
from bertstory.models.vocabulary import check_vocabulary


@contextmanager
def borrowed_model(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase | None,
                   device: Device = "auto") -> Iterator[LoadedModel]:
    """The in-memory ``model`` ready for analysis inside the ``with`` block, restored after it.

    Args:
        model: a transformers model of a supported family; a model with a task head (e.g.
            ``BertForSequenceClassification``) is analysed through its encoder (``model.base_model``).
        tokenizer: the model's tokenizer.
        device: ``auto`` computes where the model already is; ``cpu`` or ``cuda`` moves it
            there for the block and back after it.
    Yields:
        A :class:`LoadedModel` named after ``model.name_or_path`` (else its class), whose
        revision is :func:`weights_digest` of the model.
    """
    if not isinstance(model, PreTrainedModel):
        raise BertstoryError(
            f"model must be a model name, a model folder or a transformers PreTrainedModel, not {type(model).__name__}"
        )
    if tokenizer is None:
        raise BertstoryError("an in-memory model needs its tokenizer: pass tokenizer=<the model's tokenizer>")
    if not isinstance(tokenizer, PreTrainedTokenizerBase):
        raise BertstoryError(f"tokenizer must be a transformers tokenizer, not {type(tokenizer).__name__}")
    name = model.name_or_path or type(model).__name__
    check_vocabulary(tokenizer, name, None)
    encoder = model.base_model
    family = family_for(encoder.config)
    home = _only_device(model)
    target = home if device == "auto" else resolve_device(device)
    training = {module: module.training for module in model.modules()}
    requires_grad = {parameter: parameter.requires_grad for parameter in model.parameters()}
    attention_implementation = model.config._attn_implementation
    try:
        make_ready(model, target)
        yield LoadedModel(
            name_or_path=name,
            model=encoder,
            tokenizer=tokenizer,
            family=family,
            revision=weights_digest(model),
            device=target,
        )
    finally:
        model.to(home)
        if model.config._attn_implementation != attention_implementation:
            model.set_attn_implementation(attention_implementation)
        for parameter, flag in requires_grad.items():
            parameter.requires_grad_(flag)
        for module, flag in training.items():
            module.training = flag


def weights_digest(model: torch.nn.Module) -> str:
    """First 16 hex digits of the SHA-256 of the raw bytes of the model's parameters and
    buffers, in ``state_dict`` order: an identity of weights that may exist only in memory."""
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().to("cpu").contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()[:16]


def _only_device(model: torch.nn.Module) -> torch.device:
    """The one device that holds every parameter and buffer of ``model``."""
    devices = {tensor.device for tensor in (*model.parameters(), *model.buffers())}
    if len(devices) != 1:
        listed = ", ".join(sorted(str(d) for d in devices)) or "none (it has no parameters)"
        raise BertstoryError(f"the model must sit on one device to be analysed; its tensors are on: {listed}")
    return devices.pop()
