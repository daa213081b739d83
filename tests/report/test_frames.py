"""The findings tables reshaped for figures and pages."""

import pandas as pd

from bertstory.report import frames
from bertstory.results import RunFolder


def test_transitions_read_the_all_scope(synthetic_run):
    run = RunFolder(synthetic_run)
    heads, grid = run.table("heads"), frames.transitions(run.table("transitions"))
    assert grid.to_numpy().sum() == len(heads)
    assert int(pd.Series(grid.to_numpy().diagonal()).sum()) == int(heads["persists_label"].sum())
    by_class = frames.label_kept_by_class(run.table("transitions"))
    assert by_class["heads"].sum() == len(heads)


def test_persistence_by_class_sums_the_layers_of_the_persistence_table(synthetic_run):
    run = RunFolder(synthetic_run)
    heads, table = run.table("heads"), run.table("persistence")
    for view in ("local", "global"):
        by_class = frames.persistence_by_class(table, view)
        assert list(by_class.index) == ["CLS", "SEP", "punct", "self", "prev", "next"]
        for name, row in by_class.iterrows():
            has = heads[heads["pattern"] == name]
            assert row.tolist() == [len(has), int(has[f"persists_{view}"].sum()),
                                    int(has[f"persists_specific_{view}"].sum())]
    assert frames.persistence_by_class(table, "global").loc["prev"].tolist() == [1, 1, 1]  # planted L1-H1


def test_patterned_heads_read_the_pattern_class_columns(synthetic_run):
    heads = RunFolder(synthetic_run).table("heads")
    found = frames.patterned_heads(heads, "global")
    assert found[["layer", "head", "pattern"]].values.tolist() == [[1, 1, "prev"], [2, 2, "CLS"]]
    cls_head = heads[(heads["layer"] == 2) & (heads["head"] == 2)].iloc[0]
    row = found.iloc[1]
    assert (row["E"], row["E_lo"], row["S_hi"]) == (cls_head["enrichment_cls_global"],
                                                     cls_head["enrichment_cls_global_lo"],
                                                     cls_head["specific_cls_global_hi"])
    assert not row["persists"] and found.iloc[0]["specific"]


def test_spearman_curves_are_ordered_by_pattern_class_and_layer(synthetic_run):
    table = RunFolder(synthetic_run).table("persistence")
    curves = frames.spearman_curves(table, "global")
    assert list(curves.columns) == ["layer", "class", "rho", "lo", "hi"]
    assert curves["class"].tolist() == [c for c in ["CLS", "SEP", "punct", "self", "prev", "next"] for _ in (1, 2)]
    row = table[(table["view"] == "global") & (table["class"] == "prev") & (table["layer"] == 2)].iloc[0]
    got = curves[(curves["class"] == "prev") & (curves["layer"] == 2)].iloc[0]
    assert [got["rho"], got["lo"], got["hi"]] == [row["spearman_mass"], row["spearman_lo"], row["spearman_hi"]]


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
