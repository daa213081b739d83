"""Assemble the tidy tables from the reduced statistics (:class:`~bertstory.findings.reduction.Sums`).

Every table numbers layers and heads from 1 (``docs/method.md``); columns are documented in
``docs/results.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bertstory.findings import schema
from bertstory.findings.bootstrap import bootstrap_pooled_mean, median_over_inputs
from bertstory.findings.clustering import cluster_heads, mds_layout
from bertstory.findings.config import FindingsConfig
from bertstory.findings.enrichment import CLASSES, EnrichmentSummary, summarise
from bertstory.findings.faithfulness import faithfulness_tables, measured
from bertstory.findings.metrics import METRICS
from bertstory.findings.patterns import LABELS, MASS_CLASSES, label_column, label_heads
from bertstory.findings.persistence import PATTERN_CLASSES, head_patterns, persistence, persistence_counts
from bertstory.findings.ratios import safe_divide
from bertstory.findings.reduction import MetricSums, Sums
from bertstory.findings.schema import INTERVAL_SUFFIXES, TABLE_NAMES
from bertstory.findings.statistics import ROLLOUT_METHODS
from bertstory.maps import cluster_views, pair_names, persistence_views, views

#: Tables written when the ablation maps are registered (:func:`~bertstory.findings.faithfulness.measured`).
FAITHFULNESS_TABLES: tuple[str, ...] = ("faithfulness", "faithfulness_layers")
#: Per-head views whose Spearman correlation with global ablation ``heads`` lists
#: (``spearman_{view}_ablation_global``).
HEAD_FAITHFULNESS_VIEWS: tuple[str, ...] = ("attention", "global")


def table_names() -> tuple[str, ...]:
    """Names of the tables ``findings`` writes, in order: :data:`TABLE_NAMES`, then the
    faithfulness tables when the ablation maps are registered."""
    return TABLE_NAMES + (FAITHFULNESS_TABLES if measured() else ())


def _bootstrap(sums: Sums, config: FindingsConfig) -> tuple[dict[str, dict[str, np.ndarray]], ...]:
    """Medians over inputs and 95% intervals of the metrics with intervals, for the view pairs
    and for rollout: ``(pairs, rollout)``, each per metric
    ``{"median", "lo", "hi"}`` shaped like its mean (the resamples of
    :func:`~bertstory.findings.resampling.resample_weights`, shared with the enrichment intervals)."""
    n = sums.n_inputs
    parts = [(which, name, values) for which, compared in enumerate((sums.pairs, sums.rollout))
             for name, values in compared.inputs.items()]
    joint = np.concatenate([values.reshape(n, -1) for *_, values in parts], axis=1)
    lo, hi = bootstrap_pooled_mean(joint, sums.input_rows, config.bootstrap_samples, int(config.seed or 0))
    median = median_over_inputs(joint, sums.input_rows)
    out: tuple[dict[str, dict[str, np.ndarray]], ...] = ({}, {})
    start = 0
    for which, name, values in parts:
        stop = start + values[0].size
        out[which][name] = {suffix: bound[start:stop].reshape(values.shape[1:])
                            for suffix, bound in zip(INTERVAL_SUFFIXES, (median, lo, hi))}
        start = stop
    return out


def _metric_columns(compared: MetricSums, intervals: dict[str, dict[str, np.ndarray]], names: tuple[str, ...],
                    rows: int, flat) -> dict[str, np.ndarray]:
    """Per compared pair (``names``, along the first axis): :func:`~bertstory.findings.schema.metric`
    columns, the pooled mean of every registered metric, then the median and bounds of those with intervals."""
    means = {metric: compared.mean(metric, rows) for metric in METRICS}
    columns = {}
    for index, name in enumerate(names):
        for metric in METRICS:
            columns[schema.metric(metric, name)] = flat(means[metric][index])
        for metric, bounds in intervals.items():
            for suffix in INTERVAL_SUFFIXES:
                columns[schema.metric(metric, name, suffix)] = flat(bounds[suffix][index])
    return columns


def build_tables(sums: Sums, config: FindingsConfig) -> tuple[dict[str, pd.DataFrame], dict]:
    """All tables, and a small summary (MDS stress per view) for ``findings.json``."""
    n_layers, n_heads = sums.num_layers, sums.num_heads
    rows = sums.n_rows
    layer_idx, head_idx = np.meshgrid(np.arange(n_layers), np.arange(n_heads), indexing="ij")
    flat = lambda a: np.asarray(a).reshape(-1)  # noqa: E731 — (L, H) → head order L1-H1, L1-H2, …

    evidence = summarise(sums.classes, config.bootstrap_samples, int(config.seed or 0))
    masses = {view: {c: evidence.mass[vi][..., ci] for ci, c in enumerate(CLASSES)} for vi, view in enumerate(views())}
    entropy = {view: safe_divide(sums.entropy_sums[vi], sums.entropy_rows) for vi, view in enumerate(views())}
    labels = {view: label_heads(masses[view], entropy[view], config) for view in views()}
    patterns = head_patterns(labels["attention"], evidence.evidence("attention"), config)
    persisting = {view: persistence(patterns, evidence.evidence(view), config) for view in persistence_views()}
    pair_intervals, rollout_intervals = _bootstrap(sums, config)

    # Head clustering per view.
    distances = sums.head_js_sums / rows
    embeddings, clusters, stress = {}, {}, {}
    for ci, view in enumerate(cluster_views()):
        embeddings[view], stress[view] = mds_layout(distances[ci], int(config.seed or 0))
        clusters[view] = cluster_heads(distances[ci], config.n_clusters)

    # heads
    heads = {
        "layer": flat(layer_idx + 1), "head": flat(head_idx + 1),
        "n_inputs": np.full(n_layers * n_heads, sums.n_inputs, dtype=np.int64),
        "n_queries": np.full(n_layers * n_heads, rows, dtype=np.int64),
    }
    for view in views():
        for c in MASS_CLASSES:
            heads[schema.mass(c, view)] = flat(masses[view][c])
        heads[schema.entropy(view)] = flat(entropy[view])
        heads[schema.label(view)] = flat(labels[view]).astype(str)
    heads.update(_metric_columns(sums.pairs, pair_intervals, pair_names(), rows, flat))
    heads.update(_evidence_columns(evidence, flat))
    faithful = (faithfulness_tables(sums.faithfulness, config.bootstrap_samples, int(config.seed or 0))
                if sums.faithfulness else None)
    if faithful is not None:
        for view in HEAD_FAITHFULNESS_VIEWS:
            heads[schema.metric("spearman", schema.pair_name(view, "ablation_global"))] = flat(faithful[2][view])
    heads[schema.PATTERN] = flat(patterns).astype(str)
    for view in persistence_views():
        heads[schema.persists(view)] = flat(persisting[view][0])
    for view in persistence_views():
        heads[schema.persists_specific(view)] = flat(persisting[view][1])
    heads[schema.PERSISTS_LABEL] = heads[schema.label("attention")] == heads[schema.label("global")]
    for view in cluster_views():
        heads[cluster_column(view)] = clusters[view]
    heads_df = pd.DataFrame(heads)

    tables = {
        "heads": heads_df,
        "layers": _layers_table(heads_df, sums),
        "transitions": _transitions_table(heads_df),
        "persistence": _persistence_table(patterns, persisting, evidence),
        "rollout": _rollout_table(sums, rollout_intervals),
        "positions": _positions_table(sums),
        "head_embedding": _embedding_table(embeddings, clusters, n_layers, n_heads),
        "head_distances": _distances_table(distances, n_layers, n_heads),
    }
    if faithful is not None:
        tables.update(zip(FAITHFULNESS_TABLES, faithful[:2]))
    return tables, {"mds_stress": stress}


def cluster_column(view: str) -> str:
    """The ``heads`` column of a head's cluster in ``view``: ``cluster`` for the first clustered
    view (attention), ``cluster_{view}`` for the others."""
    return "cluster" if view == cluster_views()[0] else f"cluster_{view}"


def _evidence_columns(evidence: EnrichmentSummary, flat) -> dict[str, np.ndarray]:
    """Enrichment and specificity with the bounds of their intervals (:func:`~bertstory.findings.schema.evidence`),
    per view and class."""
    columns = {}
    for vi, view in enumerate(evidence.views):
        for ci, c in enumerate(CLASSES):
            for kind, point, lo, hi in (
                (schema.ENRICHMENT, evidence.enrichment, evidence.enrichment_lo, evidence.enrichment_hi),
                (schema.SPECIFICITY, evidence.specificity, evidence.specificity_lo, evidence.specificity_hi),
            ):
                columns[schema.evidence(kind, c, view)] = flat(point[vi][..., ci])
                for bound, values in zip(schema.BOUNDS, (lo, hi)):
                    columns[schema.evidence(kind, c, view, bound)] = flat(values[vi][..., ci])
    return columns


def _persistence_table(patterns: np.ndarray, persisting: dict[str, tuple[np.ndarray, np.ndarray]],
                       evidence: EnrichmentSummary) -> pd.DataFrame:
    """Per layer, pattern class and view: heads with the pattern, how many persist (both kinds),
    and the across-heads Spearman correlation of attention mass with that view's mass."""
    n_layers = patterns.shape[0]
    class_index = [CLASSES.index(label_column(c)) for c in PATTERN_CLASSES]
    frames = []
    for view in persistence_views():
        with_pattern, n_persist, n_specific = persistence_counts(patterns, *persisting[view])
        s = evidence.spearman_views.index(view)
        grid_layer, grid_class = np.meshgrid(np.arange(n_layers), np.arange(len(PATTERN_CLASSES)), indexing="ij")
        frames.append(pd.DataFrame({
            "layer": grid_layer.ravel().astype(np.int64) + 1,
            "class": np.asarray(PATTERN_CLASSES, dtype=object)[grid_class.ravel()].astype(str),
            "view": view,
            "n_heads_with_pattern": with_pattern.ravel(),
            "n_persist": n_persist.ravel(),
            "n_persist_specific": n_specific.ravel(),
            "spearman_mass": evidence.spearman[s][:, class_index].ravel(),
            "spearman_lo": evidence.spearman_lo[s][:, class_index].ravel(),
            "spearman_hi": evidence.spearman_hi[s][:, class_index].ravel(),
        }))
    return pd.concat(frames, ignore_index=True)


