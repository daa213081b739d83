"""Faithfulness: how well each view of a head, and each map of a layer, agrees with the ablation
ground truth (``docs/method.md#faithfulness``).

Per head, each view of :data:`HEAD_VIEWS` is compared with each ground truth of
:data:`HEAD_TRUTHS`; per layer, each map of :data:`LAYER_VIEWS` (token contribution, attention
rollout, value zeroing and its rollout) with :data:`LAYER_TRUTH`. Per query row, with the
registered metrics' own row functions (:data:`~bertstory.findings.metrics.METRICS`): the Spearman
correlation over the keys the row sees, the JS divergence and top-1 agreement. A row counts only
where both maps' rows move (an all-zero row — an output no ablation changes — is left out), and
for Spearman only where it is defined.

One input's statistics are sums and counts of those rows (``faith_{view}_{truth}_{metric}`` and
``…_rows``, shaped ``(L, H)`` per head or ``(L,)`` per layer), stored with its other statistics;
the tables (:func:`faithfulness_tables`) pool them over the inputs, with bootstrap 95% intervals
over inputs from the run's shared resamples.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from bertstory.findings.metrics import METRICS
from bertstory.findings.resampling import percentile_interval, resampled
from bertstory.findings.rollout import attention_rollout
from bertstory.maps import map_names

HEAD_VIEWS: tuple[str, ...] = ("attention", "local", "global", "attention_norm")
"""The views of a head measured against the head's ablation maps."""
HEAD_TRUTHS: tuple[str, ...] = ("ablation_local", "ablation_global")
"""The ground truths of a head: its output with one token of its layer's input, or of the input, taken away."""
LAYER_VIEWS: tuple[str, ...] = ("contribution", "rollout", "value_zeroing", "value_zeroing_rollout")
"""The maps of a layer measured against hidden-state ablation (rollouts are computed here)."""
LAYER_TRUTH = "ablation_hidden"
"""The ground truth of a layer: its output with one input token taken away."""
FAITHFULNESS_METRICS: tuple[str, ...] = ("spearman", "js", "top1")
"""The registered metrics of the faithfulness table, in its column order."""
INTERVAL_METRICS: tuple[str, ...] = ("spearman", "js")
"""The metrics with bootstrap 95% intervals over inputs."""
_ROLLOUTS = {"rollout": "attention", "value_zeroing_rollout": "value_zeroing"}
"""Per-layer views computed from a registered map: rollout of the head-averaged attention, and
the rollout of value zeroing (without identity)."""


def comparisons() -> list[tuple[str, str, bool]]:
    """``(view, truth, per_head)`` of every comparison, in table order: the heads' views against
    each head truth, then the layers' maps against :data:`LAYER_TRUTH`."""
    return ([(view, truth, True) for truth in reversed(HEAD_TRUTHS) for view in HEAD_VIEWS]
            + [(view, LAYER_TRUTH, False) for view in LAYER_VIEWS])


def measured() -> bool:
    """Whether every map the comparisons need is registered and the run at hand has it
    (:func:`bertstory.maps.run_maps`)."""
    needed = {*HEAD_VIEWS, *HEAD_TRUTHS, LAYER_TRUTH, *(v for v in LAYER_VIEWS if v not in _ROLLOUTS), *_ROLLOUTS.values()}
    return needed <= set(map_names())


def array_shapes(num_layers: int, num_heads: int) -> dict[str, tuple[int, ...]]:
    """The statistics file's faithfulness arrays and their shapes (none when not :func:`measured`)."""
    if not measured():
        return {}
    return {f"{_stem(view, truth)}_{metric}{suffix}": (num_layers, num_heads) if per_head else (num_layers,)
            for view, truth, per_head in comparisons() for metric in FAITHFULNESS_METRICS for suffix in ("", "_rows")}


def value_zeroing_rollout(value_zeroing: np.ndarray) -> np.ndarray:
    """``VZRˡ = VZˡ · VZRˡ⁻¹``, ``VZR¹ = VZ¹`` (Mohebbi et al. 2023: rollout without identity), ``(L, n, n)``."""
    rollout = np.empty_like(value_zeroing, dtype=np.float64)
    current = np.eye(value_zeroing.shape[-1])
    for layer, zeroing in enumerate(value_zeroing):
        current = zeroing @ current
        rollout[layer] = current
    return rollout


def input_faithfulness(maps: Mapping[str, np.ndarray], causal: bool) -> dict[str, np.ndarray]:
    """One input's faithfulness statistics from its row-normalised float64 maps (all-zero rows
    kept as zeros): per comparison and metric, the sum over the counted rows (float64) and their
    number (int64), ``(L, H)`` or ``(L,)``."""
    derived = {"rollout": attention_rollout(maps["attention"]),
               "value_zeroing_rollout": value_zeroing_rollout(maps["value_zeroing"])}
    available = {**maps, **derived}
    out: dict[str, np.ndarray] = {}
    for view, truth, _ in comparisons():
        p, q = available[view], available[truth]
        moving = (p.sum(-1) > 0) & (q.sum(-1) > 0)
        for name in FAITHFULNESS_METRICS:
            metric = METRICS[name]
            values = metric.rows(metric.prepare(p, causal), metric.prepare(q, causal))
            counted = moving & np.isfinite(values)
            out[f"{_stem(view, truth)}_{name}"] = np.where(counted, values, 0.0).sum(-1)
            out[f"{_stem(view, truth)}_{name}_rows"] = counted.sum(-1).astype(np.int64)
    return out


