"""A toy comparison metric for the registry test: the Hellinger distance of two rows,
``√(½ Σ_i (√p_i − √q_i)²)``, in [0, 1] (0 for identical rows)."""

import numpy as np

from bertstory.findings.metrics import Metric

HELLINGER = Metric(
    "hellinger", "Hellinger", "Hellinger distance", higher_is_closer=False,
    rows=lambda p, q: np.sqrt(0.5 * np.square(np.sqrt(p) - np.sqrt(q)).sum(axis=-1)),
)
