"""The estimator check's plan: how many map rows of each view its budget buys, which rows it
draws, and that it measures the run's own probe maps."""

import numpy as np
import pytest

from bertstory.engine.flops import layer_flops
from bertstory.engine.attribution import frobenius_shares
from bertstory.engine.rows import MapRow
from bertstory.models import encode, load_model
from bertstory.pipeline.compute import input_maps, input_row_norms
from bertstory.pipeline.estimator_check import (
    check_views, MAX_CHECK_ROWS, CheckPlan, ModelShape, mean_row_flops, plan_check, probe_counts, rows_per_view, run_flops,
)

MINILM = ModelShape(num_layers=6, num_heads=12, hidden_size=384, feed_forward_width=1536)
"""The embedded model's shape."""


def test_rows_per_view_by_hand():
    costs = {"contribution": 100.0, "local": 1.0, "global": 4.0}  # √cost 10, 1, 2: 13 in all
    # local: 1000/13 = 76.9 rows -> 76, leaving 924; global: 924/12/2 = 38.5 -> 38, leaving 772;
    # contribution: 772/10/10 = 7.7 -> 7 (928 of the 1000 spent)
    assert rows_per_view(1000, costs, dict.fromkeys(costs, 100)) == {"local": 76, "global": 38, "contribution": 7}
    # local capped at 50 leaves 950: global 950/12/2 = 39.6 -> 39, leaving 794; contribution 7.9 -> 7
    assert rows_per_view(1000, costs, {"local": 50, "global": 100, "contribution": 100}) == {
        "local": 50, "global": 39, "contribution": 7}
    # a budget too small for any row still measures one row of each map
    assert rows_per_view(10, costs, dict.fromkeys(costs, 100)) == dict.fromkeys(costs, 1)


def test_mean_row_flops_by_hand():
    shape = ModelShape(num_layers=2, num_heads=4, hidden_size=16, feed_forward_width=32)
    one, two = layer_flops(5, 16, 32), layer_flops(10, 16, 32)
    # inputs of 5 and 10 tokens: a row is in the second twice as often as in the first
    assert mean_row_flops("local", [5, 10], shape) == pytest.approx(4 * (one.up_to_heads + 2 * two.up_to_heads) / 3)
    assert mean_row_flops("contribution", [5, 10], shape) == pytest.approx(16 * 1.5 * (one.whole + 2 * two.whole) / 3)
    assert mean_row_flops("global", [10], shape) == pytest.approx(4 * (0.5 * two.whole + two.up_to_heads))


def test_drawing_every_row_draws_each_row_once():
    shape = ModelShape(num_layers=2, num_heads=3, hidden_size=12, feed_forward_width=24)
    lengths = [("a", 2), ("b", 3)]
    plan = plan_check(lengths, shape, probes=4, budget=1e9, seed=0)  # a budget for every row (no more than exist)
    expected = {("local", l, h, q, i) for i, n in lengths for l in range(2) for h in range(3) for q in range(n)}
    expected |= {("global",) + key[1:] for key in expected}
    expected |= {("contribution", l, None, q, i) for i, n in lengths for l in range(2) for q in range(n)}
    drawn = [(row.view, row.layer, row.head, row.query, input_id) for input_id, row in plan.rows]
    assert len(drawn) == len(set(drawn)) and set(drawn) == expected
    assert [input_id for input_id, _ in plan.rows] == sorted(input_id for input_id, _ in plan.rows)


@pytest.mark.parametrize("budget", [0.1, 0.25, 1.0])
def test_the_check_of_the_default_run_costs_its_budget(budget):
    lengths = [(f"{i:05d}", n) for i, n in enumerate(np.random.default_rng(1).integers(14, 30, size=40))]
    tokens = [n for _, n in lengths]
    plans = [plan_check(lengths, MINILM, probes=8, budget=budget, seed=seed) for seed in range(10)]
    costs = {view: mean_row_flops(view, tokens, MINILM) for view in check_views()}
    expected = sum(plans[0].rows_of(view) * costs[view] for view in check_views())
    allowed = budget * run_flops(tokens, MINILM, 8)
    assert allowed - max(costs.values()) < expected <= allowed  # what is left would not buy a row of the costliest map
    assert all(plan.rows_of(view) == plans[0].rows_of(view) for plan in plans for view in check_views())
    assert all(1 <= plans[0].rows_of(view) <= MAX_CHECK_ROWS for view in check_views())
    # the drawn rows cost about what the plan expects of them
    assert np.mean([plan.flops for plan in plans]) == pytest.approx(expected, rel=0.25)
    assert len({tuple(plan.rows) for plan in plans}) == len(plans)  # the seed draws the rows


def test_row_estimates_are_the_run_maps_rows(tiny_bert_dir):
    loaded = load_model(str(tiny_bert_dir), "cpu")
    encoded = encode(loaded, "Where is the station?", "Turn left at the bridge.")
    counts = probe_counts(8, loaded.hidden_size)
    rows = [MapRow("global", 1, 2, 3), MapRow("local", 1, 0, 0), MapRow("contribution", 0, None, 5)]
    norms = input_row_norms(loaded, encoded, rows, probes=counts, seed=3, input_id="00007")
    for k, estimated in zip(counts, norms.estimates):
        maps = input_maps(loaded, encoded, estimator="probes", probes=k, seed=3, input_id="00007")
        expected = np.stack([maps["global"][1, 2, 3], maps["local"][1, 0, 0], maps["contribution"][0, 5]])
        np.testing.assert_allclose(frobenius_shares(estimated).numpy(), expected, rtol=0, atol=1e-5)
    exact = input_maps(loaded, encoded, estimator="exact", probes=8, seed=3, input_id="00007")
    expected = np.stack([exact["global"][1, 2, 3], exact["local"][1, 0, 0], exact["contribution"][0, 5]])
    np.testing.assert_allclose(frobenius_shares(norms.exact).numpy(), expected, rtol=0, atol=1e-5)


def test_the_line_before_the_check_by_hand():
    rows = [("00001", MapRow("local", 0, 1, 2)), ("00001", MapRow("global", 1, 0, 0)),
            ("00004", MapRow("local", 1, 2, 3)), ("00004", MapRow("contribution", 0, None, 1))]
    plan = CheckPlan(rows=rows, flops=30, run_flops=120)
    assert plan.describe(8, 4.0) == ("estimator check: K = 8 against exact on 2 local, 1 global, 1 contribution map rows "
                                     "of 2 inputs (reverse mode); about 2 min, 25% of the run's compute")
    # without maps computed now (a resumed run) there is no rate to predict the time from
    assert plan.describe(8, None).endswith("(reverse mode); 25% of the run's compute")
