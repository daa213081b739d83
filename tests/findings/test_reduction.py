"""Tables reduced from per-input statistics equal a direct computation from the concatenated
maps, to 1e-9, for every table and column — encoder and causal runs; memory stays flat.

The direct computation below is written independently of the package: it walks every query
row of every input (scipy for the metrics), pools rows over inputs, and recomputes each
bootstrap resample from the rows of the inputs it draws.
"""

from __future__ import annotations

import json
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
from bertstory.findings.clustering import cluster_heads, mds_layout

VIEWS = ("attention", "local", "global")
PAIRS = (("attention", "local"), ("attention", "global"), ("local", "global"))
CLASSES = ("cls", "sep", "punct", "period", "comma", "self", "prev", "next")
LABEL_CLASSES = ("CLS", "SEP", "punct", "self", "prev", "next")
LABELS = (*LABEL_CLASSES, "broad", "mixed")
L, H, SAMPLES, SEED, MAX_OFFSET = 2, 3, 40, 3, 5
TOL = dict(rtol=1e-9, atol=1e-12)


# ---- the run ----------------------------------------------------------------------------

def make_inputs(rng, causal: bool, runs) -> list[dict]:
    """8 inputs of 3..9 tokens: some without punctuation, one with a uniform head (Spearman
    undefined there), a planted previous-token head (L1-H1) and next-token head (L2-H2); under
    ``causal`` keys after the query are 0 (and L2-H2's lean is masked away)."""
    inputs = []
    for index in range(8):
        n = int(rng.integers(3, 10))
        tokens = runs.tokens(rng, n) if index % 3 else ["[CLS]", *["the", "cat", "sat", "on", "mat", "dog", "ran"][:n - 2], "[SEP]"]
        maps = runs.maps(rng, L, H, n)
        if index == 2:
            maps["attention"][1, 0] = 1.0 / n
        for j in range(1, n):  # L1-H1 looks at the previous token in attention and, fainter, in global
            maps["attention"][0, 0, j] = 0.05 / n
            maps["attention"][0, 0, j, j - 1] += 0.95
            maps["global"][0, 0, j] *= 0.5
            maps["global"][0, 0, j, j - 1] += 0.5
        for j in range(n - 1):  # L2-H2 leans to the next token (below the label's 0.5), in local attribution too
            maps["attention"][1, 1, j] *= 0.6
            maps["attention"][1, 1, j, j + 1] += 0.4
            maps["local"][1, 1, j] = maps["attention"][1, 1, j]
        if causal:
            lower = np.tril(np.ones((n, n)))
            for key in (*VIEWS, "contribution"):
                masked = maps[key] * lower
                maps[key] = masked / masked.sum(axis=-1, keepdims=True)
        inputs.append({"tokens": tokens, **maps})
    return inputs


@pytest.fixture(params=[False, True], ids=["encoder", "causal"])
def run(request, tmp_path, runs):
    causal = request.param
    inputs = make_inputs(np.random.default_rng(7), causal, runs)
    run_dir = runs.write(tmp_path / "run", inputs, L, H, seed=SEED)
    meta = json.loads((run_dir / "run.json").read_text())
    meta["model"]["causal"] = causal
    (run_dir / "run.json").write_text(json.dumps(meta))
    return run_dir, inputs, causal


# ---- the direct computation ------------------------------------------------------------

def loaded(inputs):
    """Maps as findings reads them: float32 files, rows renormalised in float64."""
    out = []
    for item in inputs:
        maps = {}
        for key in (*VIEWS, "contribution"):
            x = np.asarray(item[key], dtype=np.float32).astype(np.float64)
            maps[key] = x / x.sum(-1, keepdims=True)
        out.append((list(item["tokens"]), maps))
    return out


def is_punct(token):
    core = token[2:] if token.startswith("##") else token
    return bool(core) and all(not c.isalnum() for c in core) and token not in ("[CLS]", "[SEP]")


def class_members(tokens, j, name, causal):
    """Keys of class ``name`` that row ``j`` may see."""
    n = len(tokens)
    visible = range(j + 1) if causal else range(n)
    if name == "self":
        return [j]
    if name == "prev":
        return [j - 1] if j >= 1 else []
    if name == "next":
        return [j + 1] if j + 1 in visible else []
    if name == "cls" and causal:  # a decoder's CLS is its first token
        return [0]
    test = {"cls": lambda t: t == "[CLS]", "sep": lambda t: t == "[SEP]", "punct": is_punct,
            "period": lambda t: t in (".", "##."), "comma": lambda t: t == ","}[name]
    return [i for i in visible if test(tokens[i])]


