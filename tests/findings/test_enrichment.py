"""Enrichment E_c, specificity S_c and their bootstrap (docs/method.md, "Enrichment, specificity
and persistence"): a 3-token example by hand, reduction == a row-by-row computation on random
maps, paired bootstrap intervals, undefined classes."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from bertstory.findings.bootstrap import bootstrap_pooled_mean
from bertstory.findings.enrichment import (
    CLASSES,
    EnrichmentStatistics,
    class_keys,
    estimate,
    input_statistics,
    summarise,
)
from bertstory.findings.resampling import resample_weights
from bertstory.findings.tokens import class_masks

NAN = float("nan")
TOKENS3 = ["[CLS]", "a", "[SEP]"]


def stats_of(maps: np.ndarray, tokens, causal: bool, views=("attention",)):
    return input_statistics(maps, class_masks(tokens, "[CLS]", "[SEP]"), causal, views)


def concatenate_statistics(parts) -> EnrichmentStatistics:
    """The statistics of all inputs of ``parts``, in order (as the reduction stacks them)."""
    return EnrichmentStatistics(parts[0].views, *(np.concatenate([getattr(p, name) for p in parts])
                                                  for name in ("mass", "uniform", "rows")))


def by_class(values: dict[str, float]) -> np.ndarray:
    return np.array([values.get(c, NAN) for c in CLASSES])


# ---- a 3-token example by hand ----------------------------------------------------------
# One layer, two heads, view "attention", tokens [CLS] a [SEP] (no punctuation).

ENCODER = np.array([[
    [[0.5, 0.25, 0.25], [0.6, 0.2, 0.2], [0.2, 0.6, 0.2]],   # head 1
    [[1 / 3] * 3] * 3,                                        # head 2: uniform rows
]])[None]  # (V=1, L=1, H=2, 3, 3)


def test_three_tokens_encoder_by_hand():
    # Every row sees all 3 keys, so a uniform row puts 1/3 on each token.
    #   cls : rows 0,1,2; M = .5+.6+.2 = 1.3; U = 3·1/3 = 1      → E = 1.3
    #   sep : rows 0,1,2; M = .25+.2+.2 = .65; U = 1            → E = .65
    #   self: rows 0,1,2; M = .5+.2+.2 = .9;  U = 1             → E = .9
    #   prev: rows 1,2;   M = P[1,0]+P[2,1] = .6+.6 = 1.2; U = 2/3 → E = 1.8
    #   next: rows 0,1;   M = P[0,1]+P[1,2] = .25+.2 = .45; U = 2/3 → E = .675
    #   punct, period, comma: no row has them → undefined
    # Head 2 (uniform) has E = 1 wherever defined. S = M_head / mean over the layer's heads of M:
    #   cls : 1.3 / ((1.3+1)/2)     = 1.3/1.15     = 1.1304347826   and 1/1.15     = 0.8695652174
    #   sep : .65 / ((.65+1)/2)     = .65/.825     = 0.7878787879   and 1/.825     = 1.2121212121
    #   self: .9 / ((.9+1)/2)       = .9/.95       = 0.9473684211   and 1/.95      = 1.0526315789
    #   prev: 1.2 / ((1.2+2/3)/2)   = 1.2/(14/15)  = 1.2857142857   and (2/3)/(14/15) = 0.7142857143
    #   next: .45 / ((.45+2/3)/2)   = .45/.5583333 = 0.8059701493   and (2/3)/.5583333 = 1.1940298507
    # Masses M/R: cls 1.3/3, sep .65/3, self .9/3, prev 1.2/2, next .45/2.
    result = estimate(stats_of(ENCODER, TOKENS3, causal=False))
    np.testing.assert_allclose(result.enrichment[0, 0, 0], by_class(
        {"cls": 1.3, "sep": 0.65, "self": 0.9, "prev": 1.8, "next": 0.675}), rtol=1e-12)
    np.testing.assert_allclose(result.enrichment[0, 0, 1], by_class(
        {"cls": 1.0, "sep": 1.0, "self": 1.0, "prev": 1.0, "next": 1.0}), rtol=1e-12)
    np.testing.assert_allclose(result.specificity[0, 0, 0], by_class(
        {"cls": 1.1304347826, "sep": 0.7878787879, "self": 0.9473684211, "prev": 1.2857142857,
         "next": 0.8059701493}), rtol=1e-9)
    np.testing.assert_allclose(result.specificity[0, 0, 1], by_class(
        {"cls": 0.8695652174, "sep": 1.2121212121, "self": 1.0526315789, "prev": 0.7142857143,
         "next": 1.1940298507}), rtol=1e-9)
    np.testing.assert_allclose(result.mass[0, 0, 0], by_class(
        {"cls": 1.3 / 3, "sep": 0.65 / 3, "self": 0.3, "prev": 0.6, "next": 0.225}), rtol=1e-12)


CAUSAL = np.array([[
    [[1.0, 0.0, 0.0], [0.75, 0.25, 0.0], [0.2, 0.6, 0.2]],   # head 1
    [[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [1 / 3] * 3],          # head 2: uniform over visible keys
]])[None]


def test_three_tokens_causal_by_hand():
    # Row j sees keys 0..j: a uniform row puts 1, 1/2, 1/3 on each visible key of rows 0, 1, 2.
    #   cls : rows 0,1,2; M = 1+.75+.2 = 1.95; U = 1+1/2+1/3 = 11/6 → E = 1.95·6/11 = 1.0636363636
    #   sep : only row 2 sees [SEP]; M = .2; U = 1/3              → E = .6
    #   self: rows 0,1,2; M = 1+.25+.2 = 1.45; U = 11/6           → E = 1.45·6/11 = 0.7909090909
    #   prev: rows 1,2;   M = .75+.6 = 1.35;   U = 1/2+1/3 = 5/6  → E = 1.62
    #   next: never visible under a causal mask                    → undefined
    # Head 2 has E = 1 wherever defined. Specificity of head 1:
    #   cls : 1.95 / ((1.95+11/6)/2) = 1.95/1.8916666667 = 1.0308370044
    #   sep : .2 / ((.2+1/3)/2)      = .2/.2666666667    = 0.75
    #   self: 1.45 / ((1.45+11/6)/2) = 1.45/1.6416666667 = 0.8832487310
    #   prev: 1.35 / ((1.35+5/6)/2)  = 1.35/1.0916666667 = 1.2366412214
    result = estimate(stats_of(CAUSAL, TOKENS3, causal=True))
    np.testing.assert_allclose(result.enrichment[0, 0, 0], by_class(
        {"cls": 1.0636363636, "sep": 0.6, "self": 0.7909090909, "prev": 1.62}), rtol=1e-9)
    np.testing.assert_allclose(result.enrichment[0, 0, 1], by_class(
        {"cls": 1.0, "sep": 1.0, "self": 1.0, "prev": 1.0}), rtol=1e-12)
    np.testing.assert_allclose(result.specificity[0, 0, 0], by_class(
        {"cls": 1.0308370044, "sep": 0.75, "self": 0.8832487310, "prev": 1.2366412214}), rtol=1e-9)
    stats = stats_of(CAUSAL, TOKENS3, causal=True)
    np.testing.assert_array_equal(stats.rows[0], [3, 1, 0, 0, 0, 3, 2, 0])  # R_c per class


def test_causal_mass_on_invisible_keys_is_not_counted():
    leaky = CAUSAL.copy()
    leaky[0, 0, 0, 0] = [0.5, 0.5, 0.0]  # row 0 puts mass on key 1, which it cannot see
    base = estimate(stats_of(CAUSAL, TOKENS3, causal=True)).enrichment
    changed = estimate(stats_of(leaky, TOKENS3, causal=True)).enrichment
    i_next = CLASSES.index("next")
    assert np.isnan(changed[..., i_next]).all()  # no next under a causal mask, however the map looks
    assert changed[0, 0, 0, CLASSES.index("cls")] == pytest.approx(1.45 * 6 / 11)  # row 0 now .5 on [CLS]
    assert changed[0, 0, 0, CLASSES.index("prev")] == base[0, 0, 0, CLASSES.index("prev")]


def test_class_keys_of_a_pair():
    tokens = ["[CLS]", "hi", ",", "[SEP]", "yo", ".", "[SEP]"]
    keys = class_keys(class_masks(tokens, "[CLS]", "[SEP]"), causal=False)
    assert keys.shape == (len(CLASSES), 7, 7)
    np.testing.assert_array_equal(keys[CLASSES.index("sep"), 4], [0, 0, 0, 1, 0, 0, 1])
    np.testing.assert_array_equal(keys[CLASSES.index("punct"), 0], [0, 0, 1, 0, 0, 1, 0])
    np.testing.assert_array_equal(keys[CLASSES.index("period"), 0], [0, 0, 0, 0, 0, 1, 0])
    assert not keys[CLASSES.index("prev"), 0].any() and keys[CLASSES.index("prev"), 3, 2]
    assert not keys[CLASSES.index("next"), 6].any() and keys[CLASSES.index("next"), 3, 4]
    causal = class_keys(class_masks(tokens, "[CLS]", "[SEP]"), causal=True)
    np.testing.assert_array_equal(causal[CLASSES.index("punct"), 1], np.zeros(7))  # row 1 sees no ","
    np.testing.assert_array_equal(causal[CLASSES.index("punct"), 4], [0, 0, 1, 0, 0, 0, 0])


# ---- reduction == a row-by-row computation on the maps --------------------------------

WORDS = ["the", "cat", ".", ",", "!", "sat", "[SEP]"]


def random_maps(rng, n, layers=2, heads=3, views=3, causal=False):
    """Row-stochastic ``(views, layers, heads, n, n)`` maps, zero on invisible keys if causal."""
    logits = rng.normal(size=(views, layers, heads, n, n)) * 2
    if causal:
        logits = np.where(np.tril(np.ones((n, n), dtype=bool)), logits, -np.inf)
    maps = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return maps / maps.sum(axis=-1, keepdims=True)


def random_inputs(rng, n_inputs, heads=3, causal=False):
    inputs = []
    for _ in range(n_inputs):
        n = int(rng.integers(2, 9))
        tokens = ["[CLS]", *[str(w) for w in rng.choice(WORDS, size=n - 1)]]
        inputs.append((tokens, random_maps(rng, n, heads=heads, causal=causal)))
    return inputs


def direct_sums(inputs, causal, head_maps):
    """Row by row, for each class: Σ row mass on the class, Σ uniform mass, rows that count.

    ``head_maps(maps)`` gives the ``(K, n, n)`` maps to sum (heads, or layer means)."""
    k = head_maps(inputs[0][1]).shape[0]
    mass, uniform, rows = np.zeros((k, len(CLASSES))), np.zeros(len(CLASSES)), np.zeros(len(CLASSES))
    for tokens, maps in inputs:
        p = head_maps(maps)
        masks = class_masks(tokens, "[CLS]", "[SEP]")
        n = len(tokens)
        for j in range(n):
            visible = list(range(j + 1)) if causal else list(range(n))
            for c, name in enumerate(CLASSES):
                if name == "self":
                    members = [j]
                elif name == "prev":
                    members = [j - 1] if j >= 1 else []
                elif name == "next":
                    members = [j + 1] if j + 1 in visible else []
                else:
                    members = [i for i in visible if masks[i, ("cls", "sep", "punct", "period", "comma").index(name)]]
                if not members:
                    continue
                rows[c] += 1
                uniform[c] += len(members) / len(visible)
                mass[:, c] += p[:, j, members].sum(axis=-1)
    return mass, uniform, rows


@pytest.mark.parametrize("causal", [False, True])
def test_reduction_equals_row_by_row_computation(causal):
    rng = np.random.default_rng(7)
    inputs = random_inputs(rng, 12, causal=causal)
    stats = concatenate_statistics([stats_of(m, t, causal, ("attention", "local", "global")) for t, m in inputs])
    assert stats.mass.shape == (12, 3, 2, 3, len(CLASSES))
    result = estimate(stats)
    v, l_, h = 2, 1, 2  # global, layer 2, head 3
    mass, uniform, rows = direct_sums(inputs, causal, lambda m: m[v, l_])
    layer_mass, _, _ = direct_sums(inputs, causal, lambda m: m[v, l_].mean(axis=0, keepdims=True))
    with np.errstate(invalid="ignore", divide="ignore"):
        e_direct = mass / uniform
        e_layer = layer_mass[0] / uniform
        np.testing.assert_allclose(result.enrichment[v, l_], e_direct, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(result.specificity[v, l_, h], e_direct[h] / e_layer, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(result.mass[v, l_], mass / rows, rtol=1e-9, atol=1e-12)
    assert np.isnan(result.enrichment[..., CLASSES.index("next")]).all() == causal


def test_weights_select_and_repeat_inputs():
    rng = np.random.default_rng(3)
    inputs = random_inputs(rng, 6)
    parts = [stats_of(m, t, False, ("attention", "local", "global")) for t, m in inputs]
    stats = concatenate_statistics(parts)
    weights = np.array([2, 0, 1, 0, 0, 3], dtype=float)
    chosen = concatenate_statistics([parts[0], parts[0], parts[2], parts[5], parts[5], parts[5]])
    weighted, repeated = estimate(stats, weights), estimate(chosen)
    np.testing.assert_allclose(weighted.enrichment, repeated.enrichment, rtol=1e-12)
    np.testing.assert_allclose(weighted.specificity, repeated.specificity, rtol=1e-12)
    stacked = estimate(stats, np.stack([weights, np.ones(6)]))
    assert stacked.enrichment.shape == (2, *weighted.enrichment.shape)
    np.testing.assert_allclose(stacked.enrichment[1], estimate(stats).enrichment, rtol=1e-12)


# ---- bootstrap ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def random_stats():
    rng = np.random.default_rng(11)
    inputs = random_inputs(rng, 15, heads=4)
    return inputs, concatenate_statistics([stats_of(m, t, False, ("attention", "local", "global")) for t, m in inputs])


def test_intervals_contain_the_estimate_and_repeat_for_a_seed(random_stats):
    _, stats = random_stats
    summary = summarise(stats, samples=300, seed=5)
    for point, lo, hi in ((summary.enrichment, summary.enrichment_lo, summary.enrichment_hi),
                          (summary.specificity, summary.specificity_lo, summary.specificity_hi)):
        defined = np.isfinite(point)
        assert defined.mean() > 0.9
        assert (lo[defined] <= point[defined] + 1e-12).all() and (point[defined] <= hi[defined] + 1e-12).all()
        assert (lo[defined] < hi[defined]).all()
    again = summarise(stats, samples=300, seed=5)
    np.testing.assert_array_equal(again.enrichment_lo, summary.enrichment_lo)
    np.testing.assert_array_equal(again.spearman_hi, summary.spearman_hi)
    other = summarise(stats, samples=300, seed=6)
    assert not np.allclose(other.enrichment_lo, summary.enrichment_lo, equal_nan=True)


def test_bootstrap_equals_resampling_the_maps(random_stats):
    """Each resample recomputed row by row from the maps of the drawn inputs."""
    inputs, stats = random_stats
    samples, seed, v, l_ = 40, 2, 2, 1
    summary = summarise(stats, samples=samples, seed=seed)
    picks = np.random.default_rng(seed).integers(0, len(inputs), size=(samples, len(inputs)))
    boots_e, boots_s = [], []
    for row in picks:
        drawn = [inputs[i] for i in row]
        mass, uniform, _ = direct_sums(drawn, False, lambda m: m[v, l_])
        layer_mass, _, _ = direct_sums(drawn, False, lambda m: m[v, l_].mean(axis=0, keepdims=True))
        with np.errstate(invalid="ignore", divide="ignore"):
            boots_e.append(mass / uniform)
            boots_s.append(mass / layer_mass[0])
    lo_e, hi_e = np.nanpercentile(boots_e, [2.5, 97.5], axis=0)
    lo_s, hi_s = np.nanpercentile(boots_s, [2.5, 97.5], axis=0)
    np.testing.assert_allclose(summary.enrichment_lo[v, l_], lo_e, rtol=1e-9)
    np.testing.assert_allclose(summary.enrichment_hi[v, l_], hi_e, rtol=1e-9)
    np.testing.assert_allclose(summary.specificity_lo[v, l_], lo_s, rtol=1e-9)
    np.testing.assert_allclose(summary.specificity_hi[v, l_], hi_s, rtol=1e-9)


def test_resamples_are_those_of_the_js_bootstrap():
    rng = np.random.default_rng(4)
    sums, counts = rng.random((9, 5)), rng.integers(3, 9, size=9).astype(float)
    lo, hi = bootstrap_pooled_mean(sums, counts, samples=200, seed=8)
    boots = np.concatenate([(w @ sums) / (w @ counts)[:, None] for w in resample_weights(9, 200, 8)])
    np.testing.assert_allclose(np.percentile(boots, [2.5, 97.5], axis=0), [lo, hi], rtol=1e-12)


def test_spearman_across_heads(random_stats):
    _, stats = random_stats
    summary = summarise(stats, samples=200, seed=0)
    assert summary.spearman_views == ("local", "global")
    assert summary.spearman.shape == (2, 2, len(CLASSES))
    att, glob = summary.mass[0], summary.mass[2]  # (L, H, C)
    for layer in range(2):
        for c in range(len(CLASSES)):
            expected = spearmanr(att[layer, :, c], glob[layer, :, c]).statistic
            assert summary.spearman[1, layer, c] == pytest.approx(expected, abs=1e-12, nan_ok=True)
            assert summary.spearman_lo[1, layer, c] <= summary.spearman_hi[1, layer, c]


def test_a_class_no_input_has_is_undefined_everywhere():
    rng = np.random.default_rng(1)
    tokens = ["[CLS]", "a", "b", "[SEP]"]
    stats = concatenate_statistics([stats_of(random_maps(rng, 4, views=2), tokens, False, ("attention", "global"))
                                    for _ in range(5)])
    summary = summarise(stats, samples=50, seed=0)
    punct = CLASSES.index("punct")
    for array in (summary.mass, summary.enrichment, summary.enrichment_lo, summary.specificity_hi,
                  summary.spearman):
        assert np.isnan(array[..., punct]).all()
    assert summary.rows[punct] == 0


def test_a_rare_class_gets_an_interval_from_the_resamples_that_have_it():
    rng = np.random.default_rng(9)
    tokens = [["[CLS]", "a", ".", "c", "[SEP]"]] + [["[CLS]", "a", "b", "c", "[SEP]"]] * 7  # one in eight has "."
    stats = concatenate_statistics([stats_of(random_maps(rng, 5, views=2), t, False, ("attention", "global"))
                                    for t in tokens])
    summary = summarise(stats, samples=200, seed=0)
    period = CLASSES.index("period")
    assert np.isfinite(summary.enrichment[..., period]).all()
    assert np.isfinite(summary.enrichment_lo[..., period]).all()
    assert (summary.enrichment_lo[..., period] <= summary.enrichment_hi[..., period]).all()
