"""Token classes of one input (``docs/method.md#patterns``): ``CLS``, ``SEP``, ``punct`` and its sub-classes.

* ``CLS`` / ``SEP`` — tokens equal to the model's own special-token strings, read from
  ``run.json`` ``special_tokens`` (``[CLS]``/``[SEP]`` for BERT, ``<s>``/``</s>`` for
  RoBERTa). In a decoder (``model.causal``) ``CLS`` is every input's first token, whatever it
  is (its BOS when the tokenizer adds one, else the first word: the one key every query sees,
  where attention sinks), and ``SEP`` the tokens equal to its end (EOS) token.
* ``punct`` — tokens made only of punctuation characters once the sub-word marker is
  stripped: a leading WordPiece ``##``, byte-level BPE ``Ġ`` or SentencePiece ``▁``.
  A punctuation character is what BERT's own tokenizer splits on: ASCII ``!"#$%&'()*+,-./
  :;<=>?@[\\]^_`{|}~`` and every Unicode character of category ``P*``. A token that is
  only a marker (e.g. a bare ``▁``) is not punctuation; special tokens never are.
* ``period`` / ``comma`` — the ``punct`` tokens that are exactly ``.`` / ``,`` after
  stripping the marker (``...`` is ``punct`` but not ``period``).

The positional relations ``self``, ``prev`` and ``next`` need no tokens; see
:mod:`bertstory.findings.patterns`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Literal

import numpy as np

TokenClass = Literal["cls", "sep", "punct", "period", "comma"]
#: Column order of :func:`class_masks`; the lower-case names used in table columns.
TOKEN_CLASSES: tuple[TokenClass, ...] = ("cls", "sep", "punct", "period", "comma")
#: The column of each class in :func:`class_masks`, derived from ``TOKEN_CLASSES``.
CLASS_COLUMN: dict[TokenClass, int] = {name: i for i, name in enumerate(TOKEN_CLASSES)}

_MARKERS = ("##", "Ġ", "▁")


def strip_marker(token: str) -> str:
    """The token without one leading sub-word marker (``##``, ``Ġ`` or ``▁``)."""
    for marker in _MARKERS:
        if token.startswith(marker):
            return token[len(marker):]
    return token


def is_punctuation_char(char: str) -> bool:
    """BERT's definition: ASCII punctuation/symbols or a Unicode ``P*`` character."""
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def is_punct(token: str) -> bool:
    """True when the token, marker stripped, is non-empty and all punctuation."""
    core = strip_marker(token)
    return bool(core) and all(is_punctuation_char(c) for c in core)


def class_masks(tokens: Sequence[str], cls: str | None, sep: str | None, first_is_cls: bool = False) -> np.ndarray:
    """Boolean ``(n, len(TOKEN_CLASSES))`` membership of each token in ``TOKEN_CLASSES`` (column ``CLASS_COLUMN[c]``).

    ``cls``/``sep``: the model's strings for them (``None``: the tokenizer has none);
    ``first_is_cls``: the first token is ``CLS`` whatever it is, and no other token is
    (decoders). Each token is in at most one of ``cls``, ``sep`` and ``punct``, tested in that order.
    """
    masks = np.zeros((len(tokens), len(TOKEN_CLASSES)), dtype=bool)
    for i, token in enumerate(tokens):
        token = str(token)
        is_cls = i == 0 if first_is_cls else token == cls
        if is_cls:
            masks[i, CLASS_COLUMN["cls"]] = True
        elif token == sep:
            masks[i, CLASS_COLUMN["sep"]] = True
        elif is_punct(token):
            masks[i, CLASS_COLUMN["punct"]] = True
            core = strip_marker(token)
            masks[i, CLASS_COLUMN["period"]] = core == "."
            masks[i, CLASS_COLUMN["comma"]] = core == ","
    return masks
