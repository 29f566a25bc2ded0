"""Tests of topo_helpers.pruning (first-epoch training, filter removal, criteria)."""

import numpy as np
import torch

from topo_helpers import pruning as pr
from topo_helpers.models import LeNet


def _toy(n=256, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = np.zeros((n, 28, 28), np.uint8)
    x[y == 0, 5:23, 12:16] = 255  # vertical bar
    x[y == 1, 12:16, 5:23] = 255  # horizontal bar
    x = np.clip(x.astype(int) + rng.integers(0, 40, x.shape), 0, 255).astype(np.uint8)
    return x, y


def test_train_first_epoch_checkpoints_and_learning():
    x, y = _toy()
    run = pr.train_first_epoch(x, y, x[:64], y[:64], batch_size=32, n_batches=6, checkpoint_every=2,
                               keep_state_every=3, seed=0, n_classes=2)
    np.testing.assert_array_equal(run.iterations, [0, 2, 4, 6])
    assert run.conv1_weight.shape == (4, 20, 1, 5, 5)
    assert run.confusion.shape == (4, 2, 2)
    np.testing.assert_allclose(run.confusion.sum(-1), 1.0)
    assert sorted(run.states) == [0, 3, 6]
    assert run.accuracy[-1] > 0.9
    # conv1 parameters give the model's own feature maps
    net = run.model(6)
    fm = pr.feature_maps(run.conv1_weight[-1], run.conv1_bias[-1], x[:4])
    with torch.no_grad():
        ref = net.feature_maps(pr.to_tensor(x[:4])).numpy()
    np.testing.assert_allclose(fm, ref, atol=1e-5)


def test_remove_filters_zeroes_maps_and_keeps_original():
    torch.manual_seed(0)
    net = LeNet(init="torch")
    m = pr.remove_filters(net, [1, 3])
    x = pr.to_tensor(np.random.default_rng(0).integers(0, 255, (2, 28, 28)).astype(np.uint8))
    with torch.no_grad():
        f = m.feature_maps(x)
    assert torch.all(f[:, [1, 3]] == 0) and torch.any(f[:, 0] != 0)
    assert torch.any(net.conv1.weight[1] != 0)


def test_criteria_and_curves():
    x, y = _toy(128)
    torch.manual_seed(0)
    net = LeNet()
    xt = pr.to_tensor(x)
    s = pr.taylor_scores(net, xt, y)
    assert s.shape == (20,) and np.all(s >= 0) and np.isclose(np.linalg.norm(s), 1.0)
    order = pr.greedy_oracle_order(net, xt[:32], y[:32], n_remove=3)
    assert len(set(order)) == 3
    curve = pr.pruning_curve(net, order, xt[:32], y[:32])
    assert curve.shape == (4,) and np.all((curve >= 0) & (curve <= 1))


def test_single_removal_order_ranks_by_the_accuracy_after_one_removal():
    x, y = _toy(128)
    run = pr.train_first_epoch(x, y, x[:64], y[:64], batch_size=32, n_batches=4, checkpoint_every=4,
                               keep_state_every=4, seed=0, n_classes=2)
    net = run.model(4)
    xt = pr.to_tensor(x[:64])
    order = pr.single_removal_order(net, xt, y[:64])
    assert sorted(order) == list(range(20))
    after = [pr.evaluate(pr.remove_filters(net, [k]), xt, y[:64]) for k in order]
    assert all(a >= b for a, b in zip(after, after[1:]))          # least harmful removal first
    # ties keep the smaller index first
    for a, b, ka, kb in zip(after, after[1:], order, order[1:]):
        if a == b:
            assert ka < kb
