"""Measure the probe estimator against ``exact`` on map rows drawn at random from the run's inputs,
at a cost proportionate to the run (``docs/method.md#estimator-check``).

Writes ``tables/estimator_error.{csv,parquet}``: one row per measured map row and K in 1, 2, 4, …,
up to twice the run's K (the run's K always included, capped at d): ``tv`` is the total variation
``½Σ|p−q|`` between the probe row and the exact row, ``max_abs_error`` their largest absolute
difference of one entry. The rows are drawn uniformly from all rows of each map (``local``,
``global``, ``contribution``) of all the run's inputs, seeded by the run's seed; how many is set by
the predicted cost (:mod:`bertstory.engine.flops`), at most ``--check-budget`` times the run's.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bertstory.engine.flops import estimator_flops, row_flops
from bertstory.engine.attribution import feed_forward_width, frobenius_shares
from bertstory.engine.rows import ROW_VIEWS, MapRow
from bertstory.errors import BertstoryError
from bertstory.findings.schema import ESTIMATOR_COLUMNS, ESTIMATOR_TABLE
from bertstory.maps import MAPS, estimated_maps
from bertstory.models import Encoded, LoadedModel
from bertstory.pipeline.compute import input_row_norms
from bertstory.pipeline.settings import AnalyzeSettings
from bertstory.results import RunFolder

MAX_CHECK_ROWS = 100
"""Most rows measured per map: enough for the mean error of a map to within about a tenth of the
rows' spread, whatever the size of the run."""


def check_views() -> tuple[str, ...]:
    """The maps the probe estimator approximates (:func:`~bertstory.maps.estimated_maps`), which the
    check measures; each must be one whose exact rows the engine computes."""
    views = estimated_maps()
    unknown = [view for view in views if view not in ROW_VIEWS]
    if unknown:
        raise BertstoryError(f"map {unknown[0]!r} is registered as estimated, but the estimator check can only "
                             f"compute exact rows of {', '.join(ROW_VIEWS)}")
    return views


@dataclass(frozen=True)
class ModelShape:
    """What the cost of the maps depends on: L layers, H heads, hidden size d, feed-forward width f."""

    num_layers: int
    num_heads: int
    hidden_size: int
    feed_forward_width: int

    @classmethod
    def of(cls, loaded: LoadedModel) -> ModelShape:
        first_layer = loaded.family.layer_modules(loaded.model)[0]
        return cls(loaded.num_layers, loaded.num_heads, loaded.hidden_size, feed_forward_width(first_layer))

    def rows_per_token(self, view: str) -> int:
        """Rows of ``view``'s map per input token: one per layer and head (per layer for ``contribution``)."""
        return self.num_layers * (self.num_heads if MAPS[view].scope == "head" else 1)


@dataclass
class MapsTimed:
    """The maps this process computed now: their inputs' token counts, and the seconds they took."""

    lengths: list[int] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, n_tokens: int, seconds: float) -> None:
        self.lengths.append(n_tokens)
        self.seconds += seconds

    def seconds_per_flop(self, shape: ModelShape, probes: int) -> float | None:
        """The rate measured on these maps (``None`` when none was computed now)."""
        return self.seconds / run_flops(self.lengths, shape, probes) if self.lengths else None


@dataclass(frozen=True)
class CheckPlan:
    """The rows the check measures, ``(input_id, row)`` in input order, and the predicted FLOPs of
    measuring them (``flops``) and of the run's probe maps (``run_flops``)."""

    rows: list[tuple[str, MapRow]]
    flops: int
    run_flops: int

    def rows_of(self, view: str) -> int:
        return sum(row.view == view for _, row in self.rows)

    def describe(self, probes: int, seconds_per_flop: float | None) -> str:
        """The line the CLI prints before the check: what it measures and how long it will take."""
        counts = ", ".join(f"{self.rows_of(view)} {view}" for view in check_views())
        inputs = len({input_id for input_id, _ in self.rows})
        share = f"{self.flops / self.run_flops:.0%} of the run's compute"
        cost = f"about {_duration(self.flops * seconds_per_flop)}, {share}" if seconds_per_flop else share
        return (f"estimator check: K = {probes} against exact on {counts} map rows of {inputs} inputs "
                f"(reverse mode); {cost}")


