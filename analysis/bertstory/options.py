"""Settings declared once: a dataclass field with its default, help text, choices and bounds.

Library functions take frozen dataclasses whose fields are made with :func:`setting`. The
command line builds its options from those fields (:mod:`bertstory.commands.click_options`), and the
report writes the command that reproduces a run from them, so a default, a help text or a
list of choices is written in one place only.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

MAX_SEED = 2**32 - 1
"""Largest seed: scikit-learn's ``random_state`` (the MDS layout) takes 0 … 2³² − 1, and NumPy's
generators (the corpus sample, the bootstrap) take no negative seed."""
SEED_RANGE = f"an integer from 0 to {MAX_SEED} (2**32 - 1)"
"""The seeds bertstory takes, in words for a message."""


def is_seed(value: Any) -> bool:
    """Whether ``value`` is a seed bertstory takes: an ``int`` (not a bool) from 0 to :data:`MAX_SEED`."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_SEED


@dataclass(frozen=True)
class SettingInfo:
    """What the command line and the reproduce command need to know about one setting.

    Attributes:
        help: one sentence for ``--help``.
        choices: the allowed values, when there is a fixed list.
        minimum: the least allowed number.
        maximum: the largest allowed number.
        short: a one-letter alias such as ``-q``.
        option: the option's name when it is not ``--`` + the field name with dashes.
        zero_means_none: on the command line, 0 stands for ``None`` (e.g. "the whole corpus").
        reproduce: whether the reproduce command states this setting: ``"always"`` (when not
            ``None``), ``"unless_default"``, or ``"never"`` (settings that do not change results).
    """

    help: str
    choices: tuple[str, ...] | None = None
    minimum: int | float | None = None
    maximum: int | float | None = None
    short: str | None = None
    option: str | None = None
    zero_means_none: bool = False
    reproduce: Literal["always", "unless_default", "never"] = "never"

    def option_name(self, field_name: str) -> str:
        """``--max-inputs`` for the field ``max_inputs`` (or :attr:`option`)."""
        return self.option or "--" + field_name.replace("_", "-")


def setting(default: Any, help: str, **info: Any) -> Any:
    """A dataclass field with ``default`` and the :class:`SettingInfo` of ``help`` and ``info``."""
    if "choices" in info:
        info["choices"] = tuple(info["choices"])
    return dataclasses.field(default=default, metadata={"setting": SettingInfo(help, **info)})


@dataclass(frozen=True)
class Setting:
    """One declared setting of a settings dataclass: its name, type, default and info."""

    name: str
    type: Any
    default: Any
    info: SettingInfo


def settings_of(cls: type, exclude: Sequence[str] = ()) -> list[Setting]:
    """The declared settings of dataclass ``cls`` in field order (fields without
    :class:`SettingInfo` and names in ``exclude`` left out); types resolved from annotations."""
    hints = typing.get_type_hints(cls)
    return [
        Setting(f.name, hints[f.name], f.default, f.metadata["setting"])
        for f in dataclasses.fields(cls)
        if "setting" in f.metadata and f.name not in exclude
    ]


def setting_problem(item: Setting, value: Any) -> str | None:
    """Why ``value`` is not allowed for the setting ``item``, in one line (``None`` when it is): a
    value outside its ``choices``, or a number of its type outside ``minimum``..``maximum``
    (``None`` passes where the type allows it)."""
    info = item.info
    if info.choices is not None:
        return None if value in info.choices else f"{item.name} {value!r} is unknown; use one of {', '.join(info.choices)}"
    if (info.minimum is None and info.maximum is None) or (value is None and _allows_none(item.type)):
        return None
    kind = int if int in (item.type, *typing.get_args(item.type)) else float
    allowed = (int,) if kind is int else (int, float)
    if isinstance(value, allowed) and not isinstance(value, bool) \
            and (info.minimum is None or value >= info.minimum) and (info.maximum is None or value <= info.maximum):
        return None
    return f"{item.name} must be {_number_range(kind, info.minimum, info.maximum)}, not {value!r}"


def _allows_none(annotation: Any) -> bool:
    return type(None) in typing.get_args(annotation)


def _number_range(kind: type, minimum: int | float | None, maximum: int | float | None) -> str:
    """``a positive integer``, ``an integer from 0 to 9``, ``a number of at least 0``, … in words."""
    noun = "an integer" if kind is int else "a number"
    if kind is int and minimum == 1 and maximum is None:
        return "a positive integer"
    if maximum is None:
        return f"{noun} of at least {minimum}"
    if minimum is None:
        return f"{noun} of at most {maximum}"
    return f"{noun} from {minimum} to {maximum}"


def reproduce_words(cls: type, values: dict[str, Any]) -> list[str]:
    """Command-line words that set ``values`` (a ``{name: value}`` of ``cls``'s settings)
    as the reproduce command states them: in declaration order, settings whose
    ``reproduce`` is ``"always"`` (unless ``None``) or ``"unless_default"`` (unless equal to
    the default); ``None`` is written ``0`` where 0 means ``None``."""
    words: list[str] = []
    for item in settings_of(cls):
        if item.info.reproduce == "never" or item.name not in values:
            continue
        value = values[item.name]
        if value is None and item.info.zero_means_none:
            value = 0
        if value is None or (item.info.reproduce == "unless_default" and value == item.default):
            continue
        option = item.info.option_name(item.name)
        if isinstance(value, bool):
            words.append(option if value else f"--no-{option.removeprefix('--')}")
        else:
            words += [option, str(value)]
    return words
