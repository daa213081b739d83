"""The model to analyse: loading it (the embedded default, a local folder or a hub name) or
borrowing one the caller holds in memory, and turning text into the tokens and features of one
input."""

from bertstory.models.borrowing import borrowed_model, weights_digest
from bertstory.models.encoding import Encoded, encode, has_pair_template, has_text, model_features
from bertstory.models.loading import (
    DEFAULT_MODEL,
    DEVICES,
    Device,
    EMBEDDED_MODEL_NAME,
    LoadedModel,
    embedded_model_path,
    load_model,
    make_ready,
    resolve_device,
)

__all__ = [
    "DEFAULT_MODEL", "DEVICES", "Device", "EMBEDDED_MODEL_NAME", "Encoded", "LoadedModel", "borrowed_model",
    "embedded_model_path", "model_features", "encode", "has_pair_template", "has_text", "load_model", "make_ready",
    "resolve_device", "weights_digest",
]
