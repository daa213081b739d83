"""Settings of ``bertstory findings``: label thresholds, bootstrap, offsets, clusters.

Every setting enters the fingerprint of the written tables, so changing one recomputes
them (see :func:`bertstory.findings.write_findings`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from bertstory.errors import BertstoryError
from bertstory.options import setting


@dataclass(frozen=True)
class FindingsConfig:
    """What ``bertstory findings`` computes, beyond the definitions of ``docs/method.md``.

    Attributes:
        threshold_positional: a head is labelled ``self``, ``prev`` or ``next`` when that
            relation has the largest mass and the mass is at least this
            (``docs/method.md#patterns``: 0.5).
        threshold_token: likewise for ``CLS``, ``SEP`` and ``punct`` (0.6).
        threshold_broad: an unlabelled head is ``broad`` when its mean normalised entropy
            is at least this, else ``mixed`` (0.8).
        bootstrap_samples: resamples of the inputs for the 95% intervals.
        seed: seed of the bootstrap and of the MDS layout; ``None`` uses the run's
            ``settings.seed`` from ``run.json``.
        max_offset: the ``positions`` table covers relative offsets ``-max_offset ..
            +max_offset`` (at least 1: offsets -1, 0, +1 are ``prev``, ``self``, ``next``).
        n_clusters: number of head clusters per view (capped at the number of heads).
    """

    threshold_positional: float = setting(0.5, "Least mass for the self/prev/next labels.")
    threshold_token: float = setting(0.6, "Least mass for the CLS/SEP/punct labels.")
    threshold_broad: float = setting(0.8, "Least normalised entropy for the broad label (else mixed).")
    bootstrap_samples: int = setting(1000, "Resamples of the inputs for 95% intervals.", minimum=1)
    seed: int | None = setting(None, "Bootstrap and MDS seed [default: the run's seed].")
    max_offset: int = setting(5, "The positions table covers relative offsets -N..+N.", minimum=1)
    n_clusters: int = setting(6, "Head clusters per view.", minimum=1, option="--clusters")

    def __post_init__(self) -> None:
        for name in ("threshold_positional", "threshold_token", "threshold_broad"):
            value = getattr(self, name)
            if not 0.0 <= float(value) <= 1.0:
                raise BertstoryError(f"{name.replace('_', '-')} must lie in [0, 1], got {value}")
        if int(self.bootstrap_samples) < 1:
            raise BertstoryError(f"bootstrap-samples must be at least 1, got {self.bootstrap_samples}")
        if int(self.max_offset) < 1:
            raise BertstoryError(f"max-offset must be at least 1, got {self.max_offset}")
        if int(self.n_clusters) < 1:
            raise BertstoryError(f"clusters must be at least 1, got {self.n_clusters}")

    def resolved(self, run_seed: int | None) -> FindingsConfig:
        """This config with ``seed`` filled in from the run when it is ``None``."""
        if self.seed is not None:
            return self
        return replace(self, seed=int(run_seed) if run_seed is not None else 0)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
