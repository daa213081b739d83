"""The findings tables reshaped for figures and pages."""

import pandas as pd

from bertstory.report import frames
from bertstory.results import RunFolder


def test_transitions_read_the_all_scope(synthetic_run):
    run = RunFolder(synthetic_run)
    heads, grid = run.table("heads"), frames.transitions(run.table("transitions"))
    assert grid.to_numpy().sum() == len(heads)
    assert int(pd.Series(grid.to_numpy().diagonal()).sum()) == int(heads["persists"].sum())
    by_class = frames.persistence_by_class(run.table("transitions"))
    assert by_class["heads"].sum() == len(heads)


def test_rollout_is_long_with_one_row_per_layer_and_method(synthetic_run):
    table = RunFolder(synthetic_run).table("rollout")
    long = frames.rollout(table)
    assert list(long.columns) == ["layer", "method", "js", "tv", "spearman", "top1"]
    assert len(long) == 2 * len(table)
    first = long[(long["method"] == "rollout") & (long["layer"] == 1)].iloc[0]
    assert first["js"] == table.loc[table["layer"] == 1, "js_rollout"].iloc[0]


def test_nearest_heads_are_sorted_by_distance_and_exclude_the_head_itself():
    distances = pd.DataFrame({
        "view": ["attention"] * 4, "layer_a": [1, 1, 1, 1], "head_a": [1, 1, 1, 1],
        "layer_b": [1, 1, 2, 2], "head_b": [1, 2, 1, 2], "js": [0.0, 0.3, 0.1, 0.2],
    })
    assert frames.nearest_heads(distances, 2) == {(1, 1): {"attention": [("L2-H1", 0.1), ("L2-H2", 0.2)]}}