def head_metric_columns() -> list[str]:
    """Numeric per-head metric columns that ``layers`` summarises (mean and median over heads)."""
    columns = [schema.mass(c, v) for v in views() for c in MASS_CLASSES] + [schema.entropy(v) for v in views()]
    columns += [schema.metric(m, pair) for pair in pair_names() for m in METRICS]
    return columns


def _layers_table(heads: pd.DataFrame, sums: Sums) -> pd.DataFrame:
    grouped = heads.groupby("layer", sort=True)
    out = pd.DataFrame({"layer": np.arange(1, sums.num_layers + 1, dtype=np.int64)})
    out["n_heads"] = grouped.size().to_numpy().astype(np.int64)
    out["n_inputs"] = np.int64(sums.n_inputs)
    out["n_queries"] = np.int64(sums.n_rows)
    columns = {}
    for column in head_metric_columns():
        for statistic in schema.LAYER_STATISTICS:
            columns[schema.over_heads(column, statistic)] = grouped[column].agg(statistic).to_numpy()
    layer_of_head = heads["layer"].to_numpy() - 1
    for view in views():
        values = heads[schema.label(view)].to_numpy()
        for label in LABELS:
            counts = np.bincount(layer_of_head[values == label], minlength=sums.num_layers)
            columns[schema.heads_with_label(label_column(label), view)] = counts.astype(np.int64)
    columns[schema.PERSISTS_LABEL_FRACTION] = grouped[schema.PERSISTS_LABEL].mean().to_numpy()
    share = sums.own_share.astype(np.float64)
    q25, median, q75 = np.percentile(share, [25, 50, 75], axis=1)
    columns[schema.own_share("mean")] = share.mean(axis=1)
    columns[schema.own_share("median")] = median
    columns[schema.own_share("q25")] = q25
    columns[schema.own_share("q75")] = q75
    columns[schema.own_share("iqr")] = q75 - q25
    columns[schema.OWN_TOP1_FRACTION] = sums.own_top1 / sums.n_rows
    return pd.concat([out, pd.DataFrame(columns)], axis=1)


