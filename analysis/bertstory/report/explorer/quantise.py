"""Maps quantised to 8 bits, one scale per map, for the explorer's data files.

A map is one n×n matrix (one view of one head, or one layer's token contribution) with
entries in [0, 1]. Its entries are stored as codes 0..255 and read back as ``code × scale``,
where ``scale`` is the map's largest entry divided by 255, rounded to
:data:`SCALE_DIGITS` significant digits (the number written to the data file is the one used).
Every entry read back is within ``scale / 2`` of the original: at most ``max / 510`` ≤ 0.00196.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEVELS = 255
"""Largest code: codes are uint8."""
SCALE_DIGITS = 7
"""Significant digits of a map's scale, as written to the data file."""


@dataclass(frozen=True)
class Quantised:
    """``codes`` (uint8, the shape of the maps) and ``scales`` (float64, the shape less the two
    map axes): entry ``[..., j, i]`` reads back as ``codes[..., j, i] * scales[...]``."""

    codes: np.ndarray
    scales: np.ndarray

    def values(self) -> np.ndarray:
        """The maps as read back (float64)."""
        return self.codes * self.scales[..., None, None]

    def bound(self) -> np.ndarray:
        """Largest error of each map read back: half its scale (shape of ``scales``)."""
        return self.scales / 2


def quantise(maps: np.ndarray) -> Quantised:
    """Quantise ``maps`` (..., n, n), finite and non-negative, one scale per trailing n×n map.

    Raises ``ValueError`` for negative or non-finite entries (the bound would not hold).
    """
    maps = np.asarray(maps, dtype=np.float64)
    if not np.isfinite(maps).all() or (maps < 0).any():
        raise ValueError("maps must be finite and non-negative")
    peaks = maps.max(axis=(-2, -1)) if maps.size else np.zeros(maps.shape[:-2])
    scales = np.array([float(f"{s:.{SCALE_DIGITS}g}") for s in (peaks / LEVELS).ravel()]).reshape(peaks.shape)
    scales[scales == 0] = 1.0  # an all-zero map: every code is 0 whatever the scale
    codes = np.clip(np.rint(maps / scales[..., None, None]), 0, LEVELS).astype(np.uint8)
    return Quantised(codes=codes, scales=scales)