def faithfulness_tables(per_input: Mapping[str, np.ndarray], samples: int, seed: int
                        ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, np.ndarray]]:
    """The ``faithfulness`` and ``faithfulness_layers`` tables (``docs/results.md#tables``) and the
    per-head Spearman with global ablation of each head view (``(L, H)``, for the ``heads`` table).

    Args:
        per_input: the faithfulness arrays of every input stacked, ``(N, L, H)`` or ``(N, L)``.
        samples, seed: the bootstrap resamples over inputs (those every interval of the run shares).
    """
    n_inputs = next(iter(per_input.values())).shape[0]
    sums = {key: values.sum(axis=0) for key, values in per_input.items()}
    joint = _interval_columns(per_input)

    def pooled(weights: np.ndarray) -> list[np.ndarray]:
        totals = weights @ joint  # (b, 2·columns): sums, then rows
        half = totals.shape[1] // 2
        with np.errstate(divide="ignore", invalid="ignore"):
            return [totals[:, :half] / totals[:, half:]]

    (boots,) = resampled(n_inputs, samples, seed, pooled)
    frames, layer_frames, head_spearman = [], [], {}
    start = 0
    for view, truth, per_head in comparisons():
        stem = _stem(view, truth)
        means = {name: _ratio(sums[f"{stem}_{name}"], sums[f"{stem}_{name}_rows"]) for name in FAITHFULNESS_METRICS}
        shape = means["spearman"].shape
        bounds, spearman_boots = {}, None
        for name in INTERVAL_METRICS:
            size = int(np.prod(shape))
            metric_boots = boots[:, start:start + size].reshape(-1, *shape)
            start += size
            bounds[name] = percentile_interval(metric_boots)
            if name == "spearman":
                spearman_boots = metric_boots
        n_rows = sums[f"{stem}_js_rows"]
        frames.append(_rows_frame(view, truth, per_head, means, bounds, n_rows))
        layer_frames.append(_layer_frame(view, truth, per_head, means, bounds, spearman_boots))
        if per_head and truth == "ablation_global":
            head_spearman[view] = means["spearman"]
    return (pd.concat(frames, ignore_index=True), pd.concat(layer_frames, ignore_index=True), head_spearman)


def _stem(view: str, truth: str) -> str:
    return f"faith_{view}_{truth}"


def _ratio(total: np.ndarray, rows: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(rows > 0, total / np.where(rows > 0, rows, 1), np.nan)


def _interval_columns(per_input: Mapping[str, np.ndarray]) -> np.ndarray:
    """``(N, 2·C)``: the per-input sums, then the rows, of every value of the metrics with intervals,
    comparison by comparison in :func:`comparisons` order, metric by metric."""
    sums, rows = [], []
    n = next(iter(per_input.values())).shape[0]
    for view, truth, _ in comparisons():
        for name in INTERVAL_METRICS:
            key = f"{_stem(view, truth)}_{name}"
            sums.append(per_input[key].reshape(n, -1))
            rows.append(per_input[f"{key}_rows"].reshape(n, -1).astype(np.float64))
    return np.concatenate(sums + rows, axis=1)


def _rows_frame(view: str, truth: str, per_head: bool, means: dict, bounds: dict, n_rows: np.ndarray) -> pd.DataFrame:
    """Table ``faithfulness``'s rows of one comparison: per head (layer-major) or per layer."""
    shape = means["spearman"].shape
    layer = np.indices(shape)[0].ravel() + 1
    head = np.indices(shape)[1].ravel() + 1 if per_head else [pd.NA] * layer.size
    columns = {"layer": layer.astype(np.int64), "head": pd.array(head, dtype="Int64"), "view": view,
               "ground_truth": truth}
    for name in FAITHFULNESS_METRICS:
        columns[name] = means[name].ravel()
        if name in bounds:
            columns[f"{name}_lo"], columns[f"{name}_hi"] = (bound.ravel() for bound in bounds[name])
    columns["n_rows"] = n_rows.ravel().astype(np.int64)
    return pd.DataFrame(columns)


def _layer_frame(view: str, truth: str, per_head: bool, means: dict, bounds: dict,
                 spearman_boots: np.ndarray) -> pd.DataFrame:
    """Table ``faithfulness_layers``'s rows of one comparison: per layer, the median over its heads
    (a per-layer view: its own value) of Spearman, with the interval of that median over resamples."""
    if per_head:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a layer whose heads' Spearman is all undefined: NaN
            median = np.nanmedian(means["spearman"], axis=1)
            lo, hi = percentile_interval(np.nanmedian(spearman_boots, axis=2))
            js, top1 = np.nanmedian(means["js"], axis=1), np.nanmedian(means["top1"], axis=1)
        n_heads = means["spearman"].shape[1]
    else:
        (lo, hi), median = bounds["spearman"], means["spearman"]
        js, top1, n_heads = means["js"], means["top1"], 1
    return pd.DataFrame({
        "layer": np.arange(1, median.size + 1, dtype=np.int64), "view": view, "ground_truth": truth,
        "n_heads": np.int64(n_heads), "spearman_median": median, "spearman_median_lo": lo,
        "spearman_median_hi": hi, "js_median": js, "top1_median": top1,
    })