def per_input_class_sums(data, causal):
    """Row by row per input: Σ mass on each class (N, V, L, H, C), Σ uniform mass and rows (N, C)."""
    mass = np.zeros((len(data), 3, L, H, len(CLASSES)))
    uniform = np.zeros((len(data), len(CLASSES)))
    rows = np.zeros((len(data), len(CLASSES)))
    for k, (tokens, maps) in enumerate(data):
        n = len(tokens)
        for j in range(n):
            visible = j + 1 if causal else n
            for c, name in enumerate(CLASSES):
                members = class_members(tokens, j, name, causal)
                if not members:
                    continue
                rows[k, c] += 1
                uniform[k, c] += len(members) / visible
                for v, view in enumerate(VIEWS):
                    mass[k, v, :, :, c] += maps[view][:, :, j, members].sum(axis=-1)
    return mass, uniform, rows


def enrichment_of(mass, uniform, rows, weights):
    """Pooled mass, E and S (V, L, H, C) of inputs drawn ``weights`` times."""
    m = np.tensordot(weights, mass, axes=1)
    u, r = weights @ uniform, weights @ rows
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = np.where(r > 0, m / r, np.nan)
        e = np.where(u > 0, m / u, np.nan)
        layer = m.mean(axis=2, keepdims=True)
        s = np.where((u > 0) & (layer > 0), m / layer, np.nan)
    return pooled, e, s


def across_heads(x, y):
    """Spearman across heads per layer and class of (L, H, C) arrays; NaN where undefined."""
    out = np.full((L, len(CLASSES)), np.nan)
    for layer in range(L):
        for c in range(len(CLASSES)):
            a, b = x[layer, :, c], y[layer, :, c]
            if np.isfinite(a).all() and np.isfinite(b).all() and np.ptp(a) > 0 and np.ptp(b) > 0:
                out[layer, c] = spearmanr(a, b).statistic
    return out


def draws(n_inputs):
    """The bootstrap's resamples as draw counts: numpy.random.default_rng(seed) integers."""
    picks = np.random.default_rng(SEED).integers(0, n_inputs, size=(SAMPLES, n_inputs))
    return np.stack([np.bincount(p, minlength=n_inputs) for p in picks]).astype(float)


def interval(values):
    return np.nanpercentile(np.asarray(values), [2.5, 97.5], axis=0)


def label_of(masses, entropy):
    """The label rule: the largest class mass (ties: earlier class; undefined classes out)."""
    best = max(LABEL_CLASSES, key=lambda c: (-np.inf if np.isnan(masses[c.lower()]) else masses[c.lower()],
                                             -LABEL_CLASSES.index(c)))
    if masses[best.lower()] >= (0.5 if best in ("self", "prev", "next") else 0.6):
        return best
    return "broad" if entropy >= 0.8 else "mixed"


def rollout_of(attention):
    n = attention.shape[-1]
    r, out = np.eye(n), []
    for layer in range(L):
        step = 0.5 * attention[layer].mean(axis=0) + 0.5 * np.eye(n)
        r = (step / step.sum(-1, keepdims=True)) @ r
        out.append(r)
    return out


