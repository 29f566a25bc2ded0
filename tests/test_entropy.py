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


def test_sed_counts_shift_scale_invariant_and_never():
    rng = np.random.default_rng(0)
    maps = rng.standard_normal((5, 12, 12))
    s = ent.sed_counts(maps)
    assert s.shape == (5,) and s.dtype == np.int64 and np.all(s >= 3)
    np.testing.assert_array_equal(ent.sed_counts(3.0 * maps + 7.0), s)
    assert ent.sed_counts(np.zeros((1, 6, 6)))[0] == ent.NEVER


def test_rank_correlation():
    r, p = ent.rank_correlation([1, 2, 3, 4, 5], [2, 4, 6, 8, 10])
    assert r == pytest.approx(1.0)


def test_category_names_still_resolve_from_entropy():
    from topo_helpers import category

    for name in ("mbc_values", "js_divergence", "cd_matrix", "distinguishable_degree"):
        assert getattr(ent, name) is getattr(category, name)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ent.nope  # noqa: B018
