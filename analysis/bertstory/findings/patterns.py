"""Surface patterns of a head in one view (``docs/method.md#patterns``): the label rule.

The pooled masses and entropies the rule reads are reduced from the per-input statistics
(:mod:`bertstory.findings.statistics`, :mod:`bertstory.findings.enrichment`). For one map
``P`` (rows = queries ``j``, columns = keys ``i``, row-stochastic):

* **Mass on a class** ``c`` (``CLS``, ``SEP``, ``punct``, ``period``, ``comma``, and the
  relations ``self``, ``prev``, ``next``): the row's total probability on the keys of the
  class that the row may see, ``Σ_{i ∈ c(j)} P[j, i]``; a head's mass is the mean over the
  query rows of all inputs *where the class exists among the row's visible keys* (every such
  row weighs the same). So an input without punctuation does not count towards ``punct``,
  the first token does not count towards ``prev`` nor the last towards ``next``: a head that
  attends to the previous token from every query that has one has ``mass_prev = 1``.
* **Normalised entropy** of a row: ``H(row) / log k`` with ``k`` the keys the row may see
  (``n``, or ``j + 1`` under a causal mask); 0 for a one-hot row, 1 for a uniform one. A
  head's value is the mean over the rows that see at least two keys.
* **Label**: among ``CLS``, ``SEP``, ``punct``, ``self``, ``prev``, ``next`` take the class with
  the largest mass (ties go to the earlier class in that order; a class no row has is left
  out). If that mass is at least its threshold — ``threshold_positional`` (0.5) for
  ``self``/``prev``/``next``, ``threshold_token`` (0.6) for ``CLS``/``SEP``/``punct`` — the label
  is that class. Else the label is ``broad`` if the normalised entropy is at least
  ``threshold_broad`` (0.8), else ``mixed``. Only the largest class is tested: a head with 0.55
  on ``CLS`` and 0.45 on ``prev`` is not labelled ``prev``. ``period`` and ``comma`` are reported
  as masses but are sub-classes of ``punct``, not labels of their own.
"""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np

from bertstory.findings.config import FindingsConfig

Label = Literal["CLS", "SEP", "punct", "self", "prev", "next", "broad", "mixed"]
#: All labels, in the order tables list them.
LABELS: tuple[Label, ...] = get_args(Label)
#: Classes that can label a head, in tie-break order, with their column names.
LABEL_CLASSES: tuple[Label, ...] = ("CLS", "SEP", "punct", "self", "prev", "next")
#: Column-name form of every mass class (``mass_{name}_{view}``).
MASS_CLASSES: tuple[str, ...] = ("cls", "sep", "punct", "period", "comma", "self", "prev", "next")
_COLUMN = {"CLS": "cls", "SEP": "sep", "punct": "punct", "self": "self", "prev": "prev", "next": "next"}
#: Column-name form of the classes that can label a head (``mass_{name}_{view}``), in tie-break order.
LABEL_COLUMNS: tuple[str, ...] = tuple(_COLUMN[c] for c in LABEL_CLASSES)
#: The positional classes, labelled by ``threshold_positional`` (the others by ``threshold_token``).
POSITIONAL: tuple[str, ...] = ("self", "prev", "next")


def label_column(label: Label) -> str:
    """Lower-case form of a label used in column names (``CLS`` → ``cls``)."""
    return _COLUMN.get(label, label)


def label_heads(masses: dict[str, np.ndarray], entropy: np.ndarray, config: FindingsConfig) -> np.ndarray:
    """Label every head from its pooled masses and mean normalised entropy.

    ``masses`` maps the column names ``cls``, ``sep``, ``punct``, ``self``, ``prev``, ``next``
    to arrays of one shape (e.g. ``(L, H)``; ``NaN`` where no row has the class); ``entropy``
    has that shape too. Returns an object array of :data:`Label` strings.
    """
    stacked = np.stack([np.asarray(masses[_COLUMN[c]], dtype=np.float64) for c in LABEL_CLASSES])
    stacked = np.where(np.isnan(stacked), -np.inf, stacked)  # a class no row has is never the largest
    best = np.argmax(stacked, axis=0)
    best_mass = np.take_along_axis(stacked, best[None], axis=0)[0]
    thresholds = np.array([
        config.threshold_positional if c in POSITIONAL else config.threshold_token for c in LABEL_CLASSES
    ])
    names = np.array(LABEL_CLASSES, dtype=object)
    entropy = np.asarray(entropy, dtype=np.float64)
    fallback = np.where(entropy >= config.threshold_broad, "broad", "mixed").astype(object)
    return np.where(best_mass >= thresholds[best], names[best], fallback)
