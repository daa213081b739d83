"""Names a person reads: titles of views, view pairs and token classes; layers and heads
numbered from 1, heads named ``L3-H7``.

The maps and views (:mod:`bertstory.maps`, whose registry holds their titles), compared pairs
(:func:`bertstory.maps.pair_names`), mass classes (``MASS_CLASSES``), labels (``LABELS``) and
pattern classes (``PATTERN_CLASSES``) themselves are defined in :mod:`bertstory.maps` and
:mod:`bertstory.findings`; this module only gives them titles.
The first and separator classes are named from the run (:func:`class_names`): ``[CLS]``/``<s>``
for an encoder, "first token" for a decoder.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bertstory.findings.patterns import LABEL_CLASSES, LABEL_COLUMNS, LABELS, MASS_CLASSES, label_column
from bertstory.findings.persistence import PATTERN_CLASSES
from bertstory.report.markdown import escape
from bertstory.results import RunRecord
from bertstory.maps import MAPS, view_pairs

PAPER_VIEWS: tuple[str, ...] = ("attention", "local", "global")
"""The paper's three views of a head, which its figures (label grids) show whatever else is registered."""
CONTRASTED_VIEWS: tuple[str, ...] = ("attention", "global")
"""The two views figures set side by side: where a head looks, and what its output depends on."""


DERIVED_VIEW_TITLES = {"rollout": "attention rollout", "value_zeroing_rollout": "value-zeroing rollout"}
"""Titles of the views findings derive from maps (rollouts), which the registry does not hold."""


def view_title(name: str) -> str:
    """A map's title, from its registry entry ("global" → "global attribution"); a derived view's from
    :data:`DERIVED_VIEW_TITLES`; a map a table names that this process has not registered (a run
    analysed with a map module not imported here): its name, underscores as spaces."""
    if name in DERIVED_VIEW_TITLES:
        return DERIVED_VIEW_TITLES[name]
    return MAPS[name].title if name in MAPS else name.replace("_", " ")


def pair_title(pair: str) -> str:
    """A compared pair ``{a}_{b}`` (:func:`bertstory.maps.pair_names`) as "a vs b", by the maps' names."""
    a, b = next((a, b) for a, b in view_pairs() if f"{a}_{b}" == pair)
    return f"{a} vs {b}"


CLASS_TITLES = {
    "punct": "punctuation",
    "period": "“.”",
    "comma": "“,”",
    "self": "self",
    "prev": "previous",
    "next": "next",
}
"""Titles of the classes whose name does not depend on the model; ``cls`` and ``sep`` are
named from the run (:func:`class_names`)."""

PATTERN_TITLES = {
    "punct": "punctuation",
    "self": "self",
    "prev": "previous-token",
    "next": "next-token",
}
"""A head's pattern (``PATTERN_CLASSES``) as sentences name it, "previous-token patterns"; ``CLS``
and ``SEP`` are named from the run (:func:`class_names`)."""

FIRST_TOKEN = "first token"
"""What pages call the ``CLS`` class of a model whose tokenizer has no [CLS]-like token, and of a decoder."""
END_TOKEN = "end token"
"""What pages call the ``SEP`` class of a model whose tokenizer has no [SEP]-like token, and of a decoder."""
FIRST_TOKEN_PATTERN = "first-token"
"""How a sentence names patterns on the first token ("first-token patterns")."""
END_TOKEN_PATTERN = "end-token"
"""How a sentence names patterns on the end token."""


