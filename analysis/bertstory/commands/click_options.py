"""Click options generated from a settings dataclass (:mod:`bertstory.options`), and the
dataclass built back from the parsed values: each default, help text and choice list is
declared once, on the dataclass field."""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from bertstory.options import Setting, settings_of

T = TypeVar("T")


def _base_type(annotation: Any) -> Any:
    """``int`` for ``int | None``; the annotation itself otherwise."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        return members[0] if len(members) == 1 else str
    return annotation


def _click_type(item: Setting) -> Any:
    info, base = item.info, _base_type(item.type)
    if info.choices is not None:
        return click.Choice(list(info.choices))
    if base is Path:
        return click.Path(file_okay=False, path_type=Path)
    if base in (int, float) and (info.minimum is not None or info.maximum is not None):
        return (click.IntRange if base is int else click.FloatRange)(min=info.minimum, max=info.maximum)
    return base if base in (int, float, str) else str


def click_option(item: Setting) -> Callable:
    """The click option of one declared setting."""
    option = item.info.option_name(item.name)
    if _base_type(item.type) is bool and item.default:  # on unless turned off: --faithfulness/--no-faithfulness
        option = f"{option}/--no-{option.removeprefix('--')}"
    names = [option] + ([item.info.short] if item.info.short else [])
    if _base_type(item.type) is bool:
        return click.option(*names, item.name, is_flag=True, default=item.default, help=item.info.help)
    return click.option(*names, item.name, type=_click_type(item), default=item.default,
                        show_default=item.default is not None, help=item.info.help)


def options_from(cls: type, exclude: Sequence[str] = ()) -> Callable[[Callable], Callable]:
    """Decorate a click command with an option for every declared setting of ``cls``."""
    def decorate(command: Callable) -> Callable:
        for item in reversed(settings_of(cls, exclude)):
            command = click_option(item)(command)
        return command
    return decorate


def from_options(cls: type[T], values: dict[str, Any], exclude: Sequence[str] = ()) -> T:
    """An instance of ``cls`` from the parsed values of :func:`options_from`'s options
    (0 becomes ``None`` where the setting says so); other keys of ``values`` are ignored."""
    fields = {}
    for item in settings_of(cls, exclude):
        if item.name in values:
            value = values[item.name]
            fields[item.name] = None if item.info.zero_means_none and value == 0 else value
    return cls(**fields)