def direct(inputs, causal):
    data = loaded(inputs)
    n_rows = sum(len(t) for t, _ in data)
    weights = draws(len(data))
    heads = {(layer + 1, head + 1): {} for layer in range(L) for head in range(H)}

    # class masses, enrichment, specificity and their intervals
    mass, uniform, rows = per_input_class_sums(data, causal)
    pooled, e, s = enrichment_of(mass, uniform, rows, np.ones(len(data)))
    boots = [enrichment_of(mass, uniform, rows, w) for w in weights]
    e_lo, e_hi = interval([b[1] for b in boots])
    s_lo, s_hi = interval([b[2] for b in boots])
    rho = {v: across_heads(pooled[0], pooled[VIEWS.index(v)]) for v in ("local", "global")}
    rho_ci = {v: interval([across_heads(b[0][0], b[0][VIEWS.index(v)]) for b in boots]) for v in ("local", "global")}

    for (layer, head), rec in heads.items():
        li, hi_ = layer - 1, head - 1
        for v, view in enumerate(VIEWS):
            ent = [scipy_entropy(maps[view][li, hi_, j]) / math.log(j + 1 if causal else len(tokens))
                   for tokens, maps in data for j in range(len(tokens)) if (j + 1 if causal else len(tokens)) >= 2]
            rec[f"entropy_{view}"] = np.mean(ent)
            for c, name in enumerate(CLASSES):
                rec[f"mass_{name}_{view}"] = pooled[v, li, hi_, c]
                for kind, point, lo, hi in (("enrichment", e, e_lo, e_hi), ("specific", s, s_lo, s_hi)):
                    rec[f"{kind}_{name}_{view}"] = point[v, li, hi_, c]
                    rec[f"{kind}_{name}_{view}_lo"] = lo[v, li, hi_, c]
                    rec[f"{kind}_{name}_{view}_hi"] = hi[v, li, hi_, c]
            rec[f"label_{view}"] = label_of({n: rec[f"mass_{n}_{view}"] for n in CLASSES}, rec[f"entropy_{view}"])
        # pattern and persistence (docs/method.md#enrichment)
        at = lambda kind, name, view, suffix="": rec[f"{kind}_{name}_{view}{suffix}"]  # noqa: E731
        if rec["label_attention"] in LABEL_CLASSES:
            pattern = rec["label_attention"]
        else:
            qualifying = [c for c in LABEL_CLASSES
                          if at("enrichment", c.lower(), "attention") >= 2 and at("specific", c.lower(), "attention") >= 1.5
                          and at("enrichment", c.lower(), "attention", "_lo") > 1
                          and at("specific", c.lower(), "attention", "_lo") > 1]
            pattern = max(qualifying, key=lambda c: (at("specific", c.lower(), "attention"), -LABEL_CLASSES.index(c)),
                          default="none")
        rec["pattern"] = pattern
        for view in ("local", "global"):
            name = pattern.lower()
            persists = pattern != "none" and at("enrichment", name, view) >= 2 and at("enrichment", name, view, "_lo") > 1
            rec[f"persists_{view}"] = bool(persists)
            rec[f"persists_specific_{view}"] = bool(persists and at("specific", name, view) >= 1.2
                                                    and at("specific", name, view, "_lo") > 1)
        rec["persists_label"] = rec["label_attention"] == rec["label_global"]

        # pairs of views, row by row
        for a, b in PAIRS:
            js, tv, rhos, top1, per_input = [], [], [], [], []
            for tokens, maps in data:
                p, q = maps[a][li, hi_], maps[b][li, hi_]
                row_js = [jensenshannon(p[j], q[j], base=2) ** 2 for j in range(len(tokens))]
                js += row_js
                per_input.append(row_js)
                tv += [0.5 * np.abs(p[j] - q[j]).sum() for j in range(len(tokens))]
                top1 += [float(np.argmax(p[j]) == np.argmax(q[j])) for j in range(len(tokens))]
                seen = [slice(0, j + 1 if causal else len(tokens)) for j in range(len(tokens))]
                rhos += [spearmanr(p[j, seen[j]], q[j, seen[j]]).statistic for j in range(len(tokens))
                         if np.ptp(p[j, seen[j]]) > 0 and np.ptp(q[j, seen[j]]) > 0]
            rec[f"js_{a}_{b}"] = np.mean(js)
            rec[f"tv_{a}_{b}"] = np.mean(tv)
            rec[f"spearman_{a}_{b}"] = np.mean(rhos)
            rec[f"top1_{a}_{b}"] = np.mean(top1)
            rec[f"js_{a}_{b}_median"] = np.median([np.mean(x) for x in per_input])
            sums, counts = np.array([np.sum(x) for x in per_input]), np.array([len(x) for x in per_input])
            lo, hi = interval([(w @ sums) / (w @ counts) for w in weights])
            rec[f"js_{a}_{b}_lo"], rec[f"js_{a}_{b}_hi"] = lo, hi

    # persistence table
    persistence = {}
    for layer in range(1, L + 1):
        for c in LABEL_CLASSES:
            ci = CLASSES.index(c.lower())
            with_pattern = [rec for (lay, _), rec in heads.items() if lay == layer and rec["pattern"] == c]
            for view in ("local", "global"):
                persistence[(layer, c, view)] = {
                    "n_heads_with_pattern": len(with_pattern),
                    "n_persist": sum(r[f"persists_{view}"] for r in with_pattern),
                    "n_persist_specific": sum(r[f"persists_specific_{view}"] for r in with_pattern),
                    "spearman_mass": rho[view][layer - 1, ci],
                    "spearman_lo": rho_ci[view][0][layer - 1, ci],
                    "spearman_hi": rho_ci[view][1][layer - 1, ci],
                }

    # positions: mean over the rows where token j + k exists and is visible
    positions = {}
    for layer in range(L):
        for head in range(H):
            for view in VIEWS:
                for k in range(-MAX_OFFSET, MAX_OFFSET + 1):
                    values = [maps[view][layer, head, j, j + k] for tokens, maps in data for j in range(len(tokens))
                              if 0 <= j + k < len(tokens) and not (causal and k > 0)]
                    positions[(layer + 1, head + 1, view, k)] = (np.mean(values) if values else np.nan, len(values))

    # head distances (Clark et al.): mean over rows of JS between two heads
    distances = {}
    for view in ("attention", "global"):
        matrix = np.zeros((L * H, L * H))
        for a in range(L * H):
            for b in range(L * H):
                values = [jensenshannon(maps[view][a // H, a % H, j], maps[view][b // H, b % H, j], base=2) ** 2
                          for tokens, maps in data for j in range(len(tokens))]
                matrix[a, b] = np.mean(values)
        distances[view] = matrix

    # token contribution, rollout
    layers, rollout = [], []
    for layer in range(L):
        own = [maps["contribution"][layer, j, j] for tokens, maps in data for j in range(len(tokens))]
        own_top = [float(np.argmax(maps["contribution"][layer, j]) == j) for tokens, maps in data
                   for j in range(len(tokens))]
        layers.append({"own_share_mean": np.mean(own), "own_share_median": np.median(own),
                       "own_share_q25": np.percentile(own, 25), "own_share_q75": np.percentile(own, 75),
                       "own_share_iqr": np.percentile(own, 75) - np.percentile(own, 25),
                       "own_top1_fraction": np.mean(own_top)})
        rec = {}
        for method in ("rollout", "attention"):
            js, tv, rhos, top1, per_input = [], [], [], [], []
            for tokens, maps in data:
                estimate = rollout_of(maps["attention"])[layer] if method == "rollout" else \
                    maps["attention"][layer].mean(axis=0)
                c = maps["contribution"][layer]
                n = len(tokens)
                row_js = [jensenshannon(estimate[j], c[j], base=2) ** 2 for j in range(n)]
                js += row_js
                per_input.append(row_js)
                tv += [0.5 * np.abs(estimate[j] - c[j]).sum() for j in range(n)]
                top1 += [float(np.argmax(estimate[j]) == np.argmax(c[j])) for j in range(n)]
                seen = [slice(0, j + 1 if causal else n) for j in range(n)]
                rhos += [spearmanr(estimate[j, seen[j]], c[j, seen[j]]).statistic for j in range(n)
                         if np.ptp(estimate[j, seen[j]]) > 0 and np.ptp(c[j, seen[j]]) > 0]
            rec[f"js_{method}"], rec[f"tv_{method}"] = np.mean(js), np.mean(tv)
            rec[f"spearman_{method}"], rec[f"top1_{method}"] = np.mean(rhos), np.mean(top1)
            rec[f"js_{method}_median"] = np.median([np.mean(x) for x in per_input])
            sums, counts = np.array([np.sum(x) for x in per_input]), np.array([len(x) for x in per_input])
            rec[f"js_{method}_lo"], rec[f"js_{method}_hi"] = interval([(w @ sums) / (w @ counts) for w in weights])
        rollout.append(rec)
    return dict(heads=heads, persistence=persistence, positions=positions, distances=distances, layers=layers,
                rollout=rollout, n_rows=n_rows)


# ---- reduction == direct ---------------------------------------------------------------

def close(actual, expected, what):
    if isinstance(expected, (bool, np.bool_, str)):
        assert actual == expected, what
    else:
        np.testing.assert_allclose(float(actual), float(expected), **TOL, err_msg=str(what))


def test_every_table_equals_the_direct_computation(run):
    run_dir, inputs, causal = run
    tables = write_findings(run_dir, FindingsConfig(bootstrap_samples=SAMPLES))
    expected = direct(inputs, causal)

    heads = tables["heads"].set_index(["layer", "head"])
    for key, rec in expected["heads"].items():
        assert heads.loc[key, "n_queries"] == expected["n_rows"] and heads.loc[key, "n_inputs"] == len(inputs)
        for column, value in rec.items():
            close(heads.loc[key, column], value, (key, column))
    # the planted heads make the rules bite: a label pattern that persists into global attribution
    # only, and (encoder) a pattern found by enrichment that persists into local attribution only
    assert heads.loc[(1, 1), ["pattern", "persists_specific_global", "persists_local"]].tolist() == ["prev", True, False]
    if not causal:
        assert heads.loc[(2, 2), ["label_attention", "pattern", "persists_specific_local", "persists_global"]
                         ].tolist() == ["mixed", "next", True, False]

    persistence = tables["persistence"].set_index(["layer", "class", "view"])
    assert len(persistence) == len(expected["persistence"])
    for key, rec in expected["persistence"].items():
        for column, value in rec.items():
            close(persistence.loc[key, column], value, (key, column))

    positions = tables["positions"].set_index(["layer", "head", "view", "offset"])
    for key, (mass, count) in expected["positions"].items():
        assert positions.loc[key, "n_queries"] == count, key
        if count:
            close(positions.loc[key, "mass"], mass, key)
        else:
            assert np.isnan(positions.loc[key, "mass"]), key

    distances = tables["head_distances"]
    embedding = tables["head_embedding"]
    for view, matrix in expected["distances"].items():
        part = distances[distances["view"] == view]
        got = np.zeros_like(matrix)
        got[(part["layer_a"] - 1) * H + part["head_a"] - 1, (part["layer_b"] - 1) * H + part["head_b"] - 1] = part["js"]
        np.testing.assert_allclose(got, matrix, **TOL)
        coords, _ = mds_layout(matrix, SEED)
        placed = embedding[embedding["view"] == view]
        np.testing.assert_allclose(placed[["x", "y"]].to_numpy(), coords, rtol=1e-6, atol=1e-8)
        np.testing.assert_array_equal(placed["cluster"], cluster_heads(matrix, 6))

    layers = tables["layers"].set_index("layer")
    frame = pd.DataFrame.from_dict(expected["heads"], orient="index")
    frame.index.names = ["layer", "head"]
    for layer, rec in enumerate(expected["layers"], 1):
        for column, value in rec.items():
            close(layers.loc[layer, column], value, (layer, column))
        part = frame.xs(layer, level="layer")
        for column in ("js_attention_global", "mass_cls_local", "entropy_global", "top1_local_global"):
            close(layers.loc[layer, f"{column}_mean"], part[column].mean(), (layer, column))
            close(layers.loc[layer, f"{column}_median"], part[column].median(), (layer, column))
        close(layers.loc[layer, "persists_label_fraction"], part["persists_label"].mean(), layer)
        for view in VIEWS:
            for label in LABELS:
                assert layers.loc[layer, f"heads_{label.lower()}_{view}"] == (part[f"label_{view}"] == label).sum()

    transitions = tables["transitions"]
    overall = transitions[transitions["scope"] == "all"].set_index(["label_attention", "label_global"])["count"]
    counted = frame.groupby(["label_attention", "label_global"]).size()
    for key, count in overall.items():
        assert count == counted.get(key, 0), key

    rollout = tables["rollout"].set_index("layer")
    for layer, rec in enumerate(expected["rollout"], 1):
        for column, value in rec.items():
            close(rollout.loc[layer, column], value, (layer, column))


def test_positions_profile_matches_masses(run):
    run_dir, _, _ = run
    tables = write_findings(run_dir, FindingsConfig(bootstrap_samples=10))
    positions = tables["positions"].set_index(["layer", "head", "view", "offset"])
    for (layer, head), row in tables["heads"].set_index(["layer", "head"]).iterrows():
        for view in VIEWS:
            for k, name in ((-1, "prev"), (0, "self"), (1, "next")):
                np.testing.assert_allclose(positions.loc[(layer, head, view, k), "mass"], row[f"mass_{name}_{view}"],
                                           **TOL)


def test_bootstrap_is_seeded_and_stable(tmp_path, runs):
    first = runs.random(tmp_path / "a", n_inputs=12, n_layers=2, n_heads=2, seed=5)
    second = runs.random(tmp_path / "b", n_inputs=12, n_layers=2, n_heads=2, seed=5)
    cols = [c for c in write_findings(first)["heads"].columns if c.endswith(("_lo", "_hi"))]
    a = write_findings(first)["heads"][cols]
    b = write_findings(second)["heads"][cols]
    pd.testing.assert_frame_equal(a, b)  # same maps, same seed → identical intervals
    c = write_findings(first, FindingsConfig(seed=99))["heads"][cols]
    assert not np.allclose(a.to_numpy(), c.to_numpy(), equal_nan=True)  # another seed → other resamples
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
    picks = np.random.default_rng(11).integers(0, 15, size=(500, 15))
    boots = np.array([sums[d].sum(0) / counts[d].sum() for d in picks])
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
    write_findings(runs.random(tmp_path / "warm", n_inputs=2, **kwargs))  # imports and caches warm
    small = runs.random(tmp_path / "small", n_inputs=4, **kwargs)
    large = runs.random(tmp_path / "large", n_inputs=60, **kwargs)
    per_input = 3 * 2 * 4 * 60 * 60 * 8  # one input's three views in float64
    # statistics written from the maps one input at a time, then reduced
    growth = peak_bytes(large) - peak_bytes(small)
    # holding all 60 inputs' maps would add ≥ 56 × per_input; the reduction keeps small per-input parts only
    assert growth < 5 * per_input, (growth, per_input)
