"""Names a person reads: layers and heads numbered from 1, heads named ``L3-H7``."""

from __future__ import annotations

VIEWS: tuple[str, ...] = ("attention", "local", "global")
"""The three per-head views, in the order they are shown."""

PAIRS: tuple[str, ...] = ("attention_local", "attention_global", "local_global")
"""View pairs compared by the divergence metrics (column suffixes of ``heads``)."""

CLASSES: tuple[str, ...] = ("cls", "sep", "punct", "period", "comma", "self", "prev", "next")
"""Token classes with a mass column ``mass_{class}_{view}`` in ``heads``."""

LABELS: tuple[str, ...] = ("CLS", "SEP", "punct", "self", "prev", "next", "broad", "mixed")
"""Head labels in display order (DESIGN §4); unknown labels sort after these."""

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
