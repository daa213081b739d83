"""The settings of a comparison that change its numbers (the runs and where the report goes are
given apart: the command's arguments and :class:`bertstory.report.project.SiteSettings`)."""

from __future__ import annotations

from dataclasses import dataclass

from bertstory.errors import BertstoryError
from bertstory.findings.config import MAX_BOOTSTRAP_SAMPLES
from bertstory.options import MAX_SEED, SEED_RANGE, is_seed, setting


@dataclass(frozen=True)
class CompareSettings:
    """The bootstrap of the input-by-input comparison (``docs/method.md#comparing-models``)."""

    bootstrap_samples: int = setting(
        1000, "Bootstrap resamples of the inputs for the intervals of the input-by-input differences.", minimum=1,
        maximum=MAX_BOOTSTRAP_SAMPLES)
    seed: int = setting(0, "Seed of those resamples.", minimum=0, maximum=MAX_SEED)

    def __post_init__(self) -> None:
        if not 1 <= int(self.bootstrap_samples) <= MAX_BOOTSTRAP_SAMPLES:
            raise BertstoryError(f"bootstrap-samples must lie in [1, {MAX_BOOTSTRAP_SAMPLES}], got {self.bootstrap_samples}")
        if not is_seed(self.seed):
            raise BertstoryError(f"seed must be {SEED_RANGE}, not {self.seed!r}")
