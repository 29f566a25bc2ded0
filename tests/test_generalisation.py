import numpy as np
import pytest

from topo_helpers import filters, train
from topo_helpers import generalisation as gen


@pytest.mark.parametrize("kind", ["circle", "klein", "gaussian"])
def test_filter_bank_mean_zero_unit_norm(kind):
    B = gen.filter_bank(kind, 64, seed=3)
    assert B.shape == (64, 1, 3, 3) and B.dtype == np.float32
    P = B.reshape(64, 9)
    np.testing.assert_allclose(P.mean(1), 0, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(P, axis=1), 1, atol=1e-5)


def test_filter_bank_circle_lies_on_circle_and_gaussian_does_not():
    fine = filters.primary_circle_patches(3600)
    d_c = gen.distance_to_patches(gen.filter_bank("circle").reshape(64, 9), fine)
    d_g = gen.distance_to_patches(gen.filter_bank("gaussian", seed=0).reshape(64, 9), fine)
    assert d_c.max() < 1e-2
    assert np.median(d_g) > 0.5


def test_filter_bank_errors():
    with pytest.raises(ValueError):
        gen.filter_bank("klein", 60)
    with pytest.raises(ValueError):
        gen.filter_bank("nope")


def test_mnist_config_same_key_and_fixed():
    a = gen.mnist_config(n_networks=2, iterations=10, lr=1e-3, checkpoints=[10, 0, 50])
    b = gen.mnist_config(n_networks=2, iterations=10, lr=1e-3, checkpoints=[0, 10])
    assert train.config_key(a) == train.config_key(b)
    assert a.resolved().checkpoints == (0, 10)
    c = gen.mnist_config(n_networks=2, iterations=10, lr=1e-3, fixed_conv1=gen.filter_bank("circle"))
    assert train.config_key(c) != train.config_key(a)


def test_iterations_to_accuracy_and_speedup():
    it = [0, 10, 20, 30]
    assert gen.iterations_to_accuracy(it, [0.1, 0.5, 0.9, 0.95], 0.7) == pytest.approx(15.0)
    assert np.isnan(gen.iterations_to_accuracy(it, [0.1, 0.2, 0.3, 0.4], 0.9))
    assert gen.speedup(it, [0.1, 0.3, 0.5, 0.9], [0.1, 0.9, 0.95, 0.97], 0.9) == pytest.approx(3.0)
    with pytest.raises(ValueError):
        gen.iterations_to_accuracy([0, 0], [0.1, 0.2], 0.1)


def test_evaluate_networks_fixed_and_appended():
    x, y = train.make_synthetic(256, seed=0)
    bank = gen.filter_bank("circle", 4)
    w1 = np.random.default_rng(0).standard_normal((4, 5, 3, 3)).astype(np.float32)  # 1 + 4 input channels
    cfg = gen.mnist_config(4, 2, 8, n_networks=1, iterations=20, lr=1e-2, fixed_conv1=w1, append_filters=bank)
    res = train.train_many(cfg, (x, y), progress=False)
    np.testing.assert_allclose(res.conv(1)[0], w1, atol=1e-6)  # layer 1 stayed frozen
    with pytest.raises(ValueError, match="append_filters"):
        gen.evaluate_networks(res, x, y)
    acc = gen.evaluate_networks(res, x, y, append_filters=bank)
    assert acc.shape == (1,) and acc[0] > 0.2  # learnable synthetic data: above chance (0.1)
