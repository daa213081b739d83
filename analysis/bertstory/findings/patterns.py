"""Surface patterns of a head in one view (``docs/method.md#patterns``): masses, entropy, label.

For one map ``P`` (rows = queries ``j``, columns = tokens ``i``, row-stochastic):

* **Mass on a token class** (``CLS``, ``SEP``, ``punct``, ``period``, ``comma``): the row's
  total probability on the tokens of that class, ``Σ_{i ∈ class} P[j, i]``; a head's mass
  is the mean over all query rows of all inputs (every row weighs the same). A class
  absent from an input contributes mass 0 for that input's rows.
* **Mass at a relative offset** ``k`` (``self`` = 0, ``prev`` = −1, ``next`` = +1, and the
  ``positions`` profile −5..+5): ``P[j, j+k]``, averaged over the query rows where token
  ``j+k`` exists. So the first token, which has no previous token, does not count
  towards ``prev``: a head that attends to the previous token from every query that has
  one has ``mass_prev = 1``.
* **Normalised entropy** of a row: ``H(row) / log n`` (0 for a one-hot row, 1 for a
  uniform one; defined as 0 when ``n = 1``); a head's value is the mean over rows.
* **Label**: among ``CLS``, ``SEP``, ``punct``, ``self``, ``prev``, ``next`` take the class with
  the largest mass (ties go to the earlier class in that order). If that mass is at least
  its threshold — ``threshold_positional`` (0.5) for ``self``/``prev``/``next``,
  ``threshold_token`` (0.6) for ``CLS``/``SEP``/``punct`` — the label is that class. Else
  the label is ``broad`` if the normalised entropy is at least ``threshold_broad`` (0.8),
  else ``mixed``. Only the largest class is tested: a head with 0.55 on ``CLS`` and 0.45
  on ``prev`` is not labelled ``prev``. ``period`` and ``comma`` are reported as masses
  but are sub-classes of ``punct``, not labels of their own.
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
_POSITIONAL = {"self", "prev", "next"}


def label_column(label: Label) -> str:
    """Lower-case form of a label used in column names (``CLS`` → ``cls``)."""
    return _COLUMN.get(label, label)


def token_class_mass_sums(p: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Sum over query rows of the row mass on each token class.

    ``p`` is ``(..., n, n)``, ``masks`` the ``(n, C)`` boolean class membership;
    returns ``(..., C)``.
    """
    return p.sum(axis=-2) @ masks.astype(np.float64)


def offset_sums(p: np.ndarray, max_offset: int) -> tuple[np.ndarray, np.ndarray]:
    """Sum over rows of ``p[..., j, j+k]`` for ``k = -max_offset..max_offset``.

    Returns ``(sums, counts)``: ``sums`` of shape ``(2·max_offset+1, ...)`` and the number
    of query rows where token ``j+k`` exists, ``max(n - |k|, 0)``, for each offset.
    """
    n = p.shape[-1]
    offsets = range(-max_offset, max_offset + 1)
    sums = np.stack([
        np.diagonal(p, offset=k, axis1=-2, axis2=-1).sum(axis=-1) if abs(k) < n else np.zeros(p.shape[:-2])
        for k in offsets
    ])
    counts = np.array([max(n - abs(k), 0) for k in offsets], dtype=np.int64)
    return sums, counts


def label_heads(masses: dict[str, np.ndarray], entropy: np.ndarray, config: FindingsConfig) -> np.ndarray:
    """Label every head from its pooled masses and mean normalised entropy.

    ``masses`` maps the column names ``cls``, ``sep``, ``punct``, ``self``, ``prev``, ``next``
    to arrays of one shape (e.g. ``(L, H)``); ``entropy`` has that shape too. Returns an
    object array of :data:`Label` strings.
    """
    stacked = np.stack([np.asarray(masses[_COLUMN[c]], dtype=np.float64) for c in LABEL_CLASSES])
    best = np.argmax(stacked, axis=0)
    best_mass = np.take_along_axis(stacked, best[None], axis=0)[0]
    thresholds = np.array([
        config.threshold_positional if c in _POSITIONAL else config.threshold_token for c in LABEL_CLASSES
    ])
    names = np.array(LABEL_CLASSES, dtype=object)
    entropy = np.asarray(entropy, dtype=np.float64)
    fallback = np.where(entropy >= config.threshold_broad, "broad", "mixed").astype(object)
    return np.where(best_mass >= thresholds[best], names[best], fallback)
