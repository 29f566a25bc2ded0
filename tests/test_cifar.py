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


