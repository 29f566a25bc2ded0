import numpy as np
import pytest

from topo_helpers import category as cat


def test_js_divergence_bounds_and_symmetry():
    P = np.array([1.0, 0.0])
    Q = np.array([0.0, 1.0])
    assert cat.js_divergence(P, Q, base=2) == pytest.approx(1.0)
    assert cat.js_divergence(P, Q, base=np.e) == pytest.approx(np.log(2))
    R = np.array([0.3, 0.7])
    assert cat.js_divergence(P, R) == pytest.approx(cat.js_divergence(R, P))
    assert cat.js_divergence(R, R) == pytest.approx(0.0)


def test_cd_matrix_and_dd():
    P = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.5, 0.5]])
    C = cat.cd_matrix(P)
    np.testing.assert_allclose(C, C.T)
    np.testing.assert_allclose(np.diag(C), 0.0)
    assert C[0, 1] == pytest.approx(1.0)
    dd = cat.distinguishable_degree(C)
    assert np.argmax(dd) == 0


def test_mbc_values_line_vs_random():
    # a constant image has every entry tied: one group, beta_1 = 0
    assert cat.mbc_values(np.zeros((1, 10, 10)))[0] == 0
    rng = np.random.default_rng(1)
    m = cat.mbc_values(rng.integers(0, 256, (3, 16, 16)).astype(np.uint8))
    assert np.all(m > 0)
