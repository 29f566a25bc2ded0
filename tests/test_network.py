"""Tests of topo_helpers.network: the whole analysis of any network's convolutional layer."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from topo_helpers import filters, network


def _conv(weights: np.ndarray) -> torch.nn.Conv2d:
    out, inp, h, w = weights.shape
    conv = torch.nn.Conv2d(inp, out, (h, w), bias=False)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor(weights, dtype=torch.float32))
    return conv


def test_gradient_patches_are_the_primary_circle_for_3x3_and_unit_norm_for_any_size():
    np.testing.assert_allclose(network.gradient_patches(3, 16), filters.primary_circle_patches(16), atol=1e-12)
    G = network.gradient_patches(7, 32)
    assert G.shape == (32, 49)
    np.testing.assert_allclose(np.linalg.norm(G, axis=1), 1.0)
    np.testing.assert_allclose(G.mean(axis=1), 0.0, atol=1e-12)


def test_to_3x3_keeps_3x3_and_maps_a_gradient_to_a_gradient_of_the_same_orientation():
    W = np.random.default_rng(0).normal(size=(2, 1, 3, 3))
    assert np.array_equal(network.to_3x3(W), W)
    G5 = network.gradient_patches(5, 8).reshape(8, 1, 5, 5)
    X = filters.spatial_filters(network.to_3x3(G5))
    d = np.linalg.norm(X - filters.primary_circle_patches(8), axis=1)
    assert d.max() < 0.05
    with pytest.raises(ValueError, match="1x1"):
        network.to_3x3(np.zeros((2, 2, 1, 1)))


def test_a_layer_of_gradients_has_the_circle_and_random_weights_do_not():
    rng = np.random.default_rng(1)
    P = filters.primary_circle_patches(256, phase=0.01) + 0.05 * rng.normal(size=(256, 9))
    res = network.analyse_network(_conv(P.reshape(256, 1, 3, 3)), p=1.0, mapper=False)
    assert res.circle.present and res.own_size_circle is None and res.kernel_size == (3, 3)
    assert res.three_circles["frac"]["primary"] > 0.9
    rand = network.analyse_network(_conv(rng.normal(size=(256, 1, 3, 3))), mapper=False)
    assert not rand.circle.present


def test_kxk_kernels_follow_the_stated_rule_and_state_dicts_give_the_same_answer():
    rng = np.random.default_rng(2)
    G = network.gradient_patches(5, 200) + 0.02 * rng.normal(size=(200, 25))
    conv = _conv(G.reshape(200, 1, 5, 5))
    res = network.analyse_network(conv, p=1.0)
    assert res.kernel_size == (5, 5) and res.own_size_circle["frac_near"] > 0.95
    assert res.own_size_circle["coverage"] == 1.0 and res.circle.present
    same = network.analyse_network(conv.state_dict(), p=1.0)
    np.testing.assert_array_equal(same.cloud.core, res.cloud.core)
    assert "5x5 kernels" in res.summary() and "KERNEL_RULE" in res.summary()


def test_layers_are_found_by_name_and_constant_filters_counted():
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 40, 3), torch.nn.ReLU(), torch.nn.Conv2d(40, 8, 3))
    assert network.conv_layers(net) == {"0": (40, 1, 3, 3), "2": (8, 40, 3, 3)}
    assert network.layer_weights(net)[0] == "0"
    assert network.layer_weights(net, "2.weight")[0] == "2"
    with torch.no_grad():
        net[0].weight[:5] = 0.0
    res = network.analyse_network(net, "0", mapper=False)
    assert res.n_zero_norm == 5 and res.n_filters == 35
    assert "5 constant ones dropped" in res.summary()


def test_a_list_pools_the_filters_of_several_networks():
    rng = np.random.default_rng(4)
    nets = [_conv(rng.normal(size=(20, 1, 3, 3))) for _ in range(3)]
    pooled = network.analyse_network(nets, mapper=False)
    assert pooled.n_networks == 3 and pooled.n_filters == 60 and "of 3 networks" in pooled.summary()
    with pytest.raises(ValueError, match="differ in shape"):
        network.analyse_network([nets[0], _conv(rng.normal(size=(20, 2, 3, 3)))])
    with pytest.raises(ValueError, match="non-empty list"):
        network.analyse_network([])


@pytest.mark.parametrize("call, match", [
    (lambda: network.analyse_network(torch.nn.Linear(3, 3)), "no convolutional layer"),
    (lambda: network.analyse_network(torch.nn.Conv2d(1, 40, 3), "conv9"), "has: ''"),
    (lambda: network.analyse_network(torch.nn.Conv2d(1, 4, 3)), "at least 10"),
    (lambda: network.analyse_network(torch.nn.Conv2d(3, 40, 1)), "1x1"),
    (lambda: network.analyse_network("model.pt"), "nn.Module or a state dict"),
    (lambda: network.analyse_network({"c.weight": torch.full((20, 1, 3, 3), float("nan"))}), "NaN"),
    (lambda: network.analyse_network(torch.nn.Conv2d(1, 40, 3), p=0.0), "p"),
])
def test_bad_input_is_a_value_error_that_says_what_to_do(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_plot_draws_mapper_and_refuses_without_it():
    import matplotlib

    matplotlib.use("Agg")
    rng = np.random.default_rng(3)
    P = filters.primary_circle_patches(200, phase=0.01) + 0.05 * rng.normal(size=(200, 9))
    res = network.analyse_network(_conv(P.reshape(200, 1, 3, 3)), p=0.6)
    assert res.plot() is not None
    with pytest.raises(ValueError, match="mapper=True"):
        network.analyse_network(_conv(P.reshape(200, 1, 3, 3)), mapper=False).plot()
