"""Which view is faithful: the ``faithfulness`` and ``faithfulness_layers`` tables as the pages say them.

Each view is compared, row by row, with an ablation ground truth (``docs/method.md#faithfulness``):
the per-head views with global and local ablation, the per-layer views with hidden-state ablation.
A run analysed without the faithfulness maps has neither table; every function here is then not
called, and the pages say in one line that faithfulness was not measured.

The sentences' wording follows the numbers as :mod:`bertstory.report.story` does: which view agrees
best is the largest median Spearman ρ, *clearly* when its 95% interval lies above the runner-up's;
a view's agreement *falls* (or *rises*) from the first to the last layer when their 95% intervals do
not overlap, and *holds* when they do. Layers and heads are 1-based, as in the tables; links are
relative to ``docs/generated/``.
"""

from __future__ import annotations

import pandas as pd

from bertstory.findings.faithfulness import HEAD_TRUTHS, LAYER_TRUTH
from bertstory.findings.tables import FAITHFULNESS_TABLES, HEAD_FAITHFULNESS_VIEWS
from bertstory.report.markdown import interval, num, pct
from bertstory.report.naming import view_title

FAITHFULNESS_TABLE, FAITHFULNESS_LAYERS_TABLE = FAITHFULNESS_TABLES
"""Per head (per-head views) and per layer (per-layer views): each view against each ground truth;
per layer: the median over the layer's heads, with its bootstrap 95% interval."""
LOCAL_ABLATION, GLOBAL_ABLATION = HEAD_TRUTHS
HIDDEN_ABLATION = LAYER_TRUTH
GROUND_TRUTHS: tuple[str, ...] = (GLOBAL_ABLATION, LOCAL_ABLATION, HIDDEN_ABLATION)
"""The ground truths in the order the figure's panels and the page show them."""
TREND_VIEWS: tuple[str, ...] = HEAD_FAITHFULNESS_VIEWS
"""The views whose agreement with global ablation over depth the Overview contrasts: where a head
looks, and what its output depends on to first order."""


def views_against(table: pd.DataFrame, ground_truth: str) -> list[str]:
    """The views compared with ``ground_truth`` in ``table``, in the order the table lists them."""
    return list(dict.fromkeys(table.loc[table["ground_truth"] == ground_truth, "view"]))


def ground_truths(table: pd.DataFrame) -> list[str]:
    """The ground truths of ``table``, in :data:`GROUND_TRUTHS` order (any other after them)."""
    present = list(dict.fromkeys(table["ground_truth"]))
    return [g for g in GROUND_TRUTHS if g in present] + [g for g in present if g not in GROUND_TRUTHS]


def curves(layers: pd.DataFrame, ground_truth: str) -> pd.DataFrame:
    """The ``faithfulness_layers`` rows against ``ground_truth``, indexed by ``(view, layer)``, sorted."""
    part = layers[layers["ground_truth"] == ground_truth]
    return part.set_index(["view", "layer"]).sort_index()


def _rho(row: pd.Series) -> str:
    """A median Spearman ρ with its interval: ``0.620 [0.550, 0.700]``."""
    return f"{num(row['spearman_median'])} {interval(row['spearman_median_lo'], row['spearman_median_hi'])}"


