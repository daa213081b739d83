"""The model to analyse: loading it (the embedded default, a local folder or a hub name) and
turning text into its tokens and embedding output ``e⁰``."""

from bertstory.models.encoding import Encoded, embedding_output, encode
from bertstory.models.loading import (
    DEFAULT_MODEL,
    DEVICES,
    Device,
    EMBEDDED_MODEL_NAME,
    LoadedModel,
    embedded_model_path,
    load_model,
    resolve_device,
)

__all__ = [
    "DEFAULT_MODEL", "DEVICES", "Device", "EMBEDDED_MODEL_NAME", "Encoded", "LoadedModel", "embedded_model_path",
    "embedding_output", "encode", "load_model", "resolve_device",
]
