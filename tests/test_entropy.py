"""Tests of topo_helpers.entropy (SED/MBC distributions, filter entropy, category distance)."""

import numpy as np
import pytest

from topo_helpers import entropy as ent


def test_entropy_bounds_and_base():
    assert ent.entropy(np.array([1.0, 0.0, 0.0])) == pytest.approx(0.0)
    assert ent.entropy(np.full(8, 1 / 8), base=2) == pytest.approx(3.0)
    assert ent.entropy(np.full(8, 1 / 8)) == pytest.approx(np.log(8))


def test_class_distributions_and_filter_entropy():
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    sed = np.array([[5, 3], [5, 4], [5, 5], [5, 6], [2, 7], [3, 7], [2, 7], [3, 7]])
    P, sup = ent.class_distributions(sed, labels)
    assert P.shape == (2, 2, len(sup))
    np.testing.assert_allclose(P.sum(-1), 1.0)
    H = ent.filter_entropy(sed, labels, base=2)
    np.testing.assert_allclose(H, [[0.0, 1.0], [2.0, 0.0]])
    with pytest.raises(ValueError):
        ent.class_distributions(np.array([1, 2, 3]), np.array([0, 1, 1]), support=[1, 2])


def test_decrease_sign_effective_set_and_metric():
    H0 = np.array([[3.0, 2.0], [2.0, 2.0]])
    HT = np.array([[2.5, 2.5], [2.0, 1.0]])
    dH = ent.entropy_decrease(H0, HT)
    np.testing.assert_allclose(dH, [[0.5, -0.5], [0.0, 1.0]])
    np.testing.assert_array_equal(ent.effective_set(dH), [[True, False], [False, True]])
    np.testing.assert_allclose(ent.assessment_metric(dH), [0.5, 1.0])


def test_js_divergence_bounds_and_symmetry():
    P = np.array([1.0, 0.0])
    Q = np.array([0.0, 1.0])
    assert ent.js_divergence(P, Q, base=2) == pytest.approx(1.0)
    assert ent.js_divergence(P, Q, base=np.e) == pytest.approx(np.log(2))
    R = np.array([0.3, 0.7])
    assert ent.js_divergence(P, R) == pytest.approx(ent.js_divergence(R, P))
    assert ent.js_divergence(R, R) == pytest.approx(0.0)


def test_cd_matrix_and_dd():
    P = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.5, 0.5]])
    C = ent.cd_matrix(P)
    np.testing.assert_allclose(C, C.T)
    np.testing.assert_allclose(np.diag(C), 0.0)
    assert C[0, 1] == pytest.approx(1.0)
    dd = ent.distinguishable_degree(C)
    assert np.argmax(dd) == 0


def test_sed_counts_shift_scale_invariant_and_never():
    rng = np.random.default_rng(0)
    maps = rng.standard_normal((5, 12, 12))
    s = ent.sed_counts(maps)
    assert s.shape == (5,) and s.dtype == np.int64 and np.all(s >= 3)
    np.testing.assert_array_equal(ent.sed_counts(3.0 * maps + 7.0), s)
    assert ent.sed_counts(np.zeros((1, 6, 6)))[0] == ent.NEVER


def test_mbc_values_line_vs_random():
    # a constant image has every entry tied: one group, beta_1 = 0
    assert ent.mbc_values(np.zeros((1, 10, 10)))[0] == 0
    rng = np.random.default_rng(1)
    m = ent.mbc_values(rng.integers(0, 256, (3, 16, 16)).astype(np.uint8))
    assert np.all(m > 0)


def test_rank_correlation():
    r, p = ent.rank_correlation([1, 2, 3, 4, 5], [2, 4, 6, 8, 10])
    assert r == pytest.approx(1.0)