def _transitions_table(heads: pd.DataFrame) -> pd.DataFrame:
    """Counts of (attention label → global label) over all heads and per layer, full grid."""
    n_labels = len(LABELS)
    index = {label: i for i, label in enumerate(LABELS)}
    a = heads[schema.label("attention")].map(index).to_numpy()
    g = heads[schema.label("global")].map(index).to_numpy()
    layers = heads["layer"].to_numpy()
    scopes = [("all", pd.NA, np.ones(len(heads), dtype=bool))]
    scopes += [("layer", int(layer), layers == layer) for layer in np.unique(layers)]
    frames = []
    grid_a, grid_g = np.meshgrid(np.arange(n_labels), np.arange(n_labels), indexing="ij")
    for scope, layer, mask in scopes:
        counts = np.bincount(a[mask] * n_labels + g[mask], minlength=n_labels * n_labels).reshape(n_labels, n_labels)
        totals = counts.sum(axis=1, keepdims=True)
        frames.append(pd.DataFrame({
            "scope": scope,
            "layer": pd.array([layer] * n_labels * n_labels, dtype="Int64"),
            schema.label("attention"): np.asarray(LABELS, dtype=object)[grid_a.ravel()].astype(str),
            schema.label("global"): np.asarray(LABELS, dtype=object)[grid_g.ravel()].astype(str),
            "count": counts.ravel().astype(np.int64),
            "share": safe_divide(counts, np.broadcast_to(totals, counts.shape)).ravel(),
        }))
    return pd.concat(frames, ignore_index=True)


