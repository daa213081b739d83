"""§5 attention rollout on a hand-built 2-layer example, and its table."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bertstory.findings import write_findings
from bertstory.findings.rollout import attention_rollout, head_average

# Two layers, two heads, n = 2.
#   layer 1: head 1 = [[1, 0], [1, 0]], head 2 = [[1, 0], [0, 1]]  → Ā¹ = [[1, 0], [.5, .5]]
#   layer 2: both heads [[0, 1], [0, 1]]                            → Ā² = [[0, 1], [0, 1]]
ATTENTION = np.array([
    [[[1.0, 0.0], [1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]]],
    [[[0.0, 1.0], [0.0, 1.0]], [[0.0, 1.0], [0.0, 1.0]]],
])
# By hand: R¹ = ½Ā¹ + ½I = [[1, 0], [.25, .75]]
#          ½Ā² + ½I = [[.5, .5], [0, 1]];  R² = that · R¹ = [[.625, .375], [.25, .75]]
R1 = np.array([[1.0, 0.0], [0.25, 0.75]])
R2 = np.array([[0.625, 0.375], [0.25, 0.75]])


def test_rollout_equals_the_formula_by_hand():
    np.testing.assert_allclose(head_average(ATTENTION), [[[1, 0], [0.5, 0.5]], [[0, 1], [0, 1]]])
    np.testing.assert_allclose(attention_rollout(ATTENTION), np.stack([R1, R2]), atol=1e-15)


def test_rollout_rows_stay_stochastic():
    rng = np.random.default_rng(0)
    a = rng.random((4, 3, 6, 6))
    a /= a.sum(-1, keepdims=True)
    np.testing.assert_allclose(attention_rollout(a).sum(-1), 1.0, atol=1e-12)


def js2(p, q):
    """JS divergence in bits, written out."""
    m = [(a + b) / 2 for a, b in zip(p, q)]
    h = lambda r: -sum(x * math.log2(x) for x in r if x > 0)  # noqa: E731
    return h(m) - h(p) / 2 - h(q) / 2


def test_rollout_table_against_contribution_by_hand(tmp_path, runs):
    # C¹ = R¹ exactly, C² = identity
    contribution = np.stack([R1, np.eye(2)])
    run = runs.write(tmp_path / "run", [{"tokens": ["[CLS]", "[SEP]"], "attention": ATTENTION,
                                         "contribution": contribution}], num_layers=2, num_heads=2)
    table = write_findings(run)["rollout"]
    assert list(table["layer"]) == [1, 2]
    layer1, layer2 = table.iloc[0], table.iloc[1]
    # layer 1: rollout = C exactly
    assert layer1["js_rollout"] == pytest.approx(0.0, abs=1e-6)
    assert layer1["tv_rollout"] == pytest.approx(0.0, abs=1e-6)
    assert layer1["top1_rollout"] == 1.0
    # raw Ā¹ = [[1, 0], [.5, .5]] vs C¹ = [[1, 0], [.25, .75]]: TV = (0 + .25) / 2
    assert layer1["tv_attention"] == pytest.approx(0.125, abs=1e-6)
    assert layer1["js_attention"] == pytest.approx(js2([0.5, 0.5], [0.25, 0.75]) / 2, abs=1e-6)
    # top-1: row 0 both 0; row 1 Ā ties (first max = 0) vs C argmax 1
    assert layer1["top1_attention"] == pytest.approx(0.5)
    # layer 2: R² = [[.625, .375], [.25, .75]] vs I: TV = (.375 + .25) / 2
    assert layer2["tv_rollout"] == pytest.approx(0.3125, abs=1e-6)
    assert layer2["js_rollout"] == pytest.approx((js2([0.625, 0.375], [1, 0]) + js2([0.25, 0.75], [0, 1])) / 2,
                                                 abs=1e-6)
    assert layer2["spearman_rollout"] == pytest.approx(1.0, abs=1e-6)
    assert layer2["top1_rollout"] == 1.0
    # raw Ā² = [[0, 1], [0, 1]] vs I: rows disagree, agree → TV .5, JS .5, top-1 .5, Spearman (-1 + 1) / 2
    assert layer2["tv_attention"] == pytest.approx(0.5, abs=1e-6)
    assert layer2["js_attention"] == pytest.approx(0.5, abs=1e-6)
    assert layer2["top1_attention"] == pytest.approx(0.5)
    assert layer2["spearman_attention"] == pytest.approx(0.0, abs=1e-6)


def test_rollout_of_causal_attention_stays_causal():
    rng = np.random.default_rng(1)
    n = 5
    a = rng.random((3, 2, n, n)) * np.tril(np.ones((n, n)))
    a /= a.sum(-1, keepdims=True)
    rollout = attention_rollout(a)
    assert (rollout[..., np.triu_indices(n, k=1)[0], np.triu_indices(n, k=1)[1]] == 0).all()
    np.testing.assert_allclose(rollout.sum(-1), 1.0, atol=1e-12)
