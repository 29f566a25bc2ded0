"""Tests of topo_helpers.filters: DCT coordinates, normalisation, idealised models, patch sampling."""

from __future__ import annotations

import numpy as np
import pytest

from topo_helpers import filters as F


def test_dct_basis_is_orthogonal_eigenbasis_of_laplacian():
    A = F.dct_basis()
    D = F.laplacian_3x3()
    # mutually orthogonal, mean zero, D-norm one, eigenvectors of D
    G = A.T @ A
    assert np.allclose(G, np.diag(np.diag(G)))
    assert np.allclose(A.sum(axis=0), 0)
    assert np.allclose(np.einsum("ik,ij,jk->k", A, D, A), 1.0)
    for k in range(8):
        Dv = D @ A[:, k]
        lam = (A[:, k] @ Dv) / (A[:, k] @ A[:, k])
        assert np.allclose(Dv, lam * A[:, k])


def test_dct_coordinates_preserve_d_norm_and_invert():
    rng = np.random.default_rng(0)
    P = rng.normal(size=(50, 9))
    V = F.patches_to_dct(P, normalise=False)
    assert np.allclose(np.linalg.norm(V, axis=1), F.d_norm(P - P.mean(axis=1, keepdims=True)))
    back = F.dct_to_patches(V).reshape(50, 9)
    assert np.allclose(back, P - P.mean(axis=1, keepdims=True))
    Vn = F.patches_to_dct(P)
    assert np.allclose(np.linalg.norm(Vn, axis=1), 1.0)


def test_dct_invariant_to_brightness_and_contrast():
    rng = np.random.default_rng(1)
    P = rng.random((10, 9))
    assert np.allclose(F.patches_to_dct(P), F.patches_to_dct(3.0 * P + 7.0))


def test_primary_circle_lies_in_gradient_plane():
    V = F.patches_to_dct(F.primary_circle_patches(16))
    assert np.allclose(V[:, 2:], 0, atol=1e-12)
    assert np.allclose(np.hypot(V[:, 0], V[:, 1]), 1.0)
    # the angle turns once around the circle
    ang = np.unwrap(np.arctan2(V[:, 1], V[:, 0]))
    assert abs(abs(ang[-1] - ang[0]) - 2 * np.pi * 15 / 16) < 1e-9


def test_secondary_circles_use_one_axis():
    Vx = F.patches_to_dct(F.secondary_circle_patches(12, "x"))
    Vy = F.patches_to_dct(F.secondary_circle_patches(12, "y"))
    assert np.allclose(Vx[:, [1, 3, 4, 5, 6, 7]], 0, atol=1e-12)
    assert np.allclose(Vy[:, [0, 2, 4, 5, 6, 7]], 0, atol=1e-12)
    with pytest.raises(ValueError, match="axis"):
        F.secondary_circle_patches(4, "z")


def test_klein_bottle_contains_primary_and_secondary_circles_and_is_normalised():
    K = F.klein_bottle_patches(8, 8)
    assert K.shape == (64, 9)
    assert np.allclose(K.sum(axis=1), 0)
    assert np.allclose(np.linalg.norm(K, axis=1), 1)
    # phi = 0 column is the primary circle (gradients at theta in [0, pi))
    V = F.patches_to_dct(K.reshape(8, 8, 9)[:, 0])
    assert np.allclose(V[:, 2:], 0, atol=1e-12)
    # theta = 0 row depends on x only: a secondary circle
    Vx = F.patches_to_dct(K.reshape(8, 8, 9)[0])
    assert np.allclose(Vx[:, [1, 3, 4, 5, 6, 7]], 0, atol=1e-12)
    # the twisted identification (theta + pi, phi) ~ (theta, pi - phi)
    th, ph = 0.3, 1.1

    def s(t):
        return np.cos(t) * F._GRID_X + np.sin(t) * F._GRID_Y

    def f(t, p):
        return np.sin(p) * s(t) ** 2 + np.cos(p) * s(t)

    assert np.allclose(f(th + np.pi, ph), f(th, np.pi - ph))


def test_normalise_points_drops_zero_norm_and_centres():
    X = np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0], [0.0, 0.0, 1.0]])
    P, keep = F.normalise_points(X)
    assert keep.tolist() == [True, False, True]
    assert np.allclose(P.sum(axis=1), 0)
    assert np.allclose(np.linalg.norm(P, axis=1), 1)
    with pytest.raises(ValueError, match="NaN"):
        F.normalise_points(np.array([[np.nan, 1.0, 2.0]]))


def test_spatial_filters_point_per_channel_pair():
    rng = np.random.default_rng(2)
    W = rng.normal(size=(5, 64, 32, 3, 3))  # 5 networks, conv2 of M(64,32,64)
    X = F.spatial_filters(W)
    assert X.shape == (5 * 64 * 32, 9)
    assert np.allclose(np.linalg.norm(X, axis=1), 1)
    # the point of network 1, output 3, input 7 is that kernel, normalised
    k = W[1, 3, 7].reshape(9)
    k = (k - k.mean()) / np.linalg.norm(k - k.mean())
    assert np.allclose(X[1 * 64 * 32 + 3 * 32 + 7], k)
    torch = pytest.importorskip("torch")
    assert np.allclose(F.spatial_filters(torch.tensor(W[0])), X[: 64 * 32])
    with pytest.raises(ValueError, match="shape"):
        F.spatial_filters(np.zeros((3, 3)))


def test_sample_patches_and_high_contrast_pipeline():
    # an image that is a pure horizontal ramp: every patch is a gradient along x
    img = np.tile(np.linspace(0, 1, 40), (30, 1))
    P = F.sample_patches([img, img], 100, seed=0)
    assert P.shape == (200, 9)
    again = F.sample_patches([img, img], 100, seed=0)
    assert np.array_equal(P, again)
    V = F.high_contrast_dct(P, top=0.5, log_intensity=False)
    assert V.shape == (100, 8)
    assert np.allclose(np.abs(V[:, 0]), 1.0, atol=1e-9)  # pure horizontal gradient
    with pytest.raises(ValueError, match="top"):
        F.high_contrast_dct(P, top=0)
    with pytest.raises(ValueError, match="2-D"):
        F.sample_patches([np.zeros((2, 2))], 1)


def test_patch_shape_errors():
    with pytest.raises(ValueError, match=r"\(n, 9\)"):
        F.patches_to_dct(np.zeros((4, 8)))
    with pytest.raises(ValueError, match="zero contrast"):
        F.patches_to_dct(np.ones((2, 9)))
    with pytest.raises(ValueError, match=r"\(n, 8\)"):
        F.dct_to_patches(np.zeros((3, 9)))


def test_zero_norm_count_counts_the_filters_spatial_filters_drops():
    W = np.random.default_rng(0).normal(size=(2, 3, 4, 3, 3))
    W[0, 1, 2] = 0.0            # a dead filter
    W[1, 0, 0] = 0.7            # a constant filter: zero after mean-centring
    assert F.zero_norm_count(W) == 2
    assert len(F.spatial_filters(W)) == 2 * 3 * 4 - 2
    assert F.zero_norm_count(W[0]) == 1
    with pytest.raises(ValueError):
        F.zero_norm_count(np.zeros((3, 3)))