def _rollout_table(sums: Sums, intervals: dict[str, dict[str, np.ndarray]]) -> pd.DataFrame:
    rows = sums.n_rows
    out: dict[str, np.ndarray] = {
        "layer": np.arange(1, sums.num_layers + 1, dtype=np.int64),
        "n_inputs": np.full(sums.num_layers, sums.n_inputs, dtype=np.int64),
        "n_queries": np.full(sums.num_layers, rows, dtype=np.int64),
    }
    out.update(_metric_columns(sums.rollout, intervals, ROLLOUT_METHODS, rows, lambda a: a))
    return pd.DataFrame(out)


def _positions_table(sums: Sums) -> pd.DataFrame:
    offsets = np.arange(-sums.max_offset, sums.max_offset + 1)
    n_layers, n_heads = sums.num_layers, sums.num_heads
    v, o = len(views()), offsets.size
    # index order: layer, head, view, offset
    mass = safe_divide(sums.offset_sums, sums.offset_rows[None, :, None, None])  # (V, O, L, H)
    mass = mass.transpose(2, 3, 0, 1)  # (L, H, V, O)
    grid = np.meshgrid(np.arange(n_layers), np.arange(n_heads), np.arange(v), np.arange(o), indexing="ij")
    return pd.DataFrame({
        "layer": grid[0].ravel().astype(np.int64) + 1,
        "head": grid[1].ravel().astype(np.int64) + 1,
        "view": np.asarray(views(), dtype=object)[grid[2].ravel()].astype(str),
        "offset": offsets[grid[3].ravel()].astype(np.int64),
        "mass": mass.ravel(),
        "n_queries": sums.offset_rows[grid[3].ravel()].astype(np.int64),
    })


def _embedding_table(embeddings: dict, clusters: dict, n_layers: int, n_heads: int) -> pd.DataFrame:
    frames = []
    for view in cluster_views():
        frames.append(pd.DataFrame({
            "view": view,
            "layer": np.repeat(np.arange(1, n_layers + 1), n_heads).astype(np.int64),
            "head": np.tile(np.arange(1, n_heads + 1), n_layers).astype(np.int64),
            "x": embeddings[view][:, 0], "y": embeddings[view][:, 1],
            "cluster": clusters[view].astype(np.int64),
        }))
    return pd.concat(frames, ignore_index=True)


def _distances_table(distances: np.ndarray, n_layers: int, n_heads: int) -> pd.DataFrame:
    k = n_layers * n_heads
    a, b = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
    frames = []
    for ci, view in enumerate(cluster_views()):
        frames.append(pd.DataFrame({
            "view": view,
            "layer_a": (a.ravel() // n_heads + 1).astype(np.int64), "head_a": (a.ravel() % n_heads + 1).astype(np.int64),
            "layer_b": (b.ravel() // n_heads + 1).astype(np.int64), "head_b": (b.ravel() % n_heads + 1).astype(np.int64),
            "js": distances[ci].ravel(),
        }))
    return pd.concat(frames, ignore_index=True)
