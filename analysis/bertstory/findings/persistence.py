"""A head's pattern and its persistence into local and global attribution
(``docs/method.md#enrichment``), from the enrichment ``E_c`` and specificity ``S_c`` of :mod:`bertstory.findings.enrichment` and their lower 95% bounds.

* **Pattern** of a head: its surface label under attention
  (:func:`bertstory.findings.patterns.label_heads`) when that label is a class; otherwise,
  among the classes whose attention ``E_c ≥ pattern_enrichment`` (2), ``S_c ≥
  pattern_specificity`` (1.5) and both lower bounds ``> 1``, the one with the largest
  ``S_c`` (ties to the earlier class of :data:`PATTERN_CLASSES`); otherwise ``none``. Only
  the qualifying classes compete: a class below chance whose ``S_c`` is large because the
  layer's mean map barely touches it does not hide one that qualifies.
* **persists** into view ``v``: the head has a pattern ``c`` and ``E_c(v) ≥
  persist_enrichment`` (2) with lower bound ``> 1``.
* **persists_specific** into ``v``: it persists and ``S_c(v) ≥ persist_specificity`` (1.2)
  with lower bound ``> 1``.

A pattern is one of the label classes ``CLS``, ``SEP``, ``punct``, ``self``, ``prev``,
``next`` (spelled as the labels are). ``period`` and ``comma`` have enrichments of their
own but are sub-classes of ``punct``, reported and never a pattern. ``NaN`` (an undefined
``E_c`` or ``S_c``) fails every test, so an undefined class neither is a pattern nor persists.
"""

from __future__ import annotations

import numpy as np

from bertstory.findings.config import CHANCE, FindingsConfig
from bertstory.findings.enrichment import CLASSES, ViewEvidence
from bertstory.findings.patterns import LABEL_CLASSES, label_column

#: Classes that can be a head's pattern, in tie-break order (the label classes).
PATTERN_CLASSES: tuple[str, ...] = LABEL_CLASSES
#: The pattern of a head that has none.
NO_PATTERN = "none"
_PATTERN_INDEX = np.array([CLASSES.index(label_column(c)) for c in PATTERN_CLASSES])


def head_patterns(
    attention_labels: np.ndarray, attention: ViewEvidence, thresholds: FindingsConfig | None = None
) -> np.ndarray:
    """The pattern of every head: an object array shaped like ``attention_labels`` (``(L, H)``)
    of :data:`PATTERN_CLASSES` names or :data:`NO_PATTERN`.

    ``attention_labels`` are the surface labels under attention from
    :func:`~bertstory.findings.patterns.label_heads`; ``attention`` the attention view's
    evidence, arrays ``(L, H, C)`` over :data:`~bertstory.findings.enrichment.CLASSES`;
    ``thresholds`` the ``pattern_*`` settings of :class:`FindingsConfig` (defaults when ``None``).
    """
    thresholds = thresholds or FindingsConfig()
    labels = np.asarray(attention_labels, dtype=object)
    e = attention.enrichment[..., _PATTERN_INDEX]
    s = attention.specificity[..., _PATTERN_INDEX]
    with np.errstate(invalid="ignore"):
        qualifies = ((e >= thresholds.pattern_enrichment) & (s >= thresholds.pattern_specificity)
                     & (attention.enrichment_lo[..., _PATTERN_INDEX] > CHANCE)
                     & (attention.specificity_lo[..., _PATTERN_INDEX] > CHANCE))
    ranked = np.where(qualifies, s, -np.inf)
    best = np.argmax(ranked, axis=-1)
    names = np.array(PATTERN_CLASSES, dtype=object)
    by_enrichment = np.where(qualifies.any(axis=-1), names[best], NO_PATTERN)
    is_class = np.isin(labels, names)
    return np.where(is_class, labels, by_enrichment).astype(object)


def persistence(
    patterns: np.ndarray, view: ViewEvidence, thresholds: FindingsConfig | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(persists, persists_specific)``, boolean arrays shaped like ``patterns`` (``(L, H)``):
    whether each head's pattern persists into ``view`` (its evidence, arrays ``(L, H, C)``).
    A head without a pattern persists in neither sense. ``thresholds``: the ``persist_*``
    settings of :class:`FindingsConfig` (defaults when ``None``)."""
    thresholds = thresholds or FindingsConfig()
    patterns = np.asarray(patterns, dtype=object)
    has = patterns != NO_PATTERN
    index = np.array([CLASSES.index(label_column(p)) if p != NO_PATTERN else 0 for p in patterns.ravel()],
                     dtype=np.int64).reshape(patterns.shape)

    def at_pattern(values: np.ndarray) -> np.ndarray:
        return np.take_along_axis(values, index[..., None], axis=-1)[..., 0]

    with np.errstate(invalid="ignore"):
        persists = has & (at_pattern(view.enrichment) >= thresholds.persist_enrichment) \
            & (at_pattern(view.enrichment_lo) > CHANCE)
        specific = persists & (at_pattern(view.specificity) >= thresholds.persist_specificity) \
            & (at_pattern(view.specificity_lo) > CHANCE)
    return persists, specific


def persistence_counts(
    patterns: np.ndarray, persists: np.ndarray, persists_specific: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per layer and pattern class, int64 ``(L, len(PATTERN_CLASSES))`` each: heads with the
    pattern, heads whose pattern persists, and those that persist specifically (inputs
    ``(L, H)``: :func:`head_patterns` and one view's :func:`persistence`)."""
    patterns = np.asarray(patterns, dtype=object)
    match = np.stack([patterns == c for c in PATTERN_CLASSES], axis=-1)  # (L, H, P)
    return (
        match.sum(axis=1).astype(np.int64),
        (match & np.asarray(persists, dtype=bool)[..., None]).sum(axis=1).astype(np.int64),
        (match & np.asarray(persists_specific, dtype=bool)[..., None]).sum(axis=1).astype(np.int64),
    )
