"""Settings of ``bertstory findings``: label, pattern and persistence thresholds, bootstrap, offsets, clusters.

Every setting enters the fingerprint of the written tables, so changing one recomputes
them (see :func:`bertstory.findings.write_findings`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from bertstory.errors import BertstoryError
from bertstory.options import MAX_SEED, SEED_RANGE, is_seed, setting


#: Settings the command line does not offer: the report's captions state the offsets −5..+5.
NOT_ON_COMMAND_LINE: tuple[str, ...] = ("max_offset",)
#: Settings ``analyze`` and ``build-site`` do not offer besides those: the run's seed is used.
NOT_IN_PIPELINE: tuple[str, ...] = (*NOT_ON_COMMAND_LINE, "seed")
#: Enrichment and specificity at chance: a lower bound must exceed it, a threshold reach it.
CHANCE = 1.0
#: Most bootstrap resamples: the percentile bounds' Monte Carlo error is then about 0.2% of a
#: 95% interval's width (1000: about 2%), and each resample's statistics are held in memory.
MAX_BOOTSTRAP_SAMPLES = 100_000


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
        pattern_enrichment: least attention enrichment ``E_c`` of a pattern found by
            enrichment rather than by the label (``docs/method.md#enrichment``: 2).
        pattern_specificity: least attention specificity ``S_c`` of such a pattern (1.5).
        persist_enrichment: least ``E_c`` in a view for a head's pattern to persist there (2).
        persist_specificity: least ``S_c`` in a view for it to persist specifically (1.2).
        bootstrap_samples: resamples of the inputs for the 95% intervals.
        seed: seed of the bootstrap and of the MDS layout; ``None`` uses the run's
            ``settings.seed`` from ``run.json``.
        max_offset: the ``positions`` table covers relative offsets ``-max_offset ..
            +max_offset`` (at least 1: offsets -1, 0, +1 are ``prev``, ``self``, ``next``).
        n_clusters: number of head clusters per view (capped at the number of heads).
    """

    threshold_positional: float = setting(0.5, "Least mass for the self/prev/next labels.",
                                          reproduce="unless_default")
    threshold_token: float = setting(0.6, "Least mass for the CLS/SEP/punct labels.", reproduce="unless_default")
    threshold_broad: float = setting(0.8, "Least normalised entropy for the broad label (else mixed).",
                                     reproduce="unless_default")
    pattern_enrichment: float = setting(2.0, "Least attention enrichment of a pattern found by enrichment.",
                                        minimum=CHANCE, reproduce="unless_default")
    pattern_specificity: float = setting(1.5, "Least attention specificity of a pattern found by enrichment.",
                                         minimum=CHANCE, reproduce="unless_default")
    persist_enrichment: float = setting(2.0, "Least enrichment in a view for a pattern to persist there.",
                                        minimum=CHANCE, reproduce="unless_default")
    persist_specificity: float = setting(1.2, "Least specificity in a view for a pattern to persist specifically.",
                                         minimum=CHANCE, reproduce="unless_default")
    bootstrap_samples: int = setting(1000, "Resamples of the inputs for 95% intervals.", minimum=1,
                                     maximum=MAX_BOOTSTRAP_SAMPLES, reproduce="unless_default")
    seed: int | None = setting(None, "Bootstrap and MDS seed [default: the run's seed].", minimum=0,
                               maximum=MAX_SEED)
    max_offset: int = setting(5, "The positions table covers relative offsets -N..+N.", minimum=1)
    n_clusters: int = setting(6, "Head clusters per view.", minimum=1, option="--clusters", reproduce="unless_default")

    def __post_init__(self) -> None:
        for name in ("threshold_positional", "threshold_token", "threshold_broad"):
            value = getattr(self, name)
            if not 0.0 <= float(value) <= 1.0:
                raise BertstoryError(f"{name.replace('_', '-')} must lie in [0, 1], got {value}")
        for name in ("pattern_enrichment", "pattern_specificity", "persist_enrichment", "persist_specificity"):
            value = getattr(self, name)
            if not float(value) >= CHANCE:
                raise BertstoryError(f"{name.replace('_', '-')} must be at least {CHANCE} (chance), got {value}")
        if not 1 <= int(self.bootstrap_samples) <= MAX_BOOTSTRAP_SAMPLES:
            raise BertstoryError(f"bootstrap-samples must lie in [1, {MAX_BOOTSTRAP_SAMPLES}], got {self.bootstrap_samples}")
        if self.seed is not None and not is_seed(self.seed):
            raise BertstoryError(f"seed must be {SEED_RANGE}, not {self.seed!r}")
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
