"""§4 masses, normalised entropy and labels: hand-built matrices and threshold edges."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from bertstory.findings import FindingsConfig, write_findings
from bertstory.findings.patterns import LABEL_COLUMNS, label_heads
from bertstory.findings.patterns import LABELS
from bertstory.findings.statistics import offset_sums

TOKENS5 = ["[CLS]", "a", "b", "c", "[SEP]"]



def label_head(masses: dict[str, float], entropy: float, config: FindingsConfig | None = None) -> str:
    """The label of one head from scalar masses (a class left out has mass 0)."""
    arrays = {c: np.asarray(masses.get(c, 0.0)) for c in LABEL_COLUMNS}
    return str(label_heads(arrays, np.asarray(entropy), config or FindingsConfig())[()])

def one_hot_rows(targets: list[int], n: int) -> np.ndarray:
    m = np.zeros((n, n))
    m[np.arange(n), targets] = 1.0
    return m


@pytest.fixture
def heads_of(runs):
    """Findings of a 1-layer, 1-head run with a single input."""

    def compute(path, attention, tokens, config=None, **views):
        lift = lambda m: np.asarray(m, dtype=np.float64)[None, None]  # noqa: E731
        item = {"tokens": tokens, "attention": lift(attention)}
        for name, matrix in views.items():
            item[name] = lift(matrix)
        run = runs.write(path / "run", [item], num_layers=1, num_heads=1)
        return write_findings(run, config)["heads"].iloc[0]

    return compute


def test_pure_previous_token_matrix(tmp_path, heads_of):
    prev = one_hot_rows([0, 0, 1, 2, 3], 5)  # row 0 has no previous token: attends to itself
    head = heads_of(tmp_path, prev, TOKENS5)
    assert head["mass_prev_attention"] == pytest.approx(1.0, abs=1e-6)
    assert head["label_attention"] == "prev"
    assert head["mass_self_attention"] == pytest.approx(1 / 5, abs=1e-6)  # only row 0
    assert head["mass_next_attention"] == pytest.approx(0.0, abs=1e-6)
    assert head["mass_cls_attention"] == pytest.approx(2 / 5, abs=1e-6)  # rows 0 and 1 look at [CLS]
    assert head["mass_sep_attention"] == pytest.approx(0.0, abs=1e-6)
    assert head["entropy_attention"] == pytest.approx(0.0, abs=1e-6)


def test_pure_next_and_self_matrices(tmp_path, heads_of):
    nxt = one_hot_rows([1, 2, 3, 4, 4], 5)  # last row has no next token
    head = heads_of(tmp_path / "next", nxt, TOKENS5)
    assert head["mass_next_attention"] == pytest.approx(1.0, abs=1e-6)
    assert head["label_attention"] == "next"
    head = heads_of(tmp_path / "self", np.eye(5), TOKENS5)
    assert head["mass_self_attention"] == pytest.approx(1.0, abs=1e-6)
    assert head["mass_prev_attention"] == pytest.approx(0.0, abs=1e-6)
    assert head["label_attention"] == "self"


def test_uniform_rows_have_entropy_1_and_label_broad(tmp_path, heads_of):
    head = heads_of(tmp_path, np.full((5, 5), 0.2), TOKENS5)
    assert head["entropy_attention"] == pytest.approx(1.0, abs=1e-6)
    assert head["label_attention"] == "broad"
    for c in ("cls", "sep", "self", "prev", "next"):
        assert head[f"mass_{c}_attention"] == pytest.approx(0.2, abs=1e-6)


def test_cls_sep_punct_period_comma_masses(tmp_path, heads_of):
    tokens = ["[CLS]", "a", ",", "b", ".", "[SEP]"]
    to_comma = one_hot_rows([2] * 6, 6)
    to_cls = one_hot_rows([0] * 6, 6)
    to_sep = one_hot_rows([5] * 6, 6)
    head = heads_of(tmp_path, to_comma, tokens, local=to_cls, **{"global": to_sep})
    assert head["mass_punct_attention"] == pytest.approx(1.0, abs=1e-6)
    assert head["mass_comma_attention"] == pytest.approx(1.0, abs=1e-6)
    assert head["mass_period_attention"] == pytest.approx(0.0, abs=1e-6)
    assert head["label_attention"] == "punct"
    assert head["mass_cls_local"] == pytest.approx(1.0, abs=1e-6)
    assert head["label_local"] == "CLS"
    assert head["mass_sep_global"] == pytest.approx(1.0, abs=1e-6)
    assert head["label_global"] == "SEP"
    assert not head["persists_label"]
    # one-hot rows on different tokens: JS 1, TV 1, top-1 0 for every pair
    for pair in ("attention_local", "attention_global", "local_global"):
        assert head[f"js_{pair}"] == pytest.approx(1.0, abs=1e-6)
        assert head[f"tv_{pair}"] == pytest.approx(1.0, abs=1e-6)
        assert head[f"top1_{pair}"] == 0.0


def test_identical_views_have_js_0_and_persist(tmp_path, heads_of):
    prev = one_hot_rows([0, 0, 1, 2, 3], 5)
    head = heads_of(tmp_path, prev, TOKENS5, local=prev, **{"global": prev})
    for pair in ("attention_local", "attention_global", "local_global"):
        assert head[f"js_{pair}"] == pytest.approx(0.0, abs=1e-6)
        assert head[f"tv_{pair}"] == pytest.approx(0.0, abs=1e-6)
        assert head[f"top1_{pair}"] == 1.0
        assert head[f"js_{pair}_lo"] == pytest.approx(0.0, abs=1e-6)
        assert head[f"js_{pair}_hi"] == pytest.approx(0.0, abs=1e-6)
    assert head["persists_label"]


def test_two_token_rows_are_mixed(tmp_path, heads_of):
    tokens = ["[CLS]", "a", "b", "c", "d", "[SEP]"]
    two = np.zeros((6, 6))
    two[:, 2] = two[:, 3] = 0.5
    head = heads_of(tmp_path, two, tokens)
    assert head["entropy_attention"] == pytest.approx(1 / math.log2(6), abs=1e-6)
    assert head["label_attention"] == "mixed"


def test_offset_sums_and_counts():
    p = one_hot_rows([0, 0, 1, 2, 3], 5)[None]
    sums, counts = offset_sums(p, causal=False)
    np.testing.assert_array_equal(counts, [1, 2, 3, 4, 5, 4, 3, 2, 1])  # offsets -4..4
    np.testing.assert_allclose(sums[:, 0], [0, 0, 0, 4, 1, 0, 0, 0, 0])
    # under a causal mask a row sees no later key: positive offsets have no rows
    sums, counts = offset_sums(p, causal=True)
    np.testing.assert_array_equal(counts, [1, 2, 3, 4, 5, 0, 0, 0, 0])
    np.testing.assert_allclose(sums[:, 0], [0, 0, 0, 4, 1, 0, 0, 0, 0])


def test_a_class_counts_only_the_rows_of_inputs_that_have_it(tmp_path, runs):
    with_punct = ["[CLS]", "a", ",", "[SEP]"]
    without = ["[CLS]", "a", "b", "c", "[SEP]"]
    to_comma = one_hot_rows([2] * 4, 4)  # all mass on "," where the input has one
    to_cls = one_hot_rows([0] * 5, 5)
    run = runs.write(tmp_path / "run", [{"tokens": with_punct, "attention": to_comma[None, None]},
                                        {"tokens": without, "attention": to_cls[None, None]}], 1, 1)
    head = write_findings(run)["heads"].iloc[0]
    assert head["mass_punct_attention"] == pytest.approx(1.0, abs=1e-6)  # the 4 rows of the first input only
    assert head["mass_cls_attention"] == pytest.approx(5 / 9, abs=1e-6)  # [CLS] is in both: all 9 rows
    assert head["label_attention"] == "punct"


# ---- label rules at and around each threshold -------------------------------------------

EPS = 1e-9


@pytest.mark.parametrize("cls_name,key,threshold", [
    ("CLS", "cls", 0.6), ("SEP", "sep", 0.6), ("punct", "punct", 0.6),
    ("self", "self", 0.5), ("prev", "prev", 0.5), ("next", "next", 0.5),
])
def test_label_at_and_around_each_class_threshold(cls_name, key, threshold):
    assert label_head({key: threshold}, 0.0) == cls_name
    assert label_head({key: threshold + EPS}, 0.0) == cls_name
    assert label_head({key: threshold - EPS}, 0.0) == "mixed"
    assert label_head({key: threshold - EPS}, 0.9) == "broad"


def test_broad_threshold_edges():
    assert label_head({}, 0.8) == "broad"
    assert label_head({}, 0.8 + EPS) == "broad"
    assert label_head({}, 0.8 - EPS) == "mixed"


def test_only_the_largest_class_is_tested_and_ties_follow_class_order():
    # CLS is largest but below 0.6; prev is above 0.5 but not largest → not labelled.
    assert label_head({"cls": 0.58, "prev": 0.52}, 0.1) == "mixed"
    assert label_head({"cls": 0.7, "self": 0.7}, 0.1) == "CLS"
    assert label_head({"self": 0.6, "prev": 0.6, "next": 0.6}, 0.1) == "self"
    assert set(LABELS) == {"CLS", "SEP", "punct", "self", "prev", "next", "broad", "mixed"}


def test_configured_thresholds_change_labels():
    assert label_head({"cls": 0.55}, 0.0) == "mixed"
    assert label_head({"cls": 0.55}, 0.0, FindingsConfig(threshold_token=0.5)) == "CLS"
    assert label_head({"prev": 0.8}, 0.0, FindingsConfig(threshold_positional=0.9)) == "mixed"
    assert label_head({}, 0.5, FindingsConfig(threshold_broad=0.5)) == "broad"


def prev_at_exactly_half() -> np.ndarray:
    """n=8: every row with a previous token puts 0.5 on it and 0.5 four tokens away."""
    m = np.zeros((8, 8))
    m[0, 3] = m[0, 4] = 0.5
    for j in range(1, 8):
        m[j, j - 1] += 0.5
        m[j, (j + 4) % 8] += 0.5
    return m


def test_label_at_threshold_through_maps_and_config(tmp_path, heads_of):
    tokens = ["[CLS]", "a", "b", "c", "d", "e", "f", "[SEP]"]
    head = heads_of(tmp_path / "default", prev_at_exactly_half(), tokens)
    assert head["mass_prev_attention"] == pytest.approx(0.5, abs=1e-12)
    assert head["label_attention"] == "prev"
    stricter = FindingsConfig(threshold_positional=0.5 + 1e-7)
    head = heads_of(tmp_path / "stricter", prev_at_exactly_half(), tokens, stricter)
    assert head["label_attention"] == "mixed"  # entropy 1/3 < 0.8
    looser_broad = FindingsConfig(threshold_positional=0.6, threshold_broad=0.3)
    head = heads_of(tmp_path / "broad", prev_at_exactly_half(), tokens, looser_broad)
    assert head["entropy_attention"] == pytest.approx(1 / 3, abs=1e-6)
    assert head["label_attention"] == "broad"


def test_changing_config_recomputes_written_labels(tmp_path, runs):
    tokens = ["[CLS]", "a", "b", "c", "[SEP]"]
    rows = np.zeros((5, 5))
    rows[:, 0] = 0.55
    rows[:, 2] = 0.45
    run = runs.write(tmp_path / "run", [{"tokens": tokens, "attention": rows[None, None]}], 1, 1)
    assert write_findings(run)["heads"].loc[0, "label_attention"] == "mixed"
    assert write_findings(run, FindingsConfig(threshold_token=0.55))["heads"].loc[0, "label_attention"] == "CLS"
    assert pd.read_csv(run / "tables" / "heads.csv").loc[0, "label_attention"] == "CLS"
