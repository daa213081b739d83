"""Pattern and persistence rules (docs/method.md, "Enrichment, specificity and persistence") on
hand-made enrichments: every branch, the threshold edges, undefined values."""

from __future__ import annotations

import numpy as np
import pytest

from bertstory.errors import BertstoryError
from bertstory.findings.config import FindingsConfig
from bertstory.findings.enrichment import CLASSES, ViewEvidence
from bertstory.findings.persistence import (
    NO_PATTERN,
    PATTERN_CLASSES,
    head_patterns,
    persistence,
    persistence_counts,
)

NAN = float("nan")


def evidence(*heads: dict[str, tuple[float, float, float, float]]) -> ViewEvidence:
    """One layer; each head maps classes to ``(E, E_lo, S, S_lo)``; other classes are at chance
    (E = S = 1, lower bounds 0.8)."""
    arrays = np.zeros((4, 1, len(heads), len(CLASSES)))
    arrays[:] = np.array([1.0, 0.8, 1.0, 0.8])[:, None, None, None]
    for h, values in enumerate(heads):
        for name, quadruple in values.items():
            arrays[:, 0, h, CLASSES.index(name)] = quadruple
    return ViewEvidence(*arrays)


def labels(*names: str) -> np.ndarray:
    return np.array([list(names)], dtype=object)


def test_a_class_label_under_attention_is_the_pattern_whatever_the_enrichment():
    result = head_patterns(labels("CLS", "prev", "punct"), evidence({}, {"prev": (0.5, 0.2, 0.4, 0.1)}, {}))
    assert result.tolist() == [["CLS", "prev", "punct"]]


def test_without_a_class_label_the_most_specific_qualifying_class():
    qualifies = (3.0, 1.5, 2.0, 1.2)
    more_specific = (2.5, 1.4, 2.5, 1.3)
    result = head_patterns(labels("broad", "mixed", "broad"), evidence(
        {"sep": qualifies},
        {"sep": qualifies, "next": more_specific},
        {"self": qualifies, "prev": qualifies},  # tie in S: the earlier class of PATTERN_CLASSES
    ))
    assert result.tolist() == [["SEP", "next", "self"]]


def test_a_more_specific_class_below_the_thresholds_does_not_hide_a_qualifying_one():
    # punct: S = 5 because the layer barely looks at punctuation, but E = 0.5 is below chance.
    result = head_patterns(labels("mixed"), evidence({"punct": (0.5, 0.3, 5.0, 2.0), "cls": (2.5, 1.5, 1.6, 1.1)}))
    assert result.tolist() == [["CLS"]]


@pytest.mark.parametrize("values", [
    (1.99, 1.5, 2.0, 1.2),   # E below 2
    (3.0, 1.5, 1.49, 1.2),   # S below 1.5
    (3.0, 1.0, 2.0, 1.2),    # E's lower bound not above 1
    (3.0, 1.5, 2.0, 1.0),    # S's lower bound not above 1
    (NAN, NAN, NAN, NAN),    # undefined
])
def test_no_pattern_when_one_condition_fails(values):
    assert head_patterns(labels("broad"), evidence({"prev": values})).tolist() == [[NO_PATTERN]]


def test_pattern_thresholds_are_inclusive_and_lower_bounds_strict():
    assert head_patterns(labels("broad"), evidence({"prev": (2.0, 1.0001, 1.5, 1.0001)})).tolist() == [["prev"]]


def test_period_and_comma_are_never_a_pattern():
    strong = (9.0, 5.0, 4.0, 3.0)
    assert head_patterns(labels("mixed"), evidence({"period": strong, "comma": strong})).tolist() == [[NO_PATTERN]]
    assert set(PATTERN_CLASSES) == {"CLS", "SEP", "punct", "self", "prev", "next"}


def test_persistence_branches():
    patterns = labels("prev", "prev", "prev", "prev", "prev", "CLS", NO_PATTERN)
    view = evidence(
        {"prev": (2.0, 1.01, 1.2, 1.01)},  # both, at the edges
        {"prev": (1.9, 1.5, 3.0, 2.0)},    # E too small: neither
        {"prev": (5.0, 1.0, 3.0, 2.0)},    # E's lower bound at chance: neither
        {"prev": (5.0, 2.0, 1.1, 1.05)},   # persists, S too small
        {"prev": (5.0, 2.0, 1.5, 0.9)},    # persists, S's lower bound below chance
        {"prev": (5.0, 2.0, 3.0, 2.0), "cls": (NAN, NAN, NAN, NAN)},  # the pattern's class is undefined
        {"prev": (5.0, 2.0, 3.0, 2.0)},    # no pattern
    )
    persists, specific = persistence(patterns, view)
    assert persists.tolist() == [[True, False, False, True, True, False, False]]
    assert specific.tolist() == [[True, False, False, False, False, False, False]]


def test_thresholds_are_parameters():
    view = evidence({"prev": (2.5, 1.5, 1.3, 1.1)})
    assert persistence(labels("prev"), view)[1].tolist() == [[True]]
    stricter = FindingsConfig(persist_enrichment=3.0)
    assert persistence(labels("prev"), view, stricter)[0].tolist() == [[False]]
    assert head_patterns(labels("broad"), view).tolist() == [[NO_PATTERN]]  # S = 1.3 < 1.5
    assert head_patterns(labels("broad"), view, FindingsConfig(pattern_specificity=1.25)).tolist() == [["prev"]]
    with pytest.raises(BertstoryError, match="persist-specificity must be at least 1"):
        FindingsConfig(persist_specificity=0.9)


def test_counts_per_layer_and_class():
    patterns = np.array([["prev", "prev", "CLS"], [NO_PATTERN, "self", "prev"]], dtype=object)
    persists = np.array([[True, False, True], [False, True, True]])
    specific = np.array([[True, False, False], [False, False, True]])
    with_pattern, n_persist, n_specific = persistence_counts(patterns, persists, specific)
    order = list(PATTERN_CLASSES)
    expected = np.zeros((2, len(order)), dtype=int)
    expected[0, order.index("prev")], expected[0, order.index("CLS")] = 2, 1
    expected[1, order.index("self")], expected[1, order.index("prev")] = 1, 1
    np.testing.assert_array_equal(with_pattern, expected)
    assert n_persist[0, order.index("prev")] == 1 and n_persist[0, order.index("CLS")] == 1
    assert n_persist[1].sum() == 2 and n_specific.sum() == 2 and n_specific[0, order.index("prev")] == 1
