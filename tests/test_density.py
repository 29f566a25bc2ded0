"""Tests for topo_helpers.density: the k-NN density filtration rho(k, p) (001 §IV)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from topo_helpers.density import density_filter, knn_distance, n_kept


def brute_knn(X: np.ndarray, k: int) -> np.ndarray:
    D = cdist(X, X)
    np.fill_diagonal(D, np.inf)  # the point itself does not count, duplicates do
    return np.sort(D, axis=1)[:, k - 1]


# ---------------------------------------------------------------------------
# knn_distance
# ---------------------------------------------------------------------------


def test_knn_distance_known_answer_on_a_line():
    X = np.array([[0.0], [1.0], [3.0], [6.0]])
    np.testing.assert_array_equal(knn_distance(X, 1), [1.0, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(knn_distance(X, 2), [3.0, 2.0, 3.0, 5.0])
    np.testing.assert_array_equal(knn_distance(X, 3), [6.0, 5.0, 3.0, 6.0])


@pytest.mark.parametrize("k", [1, 2, 7, 49])
def test_knn_distance_matches_brute_force(k):
    X = np.random.default_rng(k).normal(size=(50, 4))
    np.testing.assert_allclose(knn_distance(X, k), brute_knn(X, k), rtol=0, atol=1e-12)


def test_knn_distance_on_mean_centred_normalised_points():
    # the papers' points: mean-centred and normalised 3x3 filters lie on S^7 in a
    # hyperplane of R^9 (the tree works in the 8 intrinsic coordinates)
    X = np.random.default_rng(0).normal(size=(400, 9))
    X -= X.mean(axis=1, keepdims=True)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    for k in (1, 10, 200):
        np.testing.assert_allclose(knn_distance(X, k), brute_knn(X, k), rtol=0, atol=1e-9)


def test_duplicates_count_as_neighbours_at_distance_zero():
    X = np.array([[0.0, 0.0], [0.0, 0.0], [5.0, 0.0], [0.0, 0.0], [9.0, 9.0]])
    r1 = knn_distance(X, 1)
    r2 = knn_distance(X, 2)
    r3 = knn_distance(X, 3)
    assert r1[0] == r1[1] == r1[3] == 0.0
    assert r2[0] == r2[1] == r2[3] == 0.0  # two other copies each
    assert r3[0] == r3[1] == r3[3] == 5.0  # then the point at (5, 0)
    assert r1[2] == 5.0


def test_knn_distance_accepts_lists_and_ints():
    np.testing.assert_array_equal(knn_distance([[0], [2], [3]], 1), [2.0, 1.0, 1.0])


def test_knn_distance_in_several_query_blocks(monkeypatch):
    from topo_helpers import density

    monkeypatch.setattr(density, "_QUERY_BLOCK", 1000)  # 1000 // (k + 1) points per block
    X = np.random.default_rng(3).normal(size=(601, 3))
    for k in (1, 30, 590):
        np.testing.assert_allclose(knn_distance(X, k), brute_knn(X, k), atol=1e-12)


# ---------------------------------------------------------------------------
# density_filter
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n, p, expected",
    [(6400, 0.3, 1920), (100, 0.29, 29), (100, 1.0, 100), (10, 0.05, 0), (204800, 0.1, 20480), (7, 0.5, 3)],
)
def test_n_kept_is_floor_of_p_times_n(n, p, expected):
    assert n_kept(n, p) == expected


def test_density_filter_keeps_floor_p_n_points():
    X = np.random.default_rng(0).normal(size=(1000, 5))
    for p, m in [(0.3, 300), (0.123, 123), (1.0, 1000), (0.0015, 1)]:
        Y, idx = density_filter(X, k=5, p=p, return_index=True)
        assert Y.shape == (m, 5)
        assert idx.shape == (m,)
        assert np.unique(idx).size == m
        np.testing.assert_array_equal(Y, X[idx])


def test_density_filter_keeps_the_blob_not_the_sparse_noise():
    rng = np.random.default_rng(1)
    blob = rng.normal(0.0, 0.05, size=(500, 3))
    noise = rng.uniform(-5.0, 5.0, size=(500, 3))
    X = np.vstack([noise, blob])  # blob = indices 500..999
    _, idx = density_filter(X, k=10, p=0.5, return_index=True)
    assert set(idx.tolist()) == set(range(500, 1000))
    # a smaller p keeps the blob's core: points nearer the centre than average
    _, core = density_filter(X, k=10, p=0.1, return_index=True)
    assert core.min() >= 500
    radii = np.linalg.norm(X, axis=1)
    assert np.median(radii[core]) < np.median(radii[500:])


def test_density_filter_returns_densest_first_and_is_stable_on_ties():
    X = np.random.default_rng(2).normal(size=(300, 2))
    _, idx = density_filter(X, k=4, p=0.5, return_index=True)
    r = knn_distance(X, 4)
    assert np.all(np.diff(r[idx]) >= 0)
    assert r[idx].max() <= np.sort(r)[149]
    # equally spaced points on a line: all 1-NN distances are exactly 1 -> ties
    # are broken by the original order
    L = np.arange(10.0)[:, None]
    _, tie = density_filter(L, k=1, p=0.5, return_index=True)
    np.testing.assert_array_equal(tie, [0, 1, 2, 3, 4])


def test_density_filter_default_returns_only_points_and_is_deterministic():
    X = np.random.default_rng(5).normal(size=(200, 3))
    Y1 = density_filter(X, 3, 0.4)
    Y2 = density_filter(X, 3, 0.4)
    assert isinstance(Y1, np.ndarray)
    np.testing.assert_array_equal(Y1, Y2)


def test_density_filter_papers_size_first_layer():
    # rho(200, 0.3) of 6,400 normalised 9-D points gives 1,920 points (001 §V-A)
    X = np.random.default_rng(0).normal(size=(6400, 9))
    X -= X.mean(axis=1, keepdims=True)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    Y = density_filter(X, k=200, p=0.3)
    assert Y.shape == (1920, 9)


# ---------------------------------------------------------------------------
# error paths
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "X, match",
    [
        (np.array([[0.0, 1.0], [np.nan, 0.0], [1.0, 1.0]]), "NaN or infinite"),
        (np.array([[0.0, 1.0], [np.inf, 0.0], [1.0, 1.0]]), "NaN or infinite"),
        (np.arange(5.0), "2-D array"),
        (np.zeros((2, 3, 4)), "2-D array"),
        (np.zeros((0, 3)), "empty"),
        (np.array([["a", "b"], ["c", "d"]]), "numeric"),
    ],
)
def test_bad_points_raise(X, match):
    with pytest.raises(ValueError, match=match):
        knn_distance(X, 1)
    with pytest.raises(ValueError, match=match):
        density_filter(X, 1, 0.5)


@pytest.mark.parametrize("k", [0, -1, 10, 11, 1.5, True, "3"])
def test_bad_k_raises(k):
    X = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(ValueError, match="k"):
        knn_distance(X, k)
    with pytest.raises(ValueError, match="k"):
        density_filter(X, k, 0.5)


def test_k_equal_to_n_minus_one_is_allowed_and_k_n_message_says_what_to_do():
    X = np.random.default_rng(0).normal(size=(10, 2))
    np.testing.assert_allclose(knn_distance(X, 9), brute_knn(X, 9))
    with pytest.raises(ValueError, match=r"N - 1 = 9"):
        knn_distance(X, 10)


@pytest.mark.parametrize("p", [0.0, -0.1, 1.01, 2, float("nan"), None, "0.3"])
def test_bad_p_raises(p):
    X = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(ValueError, match="p"):
        density_filter(X, 2, p)


def test_p_too_small_to_keep_a_point_raises():
    X = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(ValueError, match="keeps floor"):
        density_filter(X, 2, 0.05)


def test_single_point_cannot_be_filtered():
    with pytest.raises(ValueError, match="k"):
        density_filter(np.zeros((1, 3)), 1, 1.0)
