"""§3 metrics against hand-computed values on small explicit rows."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import spearmanr

from bertstory.findings.divergence import (
    js_divergence,
    normalise_rows,
    normalised_entropy,
    pairwise_js_sum,
    spearman_from_ranks,
    standardised_ranks,
    top1_agreement,
    total_variation,
)


def spearman(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Spearman correlation of each pair of rows, as the findings compute it."""
    return spearman_from_ranks(standardised_ranks(p), standardised_ranks(q))


def test_identical_rows_have_js_0_tv_0_spearman_1_top1_1():
    p = np.array([0.1, 0.2, 0.3, 0.4])
    assert js_divergence(p, p) == 0.0
    assert total_variation(p, p) == 0.0
    assert spearman(p, p) == pytest.approx(1.0, abs=1e-12)
    assert top1_agreement(p, p) == 1.0


def test_disjoint_one_hot_rows_have_js_1_tv_1():
    p = np.array([1.0, 0.0, 0.0])
    q = np.array([0.0, 0.0, 1.0])
    assert js_divergence(p, q) == pytest.approx(1.0, abs=1e-12)
    assert total_variation(p, q) == pytest.approx(1.0, abs=1e-12)
    assert top1_agreement(p, q) == 0.0


def test_js_and_tv_on_a_hand_computed_pair():
    # p = one-hot, q = uniform over 2: m = (3/4, 1/4); JS = H(m) - ½H(p) - ½H(q) = H(m) - ½.
    p, q = np.array([1.0, 0.0]), np.array([0.5, 0.5])
    h_m = -(0.75 * math.log2(0.75) + 0.25 * math.log2(0.25))
    assert js_divergence(p, q) == pytest.approx(h_m - 0.5, abs=1e-12)  # 0.311278…
    assert js_divergence(p, q) == pytest.approx(0.3112781244591328, abs=1e-12)
    assert total_variation(p, q) == pytest.approx(0.5, abs=1e-12)
    # symmetric
    assert js_divergence(q, p) == pytest.approx(js_divergence(p, q), abs=1e-15)


def test_js_matches_scipy_on_random_rows():
    rng = np.random.default_rng(0)
    p = normalise_rows(rng.random((5, 7)))
    q = normalise_rows(rng.random((5, 7)))
    expected = [jensenshannon(a, b, base=2) ** 2 for a, b in zip(p, q)]
    np.testing.assert_allclose(js_divergence(p, q), expected, atol=1e-12)


def test_spearman_hand_values_ties_and_constant_rows():
    assert spearman(np.array([0.1, 0.2, 0.7]), np.array([0.7, 0.2, 0.1])) == pytest.approx(-1.0)
    assert spearman(np.array([0.1, 0.2, 0.7]), np.array([0.2, 0.3, 0.5])) == pytest.approx(1.0)
    # ranks (1, 2, 3) vs (1.5, 1.5, 3): by hand ρ = Σ d_x d_y / sqrt(Σ d_x² Σ d_y²)
    #   d_x = (-1, 0, 1), d_y = (-0.5, -0.5, 1) → 1.5 / sqrt(2 · 1.5) = 0.8660254
    p, q = np.array([0.1, 0.2, 0.7]), np.array([0.0, 0.0, 1.0])
    assert spearman(p, q) == pytest.approx(math.sqrt(3) / 2, abs=1e-12)
    assert spearman(p, q) == pytest.approx(spearmanr(p, q).statistic, abs=1e-12)
    # a uniform (constant) row has no ranking: undefined
    assert np.isnan(spearman(np.array([0.25] * 4), np.array([0.1, 0.2, 0.3, 0.4])))


def test_top1_ties_go_to_the_first_maximum():
    assert top1_agreement(np.array([0.5, 0.5]), np.array([0.6, 0.4])) == 1.0
    assert top1_agreement(np.array([0.5, 0.5]), np.array([0.4, 0.6])) == 0.0


def test_normalised_entropy_uniform_one_hot_and_single_token():
    assert normalised_entropy(np.full(5, 0.2)) == pytest.approx(1.0, abs=1e-12)
    assert normalised_entropy(np.array([0.0, 1.0, 0.0])) == 0.0
    assert np.isnan(normalised_entropy(np.array([1.0])))  # one key: nothing to spread over, left out
    # H(½, ¼, ¼) = 1.5 bits; / log2(3)
    assert normalised_entropy(np.array([0.5, 0.25, 0.25])) == pytest.approx(1.5 / math.log2(3), abs=1e-12)


