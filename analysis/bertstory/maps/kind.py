"""The map registry: every map bertstory computes for an input, declared once.

A map is one :class:`MapKind` registered with :func:`register_map` from a module of its own
(``bertstory/maps/attention.py`` …). Its name is the key of the map in ``maps/<id>.npz``, of
its columns in the tables (``label_{name}``, ``js_{a}_{b}`` …) and of ``bertstory.explain``'s
result; everything downstream — the engine run, statistics, reduction, tables, figures,
the explorer and the API — iterates over :data:`MAPS` when it runs, so a map registered
before ``analyze`` (and before ``findings`` and ``report`` read the run) reaches all of them.
Definitions of the built-in maps: ``docs/method.md#the-four-maps`` and ``#faithfulness``; adding one:
``docs/method.md#adding-a-map-or-a-metric``.

This module imports neither torch nor the engine: what a map is stays readable by every part
of bertstory; only :mod:`bertstory.maps.compute` runs a model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal, get_args

from bertstory.errors import BertstoryError

Scope = Literal["head", "layer"]
"""``head``: one map per head, ``(L, H, n, n)`` (a *view* of the head); ``layer``: one per layer, ``(L, n, n)``."""
SCOPES: tuple[Scope, ...] = get_args(Scope)


@dataclass(frozen=True)
class MapKind:
    """One map of an input of ``n`` tokens: rows are queries (outputs), columns the keys (input
    tokens) each row is spread over; every row sums to 1.

    Attributes:
        name: a Python identifier: the key in ``maps/<id>.npz``, in table columns and in the API.
        title: how pages and figures name it ("global attribution").
        colour: its colour in figures and the explorer (``#rrggbb``).
        scope: ``head`` or ``layer`` (:data:`Scope`).
        compute: ``source → tensor``: the map from one captured forward of the model
            (:class:`bertstory.engine.source.MapSource`), shaped ``(L, H, n, n)`` or ``(L, n, n)``
            by ``scope``, rows normalised to sum 1 over the keys they see.
        estimated: the probe estimator approximates it (the estimator check then measures it;
            the engine computes its exact rows: :data:`bertstory.engine.rows.ROW_VIEWS`).
        compared_with: names of earlier maps of the same scope it is compared with, row by row,
            by every registered metric (pairs ``(other, name)``: columns ``js_{other}_{name}`` …).
        clustered: heads are clustered and laid out by their JS distance in this view.
        persistence: the attention patterns of heads are tested for persistence into this view.
        still_rows: a row may be all zero: the output does not move at all (an ablation map); it is
            kept as zeros, counted, and left out of the faithfulness comparisons.
        faithfulness: one of the maps that measure faithfulness (the ablation ground truths and the
            field's measures), which a run may leave out (``analyze --no-faithfulness``, :func:`run_maps`).
        explorer: the explorer shows it (:func:`explorer_maps`).
    """

    name: str
    title: str
    colour: str
    scope: Scope
    compute: Callable[[Any], Any]
    estimated: bool = False
    compared_with: tuple[str, ...] = ()
    clustered: bool = False
    persistence: bool = False
    still_rows: bool = False
    faithfulness: bool = False
    explorer: bool = True

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"a map's name is a Python identifier, got {self.name!r}")
        if self.scope not in SCOPES:
            raise ValueError(f"map {self.name!r}: scope is one of {', '.join(SCOPES)}, got {self.scope!r}")


#: Every registered map by name, in the order tables, pages and the API list them.
MAPS: dict[str, MapKind] = {}
_LEFT_OUT: ContextVar[frozenset[str]] = ContextVar("bertstory_maps_left_out", default=frozenset())
"""Registered maps that the run being computed or read does not have (:func:`run_maps`)."""


@contextmanager
def run_maps(faithfulness: bool) -> Iterator[None]:
    """While inside, the functions below list only the maps of a run that measures faithfulness
    or not (``run.json`` ``settings.faithfulness``): without it, the faithfulness maps are left out."""
    left_out = frozenset() if faithfulness else frozenset(name for name, kind in MAPS.items() if kind.faithfulness)
    token = _LEFT_OUT.set(left_out)
    try:
        yield
    finally:
        _LEFT_OUT.reset(token)


def _kinds() -> dict[str, MapKind]:
    """The registered maps of the run at hand (all of them outside :func:`run_maps`), in order."""
    left_out = _LEFT_OUT.get()
    return {name: kind for name, kind in MAPS.items() if name not in left_out}


def register_map(kind: MapKind) -> MapKind:
    """Add ``kind`` to :data:`MAPS`; ``ValueError`` when its name is taken or it is compared with a
    map that is not registered before it with the same scope. Returns ``kind``."""
    if kind.name in MAPS or kind.name == "tokens":
        raise ValueError(f"a map named {kind.name!r} is registered already")
    for other in kind.compared_with:
        if other not in MAPS or MAPS[other].scope != kind.scope:
            raise ValueError(f"map {kind.name!r} is compared with {other!r}, which is no earlier {kind.scope} map")
    MAPS[kind.name] = kind
    return kind


def map_names() -> tuple[str, ...]:
    """Every map's name, in registry order."""
    return tuple(_kinds())


def views() -> tuple[str, ...]:
    """The views of a head: the maps of scope ``head``, in registry order."""
    return tuple(name for name, kind in _kinds().items() if kind.scope == "head")


def view_pairs() -> tuple[tuple[str, str], ...]:
    """Compared pairs of maps ``(other, name)``, in registry order of ``name``, then of ``compared_with``."""
    return tuple((other, name) for name, kind in _kinds().items() for other in kind.compared_with)


def pair_names() -> tuple[str, ...]:
    """``{other}_{name}`` of every compared pair (:func:`view_pairs`), the tables' column suffixes."""
    return tuple(f"{a}_{b}" for a, b in view_pairs())


def persistence_views() -> tuple[str, ...]:
    """The views a head's attention pattern may persist into (columns ``persists_{view}``)."""
    return tuple(name for name, kind in _kinds().items() if kind.persistence)


def cluster_views() -> tuple[str, ...]:
    """The views whose heads are clustered (table ``head_embedding``)."""
    return tuple(name for name, kind in _kinds().items() if kind.clustered)


def estimated_maps() -> tuple[str, ...]:
    """The maps the probe estimator approximates, which the estimator check measures."""
    return tuple(name for name, kind in _kinds().items() if kind.estimated)


def explorer_maps() -> tuple[str, ...]:
    """The maps the explorer shows, in registry order."""
    return tuple(name for name, kind in _kinds().items() if kind.explorer)


def selected_maps(names: Sequence[str] | None) -> tuple[str, ...]:
    """The maps ``names`` selects (``None``: every map), in registry order; a one-line
    :class:`~bertstory.errors.BertstoryError` for anything but a non-empty list or tuple of registered names."""
    if names is None:
        return map_names()
    if not isinstance(names, (list, tuple)) or not names:
        raise BertstoryError(f"maps must be a non-empty list of map names, not {names!r}; the maps are "
                             f"{', '.join(map_names())}")
    unknown = [name for name in names if name not in map_names()]
    if unknown:
        raise BertstoryError(f"no map named {unknown[0]!r}; the maps are {', '.join(map_names())}")
    return tuple(name for name in map_names() if name in names)


def map_titles() -> dict[str, str]:
    """Every map's title by name."""
    return {name: kind.title for name, kind in _kinds().items()}


def map_shape(name: str, num_layers: int, num_heads: int, n: int) -> tuple[int, ...]:
    """The shape of map ``name`` for an input of ``n`` tokens."""
    return (num_layers, num_heads, n, n) if MAPS[name].scope == "head" else (num_layers, n, n)
