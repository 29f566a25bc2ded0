"""Behaviour of the many-network trainer (topo_helpers.train)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import topo_helpers.train as tr
from topo_helpers.train import (
    TrainConfig,
    config_key,
    load_result,
    make_synthetic,
    train_many,
    train_many_cached,
    train_one_by_one,
)


@pytest.fixture(scope="module")
def data():
    return make_synthetic(96, seed=3)


@pytest.fixture(scope="module")
def test_set():
    return make_synthetic(40, seed=3)[0][:40], make_synthetic(40, seed=3)[1][:40]


def small_m(**kw) -> TrainConfig:
    base = dict(arch="M", arch_kwargs={"X": 4, "Y": 3, "Z": 8}, n_networks=3, iterations=3, batch_size=16, dataset="synthetic-test")
    base.update(kw)
    return TrainConfig(**base)


# ------------------------------------------------------------------ equivalence


@pytest.mark.parametrize("strategy", ["vmap", "loop"])
@pytest.mark.parametrize(
    "cfg",
    [
        pytest.param(small_m(dropout=False, dtype="float64", lr=1e-2), id="M-adam"),
        pytest.param(
            TrainConfig(
                "C", {"X": 4, "Y": 3, "Z": 8}, n_networks=3, iterations=3, batch_size=16,
                dtype="float64", momentum=0.9, lr=0.05, weight_decay=0.1,
            ),
            id="C-sgd-crop-flip-fc-decay",
        ),
    ],
)
def test_vectorised_equals_one_by_one(cfg, strategy, data):
    vec = train_many(cfg, data, progress=False, strategy=strategy)
    ref = train_one_by_one(cfg, data, progress=False)
    init = train_many(TrainConfig(**{**cfg.__dict__, "iterations": 0}), data, progress=False)
    assert vec.state.keys() == ref.state.keys()
    for k in ref.state:
        assert vec.state[k].shape[0] == 3
        np.testing.assert_allclose(vec.state[k], ref.state[k], rtol=1e-9, atol=1e-12, err_msg=k)
        assert not np.allclose(vec.state[k], init.state[k]), f"{k} did not move"  # the test can fail


def test_stacked_optimiser_is_per_network():
    """Adam/SGD over stacked tensors with a summed loss == N separate optimisers."""
    torch.manual_seed(0)
    targets = torch.randn(4, 5)
    for make in (lambda p: torch.optim.Adam(p, lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01)):
        w = torch.zeros(4, 5, requires_grad=True)
        opt = make([w])
        solo = [torch.zeros(5, requires_grad=True) for _ in range(4)]
        opts = [make([s]) for s in solo]
        for _ in range(3):
            opt.zero_grad()
            ((w - targets) ** 4).mean(1).sum().backward()
            opt.step()
            for i in range(4):
                opts[i].zero_grad()
                ((solo[i] - targets[i]) ** 4).mean().backward()
                opts[i].step()
        torch.testing.assert_close(w.detach(), torch.stack([s.detach() for s in solo]))


# ------------------------------------------------------------------ independence


def test_networks_differ_in_init_and_data_order(data):
    cfg = small_m(iterations=0, checkpoints=(0,))
    r = train_many(cfg, data, progress=False)
    w = r.checkpoints["conv1_it0"].astype(np.float32)
    assert w.shape == (3, 4, 1, 3, 3)
    assert not np.allclose(w[0], w[1]) and not np.allclose(w[1], w[2])
    cfg = cfg.resolved()
    b = tr._Batcher(*tr._as_tensors(data), [0, 1, 2], cfg, torch.float32, None)
    x, y = b(0)
    assert x.shape == (3, 16, 1, 28, 28) and y.shape == (3, 16)
    assert not torch.equal(y[0], y[1]) or not torch.equal(x[0], x[1])
    idx = b._idx
    assert not torch.equal(idx[0], idx[1])
    # each epoch is a fresh permutation (no repeats within an epoch)
    assert len(set(idx[0].tolist())) == idx.shape[1] == (96 // 16) * 16


def test_network_depends_only_on_its_own_seed(data):
    """Network i of an N-network run == the single network trained with seed + i."""
    cfg = small_m(dropout=False, dtype="float64", iterations=2)
    many = train_many(cfg, data, progress=False)
    one = train_many(small_m(dropout=False, dtype="float64", iterations=2, n_networks=1, seed=2), data, progress=False)
    for k in one.state:
        np.testing.assert_allclose(many.state[k][2], one.state[k][0], rtol=1e-9, atol=1e-12)


def test_dropout_masks_differ_between_networks(data):
    # identical networks (all parameters fixed), dropout on: outputs must differ per network
    cfg = small_m(n_networks=2, iterations=0)
    r = train_many(cfg, data, progress=False)
    same = {k: np.repeat(v[:1], 2, axis=0) for k, v in r.state.items()}
    base = tr.build_model("M", X=4, Y=3, Z=8).to("meta").train()
    params = {k: torch.from_numpy(v) for k, v in same.items()}
    x = torch.rand(1, 16, 1, 28, 28).expand(2, -1, -1, -1, -1)
    out = tr._vmapped(base)(params, x)
    assert not torch.allclose(out[0], out[1])


# ------------------------------------------------------------------ checkpoints


def test_checkpoints_and_accuracies(data, test_set):
    cfg = small_m(iterations=4, checkpoints=(4, 0, 2))
    r = train_many(cfg, data, test_set, progress=False, log_every=2)
    assert r.checkpoint_iterations == [0, 2, 4]
    assert set(r.checkpoints) == {f"conv{l}_it{t}" for l in (1, 2) for t in (0, 2, 4)}
    assert r.checkpoints["conv1_it2"].dtype == np.float16
    assert r.checkpoints["conv2_it2"].shape == (3, 3, 4, 3, 3)
    np.testing.assert_allclose(r.conv(1, 4), r.state["conv1.weight"], rtol=1e-3, atol=1e-4)
    assert not np.allclose(r.conv(1, 0), r.conv(1, 4))
    assert sorted(r.accuracies) == [0, 2, 4]
    assert all(a.shape == (3,) and ((0 <= a) & (a <= 1)).all() for a in r.accuracies.values())
    assert r.loss_iterations.tolist() == [2, 4] and r.losses.shape == (2, 3)
    # one-layer network: no conv2 checkpoints
    r1 = train_many(small_m(arch_kwargs={"X": 4, "Y": 0, "Z": 8}, iterations=1, checkpoints=(1,)), data, progress=False)
    assert set(r1.checkpoints) == {"conv1_it1"}
    with pytest.raises(ValueError):
        small_m(iterations=3, checkpoints=(5,)).resolved()


def test_accuracy_matches_model_eval(data, test_set):
    cfg = small_m(iterations=2, checkpoints=(2,))
    r = train_many(cfg, data, test_set, progress=False)
    x = torch.from_numpy(test_set[0]).float()[:, None] / 255.0
    y = torch.from_numpy(test_set[1])
    for i in range(3):
        with torch.no_grad():
            acc = float((r.model(i)(x).argmax(1) == y).float().mean())
        assert abs(acc - float(r.accuracies[2][i])) < 1e-6


# ------------------------------------------------------------------ resume and cache


def test_resume_equals_uninterrupted(tmp_path, data):
    cfg = small_m(iterations=6, checkpoints=(1, 5))  # dropout ON: RNG state must be restored

    def boom(t: int) -> None:
        if t == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_many(cfg, data, run_dir=tmp_path, progress=False, save_every=2, log_every=3, callback=boom)
    st = torch.load(tmp_path / "state.pt", weights_only=True)
    assert st["iteration"] == 4
    resumed = train_many(cfg, data, run_dir=tmp_path, progress=False, save_every=2, log_every=3)
    straight = train_many(cfg, data, progress=False, log_every=3)  # saved mid loss-log window
    for k in straight.state:
        np.testing.assert_array_equal(resumed.state[k], straight.state[k], err_msg=k)
    for k in straight.checkpoints:
        np.testing.assert_array_equal(resumed.checkpoints[k], straight.checkpoints[k])
    np.testing.assert_array_equal(resumed.losses, straight.losses)
    assert resumed.loss_iterations.tolist() == [3, 6]
    assert not (tmp_path / "state.pt").exists() and (tmp_path / "result.json").exists()
    # a finished run folder is loaded, not retrained
    again = load_result(tmp_path)
    np.testing.assert_array_equal(again.state["fc.weight"], straight.state["fc.weight"])


def test_cache_hit_skips_training(tmp_path, monkeypatch, data, test_set):
    calls = []
    real = tr.train_many

    def counting(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(tr, "train_many", counting)
    monkeypatch.setenv("TOPO_CACHE_DIR", str(tmp_path))
    cfg = small_m(iterations=2, checkpoints=(2,))
    first = train_many_cached(cfg, data, test_data=test_set, progress=False)
    second = train_many_cached(cfg, data, test_data=test_set, progress=False)
    assert len(calls) == 1
    assert first.run_dir is not None and first.run_dir.parent == tmp_path
    np.testing.assert_array_equal(first.state["conv1.weight"], second.state["conv1.weight"])
    np.testing.assert_array_equal(first.accuracies[2], second.accuracies[2])
    np.testing.assert_array_equal(first.checkpoints["conv1_it2"], second.checkpoints["conv1_it2"])
    # other configurations (and data names) get other keys
    assert config_key(cfg, data) != config_key(small_m(iterations=3, checkpoints=(2,)), data)
    assert config_key(cfg, data) != config_key(small_m(iterations=2, checkpoints=(2,), dataset="other"), data)
    assert config_key(cfg, data) == config_key(small_m(iterations=2, checkpoints=(2,), lr=1e-4, optimizer="adam"), data)
    train_many_cached(small_m(iterations=2, seed=7), data, progress=False)
    assert len(calls) == 2


# ------------------------------------------------------------------ features


def test_fixed_layer_is_not_trained_and_appended_channels(data):
    rng = np.random.default_rng(0)
    circle = rng.normal(size=(4, 1, 3, 3)).astype(np.float32)
    cfg = small_m(iterations=2, fixed={"conv1.weight": circle})
    r = train_many(cfg, data, progress=False)
    np.testing.assert_array_equal(r.state["conv1.weight"], np.repeat(circle[None], 3, axis=0))
    assert not np.allclose(r.state["conv1.bias"], 0.1)  # the bias is trained
    app = rng.normal(size=(5, 1, 3, 3)).astype(np.float32)
    r2 = train_many(small_m(iterations=1, append_filters=app), data, progress=False)
    assert r2.state["conv1.weight"].shape == (3, 4, 6, 3, 3)


def test_learning_happens_on_separable_task():
    x, y = make_synthetic(1200, seed=11)
    cfg = TrainConfig(
        "M", {"X": 4, "Y": 0, "Z": 32}, n_networks=2, iterations=100, batch_size=32, lr=1e-2,
        checkpoints=(0, 100), dataset="synthetic-learn",
    )
    r = train_many(cfg, (x[:1000], y[:1000]), (x[1000:], y[1000:]), progress=False, log_every=10)
    assert (r.accuracies[0] < 0.4).all()
    assert (r.accuracies[100] > 0.9).all(), r.accuracies
    assert r.losses.shape == (10, 2) and (r.losses[-1] < 0.5 * r.losses[0]).all()