def test_normalised_entropy_under_a_causal_mask_divides_by_the_visible_keys():
    rows = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.5, 0.25, 0.25]])
    # row 0 sees one key (left out), row 1 two keys (1 bit of log2 2 = 1), row 2 three keys
    result = normalised_entropy(rows, causal=True)
    assert np.isnan(result[0])
    assert result[1:] == pytest.approx([1.0, 1.5 / math.log2(3)], abs=1e-12)


def test_metrics_are_vectorised_over_leading_axes():
    rng = np.random.default_rng(1)
    p = normalise_rows(rng.random((2, 3, 4, 4)))
    q = normalise_rows(rng.random((2, 3, 4, 4)))
    for fn in (js_divergence, total_variation, spearman, top1_agreement):
        out = fn(p, q)
        assert out.shape == (2, 3, 4)
        assert out[1, 2, 3] == pytest.approx(fn(p[1, 2, 3], q[1, 2, 3]), abs=1e-12)


def test_pairwise_js_sum_equals_a_loop_over_pairs():
    rng = np.random.default_rng(2)
    p = normalise_rows(rng.random((5, 4, 6)) ** 3)
    p[0, 1] = [1, 0, 0, 0, 0, 0]  # zeros must be handled (0 log 0 = 0)
    out = pairwise_js_sum(p)
    for a in range(5):
        for b in range(5):
            expected = sum(jensenshannon(p[a, r], p[b, r], base=2) ** 2 for r in range(4))
            assert out[a, b] == pytest.approx(expected, abs=1e-12)
    assert np.all(np.diag(out) == 0.0)


def causal_rows(rng: np.random.Generator, n: int, leading: tuple[int, ...] = ()) -> np.ndarray:
    """Row-stochastic ``(*leading, n, n)`` maps with zeros above the diagonal, as a decoder's,
    with ties among the visible keys (values drawn from a few levels)."""
    x = rng.integers(1, 4, size=(*leading, n, n)).astype(float) * np.tril(np.ones((n, n)))
    return x / x.sum(-1, keepdims=True)


def test_causal_spearman_ranks_only_the_visible_keys_as_scipy_does():
    rng = np.random.default_rng(3)
    n = 7
    p, q = causal_rows(rng, n, (2, 3)), causal_rows(rng, n, (2, 3))
    rho = spearman_from_ranks(standardised_ranks(p, causal=True), standardised_ranks(q, causal=True))
    assert rho.shape == (2, 3, n)
    for index in np.ndindex(2, 3):
        assert np.isnan(rho[index][0])  # the first row sees one key: undefined
        for j in range(1, n):
            a, b = p[index][j, : j + 1], q[index][j, : j + 1]
            expected = spearmanr(a, b).statistic if a.std() > 0 and b.std() > 0 else np.nan
            np.testing.assert_allclose(rho[index][j], expected, atol=1e-12, err_msg=f"{index} row {j}")
    # the zeros after the query would otherwise tie and count as agreement
    unmasked = spearman_from_ranks(standardised_ranks(p), standardised_ranks(q))
    assert not np.allclose(unmasked[..., 1:-1], rho[..., 1:-1])


def test_causal_js_tv_top1_and_entropy_equal_their_values_on_the_visible_keys():
    rng = np.random.default_rng(4)
    n = 6
    p, q = causal_rows(rng, n, (3,)), causal_rows(rng, n, (3,))
    js, tv, top1 = js_divergence(p, q), total_variation(p, q), top1_agreement(p, q)
    entropy = normalised_entropy(p, causal=True)
    for h in range(3):
        for j in range(n):
            a, b = p[h, j, : j + 1], q[h, j, : j + 1]
            assert js[h, j] == pytest.approx(jensenshannon(a, b, base=2) ** 2, abs=1e-12)
            assert tv[h, j] == pytest.approx(0.5 * np.abs(a - b).sum(), abs=1e-12)
            assert top1[h, j] == float(np.argmax(a) == np.argmax(b))
            if j == 0:
                assert np.isnan(entropy[h, j])
            else:
                assert entropy[h, j] == pytest.approx(-(a * np.log(a)).sum() / math.log(j + 1), abs=1e-12)