def best_by_layer(layers: pd.DataFrame, ground_truth: str) -> pd.DataFrame:
    """Per layer (index), against ``ground_truth``: the ``view`` with the largest median Spearman,
    its ``spearman_median`` and interval, the ``runner_up`` view and whether the best is ``clear``
    (its interval's lower end above the runner-up's upper end; ``True`` when it is the only view).
    Ties go to the view the table lists first."""
    order = {view: k for k, view in enumerate(views_against(layers, ground_truth))}
    part = layers[(layers["ground_truth"] == ground_truth) & layers["spearman_median"].notna()]
    rows = {}
    for layer, group in part.groupby("layer"):
        ranked = group.assign(order=group["view"].map(order)).sort_values(
            ["spearman_median", "order"], ascending=[False, True])
        best = ranked.iloc[0]
        second = ranked.iloc[1] if len(ranked) > 1 else None
        rows[int(layer)] = {
            "view": best["view"], "spearman_median": best["spearman_median"],
            "spearman_median_lo": best["spearman_median_lo"], "spearman_median_hi": best["spearman_median_hi"],
            "runner_up": None if second is None else second["view"],
            "clear": second is None or bool(best["spearman_median_lo"] > second["spearman_median_hi"]),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("layer")


def best_views(layers: pd.DataFrame, ground_truth: str = GLOBAL_ABLATION) -> str:
    """Per layer, which view agrees best with ``ground_truth`` (median Spearman over the layer's heads,
    with its 95% interval), and in how many layers its interval lies above the runner-up's."""
    best = best_by_layer(layers, ground_truth)
    if best.empty:
        return f"No view's agreement with {view_title(ground_truth)} could be measured (no row moved)."
    parts = [f"layer {layer} {view_title(row['view'])} ({_rho(row)})" for layer, row in best.iterrows()]
    clear = int(best["clear"].sum())
    return (
        f"The view that agrees best with {view_title(ground_truth)} (median over a layer's heads of the Spearman ρ "
        f"per query row, 95% interval): {'; '.join(parts)}. The best view's interval lies above the next view's in "
        f"{clear} of {len(best)} layers."
    )


def trend(first: pd.Series, last: pd.Series) -> str:
    """``falls``, ``rises`` or ``holds``: how a median Spearman changes from the ``first`` layer's row
    to the ``last`` one's — falls or rises when their 95% intervals do not overlap, holds when they do."""
    if last["spearman_median_hi"] < first["spearman_median_lo"]:
        return "falls"
    if last["spearman_median_lo"] > first["spearman_median_hi"]:
        return "rises"
    return "holds"


def depth_trends(layers: pd.DataFrame, views: tuple[str, ...] = TREND_VIEWS,
                 ground_truth: str = GLOBAL_ABLATION) -> str | None:
    """Whether each of ``views``' agreement with ``ground_truth`` falls, rises or holds from the first
    to the last layer (:func:`trend`), with both layers' medians and intervals; ``None`` with one layer
    or when a view is missing or unmeasured in either layer."""
    table = curves(layers, ground_truth)
    measured = table[table["spearman_median"].notna()]
    layer_numbers = sorted(table.index.get_level_values("layer").unique())
    if len(layer_numbers) < 2:
        return None
    first, last = layer_numbers[0], layer_numbers[-1]
    if any((view, layer) not in measured.index for view in views for layer in (first, last)):
        return None
    words = {view: trend(measured.loc[(view, first)], measured.loc[(view, last)]) for view in views}
    clauses = [f"{view_title(view)}'s {words[view]} ({_rho(measured.loc[(view, first)])} → "
               f"{_rho(measured.loc[(view, last)])})" for view in views]
    joined = clauses[0] + "".join(
        (" while " if words[view] != words[previous] else " and ") + clause
        for previous, view, clause in zip(views, views[1:], clauses[1:]))
    return (f"From layer {first} to layer {last}, agreement with {view_title(ground_truth)} (median Spearman ρ): "
            f"{joined}; a change counts only where the two layers' 95% intervals do not overlap.")


def best_counts(layers: pd.DataFrame, ground_truth: str) -> str:
    """In how many layers each view agrees best with ``ground_truth``, and the last layer's medians."""
    best = best_by_layer(layers, ground_truth)
    if best.empty:
        return f"No view's agreement with {view_title(ground_truth)} could be measured (no row moved)."
    counts = best["view"].value_counts()
    views = views_against(layers, ground_truth)
    listed = ", ".join(f"{view_title(v)} in {int(counts.get(v, 0))}" for v in views)
    table = curves(layers, ground_truth)
    last = int(table.index.get_level_values("layer").max())
    at_last = ", ".join(f"{view_title(v)} {_rho(table.loc[(v, last)])}" for v in views if (v, last) in table.index)
    return (f"Against {view_title(ground_truth)}, the view with the largest median Spearman ρ is {listed} of "
            f"{len(best)} layers (layer {last}: {at_last}).")


def page_sentences(layers: pd.DataFrame) -> list[str]:
    """The Faithfulness page's sentences, one per ground truth the run measured, and the depth trend."""
    sentences = []
    for ground_truth in ground_truths(layers):
        sentences.append(best_views(layers, ground_truth) if ground_truth == GLOBAL_ABLATION
                         else best_counts(layers, ground_truth))
        trend_sentence = depth_trends(layers) if ground_truth == GLOBAL_ABLATION else None
        if trend_sentence is not None:
            sentences.append(trend_sentence)
    return sentences


def overview_sentences(layers: pd.DataFrame) -> list[str]:
    """The Overview's key finding on faithfulness: the best view per layer against global ablation and
    the depth trend of attention and global attribution, linked to the Faithfulness page."""
    found = [best_views(layers)]
    trend_sentence = depth_trends(layers)
    if trend_sentence is not None:
        found.append(trend_sentence)
    found[-1] = found[-1].removesuffix(".") + " (every layer and ground truth on the [Faithfulness](faithfulness.md) page)."
    return found


NOT_MEASURED = ("Faithfulness against ablation was not measured: the run was analysed without the faithfulness "
                "maps.")
"""The one line the Overview and the Faithfulness page give a run without the tables."""


def layer_table(layers: pd.DataFrame, ground_truth: str) -> tuple[list[str], list[list[str]]]:
    """The page's table against ``ground_truth``: headers (layer, then one column per view) and per layer
    each view's median Spearman with its interval (``n/a`` where no row moved, ``—`` where missing)."""
    views = views_against(layers, ground_truth)
    table = curves(layers, ground_truth)
    rows = []
    for layer in sorted(table.index.get_level_values("layer").unique()):
        rows.append([str(layer), *(_rho(table.loc[(v, layer)]) if (v, layer) in table.index else "—"
                                   for v in views)])
    return ["layer", *(view_title(v) for v in views)], rows


HEAD_COLUMNS: tuple[str, ...] = ("view", "ground truth", "Spearman ρ", "95% interval", "JS (bits)", "95% interval",
                                 "top-1 agreement", "rows")
"""Columns of a head page's faithfulness table (:func:`head_rows`)."""


def head_rows(table: pd.DataFrame, layer: int, head: int) -> list[list[str]]:
    """A head page's rows from the ``faithfulness`` table: per view and ground truth of the head (in
    the table's order), its pooled Spearman and JS with their intervals, top-1 agreement and the
    rows counted. Empty when the table has no row of the head."""
    part = table[(table["layer"] == layer) & (table["head"] == head)]
    return [[view_title(r["view"]), view_title(r["ground_truth"]), num(r["spearman"]),
             interval(r["spearman_lo"], r["spearman_hi"]), num(r["js"]), interval(r["js_lo"], r["js_hi"]),
             pct(r["top1"]), str(int(r["n_rows"]))] for _, r in part.iterrows()]


def head_tables(table: pd.DataFrame) -> dict[tuple[int, int], list[list[str]]]:
    """:func:`head_rows` of every head of ``table`` (rows with a head), by (layer, head)."""
    heads = table.dropna(subset=["head"])
    return {(int(layer), int(head)): head_rows(heads, layer, head)
            for layer, head in heads[["layer", "head"]].drop_duplicates().itertuples(index=False)}
