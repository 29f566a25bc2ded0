"""Tests of the zoo: sharded training merges byte-identically, resumes after a kill, and the stored
runs verify and re-evaluate to their stored accuracies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from topo_helpers import filters, zoo

ROOT = Path(__file__).resolve().parent.parent


def _cli(*args: str, env_extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {**os.environ, **env_extra}
    return subprocess.run([sys.executable, "-m", "topo_helpers.zoo", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def merged_runs(tmp_path_factory):
    """The tiny run trained twice: as two shard processes (0:2, 2:4) and as one process (0:4), both merged."""
    out = {}
    for label, ranges in (("shards", ("0:2", "2:4")), ("one", ("0:4",))):
        base = tmp_path_factory.mktemp(label)
        env = {"TOPO_CACHE_DIR": str(base / "cache"), "OMP_NUM_THREADS": "1"}
        for r in ranges:
            p = _cli("--zoo-dir", str(base / "zoo"), "train", "tiny", "--networks", r, "--threads", "1", env_extra=env)
            assert p.returncode == 0, p.stderr
        p = _cli("--zoo-dir", str(base / "zoo"), "merge", "tiny", env_extra=env)
        assert p.returncode == 0, p.stderr
        out[label] = base / "zoo"
    return out


def test_shards_merge_byte_identically_to_one_process(merged_runs):
    a, b = merged_runs["shards"] / "tiny", merged_runs["one"] / "tiny"
    for name in ("conv1.npz", "conv2.npz", "reference.npz"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    ma, mb = (json.loads((d / "manifest.json").read_text()) for d in (a, b))
    assert ma["accuracy"] == mb["accuracy"] and ma["sha256"] == mb["sha256"]
    assert len(ma["made"]["shards"]) == 2 and len(mb["made"]["shards"]) == 1
    assert not (a / "parts").exists()  # merged parts are removed


def test_manifest_says_how_the_run_was_made(merged_runs):
    m = zoo.load("tiny", merged_runs["one"]).manifest
    assert m["key"] == zoo.RUNS["tiny"].key and m["config"]["n_networks"] == 4
    shard = m["made"]["shards"][0]
    for field in ("code_commit", "torch", "device", "threads", "precision", "started", "finished", "train_s"):
        assert field in shard, field
    assert shard["torch"] == torch.__version__
    assert set(m["accuracy"]) == {"0", "5", "12"} and all(len(v) == 4 for v in m["accuracy"].values())


def test_stored_reference_network_reevaluates_to_its_accuracy(merged_runs):
    r = zoo.load("tiny", merged_runs["one"])
    _, test = zoo._DATASETS["synthetic"]()
    assert _reevaluate(r, test) == pytest.approx(r.accuracies[12][0], abs=1e-9)


def _reevaluate(run: zoo.ZooRun, test) -> float:
    """Test accuracy of the stored reference network, preparing the test images as its configuration says."""
    from topo_helpers import train as T

    cfg = zoo.RUNS[run.name].config.resolved()
    model = run.reference_model()
    x, y = T._as_tensors(test)  # (n, C, H, W) on a writable copy; channels-last colour images permuted
    x = T._centre_crop(x, cfg.crop)  # CIFAR: the 24x24 centre crop; MNIST: unchanged
    correct = 0
    with torch.no_grad():
        for s in range(0, len(x), 1000):
            logits = model(T.prep_input(x[s : s + 1000], cfg.preprocess, torch.float32, None))
            correct += int((logits.argmax(-1) == y[s : s + 1000]).sum())
    return correct / len(x)


def test_conv_shapes_and_errors(merged_runs):
    r = zoo.load("tiny", merged_runs["one"])
    assert r.conv(1).shape == (4, 4, 1, 3, 3) and r.conv(1, 0).dtype == np.float32
    assert r.conv(2).shape == (4, 2, 4, 3, 3)
    with pytest.raises(ValueError, match="iterations"):
        r.conv(2, 5)
    with pytest.raises(ValueError, match="layer must be 1 or 2"):
        r.conv(3)


def test_corrupt_or_missing_archive_names_the_rebuild_command(merged_runs, tmp_path):
    import shutil

    shutil.copytree(merged_runs["one"], tmp_path / "z")
    f = tmp_path / "z" / "tiny" / "conv1.npz"
    data = bytearray(f.read_bytes())
    data[-30] ^= 0xFF
    f.write_bytes(bytes(data))
    with pytest.raises(zoo.ZooError, match=r"corrupt.*python -m topo_helpers.zoo train tiny"):
        zoo.load("tiny", tmp_path / "z")
    with pytest.raises(zoo.ZooError, match="corrupt"):
        zoo.verify(tmp_path / "z", ["tiny"])
    f.unlink()
    with pytest.raises(zoo.ZooError, match=r"missing.*zoo train tiny"):
        zoo.load("tiny", tmp_path / "z")


def test_missing_unknown_and_incomplete_runs(tmp_path, monkeypatch):
    with pytest.raises(zoo.ZooError, match="is not in"):
        zoo.load("tiny", tmp_path)
    with pytest.raises(zoo.ZooError, match="unknown zoo run"):
        zoo.load("no-such-run", tmp_path)
    monkeypatch.setenv("TOPO_CACHE_DIR", str(tmp_path / "cache"))
    zoo.train_shard("tiny", (0, 2), root=tmp_path, verbose=False)
    with pytest.raises(zoo.ZooError, match=r"incomplete.*0:2 of 4"):
        zoo.load("tiny", tmp_path)
    part = zoo.load("tiny", tmp_path, allow_partial=True)
    assert part.partial and part.n_networks == 2
    with pytest.raises(zoo.ZooError, match=r"do not cover.*--networks 2:4"):
        zoo.merge("tiny", tmp_path)
    assert "0:2 of 4" in zoo.verify(tmp_path, ["tiny"])[0]


def test_the_first_networks_are_the_same_from_parts_and_from_the_merged_run(merged_runs, tmp_path, monkeypatch):
    merged = zoo.load("tiny", merged_runs["one"], networks=2)
    monkeypatch.setenv("TOPO_CACHE_DIR", str(tmp_path / "cache"))
    zoo.train_shard("tiny", (0, 2), root=tmp_path, verbose=False)
    parts = zoo.load("tiny", tmp_path, networks=2)
    assert merged.n_networks == parts.n_networks == 2 and merged.partial and parts.partial
    for t in merged.checkpoint_iterations:
        np.testing.assert_array_equal(merged.conv(1, t), parts.conv(1, t))
        np.testing.assert_array_equal(merged.accuracies[t], parts.accuracies[t])
    assert merged.accuracies[12].shape == (2,)
    assert "networks 0-1 of 4" in zoo.describe(parts) and "12 iterations" in zoo.describe(parts)
    assert f"layer 1 {filters.zero_norm_count(parts.conv(1))} of 8" in zoo.describe(parts)   # 2 networks x 4 x 1
    assert zoo.trained_networks("tiny", merged_runs["one"]) == 4  # the merged run: all its networks
    whole = zoo.load("tiny", merged_runs["one"], networks=4)
    assert not whole.partial and whole.conv(2).shape[0] == 4
    with pytest.raises(zoo.ZooError, match=r"2 of the 3 networks.*--networks 2:3"):
        zoo.load("tiny", tmp_path, networks=3)
    for bad in (0, 5):
        with pytest.raises(ValueError, match="between 1 and 4"):
            zoo.load("tiny", tmp_path, networks=bad)


def test_what_a_chapter_prints_does_not_change_as_the_run_grows(tmp_path, monkeypatch):
    monkeypatch.setenv("TOPO_CACHE_DIR", str(tmp_path / "cache"))
    assert zoo.trained_networks("tiny", tmp_path) == 0
    zoo.train_shard("tiny", (0, 1), root=tmp_path, verbose=False)
    before = zoo.load("tiny", tmp_path, networks=1)
    zoo.train_shard("tiny", (3, 4), root=tmp_path, verbose=False)
    assert zoo.trained_networks("tiny", tmp_path) == 1, "a part after a gap does not count"
    zoo.train_shard("tiny", (1, 2), root=tmp_path, verbose=False)
    assert zoo.trained_networks("tiny", tmp_path) == 2
    after = zoo.load("tiny", tmp_path, networks=1)
    assert [sh["networks"] for sh in after.manifest["made"]["shards"]] == [[0, 1]]
    assert zoo.describe(after) == zoo.describe(before)
    assert len(zoo.load("tiny", tmp_path, networks=2).manifest["made"]["shards"]) == 2
    with pytest.raises(zoo.ZooError, match="unknown zoo run"):
        zoo.trained_networks("no-such-run", tmp_path)


def test_parts_trained_on_different_data_do_not_merge(tmp_path, monkeypatch):
    monkeypatch.setenv("TOPO_CACHE_DIR", str(tmp_path / "cache"))
    zoo.train_shard("tiny", (0, 2), root=tmp_path, verbose=False)
    zoo.train_shard("tiny", (2, 4), root=tmp_path, verbose=False)
    meta = tmp_path / "tiny" / "parts" / "00002-00004" / "shard.json"
    m = json.loads(meta.read_text())
    assert len(m["data"]["train"]["images"]) == 64 and m["data"]["test"]["n"] == 512
    m["data"]["train"]["images"] = "0" * 64
    meta.write_text(json.dumps(m))
    with pytest.raises(zoo.ZooError, match="different data"):
        zoo.merge("tiny", tmp_path)


def test_a_killed_network_resumes_to_the_same_weights(tmp_path):
    spec = zoo.RUNS["tiny"]
    data, test = zoo._DATASETS["synthetic"]()
    whole = zoo.train_network(spec, 1, data, test)
    state = tmp_path / "net.state.pt"

    def kill(msg: str) -> None:
        if "iteration 5/" in msg:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        zoo.train_network(spec, 1, data, test, state_path=state, save_interval_s=0.0, progress=kill)
    assert state.exists()
    resumed = zoo.train_network(spec, 1, data, test, state_path=state)
    for k in whole["state"]:
        np.testing.assert_array_equal(whole["state"][k], resumed["state"][k])
    assert whole["accuracy"] == resumed["accuracy"]


def test_write_npz_is_deterministic(tmp_path):
    arrays = {"b": np.arange(6, dtype=np.float16).reshape(2, 3), "a": np.ones(3)}
    s1 = zoo.write_npz(tmp_path / "x.npz", arrays)
    s2 = zoo.write_npz(tmp_path / "y.npz", dict(reversed(list(arrays.items()))))
    assert s1 == s2 and (tmp_path / "x.npz").read_bytes() == (tmp_path / "y.npz").read_bytes()
    with np.load(tmp_path / "x.npz") as z:
        np.testing.assert_array_equal(z["b"], arrays["b"])


def test_cli_rejects_a_bad_network_range(tmp_path):
    p = _cli("--zoo-dir", str(tmp_path), "train", "tiny", "--networks", "3:9", env_extra={})
    assert p.returncode == 2 and "0 <= a < b <= 4" in p.stderr
    p = _cli("--zoo-dir", str(tmp_path), "train", "nope", env_extra={})
    assert p.returncode == 2 and "unknown zoo run" in p.stderr


# --------------------------------------------------------------------------- the committed zoo


def _committed_runs() -> list[str]:
    return [n for n in sorted(zoo.RUNS) if n != "tiny" and ((zoo.zoo_dir() / n / "manifest.json").exists() or zoo._parts(n, zoo.zoo_dir()))]


def test_the_committed_zoo_verifies():
    lines = zoo.verify()
    assert len(lines) == len(zoo.RUNS)
    assert all(": ok" in line or ": not trained" in line for line in lines), lines


@pytest.mark.parametrize("name", _committed_runs() or [pytest.param("none", marks=pytest.mark.skip(reason="no run committed yet"))])
def test_committed_run_reevaluates_to_its_stored_accuracy(name):
    from topo_helpers import data as tdata

    run = zoo.load(name, allow_partial=True)
    try:
        _, test = zoo._DATASETS[run.manifest["dataset"]]()
    except tdata.DataNotFoundError as err:  # pragma: no cover - a machine without the data
        pytest.skip(f"test data unavailable: {err}")
    last = max(run.accuracies)
    # float32 on another CPU may flip a borderline image or two out of 10,000
    assert _reevaluate(run, test) == pytest.approx(run.accuracies[last][0], abs=3e-4)


def test_dask_local_cluster_two_shards_merge_identically(merged_runs, tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setenv("TOPO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    parts = zoo.launch_dask("tiny", 2, n_workers=2, threads=1, root=tmp_path / "zoo")
    assert [p.name for p in parts] == ["00000-00002", "00002-00004"]
    for name in ("conv1.npz", "conv2.npz", "reference.npz"):
        assert (tmp_path / "zoo" / "tiny" / name).read_bytes() == (merged_runs["one"] / "tiny" / name).read_bytes()


def test_shard_ranges_cover_the_networks_once():
    r = zoo._shard_ranges(0, 100, 8)
    assert r[0][0] == 0 and r[-1][1] == 100 and all(x[1] == y[0] for x, y in zip(r, r[1:]))
    assert zoo._shard_ranges(0, 3, 8) == [(0, 1), (1, 2), (2, 3)]


def test_generalisation_runs_are_the_mnist_recipe_with_a_bank():
    from topo_helpers.generalisation import filter_bank

    base = zoo.RUNS["mnist"].config.to_json()
    for name, kind, field in [("mnist-fixed-circle", "circle", "fixed"), ("mnist-fixed-gaussian", "gaussian", "fixed"),
                              ("mnist-append-circle", "circle", "append_filters"),
                              ("mnist-append-klein", "klein", "append_filters"),
                              ("mnist-append-gaussian", "gaussian", "append_filters")]:
        spec = zoo.RUNS[name]
        cfg = spec.config.to_json()
        assert {k for k in cfg if cfg[k] != base[k]} == {"n_networks", field}, name
        bank = spec.config.fixed["conv1.weight"] if field == "fixed" else spec.config.append_filters
        np.testing.assert_array_equal(np.asarray(bank), filter_bank(kind, 64, seed=0).astype(np.float32))
        assert spec.key != zoo.RUNS["mnist"].key and spec.n_networks == 3
    trained = zoo.RUNS["mnist-trained"]
    assert {k for k, v in trained.config.to_json().items() if v != base[k]} == {"n_networks"} and trained.final_states
    assert len({zoo.RUNS[n].key for n in zoo.RUNS}) == len(zoo.RUNS), "every run has its own key"


def test_final_states_rebuild_every_network_with_its_stored_accuracy(tmp_path, monkeypatch):
    import dataclasses

    bank = np.random.default_rng(0).normal(size=(2, 1, 3, 3)).astype(np.float32)
    base = zoo.RUNS["tiny"]
    spec = dataclasses.replace(base, name="tiny-final", final_states=True,
                               config=dataclasses.replace(base.config, append_filters=bank))
    monkeypatch.setitem(zoo.RUNS, "tiny-final", spec)
    monkeypatch.setenv("TOPO_CACHE_DIR", str(tmp_path / "cache"))
    zoo.train_shard("tiny-final", (0, 2), root=tmp_path, verbose=False)
    zoo.train_shard("tiny-final", (2, 4), root=tmp_path, verbose=False)
    part = zoo.load("tiny-final", tmp_path, allow_partial=True)
    zoo.merge("tiny-final", tmp_path)
    run = zoo.load("tiny-final", tmp_path)
    assert set(run.final) == set(part.final) and run.final["conv1.weight"].shape[:2] == (4, 4)
    assert run.final["conv1.weight"].shape[2] == 1 + 2, "the appended responses are input channels"
    cfg, _, _, _, _, append, test = zoo._train._prepare(spec.config, *zoo._DATASETS["synthetic"](), torch.device("cpu"))
    for i in range(4):
        np.testing.assert_array_equal(run.final["fc.weight"][i], part.final["fc.weight"][i])
        acc = zoo._accuracy(run.model(i), test, cfg, append)
        assert abs(acc - run.accuracies[12][i]) <= 0.02, (i, acc)  # float16 weights: the stored accuracy
    from topo_helpers.generalisation import evaluate_networks

    imgs, labels = zoo._DATASETS["synthetic"]()[1]
    np.testing.assert_allclose(evaluate_networks(run, np.asarray(imgs), np.asarray(labels), append_filters=bank),
                               run.accuracies[12], atol=0.02)
    assert zoo.load("tiny-final", tmp_path, networks=2).final["fc.weight"].shape[0] == 2
    with pytest.raises(ValueError, match="not among the 4"):
        run.model(4)
    monkeypatch.setitem(zoo.RUNS, "tiny-plain", dataclasses.replace(base, name="tiny-plain"))
    zoo.train_shard("tiny-plain", (0, 1), root=tmp_path, verbose=False)
    with pytest.raises(ValueError, match="keeps no final weights"):
        zoo.load("tiny-plain", tmp_path, networks=1).model(0)


def test_a_stored_run_gives_the_same_topology_with_one_or_two_threads():
    """What a chapter computes from the committed zoo does not depend on the thread count."""
    from threadpoolctl import threadpool_limits

    from topo_helpers import cloud, filters
    from topo_helpers.cloud import core_barcodes

    if zoo.trained_networks("mnist") < 2:
        pytest.skip("the committed zoo holds fewer than 2 networks of mnist")
    X = filters.spatial_filters(zoo.load("mnist", networks=2).conv(1))
    out = []
    for threads in (1, 2):
        with threadpool_limits(threads):
            torch.set_num_threads(threads)
            core, bc = core_barcodes(X, cloud.scaled_k(200, len(X), 6400, k_min=5), 0.3, seed=0)
            out.append((core, bc.bars(1), cloud.primary_circle_test(core, bc)))
    np.testing.assert_array_equal(out[0][0], out[1][0])
    np.testing.assert_array_equal(out[0][1], out[1][1])
    assert out[0][2] == out[1][2]
