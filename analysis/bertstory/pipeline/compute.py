"""The maps of one tokenised input of a loaded model: where the pipeline meets the engine."""

from __future__ import annotations

from bertstory.engine import InputMaps, compute_maps
from bertstory.models import Encoded, LoadedModel, model_features


def input_maps(loaded: LoadedModel, encoded: Encoded, *, estimator: str, probes: int, seed: int,
               input_id: str) -> InputMaps:
    """The four maps of one tokenised input (probe directions seeded by ``seed`` and ``input_id``)."""
    return compute_maps(loaded.model, model_features(loaded, encoded), estimator=estimator, probes=probes, seed=seed,
                        input_id=input_id)
