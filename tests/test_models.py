"""Behaviour of the papers' networks (topo_helpers.models)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from topo_helpers.models import C, LeNet, LocalResponseNorm, M, build_model, conv_weights, first_layer_maps


@pytest.mark.parametrize(
    "xyz, feat, conv1, conv2",
    [
        ((64, 32, 64), 32 * 7 * 7, True, True),
        ((64, 0, 64), 64 * 14 * 14, True, False),
        ((0, 32, 64), 32 * 14 * 14, False, True),
        ((8, 4, 0), 4 * 7 * 7, True, True),
        ((0, 0, 16), 28 * 28, False, False),
    ],
)
def test_M_shapes_and_zero_blocks(xyz, feat, conv1, conv2):
    m = M(*xyz)
    assert m.feature_size == feat
    assert (m.conv1 is not None) == conv1 and (m.conv2 is not None) == conv2
    assert (m.fc is not None) == (xyz[2] > 0)
    assert m.readout.in_features == (xyz[2] or feat)
    assert m(torch.randn(3, 1, 28, 28)).shape == (3, 10)


def test_M_intermediate_shapes_and_kernels():
    m = M(64, 32, 64)
    assert m.conv1.weight.shape == (64, 1, 3, 3) and m.conv2.weight.shape == (32, 64, 3, 3)
    x = torch.randn(2, 1, 28, 28)
    h1 = F.max_pool2d(F.relu(m.conv1(x)), 2, 2)
    assert h1.shape == (2, 64, 14, 14)  # same padding, 2x2/2 pool
    assert m.fc.in_features == 32 * 7 * 7


def test_M_in_channels_65():
    m = M(64, 32, 64, in_channels=65)
    assert m.conv1.weight.shape == (64, 65, 3, 3)
    assert m(torch.randn(2, 65, 28, 28)).shape == (2, 10)


def test_M_dropout_only_in_training_and_removable():
    torch.manual_seed(0)
    x = torch.randn(4, 1, 28, 28)
    m = M(4, 4, 32).train()
    assert not torch.equal(m(x), m(x))  # dropout 0.5 active
    m.eval()
    assert torch.equal(m(x), m(x))
    m0 = M(4, 4, 32, dropout=0.0).train()
    assert isinstance(m0.dropout, torch.nn.Identity)
    assert torch.equal(m0(x), m0(x))


def test_tf_init_and_torch_init():
    torch.manual_seed(0)
    m = M(64, 32, 64)
    assert torch.all(m.conv1.bias == 0.1)
    w = m.conv2.weight.detach()
    assert w.abs().max() <= 0.2 + 1e-6 and 0.07 < float(w.std()) < 0.1
    c = C(64, 32, 64)
    assert torch.all(c.conv1.bias == 0) and torch.all(c.conv2.bias == 0.1)
    assert float(c.readout.weight.detach().abs().max()) <= 2 / 192 + 1e-7
    mt = M(64, 32, 64, init="torch")
    assert not torch.all(mt.conv1.bias == 0.1)
    with pytest.raises(ValueError):
        M(4, 4, 4, init="nope")


@pytest.mark.parametrize(
    "args, kw, channels, feat",
    [
        ((64, 32, 64), {}, 1, 32 * 12 * 12),
        ((64, 32, 64), {"colour": True}, 3, 32 * 12 * 12),
        ((64, 0, 64), {}, 1, 64 * 12 * 12),
        ((48, 0, 64), {"pool1": False}, 1, 48 * 24 * 24),
        ((16, 8, 0), {"pool1": False}, 1, 8 * 24 * 24),
    ],
)
def test_C_shapes(args, kw, channels, feat):
    c = C(*args, **kw)
    assert c.feature_size == feat
    assert c.conv1.weight.shape[1] == channels
    assert c(torch.randn(2, channels, 24, 24)).shape == (2, 10)


def test_C_pool_matches_tensorflow_same_padding():
    x = torch.randn(2, 5, 24, 24)
    # TF 'SAME' 3x3 stride 2 on 24: output 12, pad 0 top/left, 1 bottom/right
    tf_pool = F.max_pool2d(F.pad(x, (0, 1, 0, 1), value=float("-inf")), 3, 2)
    ours = F.max_pool2d(x, 3, 2, ceil_mode=True)
    assert ours.shape == tf_pool.shape == (2, 5, 12, 12)
    assert torch.equal(ours, tf_pool)
    # the network's second block keeps 12x12 (2x2 stride-1 'SAME')
    c = C(4, 3, 0)
    h = c.lrn(F.max_pool2d(F.relu(c.conv1(torch.randn(2, 1, 24, 24))), 3, 2, ceil_mode=True))
    assert h.shape == (2, 4, 12, 12)
    assert c.feature_size == 3 * 12 * 12


def test_C_lrn_parameters():
    c = C(4, 4, 4)
    assert (c.lrn.size, c.lrn.alpha, c.lrn.beta, c.lrn.k) == (9, 0.001, 0.75, 1.0)


@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize("size, beta, c", [(9, 0.75, 64), (5, 0.6, 7), (9, 0.75, 3)])
def test_lrn_matches_torch_values_and_gradients(channels_last, size, beta, c):
    torch.manual_seed(0)
    x = torch.randn(3, c, 5, 6, dtype=torch.float64) * 4
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    ref = torch.nn.LocalResponseNorm(size, alpha=0.01, beta=beta, k=1.5)
    ours = LocalResponseNorm(size, alpha=0.01, beta=beta, k=1.5)
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    ya, yb = ref(xa), ours(xb)
    torch.testing.assert_close(yb, ya, rtol=1e-10, atol=1e-12)
    g = torch.randn_like(ya)
    (ya * g).sum().backward()
    (yb * g).sum().backward()
    torch.testing.assert_close(xb.grad, xa.grad, rtol=1e-10, atol=1e-12)


def test_lrn_window_is_the_channel_neighbourhood():
    # one lit channel only darkens itself and its size // 2 neighbours on each side
    x = torch.zeros(1, 10, 1, 1)
    x[0, 4] = 10.0
    y = LocalResponseNorm(5, alpha=1.0, beta=1.0, k=1.0)(x + 1.0)
    affected = (y[0, :, 0, 0] < 0.45).nonzero().flatten().tolist()  # others: 1 / (1 + n_ones / 5) >= 0.5
    assert affected == [2, 3, 4, 5, 6]


def test_lrn_rejects_bad_input():
    with pytest.raises(ValueError, match="positive window"):
        LocalResponseNorm(0)
    with pytest.raises(ValueError, match=r"\(B, C, H, W\)"):
        LocalResponseNorm(3)(torch.ones(2, 3, 4))


def test_lenet_shapes_and_preactivation_maps():
    torch.manual_seed(0)
    net = LeNet()
    x = torch.rand(3, 1, 28, 28)
    assert net(x).shape == (3, 10)
    maps = net.feature_maps(x)
    assert maps.shape == (3, 20, 24, 24)
    assert torch.equal(maps, net.conv1(x)) and torch.equal(maps, first_layer_maps(net, x))
    assert (maps < 0).any()  # before any ReLU
    assert net.conv2.weight.shape == (50, 20, 5, 5) and net.fc.out_features == 500
    assert torch.all(net.conv1.bias == 0)


def test_conv_weights_sources():
    m = M(8, 4, 16)
    w = conv_weights(m, 1)
    assert isinstance(w, np.ndarray) and w.shape == (8, 1, 3, 3)
    np.testing.assert_array_equal(w, m.conv1.weight.detach().numpy())
    assert conv_weights(m.state_dict(), "conv2").shape == (4, 8, 3, 3)
    stacked = {"conv1.weight": np.zeros((5, 8, 1, 3, 3), np.float16)}
    assert conv_weights(stacked, 1).shape == (5, 8, 1, 3, 3)
    with pytest.raises(KeyError):
        conv_weights(M(8, 0, 16), 2)
    with pytest.raises(ValueError):
        conv_weights(m.state_dict(), "fc")


def test_build_model():
    assert isinstance(build_model("M", X=2, Y=2, Z=2), type(M(1, 1, 1)))
    assert isinstance(build_model("lenet"), LeNet)
    with pytest.raises(ValueError):
        build_model("VGG")
