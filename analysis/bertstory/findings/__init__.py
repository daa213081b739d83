"""Findings: turn a run folder into the tidy tables the story is told with.

Pure numpy/pandas over the run's maps (no model needed). Definitions are those of
``docs/method.md`` (sections cited module by module):

* :mod:`~bertstory.findings.tokens` — token classes (``CLS``, ``SEP``, ``punct``, …);
* :mod:`~bertstory.findings.divergence` — JS, TV, Spearman, top-1 per row;
* :mod:`~bertstory.findings.patterns` — masses, normalised entropy, labels;
* :mod:`~bertstory.findings.rollout` — attention rollout;
* :mod:`~bertstory.findings.bootstrap` — medians and 95% intervals over inputs;
* :mod:`~bertstory.findings.clustering` — head distances, MDS, clusters;
* :mod:`~bertstory.findings.stream` — the single pass over the maps;
* :mod:`~bertstory.findings.tables` — the tables, documented in ``docs/results.md``;
* :mod:`~bertstory.findings.write` — writing them, or reusing them when up to date.

Entry point: :func:`write_findings`.
"""

from bertstory.findings.config import FindingsConfig
from bertstory.findings.patterns import LABELS, Label
from bertstory.findings.tables import TABLE_NAMES
from bertstory.findings.write import FORMAT_VERSION, write_findings

__all__ = ["FORMAT_VERSION", "FindingsConfig", "LABELS", "Label", "TABLE_NAMES", "write_findings"]
