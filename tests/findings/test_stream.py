"""The streamed tables equal a naive all-in-memory computation; memory does not grow with maps."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import entropy as scipy_entropy
from scipy.stats import spearmanr

from bertstory.findings import FindingsConfig, write_findings
from bertstory.findings.bootstrap import bootstrap_pooled_mean

VIEWS = ("attention", "local", "global")
PAIRS = (("attention", "local"), ("attention", "global"), ("local", "global"))
L, H = 2, 2


@pytest.fixture
def memory_run(tmp_path, runs):
    """6 inputs of 3..7 tokens; one head of one input has exactly uniform attention rows."""
    rng = np.random.default_rng(7)
    inputs = []
    for index in range(6):
        n = int(rng.integers(3, 8))
        item = {"tokens": runs.tokens(rng, n), **runs.maps(rng, L, H, n)}
        if index == 2:
            item["attention"][1, 0] = 1.0 / n  # constant rows: Spearman undefined there
        inputs.append(item)
    return runs.write(tmp_path / "run", inputs, L, H, seed=3), inputs


def load_all(inputs):
    """All maps as float64, rows renormalised exactly as findings reads float32 files."""
    out = []
    for item in inputs:
        maps = {}
        for key in (*VIEWS, "contribution"):
            x = np.asarray(item[key], dtype=np.float32).astype(np.float64)
            maps[key] = x / x.sum(-1, keepdims=True)
        out.append((item["tokens"], maps))
    return out


def is_punct(token):
    core = token[2:] if token.startswith("##") else token
    return bool(core) and all(not c.isalnum() for c in core) and token not in ("[CLS]", "[SEP]")


def reference(inputs):
    """Naive loops over every row, scipy for the metrics."""
    data = load_all(inputs)
    heads = {}
    for layer in range(L):
        for head in range(H):
            rec = {}
            for view in VIEWS:
                masses = {c: [] for c in ("cls", "sep", "punct", "period", "comma", "self", "prev", "next")}
                entropies = []
                for tokens, maps in data:
                    p = maps[view][layer, head]
                    n = len(tokens)
                    for j in range(n):
                        row = p[j]
                        masses["cls"].append(sum(row[i] for i in range(n) if tokens[i] == "[CLS]"))
                        masses["sep"].append(sum(row[i] for i in range(n) if tokens[i] == "[SEP]"))
                        masses["punct"].append(sum(row[i] for i in range(n) if is_punct(tokens[i])))
                        masses["period"].append(sum(row[i] for i in range(n) if tokens[i] in (".", "##.")))
                        masses["comma"].append(sum(row[i] for i in range(n) if tokens[i] == ","))
                        masses["self"].append(row[j])
                        if j >= 1:
                            masses["prev"].append(row[j - 1])
                        if j + 1 < n:
                            masses["next"].append(row[j + 1])
                        entropies.append(scipy_entropy(row) / math.log(n))
                for c, values in masses.items():
                    rec[f"mass_{c}_{view}"] = np.mean(values)
                rec[f"entropy_{view}"] = np.mean(entropies)
            for a, b in PAIRS:
                js, tv, rho, top1, per_input = [], [], [], [], []
                for tokens, maps in data:
                    p, q = maps[a][layer, head], maps[b][layer, head]
                    row_js = [jensenshannon(p[j], q[j], base=2) ** 2 for j in range(len(tokens))]
                    js += row_js
                    per_input.append(np.mean(row_js))
                    tv += [0.5 * np.abs(p[j] - q[j]).sum() for j in range(len(tokens))]
                    top1 += [float(np.argmax(p[j]) == np.argmax(q[j])) for j in range(len(tokens))]
                    for j in range(len(tokens)):
                        if np.ptp(p[j]) > 0 and np.ptp(q[j]) > 0:
                            rho.append(spearmanr(p[j], q[j]).statistic)
                rec[f"js_{a}_{b}"] = np.mean(js)
                rec[f"tv_{a}_{b}"] = np.mean(tv)
                rec[f"spearman_{a}_{b}"] = np.mean(rho)
                rec[f"top1_{a}_{b}"] = np.mean(top1)
                rec[f"js_{a}_{b}_median"] = np.median(per_input)
            heads[(layer + 1, head + 1)] = rec

    # head distances (Clark et al.): mean over rows of JS between two heads
    distances = {}
    for view in ("attention", "global"):
        for la in range(L):
            for ha in range(H):
                for lb in range(L):
                    for hb in range(H):
                        values = []
                        for tokens, maps in data:
                            for j in range(len(tokens)):
                                values.append(jensenshannon(maps[view][la, ha, j], maps[view][lb, hb, j], base=2) ** 2)
                        distances[(view, la + 1, ha + 1, lb + 1, hb + 1)] = np.mean(values)

    # token contribution and rollout
    layers, rollout = [], []
    for layer in range(L):
        own = [maps["contribution"][layer, j, j] for tokens, maps in data for j in range(len(tokens))]
        own_top = [float(np.argmax(maps["contribution"][layer, j]) == j) for tokens, maps in data
                   for j in range(len(tokens))]
        layers.append({"own_share_median": np.median(own), "own_share_q25": np.percentile(own, 25),
                       "own_share_q75": np.percentile(own, 75), "own_top1_fraction": np.mean(own_top)})
    for layer in range(L):
        rec = {}
        for method in ("rollout", "attention"):
            js, tv = [], []
            for tokens, maps in data:
                n = len(tokens)
                r = np.eye(n)
                for upto in range(layer + 1):
                    mean = maps["attention"][upto].mean(axis=0)
                    step = 0.5 * mean + 0.5 * np.eye(n)
                    r = (step / step.sum(-1, keepdims=True)) @ r
                estimate = r if method == "rollout" else maps["attention"][layer].mean(axis=0)
                c = maps["contribution"][layer]
                js += [jensenshannon(estimate[j], c[j], base=2) ** 2 for j in range(n)]
                tv += [0.5 * np.abs(estimate[j] - c[j]).sum() for j in range(n)]
            rec[f"js_{method}"] = np.mean(js)
            rec[f"tv_{method}"] = np.mean(tv)
        rollout.append(rec)
    return heads, distances, layers, rollout


def test_streaming_equals_in_memory_reference(memory_run):
    run, inputs = memory_run
    tables = write_findings(run)
    heads_ref, distances_ref, layers_ref, rollout_ref = reference(inputs)

    heads = tables["heads"].set_index(["layer", "head"])
    for key, rec in heads_ref.items():
        for column, expected in rec.items():
            assert heads.loc[key, column] == pytest.approx(expected, abs=1e-6), (key, column)
    assert (heads["n_inputs"] == 6).all()
    assert (heads["n_queries"] == sum(len(i["tokens"]) for i in inputs)).all()

    distances = tables["head_distances"].set_index(["view", "layer_a", "head_a", "layer_b", "head_b"])["js"]
    for key, expected in distances_ref.items():
        assert distances.loc[key] == pytest.approx(expected, abs=1e-6), key

    layers = tables["layers"]
    for layer, rec in enumerate(layers_ref):
        for column, expected in rec.items():
            # own share is kept in float32: 1e-6 relative
            assert layers.loc[layer, column] == pytest.approx(expected, abs=1e-6), (layer, column)
    for layer, rec in enumerate(rollout_ref):
        for column, expected in rec.items():
            assert tables["rollout"].loc[layer, column] == pytest.approx(expected, abs=1e-6), (layer, column)

    # per-layer summaries are the mean / median over that layer's heads
    for layer in (1, 2):
        values = [heads_ref[(layer, h)]["js_attention_global"] for h in (1, 2)]
        row = layers.set_index("layer").loc[layer]
        assert row["js_attention_global_mean"] == pytest.approx(np.mean(values), abs=1e-6)
        assert row["js_attention_global_median"] == pytest.approx(np.median(values), abs=1e-6)


def test_positions_profile_matches_masses(memory_run):
    run, _ = memory_run
    tables = write_findings(run)
    positions = tables["positions"].set_index(["layer", "head", "view", "offset"])
    heads = tables["heads"].set_index(["layer", "head"])
    assert sorted(tables["positions"]["offset"].unique()) == list(range(-5, 6))
    for (layer, head), row in heads.iterrows():
        for view in VIEWS:
            assert positions.loc[(layer, head, view, -1), "mass"] == pytest.approx(row[f"mass_prev_{view}"])
            assert positions.loc[(layer, head, view, 0), "mass"] == pytest.approx(row[f"mass_self_{view}"])
            assert positions.loc[(layer, head, view, 1), "mass"] == pytest.approx(row[f"mass_next_{view}"])


def test_bootstrap_is_seeded_and_stable(tmp_path, runs):
    first = runs.random(tmp_path / "a", n_inputs=12, n_layers=2, n_heads=2, seed=5)
    second = runs.random(tmp_path / "b", n_inputs=12, n_layers=2, n_heads=2, seed=5)
    cols = [c for c in write_findings(first)["heads"].columns if c.endswith(("_lo", "_hi"))]
    a = write_findings(first)["heads"][cols]
    b = write_findings(second)["heads"][cols]
    pd.testing.assert_frame_equal(a, b)  # same maps, same seed → identical intervals
    c = write_findings(first, FindingsConfig(seed=99))["heads"][cols]
    assert not np.allclose(a.to_numpy(), c.to_numpy())  # another seed → other resamples
    heads = write_findings(first)["heads"]
    for pair in ("attention_local", "attention_global", "local_global"):
        assert (heads[f"js_{pair}_lo"] <= heads[f"js_{pair}"] + 1e-12).all()
        assert (heads[f"js_{pair}"] <= heads[f"js_{pair}_hi"] + 1e-12).all()


def test_bootstrap_pooled_mean_matches_a_naive_resampling_loop():
    rng = np.random.default_rng(0)
    counts = rng.integers(3, 10, size=15)
    sums = rng.random((15, 4)) * counts[:, None]
    lo, hi = bootstrap_pooled_mean(sums, counts, samples=500, seed=11)
    # same draws, naive loop
    draws = np.random.default_rng(11).integers(0, 15, size=(500, 15))
    boots = np.array([sums[d].sum(0) / counts[d].sum() for d in draws])
    np.testing.assert_allclose(lo, np.percentile(boots, 2.5, axis=0), atol=1e-12)
    np.testing.assert_allclose(hi, np.percentile(boots, 97.5, axis=0), atol=1e-12)
    # a single input: the interval collapses to its mean
    lo1, hi1 = bootstrap_pooled_mean(sums[:1], counts[:1], samples=50, seed=0)
    np.testing.assert_allclose(lo1, sums[0] / counts[0])
    np.testing.assert_allclose(hi1, sums[0] / counts[0])


def peak_bytes(run) -> int:
    tracemalloc.start()
    try:
        write_findings(run, FindingsConfig(bootstrap_samples=200))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_maps(tmp_path, runs):
    kwargs = dict(n_layers=2, n_heads=4, n_range=(60, 60))
    small = runs.random(tmp_path / "small", n_inputs=4, **kwargs)
    large = runs.random(tmp_path / "large", n_inputs=60, **kwargs)
    write_findings(small)  # warm imports and caches before measuring
    per_input = 3 * 2 * 4 * 60 * 60 * 8  # one input's three views in float64
    growth = peak_bytes(large) - peak_bytes(small)
    # holding all 60 inputs would add ≥ 56 × per_input; streaming adds per-input scalars only
    assert growth < 5 * per_input, (growth, per_input)
