"""Names a person reads: layers and heads numbered from 1, heads named ``L3-H7``.

The views, view pairs, token classes and labels are those of :mod:`bertstory.findings`
(``VIEWS``; ``PAIRS``: column suffixes ``a_b`` of ``heads``; ``CLASSES``: ``mass_{class}_{view}``
columns; ``LABELS``: head labels in display order).
"""

from __future__ import annotations

from bertstory.findings.patterns import LABELS
from bertstory.findings.patterns import MASS_CLASSES as CLASSES
from bertstory.findings.run import VIEWS
from bertstory.findings.tables import PAIR_NAMES as PAIRS

__all__ = [
    "CLASSES", "CLASS_TITLES", "LABELS", "PAIRS", "PAIR_TITLES", "VIEWS", "VIEW_TITLES",
    "head_name", "label_order", "layer_name", "layer_slug",
]

VIEW_TITLES = {"attention": "attention", "local": "local attribution", "global": "global attribution"}
PAIR_TITLES = {
    "attention_local": "attention vs local",
    "attention_global": "attention vs global",
    "local_global": "local vs global",
}
CLASS_TITLES = {
    "cls": "[CLS]",
    "sep": "[SEP]",
    "punct": "punctuation",
    "period": "“.”",
    "comma": "“,”",
    "self": "self",
    "prev": "previous",
    "next": "next",
}


def head_name(layer: int, head: int) -> str:
    """``L3-H7`` for 1-based ``layer`` and ``head``."""
    return f"L{layer}-H{head}"


def layer_name(layer: int) -> str:
    """``Layer 3`` for a 1-based ``layer``."""
    return f"Layer {layer}"


def layer_slug(layer: int) -> str:
    """File stem of a layer's page and figure: ``layer-3``."""
    return f"layer-{layer}"


def label_order(labels) -> list[str]:
    """Distinct ``labels`` in display order: known labels first, then the rest sorted."""
    present = set(labels)
    known = [label for label in LABELS if label in present]
    return known + sorted(present - set(LABELS))
