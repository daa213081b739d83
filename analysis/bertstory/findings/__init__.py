"""Findings: turn a run folder into the tidy tables the story is told with.

Pure numpy/pandas over per-input statistics (no model, and no map once the statistics are
written). Definitions are those of ``docs/method.md`` (sections cited module by module):

* :mod:`~bertstory.findings.tokens` — token classes (``CLS``, ``SEP``, ``punct``, …);
* :mod:`~bertstory.findings.divergence` — JS, TV, Spearman, top-1, entropy per row;
* :mod:`~bertstory.findings.metrics` — the registry of per-row comparison metrics built on them;
* :mod:`~bertstory.findings.ratios` — ratios of sums that may be empty;
* :mod:`~bertstory.findings.enrichment` — class masses, enrichment, specificity, their intervals;
* :mod:`~bertstory.findings.patterns` — surface labels;
* :mod:`~bertstory.findings.persistence` — a head's pattern and its persistence;
* :mod:`~bertstory.findings.rollout` — attention rollout;
* :mod:`~bertstory.findings.resampling`, :mod:`~bertstory.findings.bootstrap` — the paired
  bootstrap over inputs, medians; :mod:`~bertstory.findings.bootstrap_memory` — whether it fits in memory;
* :mod:`~bertstory.findings.clustering` — head distances, MDS, clusters;
* :mod:`~bertstory.findings.statistics` — one input's sufficient statistics, from its maps;
* :mod:`~bertstory.findings.store` — the run's statistics files (written, refreshed, read);
* :mod:`~bertstory.findings.reduction` — statistics reduced over the inputs;
* :mod:`~bertstory.findings.schema` — the names of the tables and of their columns;
* :mod:`~bertstory.findings.tables` — the tables, documented in ``docs/results.md``;
* :mod:`~bertstory.findings.write` — writing them, or reusing them when up to date.

Entry point: :func:`write_findings`.
"""

from bertstory.findings.config import FindingsConfig
from bertstory.findings.patterns import LABELS, Label
from bertstory.findings.schema import TABLE_NAMES
from bertstory.findings.write import FORMAT_VERSION, write_findings

__all__ = ["FORMAT_VERSION", "FindingsConfig", "LABELS", "Label", "TABLE_NAMES", "write_findings"]