def probe_counts(run_probes: int, hidden_size: int) -> list[int]:
    """K values checked: powers of two up to ``2·run_probes``, plus ``run_probes``; at most d."""
    counts = {run_probes}
    k = 1
    while k <= 2 * run_probes:
        counts.add(k)
        k *= 2
    return sorted(c for c in counts if c <= hidden_size)


def run_flops(lengths: Sequence[int], shape: ModelShape, probes: int) -> int:
    """FLOPs of the probe maps (K = ``probes``) of inputs of ``lengths`` tokens."""
    return sum(count * estimator_flops(n, shape.hidden_size, shape.feed_forward_width, shape.num_layers,
                                       min(probes, shape.hidden_size))
               for n, count in Counter(lengths).items())


def mean_row_flops(view: str, lengths: Sequence[int], shape: ModelShape) -> float:
    """Expected FLOPs of one row drawn uniformly from ``view``'s rows of inputs of ``lengths`` tokens
    (an input in proportion to its tokens, then any layer alike)."""
    total = sum(lengths)
    return sum(count * n / total * np.mean([row_flops(view, layer, n, shape.hidden_size, shape.feed_forward_width,
                                                      shape.num_heads) for layer in range(shape.num_layers)])
               for n, count in Counter(lengths).items())


def rows_per_view(budget: float, costs: dict[str, float], limits: dict[str, int]) -> dict[str, int]:
    """How many rows of each view to measure for ``budget`` FLOPs, a row of view ``v`` costing
    ``costs[v]``: in proportion to ``1/√costs[v]`` (for a given cost, this minimises the summed
    variance of the views' mean errors when their rows spread alike), at least 1 and at most
    ``limits[v]``; the cheapest view first, what a capped view leaves going to the others."""
    counts, left = {}, budget
    order = sorted(costs, key=costs.get)
    for i, view in enumerate(order):
        share = left / sum(math.sqrt(costs[v]) for v in order[i:])
        counts[view] = min(limits[view], max(1, int(share / math.sqrt(costs[view]))))
        left -= counts[view] * costs[view]
    return counts


def draw_rows(lengths: Sequence[tuple[str, int]], view: str, count: int, shape: ModelShape,
              seed: int) -> list[tuple[str, MapRow]]:
    """``count`` distinct rows of ``view``'s map drawn uniformly from all its rows over the inputs
    ``(input_id, n_tokens)``, seeded by ``seed`` and the view."""
    per_input = np.array([n * shape.rows_per_token(view) for _, n in lengths])
    ends = np.cumsum(per_input)
    rng = np.random.default_rng([seed, check_views().index(view)])
    drawn = []
    for flat in sorted(rng.choice(int(ends[-1]), size=count, replace=False).tolist()):
        i = int(np.searchsorted(ends, flat, side="right"))
        input_id, n = lengths[i]
        within = flat - (ends[i] - per_input[i])
        if MAPS[view].scope == "head":
            layer, within = divmod(within, n * shape.num_heads)
            head, query = divmod(within, n)
        else:
            (layer, query), head = divmod(within, n), None
        drawn.append((input_id, MapRow(view, int(layer), head if head is None else int(head), int(query))))
    return drawn


def plan_check(lengths: Sequence[tuple[str, int]], shape: ModelShape, probes: int, budget: float,
               seed: int) -> CheckPlan:
    """The rows to measure for the run's inputs ``(input_id, n_tokens)``: as many as the predicted
    cost allows within ``budget`` times the run's (:func:`rows_per_view`), drawn by
    :func:`draw_rows`."""
    tokens = [n for _, n in lengths]
    total = run_flops(tokens, shape, probes)
    costs = {view: mean_row_flops(view, tokens, shape) for view in check_views()}
    limits = {view: min(MAX_CHECK_ROWS, sum(tokens) * shape.rows_per_token(view)) for view in check_views()}
    counts = rows_per_view(budget * total, costs, limits)
    order = {input_id: i for i, (input_id, _) in enumerate(lengths)}
    rows = sorted((drawn for view in check_views() for drawn in draw_rows(lengths, view, counts[view], shape, seed)),
                  key=lambda item: order[item[0]])
    n_of = dict(lengths)
    flops = sum(row_flops(row.view, row.layer, n_of[input_id], shape.hidden_size, shape.feed_forward_width,
                          shape.num_heads) for input_id, row in rows)
    return CheckPlan(rows=rows, flops=flops, run_flops=total)


