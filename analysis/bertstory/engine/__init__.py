"""The analysis engine: a model's own transformers layer modules, run under ``torch.func``
forward-mode (JVP) transforms, give the four maps of one input (``docs/method.md#the-four-maps``).
It imports nothing of bertstory but :mod:`bertstory.errors`."""

from bertstory.engine.families import SUPPORTED_FAMILIES, Family, family_for
from bertstory.engine.maps import InputMaps, compute_maps
from bertstory.engine.tangents import ESTIMATORS, Estimator

__all__ = ["ESTIMATORS", "SUPPORTED_FAMILIES", "Estimator", "Family", "InputMaps", "compute_maps", "family_for"]
