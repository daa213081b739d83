"""The analysis engine: a model's own transformers layer modules, run under ``torch.func``
transforms, give the maps of one input (``docs/method.md#the-four-maps``) from one captured
forward (:class:`MapSource`). It imports nothing of bertstory but :mod:`bertstory.errors`."""

from bertstory.engine.families import SUPPORTED_FAMILIES, Family, family_for
from bertstory.engine.source import MapSource, open_source
from bertstory.engine.tangents import ESTIMATORS, Estimator

__all__ = ["ESTIMATORS", "SUPPORTED_FAMILIES", "Estimator", "Family", "MapSource", "family_for", "open_source"]
