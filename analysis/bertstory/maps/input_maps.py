"""The maps of one input, keyed by their registered names (:data:`bertstory.maps.MAPS`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np


class InputMaps(Mapping[str, np.ndarray]):
    """Maps of one input of ``n`` tokens by name, in registry order: float32 arrays, ``(L, H, n, n)``
    for a head's view, ``(L, n, n)`` for a layer's map; rows are queries (outputs), each sums to 1.

    ``maps["global"]``; a map is also an attribute, ``global`` as ``global_`` (``maps.attention``).
    """

    def __init__(self, arrays: Mapping[str, np.ndarray]):
        self._arrays = dict(arrays)

    def __getitem__(self, name: str) -> np.ndarray:
        return self._arrays[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._arrays)

    def __len__(self) -> int:
        return len(self._arrays)

    def __getattr__(self, attribute: str) -> np.ndarray:
        arrays = self.__dict__.get("_arrays", {})
        name = attribute.removesuffix("_")
        if name in arrays:
            return arrays[name]
        raise AttributeError(f"{type(self).__name__} has no map or attribute {attribute!r}")

    def __repr__(self) -> str:
        return f"InputMaps({', '.join(f'{name}={array.shape}' for name, array in self._arrays.items())})"
