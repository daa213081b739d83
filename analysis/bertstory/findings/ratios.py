"""Ratios of sums that may have nothing to divide by."""

from __future__ import annotations

import numpy as np


def safe_divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a / b`` in float64 where ``b > 0``, ``NaN`` elsewhere (no warning)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), np.nan)
