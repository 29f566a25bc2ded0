"""Tests of topo_helpers.cifar: the paper's greyscale weights, balanced subsets, per-channel filters, configs."""

from __future__ import annotations

import numpy as np
import pytest

from topo_helpers import cifar


def test_greyscale_weights_and_stratified_subset():
    img = np.zeros((2, 4, 4, 3), dtype=np.uint8)
    img[..., 0], img[..., 1], img[..., 2] = 100, 200, 50
    g = cifar.to_greyscale(img)
    assert g.shape == (2, 4, 4) and g.dtype == np.float32
    assert np.allclose(g, 0.2989 * 100 + 0.5870 * 200 + 0.1140 * 50)
    labels = np.repeat(np.arange(3), 10)
    idx = cifar.stratified_subset(labels, 4, seed=1)
    assert np.array_equal(np.bincount(labels[idx]), [4, 4, 4])
    with pytest.raises(ValueError):
        cifar.stratified_subset(labels, 11)


def test_channel_filters_and_config():
    W = np.random.default_rng(0).standard_normal((2, 5, 3, 3, 3))
    R = cifar.channel_filters(W, 0)
    assert R.shape == (10, 9) and np.allclose(np.linalg.norm(R, axis=1), 1)
    assert np.allclose(cifar.channel_filters(W, 2, normalise=False), W[:, :, 2].reshape(-1, 9))
    cfg = cifar.cifar_config(48, 0, 64, colour=True, pool1=False, n_networks=2, iterations=10)
    assert cfg.dataset == "cifar10-colour-jpeg" and cfg.arch_kwargs == {"X": 48, "Y": 0, "Z": 64, "colour": True, "pool1": False}




def test_scaled_resolution():
    assert cifar.scaled_resolution(30, 5000, 1613) == 30
    assert cifar.scaled_resolution(30, 54, 1613) == 5  # 30 * sqrt(54 / 1613) = 5.49 -> 5
    assert cifar.scaled_resolution(30, 4, 10000, minimum=3) == 3
    with pytest.raises(ValueError):
        cifar.scaled_resolution(0, 10, 10)


def test_circle_model_fit_on_idealised_circles():
    from topo_helpers import filters

    P = filters.primary_circle_patches(64)
    Sx = filters.secondary_circle_patches(64, "x")
    Sy = filters.secondary_circle_patches(64, "y")
    f = cifar.circle_model_fit(P)
    assert f["frac"]["primary"] == 1.0 and f["coverage"]["primary"] == 1.0 and f["line_frac"] == 0.0
    g = cifar.circle_model_fit(np.vstack([P, Sx, Sy]))
    # the secondary circles share their gradient points with the primary circle: those go to "primary"
    assert g["frac"]["secondary x"] > 0.2 and g["frac"]["secondary y"] > 0.2 and g["frac"]["off"] == 0.0
    assert g["coverage"]["secondary x"] == 1.0 and g["coverage"]["secondary y"] == 1.0
    assert 0.3 < g["line_frac"] < 0.4  # half of each secondary circle is its line half: 64 of 192
    rnd = np.random.default_rng(0).standard_normal((500, 9))
    rnd -= rnd.mean(1, keepdims=True)
    rnd /= np.linalg.norm(rnd, axis=1, keepdims=True)
    assert cifar.circle_model_fit(rnd)["frac"]["off"] > 0.8
    with pytest.raises(ValueError):
        cifar.circle_model_fit(np.zeros((3, 8)))


def test_channel_cosines():
    rng = np.random.default_rng(0)
    base = rng.standard_normal((2, 4, 1, 3, 3))
    W = np.concatenate([base, 2 * base + 5, -base], axis=2)  # G = scaled + offset R, B = -R
    c = cifar.channel_cosines(W)
    assert c.shape == (8, 3)
    assert np.allclose(c[:, 0], 1) and np.allclose(c[:, 1], -1) and np.allclose(c[:, 2], -1)
    W[0, 0, 1] = 7.0  # a constant G filter: NaN where G is involved
    c = cifar.channel_cosines(W)
    assert np.isnan(c[0, 0]) and np.isnan(c[0, 2]) and np.isfinite(c[0, 1])
    with pytest.raises(ValueError):
        cifar.channel_cosines(np.zeros((4, 1, 3, 3)))


def test_circle_model_sample():
    P = cifar.circle_model_sample(300, "three", noise=0.0, seed=1)
    assert P.shape == (300, 9) and np.allclose(np.linalg.norm(P, axis=1), 1) and np.allclose(P.sum(1), 0)
    f = cifar.circle_model_fit(P)
    assert f["frac"]["off"] == 0.0 and f["frac"]["secondary x"] > 0.15 and f["frac"]["secondary y"] > 0.15
    one = cifar.circle_model_fit(cifar.circle_model_sample(101, "primary", noise=0.05))
    assert one["frac"]["primary"] > 0.95
    two = cifar.circle_model_fit(cifar.circle_model_sample(200, "two", noise=0.0))
    assert two["frac"]["secondary y"] == 0.0 and two["frac"]["secondary x"] > 0.25
    with pytest.raises(ValueError):
        cifar.circle_model_sample(10, "four")


def test_diluted_model_sample_has_the_asked_share_on_the_circle():
    P = cifar.diluted_model_sample(400, 0.25, "primary", noise=0.0, seed=3)
    assert P.shape == (400, 9)
    np.testing.assert_allclose(np.linalg.norm(P, axis=1), 1.0)
    np.testing.assert_allclose(P.mean(axis=1), 0.0, atol=1e-12)
    fit = cifar.circle_model_fit(P)
    # 100 points lie on the circle; random unit filters are almost never within 0.5 of it
    assert 0.24 <= fit["frac"]["primary"] <= 0.30
    assert cifar.circle_model_fit(cifar.diluted_model_sample(400, 1.0, noise=0.0))["frac"]["primary"] == 1.0
    assert cifar.circle_model_fit(cifar.diluted_model_sample(400, 0.0))["frac"]["primary"] < 0.06
    np.testing.assert_array_equal(cifar.diluted_model_sample(50, 0.5, seed=7), cifar.diluted_model_sample(50, 0.5, seed=7))


def test_diluted_model_sample_rejects_bad_input():
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="fraction"):
            cifar.diluted_model_sample(10, bad)
    with pytest.raises(ValueError, match="positive"):
        cifar.diluted_model_sample(0, 0.5)
