"""Names a person reads: titles of views, view pairs and token classes; layers and heads
numbered from 1, heads named ``L3-H7``.

The views (:data:`bertstory.views.VIEWS`), view pairs (``PAIR_NAMES``), mass classes
(``MASS_CLASSES``), labels (``LABELS``) and pattern classes (``PATTERN_CLASSES``) themselves are
defined in :mod:`bertstory.views` and :mod:`bertstory.findings`; this module only gives them titles.
"""

from __future__ import annotations

from bertstory.findings.patterns import LABELS

CONTRASTED_VIEWS: tuple[str, ...] = ("attention", "global")
"""The two views figures set side by side: where a head looks, and what its output depends on."""
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

PATTERN_TITLES = {
    "CLS": "[CLS]",
    "SEP": "[SEP]",
    "punct": "punctuation",
    "self": "self",
    "prev": "previous-token",
    "next": "next-token",
}
"""A head's pattern (``PATTERN_CLASSES``) as sentences name it: "previous-token patterns"."""


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