@dataclass(frozen=True)
class ClassNames:
    """How one run's pages and figures name its token classes, from its ``run.json``.

    Attributes:
        titles: mass class (``MASS_CLASSES`` column spelling: ``cls``, ``sep``, ``punct``, …) → title:
            the tokenizer's own ``[CLS]``/``<s>`` and ``[SEP]``/``</s>`` for an encoder, "first token" and
            "end token" for a decoder (whose ``CLS`` class is every input's first token).
        patterns: pattern class (``CLS``, ``SEP``, ``punct``, …) → how a sentence names its patterns.
        shown: the mass classes the run can have, in ``MASS_CLASSES`` order: all of them, less
            ``next`` under a causal mask (a query sees no later token).
        causal: the model is a decoder.
    """

    titles: Mapping[str, str]
    patterns: Mapping[str, str]
    shown: tuple[str, ...]
    causal: bool

    @property
    def label_columns(self) -> tuple[str, ...]:
        """The shown classes that can label a head (``LABEL_COLUMNS`` spelling), in tie-break order."""
        return tuple(c for c in LABEL_COLUMNS if c in self.shown)

    @property
    def pattern_classes(self) -> tuple[str, ...]:
        """The shown classes that can be a head's pattern (``PATTERN_CLASSES`` spelling)."""
        return tuple(c for c in PATTERN_CLASSES if label_column(c) in self.shown)

    @property
    def labels(self) -> tuple[str, ...]:
        """Every label a head of this run can have (``LABELS`` less the classes not shown)."""
        return tuple(label for label in LABELS if label not in LABEL_CLASSES or label in self.pattern_classes)

    @property
    def label_titles(self) -> dict[str, str]:
        """Label → how figures name it: the label itself (``CLS``, ``SEP``, ``punct``, …, ``broad``,
        ``mixed``), except that a decoder's ``CLS`` and ``SEP`` heads are named by their classes'
        titles ("first token", "end token"): its first token is no [CLS]."""
        return {label: self.titles[label_column(label)] if self.causal and label in ("CLS", "SEP") else label
                for label in LABELS}

    @property
    def markdown_titles(self) -> dict[str, str]:
        """:attr:`titles` as Markdown (:func:`_markdown`: ``<s>`` stays text)."""
        return {key: _markdown(value) for key, value in self.titles.items()}

    @property
    def markdown_patterns(self) -> dict[str, str]:
        """:attr:`patterns` as Markdown (:func:`_markdown`)."""
        return {key: _markdown(value) for key, value in self.patterns.items()}


_OWN_TITLES = frozenset({FIRST_TOKEN, END_TOKEN, FIRST_TOKEN_PATTERN, END_TOKEN_PATTERN, *CLASS_TITLES.values(),
                        *PATTERN_TITLES.values()})
"""The class titles bertstory writes itself (Markdown as they are); any other title is a tokenizer's token."""


def _markdown(title: str) -> str:
    """A class title as a page writes it: bertstory's own as it is, a tokenizer's special token escaped."""
    return title if title in _OWN_TITLES else escape(title)


def class_names(record: RunRecord) -> ClassNames:
    """The :class:`ClassNames` of a run: titles from its tokenizer's own special tokens, or "first
    token" / "end token" for a decoder and where the tokenizer has none (``docs/method.md#decoders``)."""
    causal = record.model.causal
    tokens = record.special_tokens
    cls = FIRST_TOKEN if causal or not tokens.cls else tokens.cls
    sep = END_TOKEN if causal or not tokens.sep else tokens.sep
    return ClassNames(
        titles={"cls": cls, "sep": sep, **CLASS_TITLES},
        patterns={"CLS": cls if cls != FIRST_TOKEN else FIRST_TOKEN_PATTERN,
                  "SEP": sep if sep != END_TOKEN else END_TOKEN_PATTERN, **PATTERN_TITLES},
        shown=tuple(c for c in MASS_CLASSES if not (causal and c == "next")),
        causal=causal,
    )


def head_name(layer: int, head: int) -> str:
    """``L3-H7`` for 1-based ``layer`` and ``head``."""
    return f"L{layer}-H{head}"


def layer_name(layer: int) -> str:
    """``Layer 3`` for a 1-based ``layer``."""
    return f"Layer {layer}"


def layer_slug(layer: int) -> str:
    """File stem of a layer's page and figure: ``layer-3``."""
    return f"layer-{layer}"


def token_label(token: str, chars: int) -> str:
    """A token (or any text bertstory did not write) as a figure's label shows it: cut to ``chars``
    characters, the last an ellipsis, and literally: its dollar signs escaped, so that matplotlib
    draws ``$x$`` as written, not as mathtext (it shows ``\\$`` as ``$``, in maths or not)."""
    token = str(token)
    text = token if len(token) <= chars else token[: chars - 1] + "…"
    return text.replace("$", r"\$")


def label_order(labels) -> list[str]:
    """Distinct ``labels`` in display order: known labels first, then the rest sorted."""
    present = set(labels)
    known = [label for label in LABELS if label in present]
    return known + sorted(present - set(LABELS))