def row_errors(estimate: np.ndarray, exact: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row (last axis: the row's entries): total variation, and the largest absolute entry difference."""
    difference = np.abs(estimate.astype(np.float64) - exact.astype(np.float64))
    return 0.5 * difference.sum(-1), difference.max(-1)


def check_estimator(loaded: LoadedModel, folder: RunFolder, inputs: list[tuple[str, Encoded]],
                    settings: AnalyzeSettings, log, timed: MapsTimed | None = None) -> pd.DataFrame:
    """Compute the estimator-error table of the run, or reuse it when it already covers the same
    rows and K values. Before computing, logs what it measures and its predicted time (at the
    rate ``timed`` measured on the maps computed now, when there are any)."""
    shape = ModelShape.of(loaded)
    plan = plan_check([(input_id, len(encoded.tokens)) for input_id, encoded in inputs], shape, settings.probes,
                      settings.check_budget, settings.seed)
    counts = probe_counts(settings.probes, shape.hidden_size)
    if _covers(_existing_table(folder), plan, counts):
        return folder.table(ESTIMATOR_TABLE)
    if not settings.quiet:
        log(plan.describe(settings.probes, timed.seconds_per_flop(shape, settings.probes) if timed else None))
    rows_of_input: dict[str, list[MapRow]] = {}
    for input_id, row in plan.rows:
        rows_of_input.setdefault(input_id, []).append(row)
    records = []
    for input_id, encoded in inputs:
        rows = rows_of_input.get(input_id)
        if not rows:
            continue
        norms = input_row_norms(loaded, encoded, rows, probes=counts, seed=settings.seed, input_id=input_id)
        exact = frobenius_shares(norms.exact).cpu().double().numpy()  # (R, n)
        tv, max_abs = row_errors(frobenius_shares(norms.estimates).cpu().double().numpy(), exact)  # (P, R)
        records += [{"input_id": input_id, "n_tokens": len(encoded.tokens), "view": row.view, "layer": row.layer + 1,
                     "head": None if row.head is None else row.head + 1, "query": row.query, "probes": k,
                     "tv": tv[p, r], "max_abs_error": max_abs[p, r]}
                    for r, row in enumerate(rows) for p, k in enumerate(counts)]
    table = pd.DataFrame(records, columns=list(ESTIMATOR_COLUMNS)).astype({"head": "Int64"})
    folder.write_table(ESTIMATOR_TABLE, table)
    return table


def require_current_table(folder: RunFolder) -> None:
    """Refuse a run whose estimator table was written by an older bertstory (one row per input)."""
    if folder.has_table(ESTIMATOR_TABLE) and not set(ESTIMATOR_COLUMNS) <= set(folder.table(ESTIMATOR_TABLE).columns):
        raise BertstoryError(
            f"{folder.tables_dir / ESTIMATOR_TABLE}.csv was written by an older bertstory (one row per input); rerun "
            "`bertstory analyze` with the run's settings to measure the estimator again"
        )


def _existing_table(folder: RunFolder) -> pd.DataFrame | None:
    """The estimator table on disk, or ``None`` when absent, unreadable or of an older format."""
    if not folder.has_table(ESTIMATOR_TABLE):
        return None
    try:
        table = folder.table(ESTIMATOR_TABLE)
    except BertstoryError:
        return None  # unreadable: computed again
    return table if set(ESTIMATOR_COLUMNS) <= set(table.columns) else None


def _covers(table: pd.DataFrame | None, plan: CheckPlan, counts: list[int]) -> bool:
    """Whether ``table`` measured exactly the plan's rows at exactly ``counts``."""
    if table is None or set(table.probes) != set(counts):
        return False
    on_disk = {(str(r.input_id), r.view, int(r.layer) - 1, None if pd.isna(r.head) else int(r.head) - 1, int(r.query))
               for r in table.itertuples()}
    return on_disk == {(input_id, row.view, row.layer, row.head, row.query) for input_id, row in plan.rows}


def _duration(seconds: float) -> str:
    """``40 s``, ``6 min``, ``1.5 h``."""
    if seconds < 90:
        return f"{max(seconds, 1):.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
